#!/bin/sh
# `make demo`: runs examples/quickstart.lua against signals-mock, or against
# the real API when SABER_API_KEY is set.
set -eu
cd "$(dirname "$0")/.."
LUA=${LUA:-lua5.4}
export LUA_PATH="$PWD/lua/?.lua;$PWD/lua/?/init.lua;;"
export LUA_CPATH="$PWD/build/$LUA/?.so;;"

if [ -n "${SABER_API_KEY:-}" ]; then
    echo "== quickstart against ${SABER_BASE_URL:-https://api.saber.app}"
    exec "$LUA" examples/quickstart.lua
fi

dir=$(mktemp -d)
mock_pid=""
cleanup() {
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# --parent-pid: the mock also exits if this script dies without cleaning up.
build/signals-mock --port 0 --port-file "$dir/port" --parent-pid $$ --ttl 600 \
    --delay-ms 400 >"$dir/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 100); do
    [ -s "$dir/port" ] && break
    sleep 0.05
done
if [ ! -s "$dir/port" ]; then
    echo "signals-mock did not start:" >&2
    cat "$dir/mock.log" >&2
    exit 1
fi
port=$(cat "$dir/port")
echo "== signals-mock on http://127.0.0.1:$port (no API key set: running offline)"

SABER_BASE_URL="http://127.0.0.1:$port" SABER_API_KEY="sk_demo_key" \
SIGNALS_MOCK_SCENARIOS=1 "$LUA" examples/quickstart.lua

# The same API from the command line: bin/signals (installed as `signals`).
export SABER_BASE_URL="http://127.0.0.1:$port" SABER_API_KEY="sk_demo_key"
echo
echo '== bin/signals run acme.com "Are they hiring engineers?" -t boolean'
"$LUA" bin/signals run acme.com "Are they hiring engineers?" -t boolean
echo
echo '== bin/signals batch -q "What is their main product?" -c 4   (5 domains on stdin)'
printf '%s\n' acme.com globex.com initech.com umbrella.com hooli.com |
    "$LUA" bin/signals batch -q "What is their main product?" -c 4
