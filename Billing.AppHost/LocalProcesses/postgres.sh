#!/usr/bin/env bash
# Runs a durable local PostgreSQL for the AppHost (and the integration tests) when no container
# runtime is available. Usage: postgres.sh <data-dir> <port> <password-file> [database]
# initdb and postgres refuse to run as root, so as root they run as the postgres user.
set -euo pipefail
data=$1 port=$2 pwfile=$3 database=${4:-billingdb}
bin=${PG_BIN:-$(dirname "$(command -v postgres)")}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$data"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$data"; fi
chmod 700 "$data"
# As root the server runs as postgres, which must be able to walk every parent folder (/root is 0700 on Debian).
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -w "$data"; then
  echo "The postgres user cannot reach $data: a parent folder is not open to other users (/root is 0700 on Debian)." >&2
  echo "Clone the repository outside /root, or set Infrastructure__DataDirectory to a folder such as /var/lib/billing-aspire." >&2
  exit 1
fi

if [ ! -s "$data/PG_VERSION" ]; then
  # initdb reads the password as the server's owner: hand it a private copy.
  pw=$(mktemp)
  cp "$pwfile" "$pw"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pw"; fi
  as_owner "$bin/initdb" -D "$data" -U postgres --auth=scram-sha-256 --pwfile="$pw" \
    -E UTF8 --locale=C.UTF-8 >"$data.initdb.log" 2>&1 || { rm -f "$pw"; cat "$data.initdb.log" >&2; exit 1; }
  rm -f "$pw"
  # Single-user mode creates the application database before any client can connect.
  echo "CREATE DATABASE $database" | as_owner "$bin/postgres" --single -D "$data" postgres >/dev/null
fi

# Durable defaults (fsync, full_page_writes, synchronous_commit stay on); loopback only.
as_owner "$bin/postgres" -D "$data" -p "$port" \
  -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
  -c max_connections=400 -c shared_buffers=256MB &
server=$!

# A fast shutdown on Ctrl-C / SIGTERM: the default smart shutdown would wait for every client.
stop() { as_owner "$bin/pg_ctl" -D "$data" stop -m fast >/dev/null 2>&1 || kill -INT "$server" 2>/dev/null || true; }
trap stop INT TERM
wait "$server" || wait "$server" || true
