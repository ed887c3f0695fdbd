#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root, or with sudo available):
#   bash scripts/bootstrap.sh quickstart   install what is missing, build, run `relaylab run`
#   bash scripts/bootstrap.sh test         install what is missing; build with -Werror the
#                                          users' configuration (RelWithDebInfo, what quickstart
#                                          and the benchmarks use) and run README's examples
#                                          against it (tests/docs); build with ASan+UBSan and run
#                                          every ctest (unit, integration, interop, conformance,
#                                          docs); then each libFuzzer target for 30 s
# Idempotent and non-interactive. It never starts, stops or kills anything it did not start:
# the tests run private servers (Postfix with its own config directory, relaylab) on ephemeral
# loopback ports and stop exactly those, so a system Postfix (which Debian's postinst may start)
# is left alone.
#
# Skips: a test whose peer or suite is absent exits 77 (ctest shows it skipped, with the
# reason). With CI=true in the environment (.ci/run sets it) that is a failure instead.
# Knobs: RELAYLAB_FUZZ_SECONDS (per target, default 30), RELAYLAB_TESTDATA (../shared/testdata).
set -euo pipefail

mode=${1:-quickstart}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)

build_packages=(g++ cmake ninja-build pkg-config libboost1.81-dev libssl-dev libldns-dev
    nlohmann-json3-dev catch2 libpsl-dev publicsuffix openssl)
# Real peers the tests talk to, conformance suites shipped by Debian, clang for libFuzzer,
# chromium (report.html rendered headless), python3-jsonschema (report.json against its schema),
# SpamAssassin's spamd and spamc (spam scoring; the tests start their own spamd).
test_packages=(swaks libnet-ssleay-perl postfix python3 python3-dkim python3-spf python3-yaml python3-prometheus-client python3-jsonschema ldnsutils
    bind9-dnsutils curl clang libclang-rt-14-dev lld procps iproute2 chromium spamassassin spamd spamc)

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

# ccache when present (a second run of `test` then takes minutes, not half an hour).
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# LLVM's lld when present (the test mode installs it): it links the 264 MB relaylab binary in
# 1 s where GNU ld takes 5 s, and the ASan build links some 140 executables.
linker=()
link_with_lld() { if command -v ld.lld >/dev/null; then linker=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld); fi; }

configure_and_build() {  # dir, extra cmake args..., [-- targets...]
    local dir=$1; shift
    local args=() targets=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
    [ $# -gt 0 ] && { shift; targets=("$@"); }
    cmake -S . -B "$dir" -G Ninja "${launcher[@]}" "${linker[@]}" "${args[@]}" >/dev/null
    local started=$SECONDS
    if [ ${#targets[@]} -gt 0 ]; then
        cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
    else
        cmake --build "$dir" -j "$jobs"
    fi
    echo "bootstrap: built $dir in $((SECONDS - started)) s"
}

case "$mode" in
quickstart)
    install_missing "${build_packages[@]}"
    configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELAYLAB_TESTS=OFF
    ./build/relaylab run
    ;;
test)
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    link_with_lld
    # The users' configuration, as quickstart and the benchmarks build it, warnings as errors;
    # only the binary (the tests build under ASan below). README's examples run against it.
    # Without debug info (-g0 for -g): the same code and the same warnings, a third less compile
    # time on 2 cores (9.9 s vs 7.0 s for harness/net/smtp_server.cpp), and nobody debugs this one.
    configure_and_build build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELAYLAB_WERROR=ON \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g0 -DNDEBUG" -DRELAYLAB_TESTS=OFF -- relaylab
    /usr/bin/python3 tests/docs/test_readme_examples.py --relaylab build-rel/relaylab
    # -O1 with line tables only (-g1): what sanitizers are meant to run with, and about half
    # the compile time of -O2 -g on 2 cores; reports still name files and lines.
    configure_and_build build-asan -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" \
        -DRELAYLAB_SANITIZE=ON -DRELAYLAB_WERROR=ON
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    started=$SECONDS
    (cd build-asan && ctest --output-on-failure -j "$jobs")
    echo "bootstrap: ctest under ASan took $((SECONDS - started)) s"
    CC=clang CXX=clang++ configure_and_build build-fuzz -DCMAKE_BUILD_TYPE=Sanitize \
        -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DRELAYLAB_FUZZ=ON -DRELAYLAB_WERROR=ON
    # A smoke run per target in CI (the corpora in tests/fuzz/corpus carry what earlier, longer
    # runs found); RELAYLAB_FUZZ_SECONDS=600 for a real session.
    fuzz_seconds=${RELAYLAB_FUZZ_SECONDS:-30}
    for target in build-fuzz/tests/fuzz/fuzz_*; do
        [ -x "$target" ] || continue
        name=$(basename "$target")
        corpus=()
        [ -d "tests/fuzz/corpus/$name" ] && corpus=("tests/fuzz/corpus/$name")
        echo "bootstrap: fuzzing $name for ${fuzz_seconds}s"
        mkdir -p "build-fuzz/corpus-$name"
        "$target" -max_total_time="$fuzz_seconds" -print_final_stats=0 \
            "build-fuzz/corpus-$name" "${corpus[@]}" 2> "build-fuzz/$name.log" \
            || { tail -n 60 "build-fuzz/$name.log"; exit 1; }
    done
    echo "bootstrap: test passed in $SECONDS s"
    ;;
*)
    echo "usage: bash scripts/bootstrap.sh quickstart|test" >&2
    exit 2
    ;;
esac
