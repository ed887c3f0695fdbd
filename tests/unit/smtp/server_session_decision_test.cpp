// ServerSession decisions: where config.decisions asks, the session pauses with Action::decide,
// takes no more input, and resumes with the shell's reply, a disconnect, or silence.
#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/smtp/transcript.hpp"

using namespace relaylab::smtp::test;
using relaylab::smtp::Decision;
using relaylab::smtp::make_reply;
using relaylab::smtp::Phase;
using relaylab::smtp::ServerConfig;
using relaylab::smtp::ServerSession;

namespace {

ServerConfig deciding(std::initializer_list<Phase> phases) {
    ServerConfig config = test_config();
    for (Phase phase : phases)
        config.decisions |= static_cast<unsigned>(phase);
    return config;
}

Decision with_reply(int code, std::string_view enhanced, std::string_view text) {
    return Decision{make_reply(code, enhanced, text), false, false};
}

}  // namespace

TEST_CASE("Phase names", "[session][decide]") {
    CHECK(relaylab::smtp::to_string(Phase::connect) == "connect");
    CHECK(relaylab::smtp::to_string(Phase::data_end) == "data_end");
    CHECK(relaylab::smtp::to_string(Phase::auth) == "auth");
}

TEST_CASE("connect decision holds the greeting", "[session][decide]") {
    Driver driver(deciding({Phase::connect}));
    CHECK(driver.start().empty());
    CHECK(driver.decide_pending);
    CHECK(driver.session.pending_phase() == Phase::connect);
    CHECK(driver.session.default_reply().summary() == "220 mx.test ESMTP relaylab");
    CHECK(driver.session.waiting_for() == ServerSession::Waiting::shell);
    CHECK(driver.session.feed(ehlo) == 0);  // a client talking first is not read yet
    CHECK(driver.decide({}) == greeting);
    CHECK(driver.feed(ehlo) == ehlo_reply_plain);
}

TEST_CASE("greeting refused with 554: only QUIT works", "[session][decide]") {
    Driver driver(deciding({Phase::connect}));
    driver.start();
    CHECK(driver.decide(with_reply(554, "5.7.1", "mx.test no SMTP service for you")) ==
          "554 5.7.1 mx.test no SMTP service for you\r\n");
    const std::string refused = "503 5.5.1 Error: no SMTP service here\r\n";
    CHECK(driver.feed(ehlo) == refused);
    CHECK(driver.feed("MAIL FROM:<a@x.test>\r\n") == refused);
    CHECK(driver.feed("NOOP\r\n") == refused);
    CHECK(driver.feed("QUIT\r\n") == bye);
    CHECK(driver.closed);
}

TEST_CASE("greeting 421 closes at once", "[session][decide]") {
    Driver driver(deciding({Phase::connect}));
    driver.start();
    CHECK(driver.decide(with_reply(421, "4.3.2", "mx.test busy")) == "421 4.3.2 mx.test busy\r\n");
    CHECK(driver.closed);
    CHECK(driver.session.feed(ehlo) == 0);
}

