// Zone loading: master-file directives, and errors that name the file and the line.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "fake-mx/dns-fixture/core/zone.hpp"
#include "tests/lib/temp_dir.hpp"

using relaylab::testing::TempDir;

using namespace relaylab::dns::fixture;
namespace fs = std::filesystem;

namespace {

const char* soa = "$ORIGIN z.test.\n$TTL 60\n@ IN SOA ns hm 1 2 3 4 5\n";

int error_line(const std::string& text) {
    try {
        load_zone_text(text, "t.zone");
    } catch (const ZoneError& e) {
        CHECK(std::string(e.what()).rfind("t.zone:", 0) == 0);
        return e.line();
    }
    return -1;
}

}  // namespace

TEST_CASE("zone text loads with $ORIGIN and $TTL", "[dns][zone]") {
    Zone zone = load_zone_text(std::string(soa) + "www IN A 192.0.2.1\nmail 30 IN MX 1 www\n", "t");
    CHECK(zone.apex() == "z.test.");
    CHECK(zone.record_count() == 3);
    CHECK(zone.find("www.z.test.") != nullptr);
    CHECK(zone.name_exists("z.test."));
    CHECK_FALSE(zone.name_exists("nope.z.test."));
}

TEST_CASE("zone errors name the line of the bad record", "[dns][zone]") {
    CHECK(error_line(std::string(soa) + "www IN A 192.0.2.1\nbad IN A 999.1.1.1\n") == 5);
    CHECK(error_line(std::string(soa) + "\n\nx IN BOGUSTYPE 1\n") == 6);
    CHECK(error_line(std::string(soa) + "www.other.test. IN A 192.0.2.1\n") == 4);  // outside
    CHECK(error_line("$ORIGIN z.test.\nwww 60 IN A 192.0.2.1\n") == 2);  // SOA must come first
    CHECK(error_line(std::string(soa) + "c IN CNAME x\nc IN A 192.0.2.1\n") == 5);
    CHECK(error_line(std::string(soa) + "t IN TXT \"" + std::string(256, 'x') + "\"\n") == 4);
}

TEST_CASE("a file without SOA is not a zone", "[dns][zone]") {
    CHECK_THROWS_AS(load_zone_text("", "empty.zone"), ZoneError);
}

TEST_CASE("$INCLUDE reads a file relative to the including one, with its own origin",
          "[dns][zone]") {
    TempDir dir;
    dir.write("hosts.inc", "www IN A 192.0.2.1\n");
    dir.write("sub.inc", "mx IN A 192.0.2.2\n");
    auto main = dir.write("z.zone", std::string(soa) +
                                        "$INCLUDE hosts.inc\n"
                                        "$INCLUDE sub.inc sub ; origin sub.z.test.\n"
                                        "after IN A 192.0.2.3\n");
    Zone zone = load_zone_file(main);
    CHECK(zone.find("www.z.test.") != nullptr);
    CHECK(zone.find("mx.sub.z.test.") != nullptr);
    CHECK(zone.find("after.z.test.") != nullptr);  // origin restored after the include

    SECTION("an error inside the included file names that file") {
        dir.write("broken.inc", "ok IN A 192.0.2.1\nbroken IN A nonsense\n");
        auto bad = dir.write("bad.zone", std::string(soa) + "$INCLUDE broken.inc\n");
        try {
            load_zone_file(bad);
            FAIL("no error");
        } catch (const ZoneError& e) {
            CHECK(e.file().find("broken.inc") != std::string::npos);
            CHECK(e.line() == 2);
        }
    }
    SECTION("a missing include names the including line") {
        auto bad = dir.write("missing.zone", std::string(soa) + "$INCLUDE nowhere.inc\n");
        try {
            load_zone_file(bad);
            FAIL("no error");
        } catch (const ZoneError& e) {
            CHECK(e.line() == 4);
        }
    }
    SECTION("an include loop stops at the depth limit") {
        auto loop = dir.write("loop.zone", std::string(soa) + "$INCLUDE self.inc\n");
        dir.write("self.inc", "$INCLUDE self.inc\n");
        CHECK_THROWS_AS(load_zone_file(loop), ZoneError);
    }
}

TEST_CASE("several zones: the longest apex wins, a duplicate apex is refused", "[dns][zone]") {
    ZoneSet set;
    set.add(load_zone_text(soa, "a"));
    set.add(load_zone_text("$ORIGIN sub.z.test.\n@ 60 IN SOA ns hm 1 2 3 4 5\n", "b"));
    CHECK(set.find_zone("x.sub.z.test.")->apex() == "sub.z.test.");
    CHECK(set.find_zone("x.z.test.")->apex() == "z.test.");
    CHECK(set.find_zone("other.test.") == nullptr);
    CHECK(set.find_zone("notz.test.") == nullptr);
    CHECK_THROWS_AS(set.add(load_zone_text(soa, "c")), std::invalid_argument);
}
