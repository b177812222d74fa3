#!/usr/bin/env bash
# Writes the local overlay's secret files (secrets/*.env, git-ignored) from the committed
# secrets/*.env.example: every <name> becomes a random value, the same in every file that names it
# (the API's database password is the one PostgreSQL creates its login with).
# Usage: generate-secrets.sh [overlay directory]. Does nothing when the files exist.
set -euo pipefail
dir=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
examples=("$dir"/secrets/*.env.example)
existing=0
for example in "${examples[@]}"; do [ -f "${example%.example}" ] && existing=$((existing + 1)); done
if [ "$existing" -eq "${#examples[@]}" ]; then
  echo "secrets/*.env exist already: nothing to do"
  exit 0
elif [ "$existing" -gt 0 ]; then
  # Values shared between files would no longer agree: start over instead.
  echo "Only some of secrets/*.env exist: delete them all and run this again." >&2
  exit 1
fi

declare -A values=()
for example in "${examples[@]}"; do
  content=$(cat "$example")
  while [[ $content =~ \<([a-z0-9-]+)\> ]]; do
    name=${BASH_REMATCH[1]}
    [ -n "${values[$name]:-}" ] || values[$name]=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    content=${content//<$name>/${values[$name]}}
  done
  (umask 077 && printf '%s\n' "$content" >"${example%.example}")
  echo "wrote ${example%.example}"
done
