// ServerSession transcripts: wire bytes in, exact replies out, each run step by step, pipelined
// in one feed, and byte by byte. Sequence errors (RFC 5321 4.1.4), reply codes (4.2.2-4.2.3),
// SIZE (RFC 1870), PIPELINING (RFC 2920), CHUNKING (RFC 3030).
#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/smtp/transcript.hpp"

using namespace relaylab::smtp::test;
using namespace std::string_literals;
using relaylab::smtp::BareNewlinePolicy;
using relaylab::smtp::ServerConfig;
using relaylab::smtp::ServerSession;

TEST_CASE("greeting and HELO", "[session]") {
    check_transcript(test_config(), {
                                        {"HELO client.test\r\n", "250 mx.test\r\n"},
                                        {"NOOP\r\n", ok},
                                        {"QUIT\r\n", bye},
                                    });
}

TEST_CASE("EHLO lists the extensions", "[session]") {
    check_transcript(test_config(), {{ehlo, ehlo_reply_plain}});

    ServerConfig config = test_config();
    config.tls_available = true;
    config.auth_mechanisms = {"PLAIN", "LOGIN"};
    config.auth_without_tls = true;
    config.max_message_size = 0;
    check_transcript(config, {{ehlo,
                               "250-mx.test\r\n250-PIPELINING\r\n250-SIZE\r\n250-STARTTLS\r\n"
                               "250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n"
                               "250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"}});

    ServerConfig bare = test_config();
    bare.extensions = {.pipelining = false,
                       .size = false,
                       .starttls = false,
                       .chunking = false,
                       .smtputf8 = false,
                       .eight_bit_mime = false,
                       .enhanced_status_codes = false,
                       .dsn = false};
    bare.tls_available = true;
    // Without ENHANCEDSTATUSCODES no reply carries an enhanced code (RFC 2034).
    check_transcript(
        bare, {
                  {ehlo, "250 mx.test\r\n"},
                  {"MAIL FROM:<a@x.test>\r\n", "250 Ok\r\n"},
                  {"MAIL FROM:<a@x.test>\r\n", "503 Error: nested MAIL command\r\n"},
                  {"RCPT TO:<b@x.test> NOTIFY=NEVER\r\n", "555 Unsupported option: NOTIFY\r\n"},
                  {"STARTTLS\r\n", "502 Error: command not implemented\r\n"},
                  {"BDAT 1 LAST\r\nx", "502 Error: command not implemented\r\n"},
              });
}

TEST_CASE("a full transaction delivers the message with its envelope", "[session]") {
    auto result = check_transcript(
        test_config(), {
                           {ehlo, ehlo_reply_plain},
                           {"MAIL FROM:<a@x.test> SIZE=40 BODY=8BITMIME ENVID=e+2B1\r\n", mail_ok},
                           {"RCPT TO:<b@x.test> NOTIFY=FAILURE ORCPT=rfc822;b@x.test\r\n", rcpt_ok},
                           {"RCPT TO:<Postmaster>\r\n", rcpt_ok},
                           {"DATA\r\n", go_ahead},
                           {"Subject: t\r\n\r\n..dot\r\nbody\r\n", ""},
                           {".\r\n", queued(1)},
                           {"QUIT\r\n", bye},
                       });
    CHECK(result.closed);
    REQUIRE(result.messages.size() == 1);
    const auto& message = result.messages[0];
    CHECK(message.queue_id == "S1.1");
    CHECK(message.helo == "client.test");
    CHECK(message.esmtp);
    CHECK_FALSE(message.tls);
    CHECK_FALSE(message.chunked);
    CHECK(message.auth_user.empty());
    CHECK(message.content == "Subject: t\r\n\r\n.dot\r\nbody\r\n");
    CHECK(message.size == message.content.size());
    CHECK(message.envelope.mail_from.address() == "a@x.test");
    REQUIRE(message.envelope.mail_params.size);
    CHECK(*message.envelope.mail_params.size == 40);
    CHECK(message.envelope.mail_params.body == relaylab::smtp::BodyType::eight_bit_mime);
    CHECK(message.envelope.mail_params.envid == "e+1");
    REQUIRE(message.envelope.recipients.size() == 2);
    CHECK(message.envelope.recipients[0].path.address() == "b@x.test");
    CHECK(message.envelope.recipients[0].params.notify_failure);
    CHECK(message.envelope.recipients[0].params.orcpt == "b@x.test");
    CHECK(message.envelope.recipients[1].path.postmaster);
    CHECK_FALSE(message.findings.bare_newlines());
}

