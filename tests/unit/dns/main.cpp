// The one Catch2 main of each DNS test binary.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
