#!/usr/bin/env bash
# fake-mx throughput against Postfix's smtp-sink in the same run (issue 4): smtp-source pushes
# 1 KB messages over 20 sessions into `relaylab fake-mx` (accept-all preset, every message's
# metadata captured in memory, raw content in memory up to the default bound, transcripts on)
# and into smtp-sink, alternating round by round. Both a new connection per message (smtp-source's default)
# and one connection per session (-d). Each figure is the median of REPEAT runs of wall time
# around the smtp-source process; the fake MX's count is checked through its API afterwards.
# Not a test: nothing here runs in CI.
#
# usage: bash bench/fakemx/run.sh [path/to/relaylab]   (REPEAT=3 COUNT_D=50000 COUNT_NEW=10000
#                                                        EXTRA="--no-transcripts")
set -euo pipefail
relaylab=${1:-build/relaylab}
repeat=${REPEAT:-3}
count_d=${COUNT_D:-50000}
count_new=${COUNT_NEW:-10000}
extra=${EXTRA:-}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

for tool in /usr/sbin/smtp-source /usr/sbin/smtp-sink; do
    [ -x "$tool" ] || { echo "needs $tool (apt-get install postfix)" >&2; exit 2; }
done
[ -x "$relaylab" ] || { echo "no relaylab binary at $relaylab (build it first)" >&2; exit 2; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN {printf "%.0f", n / t}'; }

wait_port() {
    for _ in $(seq 100); do
        (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "nothing listens on $1" >&2; exit 3
}

start_server() {  # kind port
    if [ "$1" = smtp-sink ]; then
        /usr/sbin/smtp-sink -u nobody 127.0.0.1:"$2" 1000 >/dev/null 2>&1 &
    else
        api_port=$(free_port)
        # shellcheck disable=SC2086
        "$relaylab" fake-mx --listen 127.0.0.1:"$2" --api 127.0.0.1:"$api_port" \
            --max-connections 5000 $extra >/dev/null &
    fi
    server_pid=$!
    wait_port "$2"
}
stop_server() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; }

captured() {
    curl -s "http://127.0.0.1:$api_port/api/v1/stats" |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["store"]["messages_total"])'
}

one_run() {  # server mode count: prints msgs/s
    local server=$1 mode=$2 count=$3 port start end flags=()
    [ "$mode" = keep ] && flags+=(-d)
    port=$(free_port)
    start_server "$server" "$port"
    start=$(now)
    /usr/sbin/smtp-source "${flags[@]}" -s 20 -m "$count" -l 1024 \
        -f sender@relaylab.test -t rcpt@example.test 127.0.0.1:"$port"
    end=$(now)
    if [ "$server" = fake-mx ]; then
        got=$(captured)
        [ "$got" = "$count" ] || { echo "fake-mx captured $got of $count" >&2; exit 1; }
    fi
    stop_server
    rate "$count" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')"
}

# Rounds alternate the two servers, so drift in the machine's speed hits both alike.
measure() {  # mode count: prints "smtp-sink-median fake-mx-median"
    local mode=$1 count=$2 base=() ours=()
    for _ in $(seq "$repeat"); do
        base+=("$(one_run smtp-sink "$mode" "$count")")
        ours+=("$(one_run fake-mx "$mode" "$count")")
    done
    echo "$(printf '%s\n' "${base[@]}" | median) $(printf '%s\n' "${ours[@]}" | median)"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); relaylab: $relaylab $extra"
echo "| smtp-source, 20 sessions | smtp-sink msgs/s | fake-mx msgs/s | ratio |"
echo "|---|---|---|---|"
for mode in new keep; do
    if [ "$mode" = new ]; then count=$count_new; else count=$count_d; fi
    read -r base ours < <(measure "$mode" "$count")
    label=$([ "$mode" = new ] && echo "new connection per message" || echo "one connection per session (-d)")
    echo "| $label | $base | $ours | $(awk -v a="$ours" -v b="$base" 'BEGIN {printf "%.2f", a / b}') |"
done
