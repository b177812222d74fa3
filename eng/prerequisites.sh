#!/usr/bin/env bash
# Installs what this repository needs on a Debian or Ubuntu machine, skipping what is present:
# PostgreSQL and Redis server packages when no container engine answers, Chromium for the
# browser tests (with --browser), nginx and its Lua module for the gateway tests, a font for the emulator's PDFs, kubectl for the deployment
# tests (with --kubectl), the web app's npm packages, and the .NET local tools.
# Sourced by eng/run.sh and eng/test.sh; safe to run repeatedly.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
want_browser=false want_kubectl=false
for arg in "$@"; do
  [ "$arg" = "--browser" ] && want_browser=true
  [ "$arg" = "--kubectl" ] && want_kubectl=true
done

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
# The lease configuration (deploy/gateway/nginx-lease) counts in nginx with Lua: the module (it brings the NDK module
# and lua-resty-core) and cjson for the billing API's JSON.
[ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ] || apt_install libnginx-mod-http-lua
[ -f /usr/lib/x86_64-linux-gnu/lua/5.1/cjson.so ] || [ -f /usr/lib/aarch64-linux-gnu/lua/5.1/cjson.so ] || apt_install lua-cjson

# The Stripe emulator draws invoice PDFs with a system TrueType font.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt_install fonts-dejavu-core

if [ "$want_browser" = true ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium fonts-liberation
fi

# The deployment tests render deploy/kubernetes with kubectl's built-in kustomize (offline; no cluster needed).
if [ "$want_kubectl" = true ] && ! command -v kubectl >/dev/null; then
  # Debian's own kubernetes-client (1.20) predates the kustomize the overlays need; a Kubernetes apt repository's is current.
  if apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt_install kubectl
  else
    echo "kubectl (1.27 or later, for its built-in kustomize) is missing and no apt source offers it: install it by hand" >&2
    echo "(https://kubernetes.io/docs/tasks/tools/), then run this again. tests/Billing.Deploy.Tests needs it." >&2
    exit 1
  fi
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
