// ClientSession transcripts: every reply sequence a relay meets, run whole, in one feed, byte by
// byte and split at every offset (client_transcript.hpp), with typed outcomes, per-recipient
// results and the accounting invariant checked on each run.
#include <catch2/catch.hpp>

#include "tests/unit/smtp/client_transcript.hpp"

namespace relaylab::smtp::test {
namespace {

const std::string greeting = "220 mx.test ESMTP\r\n";
const std::string ehlo = "EHLO relaylab.test\r\n";
const std::string ehlo_pipelining = "250-mx.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n";
const std::string ehlo_plain = "250-mx.test\r\n250 ENHANCEDSTATUSCODES\r\n";
const std::string content = "Subject: t\r\n\r\nhi\r\n";
const std::string content_wire = content + ".\r\n";

ClientConfig config() {
    return ClientConfig{};
}

ClientSetup submit_and_quit(std::vector<OutgoingMessage> messages) {
    return [messages](ClientDriver& driver) {
        for (const auto& message : messages)
            driver.submit(message);
        driver.session.quit();
    };
}

}  // namespace

TEST_CASE("client: one message, one recipient, pipelined", "[client]") {
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(1, {"b@y.test"})}),
        {
            {greeting, ehlo},
            {ehlo_pipelining, "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
            {"250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n", content_wire},
            {"250 2.0.0 queued as Q1\r\n", "QUIT\r\n"},
            {"221 2.0.0 bye\r\n", ""},
        });
    REQUIRE(driver->results.size() == 1);
    const auto& result = driver->results[0];
    CHECK(result.accepted);
    CHECK(result.outcome.ok());
    CHECK(result.outcome.key() == "ok");
    CHECK(result.outcome.reply.code == 250);
    CHECK(result.content_sent);
    REQUIRE(result.recipients.size() == 1);
    CHECK(result.recipients[0].accepted);
    CHECK(driver->closed);
    CHECK(driver->session.session_outcome().ok());
}

TEST_CASE("client: MAIL refused with RCPTs and DATA pipelined behind it", "[client]") {
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(1, {"b@y.test", "c@y.test"})}),
        {
            {greeting, ehlo},
            {ehlo_pipelining,
             "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"},
            // The RCPTs and DATA fail for want of MAIL; nothing to reset.
            {"550 5.7.1 sender refused\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n"
             "503 5.5.1 no valid recipients\r\n",
             "QUIT\r\n"},
            {"221 2.0.0 bye\r\n", ""},
        });
    REQUIRE(driver->results.size() == 1);
    const auto& result = driver->results[0];
    CHECK_FALSE(result.accepted);
    CHECK(result.failed_at == Stage::mail);
    CHECK(result.outcome.layer == FailureLayer::reply);
    CHECK(result.outcome.key() == "reply:550");
    CHECK(result.outcome.reply.enhanced == "5.7.1");
    CHECK_FALSE(result.content_sent);
    CHECK_FALSE(result.outcome.transient());
    REQUIRE(result.recipients.size() == 2);
    CHECK(result.recipients[0].reply.code == 503);
    CHECK_FALSE(result.recipients[1].accepted);
}

TEST_CASE("client: MAIL refused without pipelining sends no RCPT", "[client]") {
    auto driver =
        check_client_transcript(config(), submit_and_quit({make_message(1, {"b@y.test"})}),
                                {
                                    {greeting, ehlo},
                                    {ehlo_plain, "MAIL FROM:<a@x.test>\r\n"},
                                    {"451 4.3.0 try later\r\n", "QUIT\r\n"},
                                    {"221 bye\r\n", ""},
                                });
    REQUIRE(driver->results.size() == 1);
    CHECK(driver->results[0].outcome.key() == "reply:451");
    CHECK(driver->results[0].outcome.transient());
    REQUIRE(driver->results[0].recipients.size() == 1);
    CHECK(driver->results[0].recipients[0].reply.code == 0);  // never asked
}

