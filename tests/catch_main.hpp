// The hook of the shared Catch2 main (tests/catch_main.cpp). A test binary that needs set-up
// before any test runs, or that must report itself skipped (ctest SKIP_RETURN_CODE 77, e.g. a
// conformance suite that is not installed), defines prepare_run(); the default does nothing.
#pragma once

#include <string>

namespace relaylab::test {

// Runs before the tests. A non-empty result is the reason to skip the whole binary.
std::string prepare_run();

}  // namespace relaylab::test
