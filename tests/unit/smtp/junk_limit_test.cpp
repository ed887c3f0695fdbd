// Idle clients holding a slot with valid commands: the junk-command limit (NOOP, RSET, VRFY,
// HELP; cf. Postfix smtpd_junk_command_limit) and the BDAT chunk limit per message.
#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/smtp/session_driver.hpp"

using namespace relaylab::smtp::test;
using relaylab::smtp::ServerConfig;

namespace {

const std::string ok = "250 2.0.0 Ok\r\n";
const std::string junk_421 = "421 4.7.0 mx.test Error: too many junk commands\r\n";

ServerConfig junk_config(std::size_t limit) {
    ServerConfig config = test_config();
    config.max_junk_commands = limit;
    return config;
}

std::string deliver_one() {
    return "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nSubject: t\r\n\r\nhi\r\n.\r\n";
}

}  // namespace

TEST_CASE("junk commands beyond the limit get 421 and close", "[session][abuse]") {
    Driver driver(junk_config(4));
    driver.start();
    driver.feed("EHLO client.test\r\n");
    CHECK(driver.feed("NOOP\r\n") == ok);
    CHECK(driver.feed("RSET\r\n") == ok);
    CHECK(driver.feed("VRFY someone\r\n") ==
          "252 2.0.0 Cannot VRFY user, but will accept message\r\n");
    CHECK(driver.feed("HELP\r\n").rfind("214 ", 0) == 0);
    CHECK_FALSE(driver.closed);
    // The fifth, pipelined with more: 421, and nothing after it is read or answered.
    CHECK(driver.feed("NOOP\r\nNOOP\r\n") == junk_421);
    CHECK(driver.closed);
    CHECK(driver.unconsumed == "NOOP\r\n");
}

TEST_CASE("every junk command counts, even a refused one", "[session][abuse]") {
    ServerConfig config = junk_config(2);
    config.max_errors = 0;
    Driver driver(config);
    driver.start();
    CHECK(driver.feed("VRFY\r\n") == "501 5.5.4 Syntax: VRFY address\r\n");
    CHECK(driver.feed("RSET x\r\n") == "501 5.5.4 Syntax: RSET\r\n");
    CHECK(driver.feed("RSET\r\n") == junk_421);
    CHECK(driver.closed);
}

TEST_CASE("an accepted message restarts the junk count", "[session][abuse]") {
    Driver driver(junk_config(3));
    driver.start();
    driver.feed("EHLO client.test\r\n");
    for (int round = 0; round < 5; ++round) {
        // Three junk commands, then a message: 15 in all, five times the limit, never cut off.
        CHECK(driver.feed("NOOP\r\nRSET\r\nNOOP\r\n") == ok + ok + ok);
        std::string out = driver.feed(deliver_one());
        CHECK(out.find("queued as") != std::string::npos);
        REQUIRE_FALSE(driver.closed);
    }
    CHECK(driver.messages.size() == 5);
    // A refused message does not restart it.
    driver.feed("NOOP\r\nNOOP\r\nNOOP\r\n");
    CHECK(driver.feed("MAIL FROM:<a@x.test>\r\nDATA\r\n").find("554 ") != std::string::npos);
    CHECK(driver.feed("NOOP\r\n") == junk_421);
}

TEST_CASE("other commands are no junk, and 0 means no junk limit", "[session][abuse]") {
    Driver driver(junk_config(2));
    driver.start();
    for (int i = 0; i < 10; ++i)
        driver.feed("EHLO client.test\r\n");
    CHECK(driver.feed("NOOP\r\nNOOP\r\n") == ok + ok);
    CHECK_FALSE(driver.closed);

    Driver unlimited(junk_config(0));
    unlimited.start();
    std::string many;
    for (int i = 0; i < 1000; ++i)
        many += "NOOP\r\n";
    std::string out = unlimited.feed(many);
    CHECK(out.size() == 1000 * ok.size());
    CHECK_FALSE(unlimited.closed);
}

TEST_CASE("the default junk limit is Postfix's 100", "[session][abuse]") {
    Driver driver;
    driver.start();
    std::string hundred;
    for (int i = 0; i < 100; ++i)
        hundred += "NOOP\r\n";
    CHECK(driver.feed(hundred).size() == 100 * ok.size());
    CHECK(driver.feed("NOOP\r\n") == junk_421);
}

TEST_CASE("a message takes at most max_bdat_chunks chunks", "[session][abuse]") {
    ServerConfig config = test_config();
    config.max_bdat_chunks = 3;
    Driver driver(config);
    driver.start();
    driver.feed("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n");
    CHECK(driver.feed("BDAT 1\r\na") == "250 2.0.0 Ok: 1 octets received\r\n");
    CHECK(driver.feed("BDAT 1\r\nb") == "250 2.0.0 Ok: 2 octets received\r\n");
    std::string last = driver.feed("BDAT 1 LAST\r\nc");
    CHECK(last.find("queued as") != std::string::npos);
    REQUIRE(driver.messages.size() == 1);

    // The count is per message: the next one starts from zero, and its fourth chunk is cut off.
    driver.feed("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n");
    for (int i = 0; i < 3; ++i)
        CHECK(driver.feed("BDAT 1\r\nx").rfind("250 ", 0) == 0);
    CHECK(driver.feed("BDAT 1\r\nx") == "421 4.7.0 mx.test Error: too many BDAT chunks\r\n");
    CHECK(driver.closed);
    CHECK(driver.messages.size() == 1);
}