TEST_CASE("client: some RCPTs refused, the message goes to the others", "[client]") {
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(7, {"b@y.test", "c@y.test", "d@y.test"})}),
        {
            {greeting, ehlo},
            {ehlo_pipelining,
             "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<c@y.test>\r\n"
             "RCPT TO:<d@y.test>\r\nDATA\r\n"},
            {"250 2.1.0 ok\r\n250 2.1.5 ok\r\n550-5.1.1 no such user\r\n550 5.1.1 here\r\n"
             "250 2.1.5 ok\r\n354 go\r\n",
             content_wire},
            {"250 2.0.0 queued\r\n", "QUIT\r\n"},
            {"221 bye\r\n", ""},
        });
    REQUIRE(driver->results.size() == 1);
    const auto& result = driver->results[0];
    CHECK(result.accepted);
    CHECK(result.accepted_recipients == 2);
    REQUIRE(result.recipients.size() == 3);
    CHECK(result.recipients[0].address == "b@y.test");
    CHECK(result.recipients[0].accepted);
    CHECK(result.recipients[1].address == "c@y.test");
    CHECK_FALSE(result.recipients[1].accepted);
    CHECK(result.recipients[1].reply.code == 550);
    CHECK(result.recipients[1].reply.enhanced == "5.1.1");
    CHECK(result.recipients[1].reply.lines.size() == 2);
    CHECK(result.recipients[2].accepted);
}

TEST_CASE("client: 354 with no accepted recipient sends the dot alone (RFC 2920 3.1)", "[client]") {
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(1, {"b@y.test", "c@y.test"})}),
        {
            {greeting, ehlo},
            {ehlo_pipelining,
             "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"},
            {"250 ok\r\n550 5.1.1 no\r\n551 5.1.6 moved\r\n354 go ahead anyway\r\n", ".\r\n"},
            {"554 5.5.1 no valid recipients\r\n", "QUIT\r\n"},
            {"221 bye\r\n", ""},
        });
    REQUIRE(driver->results.size() == 1);
    const auto& result = driver->results[0];
    CHECK(result.failed_at == Stage::rcpt);
    CHECK(result.outcome.key() == "reply:551");  // the last refusal decided it
    CHECK_FALSE(result.content_sent);            // the body never went out
}

TEST_CASE("client: all RCPTs refused, DATA refused, then RSET", "[client]") {
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(1, {"b@y.test"}), make_message(2, {"c@y.test"})}),
        {
            {greeting, ehlo},
            {ehlo_pipelining, "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
            // DATA refused: the transaction is open (MAIL accepted), so RSET before the next;
            // with pipelining the next MAIL follows the RSET in the same write.
            {"250 ok\r\n550 5.1.1 no\r\n554 5.5.1 no valid recipients\r\n",
             "RSET\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"},
            {"250 reset\r\n250 ok\r\n250 ok\r\n354 go\r\n", content_wire},
            {"250 queued\r\n", "QUIT\r\n"},
            {"221 bye\r\n", ""},
        });
    REQUIRE(driver->results.size() == 2);
    CHECK(driver->results[0].outcome.key() == "reply:550");
    CHECK(driver->results[1].accepted);
}

TEST_CASE("client: BDAT failure, then RSET", "[client]") {
    ClientConfig chunking = config();
    chunking.use_chunking = true;
    auto driver = check_client_transcript(
        chunking, submit_and_quit({make_message(1, {"b@y.test"})}),
        {
            {greeting, ehlo},
            {"250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n",
             "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nBDAT 18 LAST\r\n" + content},
            {"250 ok\r\n250 ok\r\n552 5.3.4 too big\r\n", "RSET\r\nQUIT\r\n"},
            {"250 reset\r\n221 bye\r\n", ""},
        });
    REQUIRE(driver->results.size() == 1);
    CHECK(driver->results[0].failed_at == Stage::data_end);
    CHECK(driver->results[0].outcome.key() == "reply:552");
    CHECK(driver->results[0].content_sent);
}