TEST_CASE("decide() with custom replies at each phase", "[session][decide]") {
    Driver driver(deciding({Phase::helo, Phase::mail, Phase::rcpt, Phase::data, Phase::quit}));
    driver.start();

    // HELO refused: the session stays without a HELO name.
    CHECK(driver.feed(ehlo).empty());
    CHECK(driver.session.pending_phase() == Phase::helo);
    CHECK(driver.decide(with_reply(550, "5.7.1", "go away")) == "550 5.7.1 go away\r\n");
    CHECK(driver.feed("MAIL FROM:<a@x.test>\r\n") == "503 5.5.1 Error: send HELO/EHLO first\r\n");
    CHECK(driver.feed(ehlo).empty());
    CHECK(driver.decide({}) == ehlo_reply_plain);

    // MAIL: the pending path is visible; a refusal leaves no transaction.
    CHECK(driver.feed("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n").empty());
    CHECK(driver.unconsumed == "RCPT TO:<b@x.test>\r\n");  // pipelined input waits
    CHECK(driver.session.pending_phase() == Phase::mail);
    CHECK(driver.session.pending_path().address() == "a@x.test");
    CHECK(driver.session.default_reply().summary() == "250 2.1.0 Ok");
    CHECK(driver.decide(with_reply(550, "5.7.1", "sender refused")) ==
          "550 5.7.1 sender refused\r\n");
    CHECK(driver.feed(driver.unconsumed) == "503 5.5.1 Error: need MAIL command\r\n");

    // Accept MAIL, then refuse one recipient and take the other.
    driver.feed("MAIL FROM:<a@x.test>\r\n");
    CHECK(driver.decide({}) == mail_ok);
    driver.feed("RCPT TO:<no@x.test>\r\n");
    CHECK(driver.session.pending_path().address() == "no@x.test");
    CHECK(driver.decide(with_reply(550, "5.1.1", "no such user")) == "550 5.1.1 no such user\r\n");
    driver.feed("RCPT TO:<yes@x.test>\r\n");
    CHECK(driver.decide({}) == rcpt_ok);
    CHECK(driver.session.envelope().recipients.size() == 1);

    // DATA refused: the next line is a command again.
    driver.feed("DATA\r\n");
    CHECK(driver.session.pending_phase() == Phase::data);
    CHECK(driver.decide(with_reply(451, "4.3.0", "try later")) == "451 4.3.0 try later\r\n");
    CHECK(driver.feed("NOOP\r\n") == ok);

    // QUIT with a custom goodbye.
    driver.feed("QUIT\r\n");
    CHECK(driver.session.pending_phase() == Phase::quit);
    CHECK(driver.decide(with_reply(221, "2.0.0", "see you")) == "221 2.0.0 see you\r\n");
    CHECK(driver.closed);
}

TEST_CASE("Phase::data_end holds the 250 until decided", "[session][decide]") {
    Driver driver(deciding({Phase::data_end}));
    driver.start();
    CHECK(driver.feed(ehlo + "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n"
                             "hello\r\n.\r\nQUIT\r\n") ==
          ehlo_reply_plain + mail_ok + rcpt_ok + go_ahead);
    CHECK(driver.decide_pending);
    CHECK(driver.session.pending_phase() == Phase::data_end);
    CHECK(driver.unconsumed == "QUIT\r\n");
    CHECK(driver.session.default_reply().summary() == "250 2.0.0 Ok: queued as S1.1");
    // The shell sees the whole message while deciding.
    CHECK(driver.session.message().content == "hello\r\n");
    CHECK(driver.session.message().queue_id == "S1.1");
    CHECK(driver.session.message().envelope.recipients.size() == 1);
    CHECK(driver.session.messages_accepted() == 0);
    CHECK(driver.decide({}) == queued(1));
    CHECK(driver.session.messages_accepted() == 1);
    // With data_end decided the shell took the message itself: no Action::message.
    CHECK(driver.messages.empty());
    CHECK(driver.feed(driver.unconsumed) == bye);
}

TEST_CASE("Phase::data_end refused does not count a message", "[session][decide]") {
    Driver driver(deciding({Phase::data_end}));
    driver.start();
    driver.feed(ehlo + "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\nx\r\n.\r\n");
    CHECK(driver.decide(with_reply(554, "5.7.1", "spam")) == "554 5.7.1 spam\r\n");
    CHECK(driver.session.messages_accepted() == 0);
    CHECK(driver.feed("RCPT TO:<b@x.test>\r\n") == "503 5.5.1 Error: need MAIL command\r\n");
}

TEST_CASE("Phase::data for BDAT: the refusal comes after the chunk", "[session][decide]") {
    Driver driver(deciding({Phase::data, Phase::data_end}));
    driver.start();
    driver.feed(ehlo + "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nBDAT 4 LAST\r\nQUITNOOP\r\n");
    CHECK(driver.session.pending_phase() == Phase::data);
    CHECK(driver.unconsumed == "QUITNOOP\r\n");
    CHECK(driver.decide(with_reply(554, "5.7.1", "no chunks")).empty());
    CHECK(driver.feed(driver.unconsumed) == "554 5.7.1 no chunks\r\n" + ok);
    CHECK_FALSE(driver.closed);

    // Accepted: the chunk is read, then data_end is asked.
    driver.feed("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nBDAT 2 LAST\r\nhi");
    CHECK(driver.session.pending_phase() == Phase::data);
    CHECK(driver.decide({}).empty());
    CHECK(driver.feed(driver.unconsumed).empty());
    CHECK(driver.session.pending_phase() == Phase::data_end);
    CHECK(driver.session.message().content == "hi");
    CHECK(driver.session.message().chunked);
    CHECK(driver.decide({}) == queued(1));
}

