// The one Catch2 main of unit_smtp.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
