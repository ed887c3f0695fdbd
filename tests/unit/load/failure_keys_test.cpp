// The keys `relaylab send` counts failures under, from typed outcomes; a greeting timeout is
// a timeout, not a "session" failure (README).
#include <catch2/catch.hpp>

#include "harness/load/failure_keys.hpp"

using namespace relaylab;
using load::failure_key;
using load::session_failure_key;

TEST_CASE("failure keys from typed outcomes", "[load][failure_keys]") {
    CHECK(failure_key(smtp::reply_outcome(smtp::make_reply(552, "5.3.4", "too big"))) == "552");
    CHECK(failure_key(smtp::reply_outcome(smtp::make_reply(421, "", "bye"))) == "421");
    CHECK(failure_key(smtp::timeout_outcome(smtp::Waiting::data_end)) == "timeout");
    CHECK(failure_key(smtp::tls_outcome(smtp::TlsFailure::unknown_ca, "x")) == "tls");
    CHECK(failure_key(smtp::connect_outcome("refused")) == "connect");
    CHECK(failure_key(smtp::protocol_outcome(smtp::Waiting::rcpt, "lost")) == "connection");
    CHECK(failure_key(load::cancelled_outcome()) == "local");
    CHECK(load::cancelled_key == "cancelled");
}

TEST_CASE("a session that died before any transaction", "[load][failure_keys]") {
    CHECK(session_failure_key(smtp::timeout_outcome(smtp::Waiting::greeting)) == "timeout");
    CHECK(session_failure_key(smtp::tls_outcome(smtp::TlsFailure::handshake, "")) == "tls");
    CHECK(session_failure_key(smtp::connect_outcome("refused")) == "connect");
    CHECK(session_failure_key(smtp::reply_outcome(smtp::make_reply(554, "", "go away"))) ==
          "session");
    CHECK(session_failure_key(smtp::protocol_outcome(smtp::Waiting::ehlo, "closed")) == "session");
}

TEST_CASE("a transaction outcome the client left unset is rebuilt from its replies",
          "[load][failure_keys]") {
    smtp::TransactionResult result;
    result.accepted = false;
    result.failed_at = smtp::Stage::data_end;
    result.final = smtp::make_reply(451, "4.3.0", "try later");
    smtp::Outcome outcome = load::transaction_outcome(result);
    CHECK(outcome.layer == smtp::FailureLayer::reply);
    CHECK(outcome.reply.code == 451);
    CHECK(outcome.content_sent);

    result.outcome = smtp::timeout_outcome(smtp::Waiting::data_end);
    result.outcome.content_sent = true;
    outcome = load::transaction_outcome(result);
    CHECK(outcome.layer == smtp::FailureLayer::timeout);
    CHECK(outcome.phase == smtp::Waiting::data_end);
}
