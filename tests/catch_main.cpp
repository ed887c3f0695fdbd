// The one Catch2 main (and Catch2's implementation) for every test binary, compiled once: under
// the sanitizer build this translation unit alone takes minutes, so a copy per binary would
// dominate CI. Binaries customise it through prepare_run() (tests/catch_main.hpp).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <vector>

#include "tests/catch_main.hpp"

namespace relaylab::test {
namespace {

constexpr int skipped_exit = 77;  // ctest SKIP_RETURN_CODE, set on every test
constexpr int failed_exit = 1;

std::vector<std::string>& skip_reasons() {
    static std::vector<std::string> reasons;  // test cases run on the main thread only
    return reasons;
}

// Skipped outside CI, failed under CI=true; says which and why either way.
int report_missing(const std::vector<std::string>& reasons) {
    const bool ci = in_ci();
    for (const auto& reason : reasons) {
        std::cout << (ci ? "FAILED (CI=true, a suite or peer is missing): " : "SKIPPED: ") << reason
                  << "\n";
    }
    return ci ? failed_exit : skipped_exit;
}

}  // namespace

// Weak: a binary's own definition replaces it at link time.
__attribute__((weak)) std::string prepare_run() {
    return {};
}

void skip_test(const std::string& reason) {
    WARN("skipped: " << reason);
    skip_reasons().push_back(reason);
}

bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string_view(ci) == "true";
}

std::filesystem::path testdata_dir(const char* built_in) {
    const char* override_dir = std::getenv("RELAYLAB_TESTDATA");
    return override_dir != nullptr && *override_dir != '\0' ? override_dir : built_in;
}

}  // namespace relaylab::test

int main(int argc, char* argv[]) {
    if (std::string reason = relaylab::test::prepare_run(); !reason.empty()) {
        return relaylab::test::report_missing({reason});
    }
    const int result = Catch::Session().run(argc, argv);
    if (result != 0 || relaylab::test::skip_reasons().empty()) return result;
    return relaylab::test::report_missing(relaylab::test::skip_reasons());
}
