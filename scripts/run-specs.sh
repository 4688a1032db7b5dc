#!/bin/sh
# Runs every spec under spec/ with busted on $LUA (default lua5.4) against the
# built core and signals-mock. With SIGNALS_VALGRIND=1 the whole run is under
# valgrind's memcheck, and any error or definite leak fails it.
# The last line printed is "N passed, N failed" (spec/support/summary.lua).
set -u
cd "$(dirname "$0")/.."
LUA=${LUA:-lua5.4}
BUSTED=${BUSTED:-/usr/bin/busted}
export SIGNALS_MOCK="$PWD/build/signals-mock"

set -- --cpath="build/$LUA/?.so" "$@"

if [ "${SIGNALS_VALGRIND:-0}" = 1 ]; then
    log=build/memcheck.log
    valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
        --errors-for-leak-kinds=definite --track-origins=yes \
        --suppressions=scripts/valgrind.supp --log-file="$log" \
        "$LUA" "$BUSTED" "$@"
    status=$?
    if [ -s "$log" ]; then
        echo "valgrind reported problems (see $log):"
        head -n 60 "$log"
    else
        echo "memcheck: no errors, no definite leaks"
    fi
    exit $status
fi

exec "$LUA" "$BUSTED" "$@"
