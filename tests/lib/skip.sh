# shellcheck shell=bash
# The one skip rule of every shell test (sourced; the same as tests/lib/skip.py and
# tests/catch_main.hpp). A peer or suite that is absent is never a pass: exit 77 (ctest
# SKIP_RETURN_CODE) with the reason printed, or a failure (exit 1) when CI=true, so CI cannot go
# green on a missing install step.

relaylab_missing() {  # reason
    if [ "${CI:-}" = "true" ]; then
        echo "FAILED (CI=true, a suite or peer is missing): $1"
        exit 1
    fi
    echo "SKIPPED: $1"
    exit 77
}

relaylab_require_program() {  # program [debian-package]
    command -v "$1" >/dev/null 2>&1 ||
        relaylab_missing "$1 is not installed${2:+ (Debian package $2)}"
}
