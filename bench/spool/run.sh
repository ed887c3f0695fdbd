#!/bin/sh
# Spool micro-benchmark: stores/s with fsync on, 1 KB bodies, from 20 threads that each wait for
# "durable" before their next store (as SMTP sessions wait before 250), and the average records
# per group commit. Usage: bench/spool/run.sh [BUILD_DIR] (the relaylab build with the spool
# library built: ninja -C build relaylab_relay_spool). SPOOL_DIR sets where the spool goes (the
# disk under test; default a directory under /var/tmp, not tmpfs).
set -eu
build=${1:-build}
here=$(dirname "$0")
root=$(cd "$here/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
g++ -std=c++20 -O2 -I"$root" "$here/spool_bench.cpp" \
    "$build/harness/relay/spool/librelaylab_relay_spool.a" "$build/harness/log/librelaylab_log.a" \
    -lpthread -o "$out/spool_bench"
dir=${SPOOL_DIR:-/var/tmp/relaylab-spool-bench.$$}
for run in 1 2 3; do
    "$out/spool_bench" "$dir" 20 ${COUNT:-20000} 1024
done
"$out/spool_bench" "$dir" 1 ${COUNT_ONE:-2000} 1024
