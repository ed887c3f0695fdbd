// Reply texts with placeholders filled from the decision's facts, so a configured reply reads
// like a real receiver's ("<bob@example.test>: Recipient address rejected: Greylisted ...").
#pragma once

#include <cstddef>

#include "fake-mx/behaviour/facts.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::fakemx {

// A line of reply text, without code and enhanced code: what fits a 512-octet reply line
// (RFC 5321 4.5.3.1.5) once "NNN X.YYY.ZZZ " and CRLF are added.
inline constexpr std::size_t max_reply_text = 490;

// Replaces {client_ip}, {helo}, {sender}, {recipient} (the RCPT decided, else the first accepted
// one) and {domain} (that recipient's domain). Other braces stay as written. Values are
// sanitised (control characters become '?') and each line is cut at max_reply_text, so a
// hostile address cannot break the reply framing.
smtp::Reply expand_reply(const smtp::Reply& reply, const Facts& facts);

}  // namespace relaylab::fakemx
