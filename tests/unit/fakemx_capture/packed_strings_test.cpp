#include <catch2/catch.hpp>
#include <string>

#include "fake-mx/capture/packed_strings.hpp"

using relaylab::fakemx::capture::PackedStrings;

TEST_CASE("packed strings give back every field, empty and long ones included") {
    std::string long_field(300, 'L');  // a two-byte length prefix
    std::string with_nul("a\0b", 3);
    PackedStrings packed({"first", "", long_field, with_nul, "last"});
    REQUIRE(packed.size() == 5);
    CHECK(packed.at(0) == "first");
    CHECK(packed.at(1).empty());
    CHECK(packed.at(2) == long_field);
    CHECK(packed.at(3) == with_nul);
    CHECK(packed.at(4) == "last");
    CHECK(packed.at(5).empty());  // past the end
    // The block holds the text plus one or two bytes per length: no per-field overhead.
    CHECK(packed.heap_bytes() == 1 + (1 + 5) + 1 + (2 + 300) + (1 + 3) + (1 + 4));
}

TEST_CASE("packed strings iterate a tail of fields") {
    PackedStrings packed({"a", "b", "c", "d"});
    std::string seen;
    packed.for_each_from(2, [&](std::string_view f) { seen += f; });
    CHECK(seen == "cd");
    PackedStrings empty;
    CHECK(empty.size() == 0);
    CHECK(empty.at(0).empty());
}