TEST_CASE("PIPELINING: a whole transaction in one feed gives all replies in order", "[session]") {
    Driver driver;
    REQUIRE(driver.start() == greeting);
    std::string out = driver.feed(
        "EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n"
        "RCPT TO:<bad address>\r\nRCPT TO:<c@x.test>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n");
    CHECK(out == ehlo_reply_plain + mail_ok + rcpt_ok +
                     "501 5.1.3 Bad recipient address syntax: address has no domain\r\n" + rcpt_ok +
                     go_ahead + queued(1) + bye);
    CHECK(driver.unconsumed.empty());
    CHECK(driver.closed);
    REQUIRE(driver.messages.size() == 1);
    CHECK(driver.messages[0].envelope.recipients.size() == 2);
}

TEST_CASE("PIPELINING: two transactions in one feed deliver two messages", "[session]") {
    // RFC 2920 3.1: message content may start a group, so ".<CRLF>MAIL ..." is legal.
    auto result = check_transcript(
        test_config(), {
                           {ehlo, ehlo_reply_plain},
                           {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n",
                            mail_ok + rcpt_ok + go_ahead},
                           {"first\r\n.\r\nMAIL FROM:<c@x.test>\r\nRCPT TO:<d@x.test>\r\nDATA\r\n",
                            queued(1) + mail_ok + rcpt_ok + go_ahead},
                           {"second\r\n.\r\nQUIT\r\n", queued(2) + bye},
                       });
    REQUIRE(result.messages.size() == 2);
    CHECK(result.messages[0].content == "first\r\n");
    CHECK(result.messages[0].envelope.mail_from.address() == "a@x.test");
    CHECK(result.messages[0].queue_id == "S1.1");
    CHECK(result.messages[1].content == "second\r\n");
    CHECK(result.messages[1].envelope.mail_from.address() == "c@x.test");
    CHECK(result.messages[1].queue_id == "S1.2");
}

TEST_CASE("PIPELINING: BDAT LAST followed by the next transaction", "[session]") {
    auto result = check_transcript(
        test_config(), {
                           {ehlo, ehlo_reply_plain},
                           {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nBDAT 3 LAST\r\none"
                            "MAIL FROM:<c@x.test>\r\nRCPT TO:<d@x.test>\r\nBDAT 3 LAST\r\ntwo",
                            mail_ok + rcpt_ok + queued(1) + mail_ok + rcpt_ok + queued(2)},
                       });
    REQUIRE(result.messages.size() == 2);
    CHECK(result.messages[0].content == "one");
    CHECK(result.messages[1].content == "two");
}

TEST_CASE("503: commands out of sequence", "[session]") {
    check_transcript(test_config(),
                     {
                         {"MAIL FROM:<a@x.test>\r\n", "503 5.5.1 Error: send HELO/EHLO first\r\n"},
                         {"RCPT TO:<b@x.test>\r\n", "503 5.5.1 Error: need MAIL command\r\n"},
                         {"DATA\r\n", "503 5.5.1 Error: need MAIL command\r\n"},
                         {ehlo, ehlo_reply_plain},
                         {"RCPT TO:<b@x.test>\r\n", "503 5.5.1 Error: need MAIL command\r\n"},
                         {"DATA\r\n", "503 5.5.1 Error: need MAIL command\r\n"},
                         {"MAIL FROM:<a@x.test>\r\n", mail_ok},
                         {"MAIL FROM:<a@x.test>\r\n", "503 5.5.1 Error: nested MAIL command\r\n"},
                         // RFC 2920 3.1: DATA with no accepted recipient is refused.
                         {"DATA\r\n", "554 5.5.1 Error: no valid recipients\r\n"},
                         {"RSET\r\n", ok},
                         {"RCPT TO:<b@x.test>\r\n", "503 5.5.1 Error: need MAIL command\r\n"},
                         {"MAIL FROM:<a@x.test>\r\n", mail_ok},
                         // EHLO in a transaction resets it (RFC 5321 4.1.4).
                         {ehlo, ehlo_reply_plain},
                         {"RCPT TO:<b@x.test>\r\n", "503 5.5.1 Error: need MAIL command\r\n"},
                     });
}

