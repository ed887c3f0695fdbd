// The server's queue id from its 250 reply, in the forms common servers use.
#include <catch2/catch.hpp>

#include "harness/load/queue_id.hpp"

using relaylab::load::parse_queue_id;

TEST_CASE("queue ids in the common servers' 250 replies", "[load][queue_id]") {
    struct Case {
        const char* server;
        const char* text;
        const char* id;
    };
    const Case cases[] = {
        {"postfix", "Ok: queued as 4F1AB2C3D4", "4F1AB2C3D4"},
        {"postfix with enhanced code", "2.0.0 Ok: queued as 4F1AB2C3D4", "4F1AB2C3D4"},
        {"relaylab", "Ok: queued as 0000000000000001", "0000000000000001"},
        {"parenthesised", "Ok (queued as ABC123)", "ABC123"},
        {"exim", "OK id=1rABcD-000123-Ef", "1rABcD-000123-Ef"},
        {"sendmail", "4A1B2C3D012345 Message accepted for delivery", "4A1B2C3D012345"},
        {"exchange",
         "<a1@host.example> [InternalId=12884901891, Hostname=EX1.example] Queued mail for "
         "delivery",
         "12884901891"},
        {"gmail", "OK  1700000000 a1b2c3d4e5f6si123.456 - gsmtp", "a1b2c3d4e5f6si123.456"},
        {"ses", "Ok 0100018c2f3a4b5c-12345678-aaaa-bbbb-cccc-1234567890ab-000000",
         "0100018c2f3a4b5c-12345678-aaaa-bbbb-cccc-1234567890ab-000000"},
        {"no id", "Ok", ""},
        {"no id, prose", "Message accepted", ""},
        {"short ok word", "Ok thanks", ""},
        {"empty", "", ""},
        {"queued as nothing", "queued as", ""},
    };
    for (const auto& c : cases) {
        INFO(c.server << ": " << c.text);
        CHECK(parse_queue_id(c.text) == c.id);
    }
}

TEST_CASE("an over-long or binary 'id' is not an id", "[load][queue_id]") {
    CHECK(parse_queue_id("queued as " + std::string(200, 'A')).empty());
    CHECK(parse_queue_id(std::string("queued as AB\x01") + "C").empty());
}
