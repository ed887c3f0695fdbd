#!/usr/bin/env bash
# DKIM sign/s and verify/s: relaylab vs dkimpy, same message and keys, same run.
# Needs the library built: cmake --build BUILD --target relaylab_auth_dkim (default BUILD=build).
# Usage: bash bench/auth/run_dkim_bench.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-3}
work=$(mktemp -d /tmp/relaylab-dkim-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
g++ -O2 -std=c++20 -I"$root" "$root/bench/auth/bench_dkim.cpp" \
    "$build/probes/auth/librelaylab_auth_dkim.a" -lcrypto -o "$work/bench_dkim"
"$work/bench_dkim" "$work/fixtures" "$seconds"
/usr/bin/python3 "$root/bench/auth/bench_dkimpy.py" "$work/fixtures" "$seconds"
