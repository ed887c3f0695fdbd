#include <catch2/catch.hpp>

#include "harness/runner/arrival_scan.hpp"

using namespace relaylab::runner;

TEST_CASE("the tracking id is read from the header section only", "[runner][scan]") {
    CHECK(tracking_id_in_headers("Subject: x\r\nX-Relaylab-Id: r1-42\r\n\r\nbody") == "r1-42");
    CHECK(tracking_id_in_headers("x-relaylab-id:   r1-7  \r\n\r\n") == "r1-7");
    // In the body it is not a header.
    CHECK(tracking_id_in_headers("Subject: x\r\n\r\nX-Relaylab-Id: r1-42\r\n").empty());
    CHECK(tracking_id_in_headers("").empty());
    // Bounded: a header section beyond the limit is not scanned further.
    std::string huge(1000, 'a');
    CHECK(tracking_id_in_headers("A: " + huge + "\r\nX-Relaylab-Id: r-1\r\n\r\n", 100).empty());
}

TEST_CASE("message numbers come only from this run's ids", "[runner][scan]") {
    CHECK(message_number("r1-42", "r1") == 42u);
    CHECK_FALSE(message_number("r2-42", "r1"));
    CHECK_FALSE(message_number("r1-", "r1"));
    CHECK_FALSE(message_number("r1-0", "r1"));
    CHECK_FALSE(message_number("r1-4x", "r1"));
    CHECK_FALSE(message_number("r1-007", "r1"));
    CHECK_FALSE(message_number("r1-99999999999999999999999", "r1"));
    CHECK_FALSE(message_number("r142", "r1"));
}

TEST_CASE("a DSN gives its failed recipients and the returned message's id", "[runner][scan]") {
    const char* dsn =
        "From: MAILER-DAEMON@relay.test\r\n"
        "X-Relaylab-Id: not-this-one\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n"
        "\r\n"
        "--b\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.test\r\n\r\n"
        "Final-Recipient: rfc822; a@Gmail.Test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "Final-Recipient: rfc822; b@yahoo.test\r\nAction: delayed\r\nStatus: 4.0.0\r\n\r\n"
        "Final-Recipient: rfc822;c@yahoo.test\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "Subject: hi\r\nX-Relaylab-Id: r9-5\r\n\r\n--b--\r\n";
    DsnFacts facts = scan_dsn(dsn);
    CHECK(facts.tracking_id == "r9-5");
    REQUIRE(facts.failed.size() == 2);
    CHECK(facts.failed[0] == "a@Gmail.Test");
    CHECK(facts.failed[1] == "c@yahoo.test");
    CHECK(facts.delayed == 1);
    CHECK(domain_of(facts.failed[0]) == "gmail.test");
    CHECK(domain_of("nobody").empty());
}
