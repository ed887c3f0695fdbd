#!/usr/bin/env bash
# SMTP throughput on loopback, relaylab against Postfix's test tools in the same run:
#   A. relaylab send vs smtp-source, both into smtp-sink
#        1 and 20 sessions; a new connection per message (smtp-source's default) and one
#        connection per session (smtp-source -d)
#   B. relaylab sink vs smtp-sink, both fed by smtp-source (20 sessions, -d and new connections)
# 1 KB bodies: smtp-source -l 1024 sends 1161 octets per message (1024 of body, 137 of
# headers, as counted by `relaylab sink --json`), and relaylab send --size 1161 sends exactly
# that many. Each figure is the median of REPEAT runs of wall time around the whole client
# process; the rounds alternate the two sides (peer, relaylab, peer, relaylab, ...) so that a
# machine whose load changes slows both alike. Not a test: nothing here runs in CI.
#
# BEFORE=path/to/an/older/relaylab adds that binary to every round (its figures and ratio in
# extra columns): a before/after comparison under the same load.
#
# usage: bash bench/smtp/run.sh [path/to/relaylab]    (REPEAT=3 COUNT_D=50000 COUNT_NEW=10000)
set -euo pipefail
relaylab=${1:-build/relaylab}
repeat=${REPEAT:-3}
count_d=${COUNT_D:-50000}
count_new=${COUNT_NEW:-10000}
count_one=${COUNT_ONE:-5000}
size=1161
before=${BEFORE:-}
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
start_relaylab_sink() {  # port [binary]
    "${2:-$relaylab}" sink --listen 127.0.0.1:"$1" --max-connections 5000 >/dev/null &
    sink_pid=$!
    wait_port "$1"
}
stop_sink() { kill "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null || true; }

# One timed client run; prints msgs/s.
# args: kind(source|send) port sessions per_connection count [relaylab binary]
client_run() {
    local kind=$1 port=$2 sessions=$3 mode=$4 count=$5 binary=${6:-$relaylab} start end
    start=$(now)
    if [ "$kind" = source ]; then
        local flags=()
        [ "$mode" = keep ] && flags+=(-d)
        /usr/sbin/smtp-source "${flags[@]}" -s "$sessions" -m "$count" -l 1024 \
            -f sender@relaylab.test -t rcpt@example.test 127.0.0.1:"$port"
    else
        local per=0
        [ "$mode" = new ] && per=1
        "$binary" send --server 127.0.0.1:"$port" --count "$count" --concurrency "$sessions" \
            --messages-per-connection "$per" --size "$size" --json > "$out/send.json"
        /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if not r["failed"] else 1)' "$out/send.json" \
            || { echo "relaylab send reported failures: $(cat "$out/send.json")" >&2; exit 1; }
    fi
    end=$(now)
    rate "$count" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')"
}

one_run() {  # server(smtp-sink|relaylab-sink) kind sessions mode count [relaylab binary]
    local server=$1 kind=$2 sessions=$3 mode=$4 count=$5 binary=${6:-$relaylab} port rate
    port=$(free_port)
    if [ "$server" = smtp-sink ]; then start_smtp_sink "$port"; else start_relaylab_sink "$port" "$binary"; fi
    rate=$(client_run "$kind" "$port" "$sessions" "$mode" "$count" "$binary")
    stop_sink
    echo "$rate"
}

# Alternating rounds of the peer's run, relaylab's and (with BEFORE) the older relaylab's;
# prints the three medians (the third empty without BEFORE).
# args: peer_server peer_kind ours_server ours_kind sessions mode count
measure_pair() {
    local peer_server=$1 peer_kind=$2 ours_server=$3 ours_kind=$4 sessions=$5 mode=$6 count=$7
    local peer=() ours=() old=()
    for _ in $(seq "$repeat"); do
        peer+=("$(one_run "$peer_server" "$peer_kind" "$sessions" "$mode" "$count")")
        ours+=("$(one_run "$ours_server" "$ours_kind" "$sessions" "$mode" "$count")")
        if [ -n "$before" ]; then
            old+=("$(one_run "$ours_server" "$ours_kind" "$sessions" "$mode" "$count" "$before")")
        fi
    done
    local old_median=""
    [ -n "$before" ] && old_median=$(printf '%s\n' "${old[@]}" | median)
    echo "$(printf '%s\n' "${peer[@]}" | median) $(printf '%s\n' "${ours[@]}" | median) $old_median"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# One table row: the figures and, with BEFORE, the older binary's beside them.
row() {  # what sessions label peer ours old
    local line="| $1 | $2 | $3 | $4 | $5 | $(ratio "$5" "$4") |"
    [ -n "$before" ] && line="$line $6 | $(ratio "$6" "$4") |"
    echo "$line"
}
extra_head=""
extra_rule=""
if [ -n "$before" ]; then
    extra_head=" before msgs/s | before ratio |"
    extra_rule="---|---|"
fi

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); relaylab: $relaylab${before:+; before: $before}"
echo "| what | sessions | connections | smtp-source msgs/s | relaylab msgs/s | ratio |$extra_head"
echo "|---|---|---|---|---|---|$extra_rule"
for sessions in 1 20; do
    for mode in new keep; do
        if [ "$mode" = new ]; then count=$count_new; else count=$count_d; fi
        [ "$sessions" = 1 ] && count=$count_one
        read -r base ours old < <(measure_pair smtp-sink source smtp-sink send "$sessions" "$mode" "$count")
        label=$([ "$mode" = new ] && echo "new per message" || echo "one per session")
        row "send into smtp-sink" "$sessions" "$label" "$base" "$ours" "$old"
    done
done
echo
echo "| what | sessions | connections | smtp-sink msgs/s | relaylab sink msgs/s | ratio |$extra_head"
echo "|---|---|---|---|---|---|$extra_rule"
for mode in new keep; do
    if [ "$mode" = new ]; then count=$count_new; else count=$count_d; fi
    read -r base ours old < <(measure_pair smtp-sink source relaylab-sink source 20 "$mode" "$count")
    label=$([ "$mode" = new ] && echo "new per message" || echo "one per session")
    row "smtp-source into the sink" 20 "$label" "$base" "$ours" "$old"
done
echo "# done $(date -u +%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
