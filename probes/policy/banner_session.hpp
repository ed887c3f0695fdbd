// The start every banner, limits and ptr check shares: connect, read the greeting, EHLO (and
// HELO after a permanent EHLO refusal, RFC 5321 3.2). Thin: what it gathers is judged by
// banner_judge / limits_judge / reverse_dns_judge.
#pragma once

#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "harness/smtp/reply.hpp"
#include "probes/common/dialogue.hpp"
#include "probes/common/probe_context.hpp"
#include "probes/policy/banner_ehlo.hpp"

namespace relaylab::probe {

struct SessionStart {
    std::optional<smtp::Reply> greeting;
    std::optional<smtp::Reply> ehlo;
    std::optional<smtp::Reply> helo;  // sent only after EHLO was refused for good
    EhloFacts facts;                  // from a positive EHLO reply

    // Greeted with 220 and EHLO or HELO accepted: commands may follow.
    bool ready() const;
    // Why not ready: the dialogue's failure, or the reply that stopped it.
    std::string why_not_ready(const Dialogue& dialogue) const;
};

// Stops at the first failure (dialogue.failed()) or refusal; never throws for server behaviour.
boost::asio::awaitable<SessionStart> open_session(Dialogue& dialogue, const ProbeContext& context);

}  // namespace relaylab::probe