TEST_CASE("client: 421 mid-pipeline fails the rest and returns the unstarted", "[client]") {
    auto driver = check_client_transcript(
        config(),
        [](ClientDriver& d) {
            d.submit(make_message(1, {"b@y.test"}));
            d.submit(make_message(2, {"c@y.test"}));
            d.submit(make_message(3, {"d@y.test"}));
        },
        {
            {greeting, ehlo},
            {ehlo_pipelining, "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
            {"250 ok\r\n250 ok\r\n354 go\r\n",
             content_wire + "MAIL FROM:<a@x.test>\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"},
            {"250 2.0.0 queued\r\n421 4.3.2 shutting down\r\n", ""},
        });
    CHECK(driver->closed);
    REQUIRE(driver->results.size() == 2);
    CHECK(driver->results[0].accepted);
    CHECK(driver->results[1].failed_at == Stage::session);
    CHECK(driver->results[1].outcome.key() == "reply:421");
    CHECK(driver->results[1].outcome.transient());
    CHECK_FALSE(driver->results[1].content_sent);
    REQUIRE(driver->unsent.size() == 1);
    CHECK(driver->unsent[0].id == 3);
    CHECK(driver->session.session_outcome().key() == "reply:421");
}

TEST_CASE("client: 421 greeting fails the session, messages come back unsent", "[client]") {
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(1, {"b@y.test"})}), {{"421 4.3.2 busy\r\n", ""}});
    CHECK(driver->closed);
    CHECK(driver->results.empty());
    REQUIRE(driver->unsent.size() == 1);
    CHECK(driver->session.session_outcome().key() == "reply:421");
    CHECK(driver->session.greeting().code == 421);
}

TEST_CASE("client: multi-line replies split at every byte", "[client]") {
    // The split runs of check_client_transcript cut every line of these at every offset.
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(1, {"b@y.test"})}),
        {
            {"220-mx.test ESMTP\r\n220-second line\r\n220 third\r\n", ehlo},
            {"250-mx.test greets you\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 100000\r\n"
             "250-DSN\r\n250 ENHANCEDSTATUSCODES\r\n",
             "MAIL FROM:<a@x.test> SIZE=18\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
            {"250-2.1.0 sender\r\n250 2.1.0 ok\r\n250-2.1.5 one\r\n250 2.1.5 two\r\n"
             "354-go\r\n354 on\r\n",
             content_wire},
            {"250-2.0.0 queued\r\n250 2.0.0 as X\r\n", "QUIT\r\n"},
            {"221-2.0.0 bye\r\n221 2.0.0 now\r\n", ""},
        });
    REQUIRE(driver->results.size() == 1);
    CHECK(driver->results[0].accepted);
    CHECK(driver->session.capabilities().size == 100000u);
    CHECK(driver->session.greeting().lines.size() == 3);
}

TEST_CASE("client: a reply line over 512 octets does not kill the session", "[client]") {
    std::string long_text(2000, 'x');
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(1, {"b@y.test", "c@y.test"})}),
        {
            {"220 mx.test " + long_text + "\r\n", ehlo},
            {ehlo_pipelining,
             "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"},
            {"250 ok\r\n550 5.7.1 see https://example.test/" + long_text +
                 "\r\n250 ok\r\n354 go\r\n",
             content_wire},
            {"250 queued\r\n", "QUIT\r\n"},
            {"221 bye\r\n", ""},
        });
    REQUIRE(driver->results.size() == 1);
    CHECK(driver->results[0].accepted);
    REQUIRE(driver->results[0].recipients.size() == 2);
    CHECK(driver->results[0].recipients[0].reply.code == 550);
    CHECK(driver->results[0].recipients[0].reply.lines[0].size() > 2000);
}

TEST_CASE("client: a reply line over the tolerated limit is a protocol failure", "[client]") {
    std::string too_long(limits::reply_line_tolerated, 'x');
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(1, {"b@y.test"})}),
        {
            {greeting, ehlo},
            {ehlo_pipelining, "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
            {"250 " + too_long + "\r\n", ""},
        });
    CHECK(driver->closed);
    REQUIRE(driver->results.size() == 1);
    CHECK(driver->results[0].outcome.layer == FailureLayer::protocol);
    CHECK(driver->results[0].outcome.key() == "protocol:mail");
}

TEST_CASE("client: disagreeing enhanced codes keep the first line's", "[client]") {
    auto driver = check_client_transcript(
        config(), submit_and_quit({make_message(1, {"b@y.test"})}),
        {
            {greeting, ehlo},
            {ehlo_pipelining, "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"},
            {"250 ok\r\n550-5.7.1 policy\r\n550 5.1.1 unknown\r\n554 5.5.1 no recipients\r\n",
             "RSET\r\nQUIT\r\n"},
            {"250 ok\r\n221 bye\r\n", ""},
        });
    REQUIRE(driver->results.size() == 1);
    const Reply& reply = driver->results[0].outcome.reply;
    CHECK(reply.code == 550);
    CHECK(reply.enhanced == "5.7.1");
    CHECK(reply.enhanced_mismatch);
}

