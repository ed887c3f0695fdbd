#!/usr/bin/env bash
# SMTP throughput on loopback, relaylab against Postfix's test tools in the same run:
#   A. relaylab send vs smtp-source, both into smtp-sink
#        1 and 20 sessions; a new connection per message (smtp-source's default) and one
#        connection per session (smtp-source -d)
#   B. relaylab sink vs smtp-sink, both fed by smtp-source (20 sessions, -d and new connections)
# 1 KB bodies (smtp-source -l 1024; relaylab send --size 1180 gives the same octets on the wire,
# since smtp-source adds ~150 header octets). Each figure is the median of REPEAT runs of wall
# time around the whole client process. Not a test: nothing here runs in CI.
#
# usage: bash bench/smtp/run.sh [path/to/relaylab]    (REPEAT=3 COUNT_D=50000 COUNT_NEW=10000)
set -euo pipefail
relaylab=${1:-build/relaylab}
repeat=${REPEAT:-3}
count_d=${COUNT_D:-50000}
count_new=${COUNT_NEW:-10000}
count_one=${COUNT_ONE:-5000}
size=1180
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

for tool in /usr/sbin/smtp-source /usr/sbin/smtp-sink; do
    [ -x "$tool" ] || { echo "needs $tool (apt-get install postfix)" >&2; exit 2; }
done

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

start_smtp_sink() {  # port
    /usr/sbin/smtp-sink -u nobody 127.0.0.1:"$1" 1000 >/dev/null 2>&1 &
    sink_pid=$!
    wait_port "$1"
}
start_relaylab_sink() {  # port
    "$relaylab" sink --listen 127.0.0.1:"$1" --max-connections 5000 >/dev/null &
    sink_pid=$!
    wait_port "$1"
}
stop_sink() { kill "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null || true; }

# One timed client run; prints msgs/s. args: kind(source|send) port sessions per_connection count
client_run() {
    local kind=$1 port=$2 sessions=$3 mode=$4 count=$5 start end
    start=$(now)
    if [ "$kind" = source ]; then
        local flags=()
        [ "$mode" = keep ] && flags+=(-d)
        /usr/sbin/smtp-source "${flags[@]}" -s "$sessions" -m "$count" -l 1024 \
            -f sender@relaylab.test -t rcpt@example.test 127.0.0.1:"$port"
    else
        local per=0
        [ "$mode" = new ] && per=1
        "$relaylab" send --server 127.0.0.1:"$port" --count "$count" --concurrency "$sessions" \
            --messages-per-connection "$per" --size "$size" --json > "$out/send.json"
        /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if not r["failed"] else 1)' "$out/send.json" \
            || { echo "relaylab send reported failures: $(cat "$out/send.json")" >&2; exit 1; }
    fi
    end=$(now)
    rate "$count" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')"
}

measure() {  # server(smtp-sink|relaylab-sink) kind sessions mode count
    local server=$1 kind=$2 sessions=$3 mode=$4 count=$5 port results=()
    for _ in $(seq "$repeat"); do
        port=$(free_port)
        if [ "$server" = smtp-sink ]; then start_smtp_sink "$port"; else start_relaylab_sink "$port"; fi
        results+=("$(client_run "$kind" "$port" "$sessions" "$mode" "$count")")
        stop_sink
    done
    printf '%s\n' "${results[@]}" | median
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(uname -r); relaylab: $relaylab"
echo "| what | sessions | connections | smtp-source msgs/s | relaylab msgs/s | ratio |"
echo "|---|---|---|---|---|---|"
for sessions in 1 20; do
    for mode in new keep; do
        if [ "$mode" = new ]; then count=$count_new; else count=$count_d; fi
        [ "$sessions" = 1 ] && count=$count_one
        base=$(measure smtp-sink source "$sessions" "$mode" "$count")
        ours=$(measure smtp-sink send "$sessions" "$mode" "$count")
        label=$([ "$mode" = new ] && echo "new per message" || echo "one per session")
        echo "| send into smtp-sink | $sessions | $label | $base | $ours | $(awk -v a="$ours" -v b="$base" 'BEGIN {printf "%.2f", a / b}') |"
    done
done
echo
echo "| what | sessions | connections | smtp-sink msgs/s | relaylab sink msgs/s | ratio |"
echo "|---|---|---|---|---|---|"
for mode in new keep; do
    if [ "$mode" = new ]; then count=$count_new; else count=$count_d; fi
    base=$(measure smtp-sink source 20 "$mode" "$count")
    ours=$(measure relaylab-sink source 20 "$mode" "$count")
    label=$([ "$mode" = new ] && echo "new per message" || echo "one per session")
    echo "| smtp-source into the sink | 20 | $label | $base | $ours | $(awk -v a="$ours" -v b="$base" 'BEGIN {printf "%.2f", a / b}') |"
done
