#!/usr/bin/env bash
# fake-mx throughput with verdicts (issue 9): the same DKIM-signed mail from DOMAINS domains
# pushed by smtp-source into `relaylab fake-mx` once with plain capture and once with
# `--dns` (every message judged: SPF, DKIM rsa-sha256 2048, DMARC, ARC, against `relaylab dns`
# serving the domains' records; the resolver's cache answers all but the first lookups).
# One smtp-source per domain (`-F` sends that domain's signed message file as is), SESSIONS
# sessions each, one connection per session (-d). Each figure is the median of REPEAT rounds of
# wall time around the smtp-source processes; rounds alternate the two modes. Afterwards the
# API must hold every message, and with --dns every one must have DKIM and DMARC pass.
# Not a test: nothing here runs in CI.
#
# usage: bash bench/fakemx/run_dns.sh [path/to/relaylab]   (REPEAT=3 COUNT=30000 DOMAINS=3
#                                                            SESSIONS=10)
set -euo pipefail
relaylab=${1:-build/relaylab}
repeat=${REPEAT:-3}
count=${COUNT:-30000}
domains=${DOMAINS:-3}
sessions=${SESSIONS:-10}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

[ -x /usr/sbin/smtp-source ] || { echo "needs /usr/sbin/smtp-source (apt-get install postfix)" >&2; exit 2; }
[ -x "$relaylab" ] || { echo "no relaylab binary at $relaylab (build it first)" >&2; exit 2; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wait_port() {
    for _ in $(seq 200); do
        (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "nothing listens on $1" >&2; exit 3
}

# Keys, zones and one signed message per domain (about 1 KB, 20 body lines).
zones=()
for i in $(seq "$domains"); do
    d="bench$i.test"
    "$relaylab" dkim keygen --selector b --domain "$d" --out "$out/$d.pem" >"$out/$d.txt"
    {
        printf '$ORIGIN %s.\n$TTL 3600\n@ IN SOA ns.%s. h.%s. 1 3600 600 86400 300\n' "$d" "$d" "$d"
        printf '@ IN NS ns\nns IN A 127.0.0.1\n@ IN TXT "v=spf1 ip4:127.0.0.0/8 -all"\n'
        printf '_dmarc IN TXT "v=DMARC1; p=reject"\n'
        sed "s/^b\._domainkey\.$d\. /b._domainkey /" "$out/$d.txt"
    } >"$out/$d.zone"
    zones+=(--zone "$out/$d.zone")
    {
        printf 'From: Bench <sender@%s>\r\nTo: <rcpt@fakemx.test>\r\nSubject: bench %s\r\n' "$d" "$d"
        printf 'Date: Wed, 02 Dec 2026 04:00:00 +0000\r\nMessage-ID: <bench@%s>\r\n\r\n' "$d"
        for l in $(seq 20); do printf 'Line %d of the benchmark body, about fifty octets.\r\n' "$l"; done
    } >"$out/$d.eml"
    # smtp-source -F reads lines and ends each with CRLF itself: give it LF lines.
    "$relaylab" dkim sign "$out/$d.eml" --key "$out/$d.pem" --selector b --domain "$d" |
        tr -d '\r' >"$out/$d.signed"
done
dns_port=$(free_port)
"$relaylab" dns "${zones[@]}" --listen 127.0.0.1:"$dns_port" >/dev/null &
sleep 0.5

one_run() {  # mode: prints msgs/s
    local mode=$1 port api_port start end pids=() per=$((count / domains)) extra=()
    [ "$mode" = dns ] && extra=(--dns 127.0.0.1:"$dns_port")
    port=$(free_port)
    api_port=$(free_port)
    "$relaylab" fake-mx --listen 127.0.0.1:"$port" --api 127.0.0.1:"$api_port" \
        --max-connections 5000 "${extra[@]}" >/dev/null &
    local server=$!
    wait_port "$port"
    start=$(now)
    for i in $(seq "$domains"); do
        /usr/sbin/smtp-source -d -s "$sessions" -m "$per" -F "$out/bench$i.test.signed" \
            -f "sender@bench$i.test" -t rcpt@fakemx.test 127.0.0.1:"$port" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    end=$(now)
    /usr/bin/python3 - "$api_port" "$((per * domains))" "$mode" <<'EOF'
import json, sys, urllib.request
port, want, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def get(q):
    return json.load(urllib.request.urlopen("http://127.0.0.1:%s/api/v1/messages%s" % (port, q)))
total = get("?limit=0")["total"]
if total != want:
    sys.exit("fake-mx captured %d of %d" % (total, want))
if mode == "dns":
    bad = 0
    for offset in range(0, total, 1000):
        for m in get("?limit=1000&offset=%d" % offset)["messages"]:
            a = m["auth"]
            if not a or [d["result"] for d in a["dkim"]] != ["pass"] or a["dmarc"]["result"] != "pass":
                bad += 1
    if bad:
        sys.exit("%d of %d messages not judged dkim=pass dmarc=pass" % (bad, total))
EOF
    kill "$server"
    wait "$server" 2>/dev/null || true
    awk -v n="$((per * domains))" -v a="$start" -v b="$end" 'BEGIN {printf "%.0f", n / (b - a)}'
}

plain=()
judged=()
for _ in $(seq "$repeat"); do
    plain+=("$(one_run plain)")
    judged+=("$(one_run dns)")
done
p=$(printf '%s\n' "${plain[@]}" | median)
j=$(printf '%s\n' "${judged[@]}" | median)
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); relaylab: $relaylab"
echo "# rounds: plain ${plain[*]}; --dns ${judged[*]}"
echo "| smtp-source -d, $domains domains x $sessions sessions, $count DKIM-signed messages | msgs/s |"
echo "|---|---|"
echo "| fake-mx, plain capture | $p |"
echo "| fake-mx --dns, every message judged | $j ($(awk -v a="$j" -v b="$p" 'BEGIN {printf "%.2f", a / b}')x) |"
