#!/usr/bin/env bash
# Runs a local Redis Cluster for the AppHost (Infrastructure:RedisCluster=true) and the integration tests: one
# redis-server per node given (six: three primaries, each with a replica), in cluster mode, with the same append-only
# file as redis.sh. Usage: redis-cluster.sh <data-dir> <password-file> <port>[:<bus-port>]...
# The bus port defaults to port + 10000. The cluster is created once (redis-cli --cluster create); later starts find it
# in each node's nodes.conf. REDIS_SERVER / REDIS_CLI name the binaries (default: on PATH); REDIS_CLUSTER_NODE_TIMEOUT
# is the milliseconds after which a silent primary is failed over to its replica (default 5000).
# SIGTERM stops every node; a node killed on its own (a fault test) leaves the others running.
set -euo pipefail
data=$1 pwfile=$2
shift 2
password=$(cat "$pwfile")
server=${REDIS_SERVER:-redis-server}
cli=${REDIS_CLI:-redis-cli}
pids=() ports=()
stop() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait || true; }
trap stop EXIT
trap 'exit 0' TERM INT

for node in "$@"; do
  port=${node%%:*} bus=${node#*:}
  [[ $bus == "$node" ]] && bus=$((port + 10000))
  mkdir -p "$data/$port"
  # A replica always stands for election when its primary fails, however long ago it last heard from it
  # (cluster-replica-validity-factor 0): PostgreSQL holds the truth, counters a replica lacks are rebuilt from it, and a
  # cluster that keeps a failed primary's slots unserved refuses every decision on them.
  # The password goes in through the configuration on stdin, never on the command line (ps shows that); a replica
  # authenticates to its primary with the same one.
  "$server" - --bind 127.0.0.1 --port "$port" --cluster-port "$bus" --dir "$data/$port" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout "${REDIS_CLUSTER_NODE_TIMEOUT:-5000}" \
    --cluster-replica-validity-factor 0 \
    --appendonly yes --appendfsync everysec --save "900 1" --save "60 1000" \
    --protected-mode yes --daemonize no --loglevel warning <<<"requirepass $password
masterauth $password" &
  pids+=($!) ports+=("$port")
done

export REDISCLI_AUTH=$password
for port in "${ports[@]}"; do
  until [[ $("$cli" -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; do sleep 0.1; done
done

if [[ ! -f $data/cluster-created ]]; then
  "$cli" --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 1 --cluster-yes >"$data/cluster-create.log"
  touch "$data/cluster-created"
fi

# Until SIGTERM (or every node has exited).
wait || true
