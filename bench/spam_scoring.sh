#!/bin/sh
# Spam scoring throughput (issue 13): one private spamd (Debian's, local rules only, CHILDREN
# children), COUNT generated messages of 1-5 KB (a third bulk-advertising, a tenth HTML) scored
# by relaylab's spamd client at concurrency CHILDREN, then by Debian's spamc over the same files
# with the same parallelism (xargs -P). Prints messages/s of each, the ratio, and whether every
# score agreed. Loopback only; stops only the spamd it started (its pid file). Not a test.
#
# usage: bench/spam_scoring.sh [BUILD_DIR]   (COUNT=200 CHILDREN=2 ROUNDS=2; rounds alternate
#                                             which client goes first)
# needs: ninja -C BUILD_DIR relaylab_placement; apt-get install spamassassin spamd spamc
set -eu
build=${1:-build}
count=${COUNT:-200}
children=${CHILDREN:-2}
rounds=${ROUNDS:-2}
here=$(dirname "$0")
root=$(cd "$here/.." && pwd)
out=$(mktemp -d)
cleanup() {
    # The driver stops spamd itself; this is for an interrupted run (spamd has its own process
    # group, so a ^C does not reach it).
    if [ -s "$out/work/spamd/spamd.pid" ]; then kill "$(cat "$out/work/spamd/spamd.pid")" 2>/dev/null || true; fi
    rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v spamc >/dev/null || { echo "needs spamc (apt-get install spamc)" >&2; exit 2; }
for lib in fake-mx/placement/net/librelaylab_placement.a fake-mx/placement/model/librelaylab_placement_model.a \
           harness/net/librelaylab_asio.a; do
    [ -f "$build/$lib" ] || { echo "no $build/$lib (ninja -C $build relaylab_placement)" >&2; exit 2; }
done
# The defines of relaylab_asio (harness/net/CMakeLists.txt): Asio is compiled once, in that library.
g++ -std=c++20 -O2 -I"$root" -DBOOST_ASIO_SEPARATE_COMPILATION -DBOOST_ASIO_NO_DEPRECATED \
    -DBOOST_ASIO_DISABLE_BOOST_COROUTINE "$root/bench/spamd_client_bench.cpp" \
    "$build/fake-mx/placement/net/librelaylab_placement.a" \
    "$build/fake-mx/placement/model/librelaylab_placement_model.a" \
    "$build/harness/net/librelaylab_asio.a" -lssl -lcrypto -lpthread -o "$out/spamd_client_bench"
echo "$(nproc) cores, $(spamd --version | head -1)"
timeout 1800 "$out/spamd_client_bench" "$out/work" "$count" "$children" "$rounds"
