#!/usr/bin/env bash
# Installs what this repository needs on a Debian or Ubuntu machine, skipping what is present:
# PostgreSQL and Redis server packages when no container engine answers, Chromium for the
# browser tests (with --browser), nginx for the gateway tests, a font for the emulator's PDFs, the web app's npm packages, and the .NET local tools.
# Sourced by eng/run.sh and eng/test.sh; safe to run repeatedly.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
want_browser=false
for arg in "$@"; do [ "$arg" = "--browser" ] && want_browser=true; done

log() { printf '\033[1;34m[prerequisites]\033[0m %s\n' "$*"; }

apt_updated=false
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "Missing packages ($*) and no apt-get: install them by hand." >&2
    exit 1
  fi
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ "$apt_updated" = false ]; then
    $sudo apt-get update -qq
    apt_updated=true
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

engine_answers() {
  local runtime=${ASPIRE_CONTAINER_RUNTIME:-docker}
  command -v "$runtime" >/dev/null && timeout 5 "$runtime" info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

mode=${Infrastructure__Mode:-auto}
if [ "$mode" = local ] || { [ "$mode" = auto ] && ! engine_answers; }; then
  packages=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || packages+=(postgresql postgresql-contrib)
  command -v redis-server >/dev/null || packages+=(redis-server)
  [ ${#packages[@]} -eq 0 ] || apt_install "${packages[@]}"
fi

# The gateway tests and benchmark run Debian's nginx (with its auth_request module) in front of a test service.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx

# The Stripe emulator draws invoice PDFs with a system TrueType font.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt_install fonts-dejavu-core

if [ "$want_browser" = true ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium fonts-liberation
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

web="$repo/billing-web"
if [ -f "$web/package-lock.json" ]; then
  stamp="$web/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$web/package-lock.json" -nt "$stamp" ]; then
    log "npm ci (billing-web)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

(cd "$repo" && dotnet tool restore >/dev/null)
