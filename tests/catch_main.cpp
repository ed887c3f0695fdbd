// The one Catch2 main (and Catch2's implementation) for every test binary, compiled once: under
// the sanitizer build this translation unit alone takes minutes, so a copy per binary would
// dominate CI. A binary with its own CATCH_CONFIG_RUNNER main does not pull this object in
// (static-library semantics: the member is linked only when `main` is still undefined).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
