// The one Catch2 main (and Catch2's implementation) for every test binary, compiled once: under
// the sanitizer build this translation unit alone takes minutes, so a copy per binary would
// dominate CI. Binaries customise it through prepare_run() (tests/catch_main.hpp).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <iostream>

#include "tests/catch_main.hpp"

namespace relaylab::test {

// Weak: a binary's own definition replaces it at link time.
__attribute__((weak)) std::string prepare_run() {
    return {};
}

}  // namespace relaylab::test

int main(int argc, char* argv[]) {
    constexpr int skipped = 77;  // ctest SKIP_RETURN_CODE
    if (std::string reason = relaylab::test::prepare_run(); !reason.empty()) {
        std::cout << "SKIPPED: " << reason << "\n";
        return skipped;
    }
    return Catch::Session().run(argc, argv);
}
