// Finding an outbound message in the sink's raw octets: the right one among several, what the
// relay put where the look-alike was (stuffing kept), and what is missing.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "probes/policy/smuggling_arrival.hpp"
#include "probes/policy/smuggling_variants.hpp"

using relaylab::probe::find_smuggling_arrival;
using relaylab::probe::make_smuggling_message;

namespace {
relaylab::probe::SmugglingMessage message_for(std::string_view name) {
    const auto* v = relaylab::probe::find_smuggling_variant(name);
    REQUIRE(v != nullptr);
    return make_smuggling_message(*v, "feedfeedfeedfeed", "a@relaylab.test", "probe@sink.test",
                                  "Mon, 1 Jan 2024 00:00:00 +0000");
}

// What a relay sends: its own envelope, then the content with `replacement` for the sequence.
std::string wire(const relaylab::probe::SmugglingMessage& m, std::string_view sequence,
                 std::string_view replacement) {
    std::string content = m.head + m.tail;
    content.replace(
        content.find(std::string(m.begin_marker) + std::string(sequence)) + m.begin_marker.size(),
        sequence.size(), replacement);
    return "EHLO relay.test\r\nMAIL FROM:<a@relaylab.test>\r\nRCPT TO:<probe@sink.test>\r\n"
           "DATA\r\nReceived: from probe\r\n" +
           content + ".\r\nQUIT\r\n";
}
}  // namespace

TEST_CASE("an arrival is found by its header and cut at its markers", "[smuggling]") {
    auto lf = message_for("lf-dot-lf");
    auto cr = message_for("cr-dot-cr");
    std::vector<std::string> connections = {wire(cr, "\r.\r", "\r\n..\r\n"),
                                            wire(lf, "\n.\n", "\n.\n")};
    auto a = find_smuggling_arrival(connections, lf);
    CHECK(a.arrived);
    REQUIRE(a.forwarded);
    CHECK(*a.forwarded == "\n.\n");
    CHECK_THAT(a.evidence.back(), Catch::Contains("<LF>.<LF>NOOP"));
    auto b = find_smuggling_arrival(connections, cr);
    REQUIRE(b.forwarded);
    CHECK(*b.forwarded == "\r\n..\r\n");
    CHECK_THAT(b.evidence.front(), Catch::StartsWith("sink: connection 1"));
}

TEST_CASE("an arrival that is not there, or lost its markers", "[smuggling]") {
    auto lf = message_for("lf-dot-lf");
    SECTION("not there") {
        auto a = find_smuggling_arrival({"EHLO x\r\nQUIT\r\n"}, lf);
        CHECK_FALSE(a.arrived);
        CHECK_FALSE(a.forwarded);
    }
    SECTION("the NOOP line cut off") {
        std::string w = wire(lf, "\n.\n", "\n.\n");
        w.resize(w.find(lf.after_marker));
        auto a = find_smuggling_arrival({w}, lf);
        CHECK(a.arrived);
        CHECK_FALSE(a.forwarded);
        CHECK_THAT(a.evidence.front(), Catch::Contains("NOOP line not found"));
    }
}
