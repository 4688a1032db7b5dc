#!/bin/sh
# Runs libFuzzer harnesses one after the other, each for SECONDS, on a
# corpus that keeps what earlier runs found (build/fuzz/corpus/<harness>),
# seeded afresh from spec/fixtures/ by fuzz/seeds.lua. Crashes land in
# build/fuzz/crashes/<harness>/.
# Usage (from the project root; `make fuzz` builds first):
#   sh fuzz/run.sh SECONDS HARNESS...
# Prints one line per harness: executions, crashes; fails if any crashed.
set -u
seconds=$1
shift
out=build/fuzz
# Seeds of this run only: runs side by side each have their own.
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
lua5.4 fuzz/seeds.lua "$seeds" || exit 2
failed=0
for harness in "$@"; do
    corpus=$out/corpus/$harness crashes=$out/crashes/$harness log=$out/$harness.log
    # seeds.lua seeds the decoders only: a harness without seeds starts empty.
    mkdir -p "$corpus" "$crashes" "$seeds/$harness"
    # -rss_limit_mb: a decoder that balloons on a small input is a finding too.
    nice -n 10 "$out/fuzz_$harness" -max_total_time="$seconds" -timeout=10 -max_len=16384 \
        -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$corpus" "$seeds/$harness" >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    # A crash stops the run early: the time is what was run.
    took=$([ -n "$execs" ] && [ "${rate:-0}" -gt 0 ] && echo $((execs / rate)) || echo "?")
    found=$(find "$crashes" -type f | wc -l)
    echo "fuzz $harness: ${execs:-?} executions in ${took} s, $found crash file(s) in $crashes (log $log)"
    if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
        failed=1
        grep -m 5 -E 'ERROR|SUMMARY|fuzz: ' "$log"
    fi
done
exit $failed
