#!/usr/bin/env bash
# SPF evaluations/s: relaylab vs pyspf (python3-spf), same zone and checks, same run; first
# with DNS answered from memory (pure evaluation cost), then against the fixture DNS server
# (`relaylab dns` on loopback, both sides sending real UDP queries, no caching across checks).
# Needs, in BUILD: probes/auth/librelaylab_auth_policy.a, the resolver libraries and the
# relaylab binary:  cmake --build BUILD --target relaylab relaylab_auth_policy relaylab_dns
# Usage: bash bench/auth/run_spf_bench.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-5}
relaylab_bin=${RELAYLAB_BIN:-$build/relaylab}  # only serves the fixture DNS
work=$(mktemp -d /tmp/relaylab-spf-bench.XXXXXX)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

/usr/bin/python3 "$root/bench/auth/spf_workload.py" "$work"
g++ -O2 -std=c++20 -I"$root" "$root/bench/auth/bench_spf.cpp" \
    "$build/probes/auth/librelaylab_auth_policy.a" \
    "$build/harness/dns/librelaylab_dns.a" "$build/harness/dns/core/librelaylab_dns_core.a" \
    "$build/harness/net/librelaylab_asio.a" \
    -lldns -lpsl -lssl -lcrypto -pthread -o "$work/bench_spf"

echo "== DNS from memory"
"$work/bench_spf" memory "$work/cases.json" "$seconds"
/usr/bin/python3 "$root/bench/auth/bench_pyspf.py" memory "$work/cases.json" "$seconds"

echo "== DNS from the fixture server (relaylab dns, UDP on 127.0.0.1)"
"$relaylab_bin" dns --zone "$work/bench.zone" --listen 127.0.0.1:0 > "$work/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
    address=$(grep -oE '127\.0\.0\.1:[0-9]+' "$work/server.out" | head -1 || true)
    [ -n "$address" ] && break
    sleep 0.1
done
[ -n "$address" ] || { cat "$work/server.out"; exit 1; }
echo "fixture DNS at $address"
"$work/bench_spf" dns "$work/cases.json" "$seconds" "$address"
/usr/bin/python3 "$root/bench/auth/bench_pyspf.py" dns "$work/cases.json" "$seconds" "$address"