TEST_CASE("client: DSN parameters pass through when the server offers DSN", "[client]") {
    OutgoingMessage message = make_message(1, {"b@y.test", "c@y.test"});
    message.dsn_return = DsnReturn::headers;
    message.envid = "env id+1=2";
    message.recipient_dsn = {{"success,failure", "B@Y.test", "rfc822"}, {"NEVER", "", "rfc822"}};
    SECTION("offered") {
        check_client_transcript(
            config(), submit_and_quit({message}),
            {
                {greeting, ehlo},
                {"250-mx.test\r\n250-PIPELINING\r\n250 DSN\r\n",
                 "MAIL FROM:<a@x.test> RET=HDRS ENVID=env+20id+2B1+3D2\r\n"
                 "RCPT TO:<b@y.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;B@Y.test\r\n"
                 "RCPT TO:<c@y.test> NOTIFY=NEVER\r\nDATA\r\n"},
                {"250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n", content_wire},
                {"250 queued\r\n", "QUIT\r\n"},
                {"221 bye\r\n", ""},
            });
    }
    SECTION("not offered: nothing the server would refuse") {
        check_client_transcript(
            config(), submit_and_quit({message}),
            {
                {greeting, ehlo},
                {ehlo_pipelining,
                 "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"},
                {"250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n", content_wire},
                {"250 queued\r\n", "QUIT\r\n"},
                {"221 bye\r\n", ""},
            });
    }
}

TEST_CASE("client: messages that would inject commands are refused locally", "[client]") {
    struct Case {
        const char* label;
        OutgoingMessage message;
    };
    auto bad_rcpt = make_message(1, {"b@y.test>\r\nRCPT TO:<evil@z.test"});
    auto bad_from = make_message(2, {"b@y.test"});
    bad_from.mail_from = "a@x\nDATA";
    auto long_envid = make_message(3, {"b@y.test"});
    long_envid.envid = std::string(101, 'e');
    auto bad_notify = make_message(4, {"b@y.test"});
    bad_notify.recipient_dsn = {{"SUCCESS,", "", "rfc822"}};
    auto no_rcpt = make_message(5, {});
    auto no_content = make_message(6, {"b@y.test"});
    no_content.content = nullptr;
    for (auto& c : std::vector<Case>{{"CRLF in recipient", bad_rcpt},
                                     {"LF in sender", bad_from},
                                     {"ENVID over 100", long_envid},
                                     {"NOTIFY trailing comma", bad_notify},
                                     {"no recipients", no_rcpt},
                                     {"no content", no_content}}) {
        INFO(c.label);
        CHECK_FALSE(check_outgoing(c.message).empty());
        ClientDriver driver(config());
        driver.submit(c.message);
        CHECK(driver.drain().empty());
        REQUIRE(driver.results.size() == 1);
        CHECK(driver.results[0].outcome.key() == "local");
        driver.check_accounting();
    }
}

TEST_CASE("client: timeouts name their phase and whether the content went out", "[client]") {
    ClientDriver driver(config());
    driver.submit(make_message(1, {"b@y.test"}));
    driver.submit(make_message(2, {"c@y.test"}));
    driver.feed(greeting);
    driver.feed(ehlo_pipelining);
    std::string out = driver.feed("250 ok\r\n250 ok\r\n354 go\r\n");
    CHECK(out.find(content_wire) == 0);
    // Message 1's content went out; message 2's commands are pipelined behind it.
    CHECK(driver.session.waiting_for() == Waiting::data_end);
    driver.session.timed_out();
    driver.drain();
    CHECK(driver.closed);
    REQUIRE(driver.results.size() == 2);
    CHECK(driver.results[0].outcome.key() == "timeout:data_end");
    CHECK(driver.results[0].outcome.describe() == "timed out waiting for the reply to end of data");
    CHECK(driver.results[0].content_sent);  // a retry may deliver a duplicate
    CHECK(driver.results[0].outcome.content_sent);
    CHECK(driver.results[1].outcome.key() == "timeout:data_end");
    CHECK_FALSE(driver.results[1].content_sent);
    driver.check_accounting();
}

