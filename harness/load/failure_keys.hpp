// How the load generator names failures. Typed outcomes (smtp::Outcome) go into events and
// reports; the short keys below are what `relaylab send --json` has always counted under
// "failed" (README): the reply code ("552"), or the local cause when no reply decided it.
#pragma once

#include <string>
#include <string_view>

#include "harness/smtp/client_session.hpp"
#include "harness/smtp/outcome.hpp"

namespace relaylab::load {

// "552" (the deciding reply's code), "timeout", "tls", "connect", "dns", "connection" (the
// connection was lost or the server broke the protocol), "local" (refused before sending).
std::string failure_key(const smtp::Outcome& outcome);

// For a session that died before any transaction: "timeout" (greeting or EHLO timed out),
// "tls", "connect", else "session" (greeting refused, AUTH failed, closed early).
std::string session_failure_key(const smtp::Outcome& outcome);

// The typed outcome of a failed transaction (the client's, or one made from its replies when
// the client left it unset).
smtp::Outcome transaction_outcome(const smtp::TransactionResult& result);

// Messages ended by LoadGenerator::cancel().
inline constexpr std::string_view cancelled_key = "cancelled";
smtp::Outcome cancelled_outcome();

}  // namespace relaylab::load
