#!/bin/sh
# Runs every spec under spec/ with busted on $LUA (default lua5.4) against the
# built core and signals-mock. Extra arguments go to busted (a spec file, say).
# With SIGNALS_VALGRIND=1 the whole run is under valgrind's memcheck, and any
# memory error or definite leak fails it.
# The last line printed is "N passed, N failed" (spec/support/summary.lua).
# With LUAS="lua5.4 luajit ..." the suite runs once per interpreter (each
# against its own build/$LUA), the specs tagged #host in the first run
# only; each run's count is shown with its name and the last line sums
# them all.
set -u
cd "$(dirname "$0")/.."

if [ -n "${LUAS:-}" ]; then
    passed=0 failed=0 skipped=0 status=0
    # Specs tagged #host drive a program of their own (nginx with its
    # LuaJIT, LÖVE) whatever Lua busted runs on: the first run has them,
    # the others would only repeat them.
    hosts=""
    for lua in $LUAS; do
        out=build/specs-$lua.out
        echo "== specs on $lua"
        LUAS="" LUA=$lua sh "$0" $hosts "$@" >"$out" 2>&1 || status=1
        hosts="--exclude-tags=host"
        sed '$s/^/'"$lua"': /' "$out"
        counts=$(tail -n 1 "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}$/\1 \2 \4/p')
        if [ -z "$counts" ]; then
            echo "$lua: the run ended without its count"
            counts="0 1 0" status=1
        fi
        read -r p f s <<EOF
$counts
EOF
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
    done
    line="$passed passed, $failed failed"
    [ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
    echo "$line"
    exit $status
fi

LUA=${LUA:-lua5.4}
BUSTED=${BUSTED:-/usr/bin/busted}
export SIGNALS_MOCK="$PWD/build/signals-mock"

set -- --cpath="build/$LUA/?.so" "$@"

if [ "${SIGNALS_VALGRIND:-0}" != 1 ]; then
    exec "$LUA" "$BUSTED" "$@"
fi

log=build/memcheck.log
out=build/memcheck.out
valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --track-origins=yes \
    --suppressions=scripts/valgrind.supp --log-file="$log" \
    "$LUA" "$BUSTED" "$@" | tee "$out"
status=$?
# tee hides busted's status in plain sh: read it from valgrind's log and the summary.
if [ -s "$log" ]; then
    echo "memcheck: valgrind reported problems (first lines of $log):"
    head -n 80 "$log"
    status=99
else
    echo "memcheck: no memory errors, no definite leaks"
fi
summary=$(tail -n 1 "$out")
case "$summary" in
*" passed, 0 failed"*) ;;
*) status=1 ;;
esac
echo "$summary"
exit $status