TEST_CASE("503: DATA after BDAT, BDAT without MAIL", "[session]") {
    check_transcript(
        test_config(),
        {
            {ehlo, ehlo_reply_plain},
            // The chunk is skipped even though BDAT is refused: "NOOP" inside it is never run.
            {"BDAT 4\r\nNOOPNOOP\r\n", "503 5.5.1 Error: need MAIL command\r\n" + ok},
            {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n", mail_ok + rcpt_ok},
            {"BDAT 2\r\nab", "250 2.0.0 Ok: 2 octets received\r\n"},
            {"DATA\r\n", "503 5.5.1 Error: DATA after BDAT\r\n"},
            {"BDAT 1 LAST\r\nc", queued(1)},
        });
}

TEST_CASE("500 and 502: unknown, unimplemented and malformed lines", "[session]") {
    ServerConfig config = test_config();
    config.max_errors = 0;  // no error limit here
    check_transcript(
        config, {
                    {"FOO\r\n", "500 5.5.2 Error: command not recognized\r\n"},
                    {"\r\n", "500 5.5.2 Error: command not recognized\r\n"},
                    {"EXPN list\r\n", "502 5.5.1 Error: command not implemented\r\n"},
                    {"STARTTLS\r\n", "502 5.5.1 Error: command not implemented\r\n"},
                    {std::string(600, 'A') + "\r\n", "500 5.5.2 Error: line too long\r\n"},
                    {"NOOP\r\n", ok},
                    {std::string("NO\0OP\r\n", 7), "500 5.5.2 Error: NUL character in command\r\n"},
                    {"NOOP\n", "500 5.5.2 Error: bare <LF> received\r\n"},
                    {"HELP\r\n",
                     "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP "
                     "STARTTLS AUTH\r\n"},
                    {"VRFY u\r\n", "252 2.0.0 Cannot VRFY user, but will accept message\r\n"},
                    {"noop\r\n", ok},
                });
}

TEST_CASE("bare LF commands are taken under normalize and accept", "[session]") {
    for (auto policy : {BareNewlinePolicy::normalize, BareNewlinePolicy::accept}) {
        ServerConfig config = test_config();
        config.bare_newline = policy;
        check_transcript(config, {{"NOOP\n", ok}, {"QUIT\n", bye}});
    }
}

TEST_CASE("a command line over 512 octets is refused even when AUTH raises the framing limit",
          "[session]") {
    ServerConfig config = test_config();
    config.auth_mechanisms = {"PLAIN"};
    config.auth_without_tls = true;
    check_transcript(
        config,
        {
            {"NOOP " + std::string(505, 'x') + "\r\n", ok},  // 512 octets
            {"NOOP " + std::string(506, 'x') + "\r\n", "500 5.5.2 Error: line too long\r\n"},
            {std::string(13000, 'x') + "\r\n", "500 5.5.2 Error: line too long\r\n"},
            {"NOOP\r\n", ok},
        });
}

TEST_CASE("501: syntax errors in arguments", "[session]") {
    ServerConfig config = test_config();
    config.max_errors = 0;
    config.tls_available = true;
    check_transcript(
        config,
        {
            {"HELO\r\n", "501 5.5.4 Syntax: HELO hostname\r\n"},
            {"EHLO\r\n", "501 5.5.4 Syntax: EHLO hostname\r\n"},
            {"EHLO a b\r\n", "501 5.5.4 Syntax: EHLO hostname\r\n"},
            {"EHLO client.test \r\n",
             "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
             "250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
             "250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"},
            {"MAIL FROM:a@x.test\r\n",
             "501 5.1.7 Bad sender address syntax: address must be enclosed in <>\r\n"},
            {"MAIL TO:<a@x.test>\r\n", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"},
            {"MAIL FROM:<a@x.test>x\r\n", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"},
            {"MAIL FROM:<a@x.test> SIZE=big\r\n", "501 5.5.4 Bad SIZE value\r\n"},
            {"MAIL FROM:<a@x.test> SIZE=1 SIZE=2\r\n", "501 5.5.4 Duplicate parameter: SIZE\r\n"},
            {"MAIL FROM:<a@x.test>\r\n", mail_ok},
            {"RCPT TO:<a b@x.test>\r\n",
             "501 5.1.3 Bad recipient address syntax: malformed local part\r\n"},
            {"RCPT TO:<>\r\n",
             "501 5.1.3 Bad recipient address syntax: null address not allowed here\r\n"},
            {"RCPT TO:<\xc3\xbc@x.test>\r\n", "553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n"},
            {"RCPT TO:<b@x.test> NOTIFY=NEVER,SUCCESS\r\n",
             "501 5.5.4 NOTIFY=NEVER cannot be combined\r\n"},
            {"RSET x\r\n", "501 5.5.4 Syntax: RSET\r\n"},
            {"DATA x\r\n", "501 5.5.4 Syntax: DATA\r\n"},
            {"QUIT x\r\n", "501 5.5.4 Syntax: QUIT\r\n"},
            {"VRFY\r\n", "501 5.5.4 Syntax: VRFY address\r\n"},
            {"STARTTLS now\r\n", "501 5.5.4 Syntax: STARTTLS\r\n"},
            {"BDAT x\r\n", "501 5.5.4 Syntax: BDAT chunk-size [LAST]\r\n"},
            {"RCPT TO:<b@x.test>\r\n", rcpt_ok},  // the transaction survived the errors
        });
}

TEST_CASE("555: unknown or unoffered parameters", "[session]") {
    check_transcript(
        test_config(),
        {
            {ehlo, ehlo_reply_plain},
            {"MAIL FROM:<a@x.test> FOO=1\r\n", "555 5.5.4 Unsupported option: FOO\r\n"},
            {"MAIL FROM:<a@x.test> BODY=9BIT\r\n", "555 5.5.4 Unsupported option: BODY=9BIT\r\n"},
            // AUTH= is a parameter only where AUTH is offered (RFC 4954 5).
            {"MAIL FROM:<a@x.test> AUTH=<>\r\n", "555 5.5.4 Unsupported option: AUTH\r\n"},
            {"MAIL FROM:<a@x.test>\r\n", mail_ok},
            {"RCPT TO:<b@x.test> FOO\r\n", "555 5.5.4 Unsupported option: FOO\r\n"},
            {"RCPT TO:<b@x.test> SIZE=1\r\n", "555 5.5.4 Unsupported option: SIZE\r\n"},
        });
    // A HELO session was offered no extension: every parameter is refused.
    check_transcript(
        test_config(),
        {
            {"HELO client.test\r\n", "250 mx.test\r\n"},
            {"MAIL FROM:<a@x.test> SIZE=10\r\n", "555 5.5.4 Unsupported option: SIZE\r\n"},
            {"MAIL FROM:<a@x.test> BODY=8BITMIME\r\n", "555 5.5.4 Unsupported option: BODY\r\n"},
            {"MAIL FROM:<a@x.test> SMTPUTF8\r\n", "555 5.5.4 Unsupported option: SMTPUTF8\r\n"},
            {"MAIL FROM:<a@x.test>\r\n", mail_ok},
            {"RCPT TO:<b@x.test> NOTIFY=NEVER\r\n", "555 5.5.4 Unsupported option: NOTIFY\r\n"},
            {"RCPT TO:<b@x.test>\r\n", rcpt_ok},
            {"BDAT 4 LAST\r\nQUIT", "502 5.5.1 Error: command not implemented\r\n"},
        });
}

TEST_CASE("SMTPUTF8 addresses", "[session]") {
    check_transcript(test_config(), {
                                        {ehlo, ehlo_reply_plain},
                                        {"MAIL FROM:<j\xc3\xb6rg@x.test>\r\n",
                                         "553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n"},
                                        {"MAIL FROM:<j\xc3\xb6rg@x.test> SMTPUTF8\r\n", mail_ok},
                                        {"RCPT TO:<\xc3\xbc@b\xc3\xbc"
                                         "cher.test>\r\n",
                                         rcpt_ok},
                                    });
}

TEST_CASE("SIZE: 552 at MAIL and during DATA and BDAT", "[session]") {
    ServerConfig config = test_config();
    config.max_message_size = 100;
    const std::string ehlo_100 =
        "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 100\r\n250-ENHANCEDSTATUSCODES\r\n"
        "250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";
    const std::string too_big = "552 5.3.4 Error: message file too big\r\n";
    auto result = check_transcript(
        config, {
                    {ehlo, ehlo_100},
                    {"MAIL FROM:<a@x.test> SIZE=101\r\n",
                     "552 5.3.4 Error: message size exceeds fixed maximum message size\r\n"},
                    {"MAIL FROM:<a@x.test> SIZE=100\r\n", mail_ok},
                    {"RCPT TO:<b@x.test>\r\n", rcpt_ok},
                    {"DATA\r\n", go_ahead},
                    {std::string(99, 'x') + "\r\n.\r\n", too_big},
                    // The transaction is over.
                    {"RCPT TO:<b@x.test>\r\n", "503 5.5.1 Error: need MAIL command\r\n"},
                    {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n",
                     mail_ok + rcpt_ok + go_ahead},
                    {std::string(98, 'x') + "\r\n.\r\n", queued(1)},  // exactly 100 octets
                    {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n", mail_ok + rcpt_ok},
                    {"BDAT 60\r\n" + std::string(60, 'y'), "250 2.0.0 Ok: 60 octets received\r\n"},
                    {"BDAT 60 LAST\r\n" + std::string(60, 'z'), too_big},
                    {"NOOP\r\n", ok},  // the whole oversized chunk was skipped
                    {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n", mail_ok + rcpt_ok},
                    {"BDAT 100 LAST\r\n" + std::string(100, 'w'), queued(2)},
                });
    REQUIRE(result.messages.size() == 2);
    CHECK(result.messages[0].size == 100);
    CHECK(result.messages[1].size == 100);
    CHECK(result.messages[1].chunked);
}

TEST_CASE("452: too many recipients", "[session]") {
    ServerConfig config = test_config();
    config.max_recipients = 2;
    auto result = check_transcript(
        config, {
                    {ehlo, ehlo_reply_plain},
                    {"MAIL FROM:<a@x.test>\r\n", mail_ok},
                    {"RCPT TO:<b@x.test>\r\nRCPT TO:<c@x.test>\r\nRCPT TO:<d@x.test>\r\n",
                     rcpt_ok + rcpt_ok + "452 4.5.3 Error: too many recipients\r\n"},
                    {"DATA\r\nx\r\n.\r\n", go_ahead + queued(1)},
                });
    REQUIRE(result.messages.size() == 1);
    CHECK(result.messages[0].envelope.recipients.size() == 2);
}

TEST_CASE("error limit: 421 and close, the rest is not read", "[session]") {
    ServerConfig config = test_config();
    config.max_errors = 3;
    const std::string unknown = "500 5.5.2 Error: command not recognized\r\n";
    auto result =
        check_transcript(config,
                         {
                             {"FOO\r\n", unknown},
                             {"NOOP\r\n", ok},  // good commands do not reset the count
                             {"BAR\r\nBAZ\r\nNOOP\r\n",
                              unknown + unknown + "421 4.7.0 mx.test Error: too many errors\r\n"},
                         },
                         "NOOP\r\n");
    CHECK(result.closed);

    // Refused BDAT chunks count too, and the 421 comes after the chunk's reply.
    auto bdat = check_transcript(config,
                                 {
                                     {"BDAT 1\r\nxBDAT 1\r\nyBDAT 1\r\nzNOOP\r\n",
                                      "502 5.5.1 Error: command not implemented\r\n"
                                      "502 5.5.1 Error: command not implemented\r\n"
                                      "502 5.5.1 Error: command not implemented\r\n"
                                      "421 4.7.0 mx.test Error: too many errors\r\n"},
                                 },
                                 "NOOP\r\n");
    CHECK(bdat.closed);
}

TEST_CASE("BDAT chunks", "[session]") {
    auto result = check_transcript(
        test_config(),
        {
            {ehlo, ehlo_reply_plain},
            {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n", mail_ok + rcpt_ok},
            {"BDAT 7\r\nhello\r\n", "250 2.0.0 Ok: 7 octets received\r\n"},
            // Chunk bytes are raw: no dot-stuffing, no line ends needed, CRLF.CRLF is data.
            {"BDAT 9\r\n.\r\nQUIT\r\n", "250 2.0.0 Ok: 16 octets received\r\n"},
            {"BDAT 0 LAST\r\n", queued(1)},
            {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n", mail_ok + rcpt_ok},
            {"BDAT 0 LAST\r\n", queued(2)},  // an empty message
            {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n", mail_ok + rcpt_ok},
            {"bdat 3 last\r\na\nb", queued(3)},
        });
    REQUIRE(result.messages.size() == 3);
    CHECK(result.messages[0].content == "hello\r\n.\r\nQUIT\r\n");
    CHECK(result.messages[0].chunked);
    CHECK(result.messages[0].size == 16);
    CHECK(result.messages[1].content.empty());
    CHECK(result.messages[2].content == "a\nb");
}

TEST_CASE("BDAT errors still skip the chunk", "[session]") {
    const std::string not_implemented = "502 5.5.1 Error: command not implemented\r\n";
    check_transcript(
        test_config(),
        {
            {ehlo, ehlo_reply_plain},
            {"MAIL FROM:<a@x.test>\r\n", mail_ok},
            {"BDAT 4 LAST\r\nQUIT", "554 5.5.1 Error: no valid recipients\r\n"},
            {"NOOP\r\n", ok},
            // A bad size cannot be skipped: what follows is read as commands.
            {"BDAT -1\r\nNOOP\r\n", "501 5.5.4 Syntax: BDAT chunk-size [LAST]\r\n" + ok},
        });
    ServerConfig no_chunking = test_config();
    no_chunking.extensions.chunking = false;
    check_transcript(
        no_chunking,
        {
            {"EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n",
             "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-ENHANCEDSTATUSCODES\r\n"
             "250-8BITMIME\r\n250-DSN\r\n250 SMTPUTF8\r\n" +
                 mail_ok + rcpt_ok},
            // The unoffered BDAT is refused, and its chunk ("RSET\r\n") is not run as a command.
            {"BDAT 6 LAST\r\nRSET\r\n", not_implemented},
            {"NOOP\r\n", ok},
        });
}

TEST_CASE("DATA refuses bare newlines under reject, keeps them under accept", "[session]") {
    const std::string steps_in = "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n";
    auto reject = check_transcript(
        test_config(),
        {
            {ehlo, ehlo_reply_plain},
            {steps_in, mail_ok + rcpt_ok + go_ahead},
            {"a\nb\r\n.\r\n", "550 5.5.2 Error: bare <LF> or <CR> received in message data\r\n"},
            {"RCPT TO:<b@x.test>\r\n", "503 5.5.1 Error: need MAIL command\r\n"},
        });
    CHECK(reject.messages.empty());

    ServerConfig accept = test_config();
    accept.bare_newline = BareNewlinePolicy::accept;
    auto accepted = check_transcript(accept, {
                                                 {ehlo, ehlo_reply_plain},
                                                 {steps_in, mail_ok + rcpt_ok + go_ahead},
                                                 {"a\nb\rc\0\r\n.\r\n"s, queued(1)},
                                             });
    REQUIRE(accepted.messages.size() == 1);
    CHECK(accepted.messages[0].content == "a\nb\rc\0\r\n"s);
    CHECK(accepted.messages[0].findings.bare_lf == 1);
    CHECK(accepted.messages[0].findings.bare_cr == 1);
    CHECK(accepted.messages[0].findings.nul == 1);

    ServerConfig normalize = test_config();
    normalize.bare_newline = BareNewlinePolicy::normalize;
    auto normalized = check_transcript(normalize, {
                                                      {ehlo, ehlo_reply_plain},
                                                      {steps_in, mail_ok + rcpt_ok + go_ahead},
                                                      {"a\n.\nb\r\n.\r\n", queued(1)},
                                                  });
    REQUIRE(normalized.messages.size() == 1);
    CHECK(normalized.messages[0].content == "a\r\n.\r\nb\r\n");
    CHECK(normalized.messages[0].findings.eod_lookalikes == 1);
}

TEST_CASE("DATA refuses lines over 1000 octets", "[session]") {
    check_transcript(
        test_config(),
        {
            {ehlo, ehlo_reply_plain},
            {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n",
             mail_ok + rcpt_ok + go_ahead},
            {std::string(999, 'x') + "\r\n.\r\n",
             "500 5.5.2 Error: message line longer than 1000 octets (RFC 5321 4.5.3.1.6)\r\n"},
            {"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n",
             mail_ok + rcpt_ok + go_ahead},
            {std::string(998, 'x') + "\r\n.\r\n", queued(1)},
        });
}

TEST_CASE("the queue id counts messages of the session", "[session]") {
    Driver driver(test_config(), "abc");
    driver.start();
    std::string out = driver.feed(
        "EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n1\r\n.\r\n"
        "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n2\r\n.\r\n");
    CHECK(out.find("250 2.0.0 Ok: queued as abc.1\r\n") != std::string::npos);
    CHECK(out.find("250 2.0.0 Ok: queued as abc.2\r\n") != std::string::npos);
    CHECK(driver.session.messages_accepted() == 2);
    CHECK(driver.session.transaction_number() == 2);
}

TEST_CASE("waiting_for follows the session", "[session]") {
    using Waiting = ServerSession::Waiting;
    Driver driver;
    CHECK(driver.session.waiting_for() == Waiting::shell);  // before the greeting
    driver.start();
    CHECK(driver.session.waiting_for() == Waiting::command);
    driver.feed("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\npart");
    CHECK(driver.session.waiting_for() == Waiting::data);
    driver.feed("\r\n.\r\nBDAT 10\r\n12345");
    CHECK(driver.session.waiting_for() == Waiting::bdat_chunk);  // skipping a refused chunk
    driver.feed("67890MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nBDAT 10\r\n123");
    CHECK(driver.session.waiting_for() == Waiting::bdat_chunk);
    driver.feed("4567890QUIT\r\n");
    CHECK(driver.session.waiting_for() == Waiting::nothing);
    CHECK(driver.session.closed());
}

TEST_CASE("timed_out and shutting_down close with 421", "[session]") {
    Driver driver;
    driver.start();
    driver.feed(ehlo);
    driver.session.timed_out();
    CHECK(driver.take_output() == "421 4.4.2 mx.test Error: timeout exceeded\r\n");
    CHECK(driver.session.poll() == ServerSession::Action::close);
    CHECK(driver.session.closed());
    CHECK(driver.session.feed("NOOP\r\n") == 0);
    CHECK(driver.session.output().empty());
    // A second event after closing says nothing more.
    driver.session.shutting_down();
    CHECK(driver.session.output().empty());
    CHECK_FALSE(driver.session.poll());

    Driver stopping;
    stopping.start();
    stopping.feed("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\nhalf");
    stopping.session.shutting_down();
    CHECK(stopping.take_output() == "421 4.3.2 mx.test Service shutting down\r\n");
    // The message cut off mid-DATA is aborted before the close.
    CHECK(stopping.session.poll() == ServerSession::Action::body_abort);
    CHECK(stopping.session.poll() == ServerSession::Action::close);
}

TEST_CASE("QUIT closes and nothing after it is read", "[session]") {
    auto result = check_transcript(test_config(), {{"QUIT\r\nNOOP\r\n", bye}}, "NOOP\r\n");
    CHECK(result.closed);
}

TEST_CASE("feed stops after an accepted message until the shell polls", "[session]") {
    ServerSession session(test_config(), {"S1", "127.0.0.1", 1, false});
    relaylab::smtp::MemoryBodySink memory;
    relaylab::smtp::BodyPump pump(memory);
    session.start();
    std::string first =
        "EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\none\r\n.\r\n";
    std::string next = "MAIL FROM:<c@x.test>\r\n";
    // The body actions go to the sink as a shell would hand them; input stops at the message.
    const std::string input = first + next;
    std::size_t used = 0;
    std::optional<ServerSession::Action> action;
    for (int round = 0; round < 10 && !action; ++round) {
        used += session.feed(std::string_view(input).substr(used));
        while ((action = session.poll()) && pump.handle(session, *action)) {
        }
    }
    CHECK(used == first.size());
    CHECK(action == ServerSession::Action::message);
    CHECK(session.take_message().content == "one\r\n");
    CHECK_FALSE(session.poll());
    CHECK(session.feed(next) == next.size());
    CHECK(session.output().find(queued(1) + mail_ok) != std::string::npos);
}

TEST_CASE("an unoffered BDAT is refused without touching the transaction", "[session]") {
    ServerConfig config = test_config();
    config.extensions.chunking = false;
    auto result = check_transcript(
        config, {
                    {ehlo,
                     "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
                     "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n"
                     "250 SMTPUTF8\r\n"},
                    {"MAIL FROM:<a@x.test>\r\n", mail_ok},
                    {"RCPT TO:<b@x.test>\r\n", rcpt_ok},
                    // The chunk is skipped (the stream stays in step) and nothing else changes.
                    {"BDAT 4\r\nRSET", "502 5.5.1 Error: command not implemented\r\n"},
                    {"RCPT TO:<c@x.test>\r\n", rcpt_ok},
                    {"DATA\r\n", go_ahead},
                    {"x\r\n.\r\n", queued(1)},
                });
    REQUIRE(result.messages.size() == 1);
    CHECK(result.messages[0].envelope.mail_from.address() == "a@x.test");
    CHECK(result.messages[0].envelope.recipients.size() == 2);
    CHECK(result.messages[0].content == "x\r\n");
}

TEST_CASE("SMTPUTF8: ill-formed UTF-8 addresses are refused as bad syntax", "[session]") {
    // RFC 6531 3.3 (UTF8-non-ascii of RFC 6532 3.1 is RFC 3629 UTF-8); codes of RFC 3463.
    check_transcript(test_config(),
                     {
                         {ehlo, ehlo_reply_plain},
                         {"MAIL FROM:<j\xc3\x28rg@x.test> SMTPUTF8\r\n",
                          "501 5.1.7 Bad sender address syntax: address is not valid UTF-8\r\n"},
                         {"MAIL FROM:<j\xc3\xb6rg@x.test> SMTPUTF8\r\n", mail_ok},
                         {"RCPT TO:<a\xed\xa0\x80@x.test>\r\n",
                          "501 5.1.3 Bad recipient address syntax: address is not valid UTF-8\r\n"},
                         {"RCPT TO:<a\xc0\xaf@x.test>\r\n",
                          "501 5.1.3 Bad recipient address syntax: address is not valid UTF-8\r\n"},
                         {"RCPT TO:<a\xf4\x90\x80\x80@x.test>\r\n",
                          "501 5.1.3 Bad recipient address syntax: address is not valid UTF-8\r\n"},
                         {"RCPT TO:<b\xc3\xbc@x.test>\r\n", rcpt_ok},
                     });
}