TEST_CASE("client: a connection lost before the greeting returns every message", "[client]") {
    ClientDriver driver(config());
    driver.submit(make_message(1, {"b@y.test"}));
    driver.session.connection_lost("reset");
    driver.drain();
    CHECK(driver.closed);
    CHECK(driver.results.empty());
    REQUIRE(driver.unsent.size() == 1);
    CHECK(driver.session.session_outcome().key() == "protocol:greeting");
    driver.submit(make_message(2, {"b@y.test"}));  // after close: straight back
    driver.unsent.clear();
    for (auto& m : driver.session.take_unsent())
        driver.unsent.push_back(std::move(m));
    CHECK(driver.unsent.size() == 1);
}

TEST_CASE("client: AUTH is not sent in plaintext unless allowed", "[client]") {
    ClientConfig with_auth = config();
    with_auth.auth = Credentials{"", "alice", "s3cret"};
    const std::string ehlo_auth = "250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n";
    SECTION("refused by default") {
        auto driver =
            check_client_transcript(with_auth, submit_and_quit({make_message(1, {"b@y.test"})}),
                                    {{greeting, ehlo}, {ehlo_auth, ""}});
        CHECK(driver->closed);
        CHECK(driver->unsent.size() == 1);
        CHECK(driver->session.session_outcome().layer == FailureLayer::local);
    }
    SECTION("allowed explicitly") {
        with_auth.auth_without_tls = true;
        auto driver = check_client_transcript(
            with_auth, [](ClientDriver&) {},
            {{greeting, ehlo}, {ehlo_auth, "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"}});
        CHECK_FALSE(driver->closed);
    }
}

TEST_CASE("client: STARTTLS required but refused or absent is a TLS outcome", "[client]") {
    ClientConfig tls = config();
    tls.starttls = TlsMode::required;
    SECTION("absent") {
        auto driver = check_client_transcript(tls, submit_and_quit({make_message(1, {"b@y.test"})}),
                                              {{greeting, ehlo}, {ehlo_plain, ""}});
        CHECK(driver->session.session_outcome().key() == "tls:not_offered");
        CHECK(driver->unsent.size() == 1);
    }
    SECTION("refused") {
        auto driver = check_client_transcript(tls, submit_and_quit({make_message(1, {"b@y.test"})}),
                                              {{greeting, ehlo},
                                               {"250-mx.test\r\n250 STARTTLS\r\n", "STARTTLS\r\n"},
                                               {"454 4.7.0 TLS not available\r\n", ""}});
        CHECK(driver->session.session_outcome().key() == "tls:starttls_refused");
        CHECK(driver->session.session_outcome().reply.code == 454);
    }
    SECTION("handshake failure reported by the shell") {
        ClientDriver driver(tls);
        driver.submit(make_message(1, {"b@y.test"}));
        driver.feed(greeting);
        CHECK(driver.feed("250-mx.test\r\n250 STARTTLS\r\n") == "STARTTLS\r\n");
        driver.feed("220 go ahead\r\n");
        CHECK(driver.tls_requested);
        driver.session.tls_failed(TlsFailure::certificate_expired, "certificate expired");
        driver.drain();
        CHECK(driver.closed);
        CHECK(driver.session.session_outcome().key() == "tls:certificate_expired");
        CHECK(driver.unsent.size() == 1);
        driver.check_accounting();
    }
}

TEST_CASE("Outcome keys and descriptions", "[client][outcome]") {
    CHECK(reply_outcome(make_reply(550, "5.7.1", "no")).describe() == "550 5.7.1 no");
    CHECK(tls_outcome(TlsFailure::hostname_mismatch, "mx.other").key() == "tls:hostname_mismatch");
    CHECK(tls_outcome(TlsFailure::hostname_mismatch, "mx.other").describe() ==
          "TLS: host name mismatch: mx.other");
    CHECK(timeout_outcome(Waiting::greeting).key() == "timeout:greeting");
    CHECK(connect_outcome("refused").key() == "connect");
    CHECK(connect_outcome("refused").transient());
    CHECK(dns_outcome("SERVFAIL").key() == "dns");
    CHECK_FALSE(local_outcome("x").transient());
    CHECK(ok_outcome(make_reply(250, "2.0.0", "ok")).key() == "ok");
}

}  // namespace relaylab::smtp::test
