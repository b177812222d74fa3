#!/usr/bin/env bash
# Runs a local Redis for the AppHost (and the integration tests) when no container runtime is
# available. Usage: redis.sh <data-dir> <port> <password-file>; REDIS_SERVER names the binary (default: on PATH).
# Redis holds hot counters that are rebuilt from PostgreSQL, so append-only with fsync every
# second is durable enough and keeps INCRBY fast.
set -euo pipefail
data=$1 port=$2 pwfile=$3
mkdir -p "$data"
# The password goes in through the configuration on stdin, never on the command line (ps shows that).
exec "${REDIS_SERVER:-redis-server}" - --bind 127.0.0.1 --port "$port" --dir "$data" \
  --appendonly yes --appendfsync everysec --save "900 1" --save "60 1000" \
  --protected-mode yes --daemonize no --loglevel warning <<<"requirepass $(cat "$pwfile")"
