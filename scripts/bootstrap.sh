#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root, or with sudo available):
#   bash scripts/bootstrap.sh quickstart   install what is missing, build, run `relaylab run`
#   bash scripts/bootstrap.sh test         install what is missing, build with ASan+UBSan,
#                                          run every ctest (unit, integration, interop,
#                                          conformance), then each libFuzzer target for 60 s
# Idempotent and non-interactive; it never leaves Postfix running.
set -euo pipefail

mode=${1:-quickstart}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)

build_packages=(g++ cmake ninja-build pkg-config libboost1.81-dev libssl-dev libldns-dev
    nlohmann-json3-dev catch2 libpsl-dev publicsuffix openssl)
# Real peers the tests talk to, conformance suites shipped by Debian, clang for libFuzzer.
test_packages=(swaks libnet-ssleay-perl postfix python3 python3-dkim python3-spf python3-yaml ldnsutils
    bind9-dnsutils curl clang libclang-rt-14-dev procps iproute2)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_missing() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "bootstrap: installing ${missing[*]}"
    # Postfix asks which kind of mail system to configure; the tests write their own main.cf.
    echo "postfix postfix/main_mailer_type select No configuration" | sudo_if_needed debconf-set-selections
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

stop_postfix() {
    # Debian's postinst may start a master process; tests start and stop their own instances.
    if command -v postfix >/dev/null && [ -f /etc/postfix/main.cf ]; then
        sudo_if_needed postfix stop >/dev/null 2>&1 || true
    fi
    sudo_if_needed pkill -x master >/dev/null 2>&1 || true
}

configure_and_build() {  # dir, extra cmake args...
    local dir=$1; shift
    cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
    cmake --build "$dir" -j "$jobs"
}

case "$mode" in
quickstart)
    install_missing "${build_packages[@]}"
    configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELAYLAB_TESTS=OFF
    ./build/relaylab run
    ;;
test)
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    stop_postfix
    # -O1 with line tables only (-g1): what sanitizers are meant to run with, and about half
    # the compile time of -O2 -g on 2 cores; reports still name files and lines.
    configure_and_build build-asan -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" \
        -DRELAYLAB_SANITIZE=ON
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    (cd build-asan && ctest --output-on-failure -j "$jobs")
    CC=clang CXX=clang++ configure_and_build build-fuzz -DCMAKE_BUILD_TYPE=Sanitize \
        -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DRELAYLAB_FUZZ=ON
    # A smoke run per target in CI (the corpora in tests/fuzz/corpus carry what earlier, longer
    # runs found); RELAYLAB_FUZZ_SECONDS=600 for a real session.
    fuzz_seconds=${RELAYLAB_FUZZ_SECONDS:-30}
    for target in build-fuzz/tests/fuzz/fuzz_*; do
        [ -x "$target" ] || continue
        corpus="tests/fuzz/corpus/$(basename "$target")"
        echo "bootstrap: fuzzing $(basename "$target") for ${fuzz_seconds}s"
        mkdir -p "build-fuzz/corpus-$(basename "$target")"
        "$target" -max_total_time="$fuzz_seconds" -print_final_stats=0 \
            "build-fuzz/corpus-$(basename "$target")" ${corpus:+$( [ -d "$corpus" ] && echo "$corpus")} \
            2> "build-fuzz/$(basename "$target").log" \
            || { tail -n 60 "build-fuzz/$(basename "$target").log"; exit 1; }
    done
    stop_postfix
    ;;
*)
    echo "usage: bash scripts/bootstrap.sh quickstart|test" >&2
    exit 2
    ;;
esac
