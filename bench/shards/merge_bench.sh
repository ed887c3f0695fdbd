#!/bin/sh
# Merge time of `relaylab report merge` for N shard reports of a one-hour run (issue 14),
# against two peers on the same files in the same run: python3's json.load of every file (the
# parse floor of any merger) and `jq -s` (slurp all, sum one field) when jq is installed.
# Synthetic shards (merge_make_shards.py) until a real sharded run's reports are at hand.
# Loopback-free, writes only to a temporary directory. Not a test.
#
# usage: bench/shards/merge_bench.sh [BUILD_DIR]   (SHARDS=100 ROUNDS=5)
# needs: ninja -C BUILD_DIR relaylab
set -eu
build=${1:-build}
shards=${SHARDS:-100}
rounds=${ROUNDS:-5}
here=$(cd "$(dirname "$0")" && pwd)
relaylab=$(cd "$build" && pwd)/relaylab
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

python3 "$here/merge_make_shards.py" "$work/in" "$shards"
files=$(ls "$work"/in/shard-*/report.json)
echo "$shards shard reports, $(du -ck $files | tail -1 | cut -f1) KiB in all"

# Best and median of ROUNDS wall-clock times, in milliseconds.
time_it() {  # name command...
    name=$1
    shift
    : >"$work/times"
    i=0
    while [ $i -lt "$rounds" ]; do
        start=$(date +%s%N)
        "$@" >/dev/null 2>"$work/err" || [ $? -le 1 ] || { cat "$work/err"; exit 1; }
        end=$(date +%s%N)
        echo $(((end - start) / 1000000)) >>"$work/times"
        i=$((i + 1))
    done
    sort -n "$work/times" | awk -v name="$name" '{ t[NR] = $1 }
        END { printf "%-34s best %5d ms   median %5d ms\n", name, t[1], t[int((NR + 1) / 2)] }'
}

# shellcheck disable=SC2086
time_it "relaylab report merge" "$relaylab" report merge $files --out "$work/out"
# shellcheck disable=SC2086
time_it "python3 json.load of the files" python3 -c \
    'import json, sys; [json.load(open(p)) for p in sys.argv[1:]]' $files
if command -v jq >/dev/null; then
    # shellcheck disable=SC2086
    time_it "jq -s (sum of totals.accepted)" jq -s 'map(.totals.accepted) | add' $files
fi
python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
print("merged: %d accepted, end_to_end p99 %s ms, timeline step %s s, %d steps" % (
    r["totals"]["accepted"], r["latency_ms"]["end_to_end"]["p99"],
    r["throughput"]["timeline_step_s"], len(r["throughput"]["timeline"])))' "$work/out/report.json"
