#!/usr/bin/env bash
# dnsperf against `relaylab dns` and against NSD serving the same zone, in the same run:
# queries/s and latency. Not part of CI. Both servers single-threaded (NSD server-count 1),
# both on 127.0.0.1, each on its own free port; the servers are stopped at the end.
#   usage: bench/dns/dnsperf_vs_nsd.sh [RELAYLAB_BINARY] [SECONDS] [ROUNDS]
# Needs dnsperf and nsd (Debian packages; installed with apt-get when missing and root).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
relaylab=${1:-$root/build/relaylab}
seconds=${2:-10}
rounds=${3:-3}
zone=$root/scenarios/zones/example.test.zone
clients=${DNSPERF_CLIENTS:-20}
outstanding=${DNSPERF_OUTSTANDING:-200}

for pkg in dnsperf nsd; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        [ "$(id -u)" -eq 0 ] || { echo "install $pkg first" >&2; exit 2; }
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
    fi
done
[ -x "$relaylab" ] || { echo "no relaylab binary at $relaylab (build it first)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A query mix a relay and the auth checks make: MX, A, AAAA, TXT (SPF, DKIM, DMARC), TLSA,
# and some negative answers (NXDOMAIN and NODATA).
cat >"$work/queries" <<'Q'
example.test MX
mx1.example.test A
mx2.example.test A
mx-backup.example.test AAAA
example.test TXT
_dmarc.example.test TXT
quickstart._domainkey.example.test TXT
_25._tcp.mx1.example.test TLSA
mail.example.test A
nomail.example.test MX
missing.example.test A
relay.example.test MX
Q

# relaylab dns
"$relaylab" dns --zone "$zone" --listen 127.0.0.1:0 >"$work/relaylab.out" 2>"$work/relaylab.err" &
pids+=($!)
relaylab_port=
for _ in $(seq 1 100); do
    relaylab_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/relaylab.out")
    [ -n "$relaylab_port" ] && break
    sleep 0.05
done
[ -n "$relaylab_port" ] || { cat "$work/relaylab.err"; exit 3; }

# NSD, same zone file, one server process, no privilege drop, no chroot, no control socket.
nsd_port=$(free_port)
cp "$zone" "$work/example.test.zone"
cat >"$work/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1
    port: $nsd_port
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$work"
    database: ""
    zonelistfile: "$work/zone.list"
    xfrdfile: "$work/xfrd.state"
    pidfile: "$work/nsd.pid"
    logfile: "$work/nsd.log"
    verbosity: 0
    # Debian builds NSD with response rate limiting (200 qps per /24 by default): off, or
    # the benchmark measures the limiter.
    rrl-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: example.test
    zonefile: "$work/example.test.zone"
CONF
nsd -d -c "$work/nsd.conf" &
pids+=($!)
for _ in $(seq 1 100); do
    dig @127.0.0.1 -p "$nsd_port" +time=1 +tries=1 example.test SOA +short >/dev/null 2>&1 && break
    sleep 0.1
done
dig @127.0.0.1 -p "$nsd_port" example.test MX +short | grep -q mx1 || { cat "$work/nsd.log"; exit 3; }
dig @127.0.0.1 -p "$relaylab_port" example.test MX +short | grep -q mx1 || exit 3

run() {  # name port -> "qps avg_latency_ms"
    dnsperf -s 127.0.0.1 -p "$2" -d "$work/queries" -l "$seconds" -c "$clients" \
        -q "$outstanding" >"$work/$1.perf" 2>&1
    awk '/Queries per second:/ {q=$4} /Average Latency \(s\):/ {l=$4*1000}
         /Queries lost:/ {lost=$3}
         END {printf "%.0f %.3f %s\n", q, l, lost}' "$work/$1.perf"
}

echo "dnsperf ${seconds}s x $rounds rounds, $clients clients, $outstanding outstanding, zone $zone"
printf '%-10s %-6s %12s %16s %8s\n' server round queries/s avg-latency-ms lost
declare -a relaylab_qps nsd_qps
for round in $(seq 1 "$rounds"); do
    read -r q l lost < <(run nsd "$nsd_port")
    printf '%-10s %-6s %12s %16s %8s\n' nsd "$round" "$q" "$l" "$lost"
    nsd_qps+=("$q")
    read -r q l lost < <(run relaylab "$relaylab_port")
    printf '%-10s %-6s %12s %16s %8s\n' relaylab "$round" "$q" "$l" "$lost"
    relaylab_qps+=("$q")
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
r=$(median "${relaylab_qps[@]}")
n=$(median "${nsd_qps[@]}")
awk -v r="$r" -v n="$n" 'BEGIN {printf "median queries/s: relaylab %d, nsd %d, ratio %.2f (target >= 0.5)\n", r, n, r / n}'
