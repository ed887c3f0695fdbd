// The hook of the shared Catch2 main (tests/catch_main.cpp) and the one skip rule of every test
// binary. A suite or peer that is absent is never a pass:
//   - outside CI the binary exits 77 (ctest SKIP_RETURN_CODE) and prints the reason;
//   - with CI=true it fails, so CI cannot go green on a missing install step.
// A binary whose every test needs the data returns the reason from prepare_run(); a test case
// that alone needs it calls skip_test(reason) and returns (the other tests still run).
#pragma once

#include <filesystem>
#include <string>

namespace relaylab::test {

// Runs before the tests. A non-empty result is the reason to skip the whole binary.
std::string prepare_run();

// Records why the calling test case cannot run (then `return` from it). After the run the
// binary exits 77 with every reason, or 1 under CI=true.
void skip_test(const std::string& reason);

// CI=true in the environment: a missing suite or peer is a failure.
bool in_ci();

// Where the shared test data lives: $RELAYLAB_TESTDATA when set (to run against another copy, or
// to check that its absence is reported), else the path compiled in (../shared/testdata).
std::filesystem::path testdata_dir(const char* built_in);

}  // namespace relaylab::test
