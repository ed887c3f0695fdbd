// The receiving server's queue id, read from the text of its 250 reply to the end of data, so
// the runner can follow a message into the server's own logs and tie arrivals downstream to
// submissions. There is no standard for it; these are the forms common servers use:
//   Postfix, relaylab   "2.0.0 Ok: queued as 4F1AB2C3D4"
//   Exim                "OK id=1rABcD-000123-Ef"
//   Sendmail            "2.0.0 4A1B2C3D012345 Message accepted for delivery"
//   Exchange            "2.6.0 <id@host> [InternalId=123, Hostname=...] Queued mail for delivery"
//   Gmail               "2.0.0 OK  1700000000 a1b2c3d4e5f6.123 - gsmtp"
//   Amazon SES          "Ok 0100018c2f3a...-000000"
#pragma once

#include <string>
#include <string_view>

namespace relaylab::load {

// The reply text as smtp::Reply::text() gives it (lines joined, code removed; the enhanced
// code may still lead). Empty when no form is recognised. At most max_queue_id_length octets.
std::string parse_queue_id(std::string_view reply_text);

constexpr std::size_t max_queue_id_length = 128;  // longer "ids" are not ids: dropped

}  // namespace relaylab::load