TEST_CASE("decide() with disconnect and silent", "[session][decide]") {
    SECTION("disconnect after a reply") {
        Driver driver(deciding({Phase::mail}));
        driver.start();
        driver.feed(ehlo + "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n");
        CHECK(driver.decide({make_reply(421, "4.7.0", "mx.test closing"), true, false}) ==
              "421 4.7.0 mx.test closing\r\n");
        CHECK(driver.closed);
        CHECK(driver.session.closed());
        CHECK(driver.session.feed(driver.unconsumed) == 0);
    }
    SECTION("disconnect with the default reply") {
        Driver driver(deciding({Phase::rcpt}));
        driver.start();
        driver.feed(ehlo + "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n");
        CHECK(driver.decide({std::nullopt, true, false}) == rcpt_ok);
        CHECK(driver.closed);
    }
    SECTION("silent close, no reply at all") {
        Driver driver(deciding({Phase::data_end}));
        driver.start();
        driver.feed(ehlo + "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\nx\r\n.\r\n");
        CHECK(driver.decide({make_reply(250, "2.0.0", "ignored"), false, true}).empty());
        CHECK(driver.closed);
        CHECK(driver.session.messages_accepted() == 0);
        CHECK(driver.session.waiting_for() == ServerSession::Waiting::nothing);
    }
    SECTION("a second decide() does nothing") {
        Driver driver(deciding({Phase::helo}));
        driver.start();
        driver.feed(ehlo);
        CHECK(driver.decide({}) == ehlo_reply_plain);
        CHECK(driver.decide(with_reply(550, "5.0.0", "late")).empty());
    }
}

TEST_CASE("a timeout during a decision ends the session", "[session][decide]") {
    Driver driver(deciding({Phase::data_end}));
    driver.start();
    driver.feed(ehlo + "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\nx\r\n.\r\n");
    REQUIRE(driver.decide_pending);
    driver.session.timed_out();
    CHECK(driver.take_output() == "421 4.4.2 mx.test Error: timeout exceeded\r\n");
    CHECK(driver.session.closed());
    // The shell's late answer must not put a reply on the wire after the 421.
    CHECK(driver.decide({}).empty());
    CHECK(driver.session.messages_accepted() == 0);
}

TEST_CASE("Phase::auth: the shell checks the credentials", "[session][decide][auth]") {
    ServerConfig config = deciding({Phase::auth});
    config.auth_mechanisms = {"PLAIN", "LOGIN"};
    config.auth_without_tls = true;
    Driver driver(config);
    driver.start();
    driver.feed(ehlo);
    CHECK(driver.feed("AUTH PLAIN AHVzZXIAc2VjcmV0\r\n").empty());
    CHECK(driver.session.pending_phase() == Phase::auth);
    CHECK(driver.session.credentials().username == "user");
    CHECK(driver.session.credentials().password == "secret");
    CHECK(driver.decide(with_reply(535, "5.7.8", "Authentication credentials invalid")) ==
          "535 5.7.8 Authentication credentials invalid\r\n");
    CHECK(driver.session.auth_user().empty());
    CHECK(driver.session.credentials().password.empty());

    driver.feed("AUTH LOGIN\r\ndXNlcg==\r\nc2VjcmV0\r\n");
    CHECK(driver.session.pending_phase() == Phase::auth);
    CHECK(driver.session.credentials().username == "user");
    CHECK(driver.session.credentials().password == "secret");
    CHECK(driver.decide({}) == "235 2.7.0 Authentication successful\r\n");
    CHECK(driver.session.auth_user() == "user");
}
