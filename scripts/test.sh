#!/usr/bin/env bash
# Runs every test of every workspace: unit, integration (real Kafka-protocol mock cluster on
# loopback, a Redis Cluster of Debian's redis-server) and end-to-end. Installs what the tests need when it is missing: npm dependencies,
# and Debian packages when run as root (otherwise says what to install). Prints one closing line
# "N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

debian_packages=()
command -v kcat >/dev/null 2>&1 || debian_packages+=(kcat)
command -v redis-server >/dev/null 2>&1 || debian_packages+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || debian_packages+=(redis-tools)
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
fi
npm run build --silent || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
status=0
for workspace in runtime bus ingest detectors sinks cli test; do
  [ -d "$workspace/dist" ] || continue
  echo "=== $workspace"
  log=$(mktemp)
  (cd "$workspace" && npx ava --concurrency 2 2>&1) | tee "$log"
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
done
echo
echo "$passed passed, $failed failed"
exit $status
