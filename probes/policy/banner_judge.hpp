// Verdicts of the "banner" group from what the greeting and EHLO exchange showed, sans-I/O.
// The coroutine that gathers them is in banner_checks.cpp.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "harness/smtp/reply.hpp"
#include "probes/common/check_result.hpp"

namespace relaylab::probe {

// Beyond this the banner is a tarpit or a greet pause (Postfix postscreen_greet_wait, Exim
// smtp_banner delays, sendmail greet_pause): it catches spamware, and also costs every
// legitimate sender a connection slot for that long.
inline constexpr std::chrono::seconds slow_banner_threshold{10};

// "banner": 220 pass; 554 fail (RFC 5321 3.1: refuses connections); 421 warn (busy or closing
// for now, e.g. postscreen); any other code fail (the greeting must be 220, RFC 5321 4.2).
CheckResult judge_greeting(const smtp::Reply& greeting);

// "banner.hostname": the greeting's first word should be the server's fully qualified domain
// name (RFC 5321 4.2, 4.1.2: Domain or address-literal). Anything else is a warn.
CheckResult judge_greeting_name(const smtp::Reply& greeting);

// "banner.delay": time from connect to the end of the greeting.
CheckResult judge_banner_delay(std::chrono::milliseconds time_to_banner);

// "banner.ehlo": EHLO accepted pass (extensions in details); EHLO refused and HELO accepted warn
// (no ESMTP: no STARTTLS, SIZE, 8BITMIME); EHLO refused for now (4xx) warn; both refused fail.
// `helo` is the reply to HELO, sent only after a permanent refusal of EHLO.
CheckResult judge_ehlo(const smtp::Reply& ehlo, const std::optional<smtp::Reply>& helo);

}  // namespace relaylab::probe
