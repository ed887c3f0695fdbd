// One submission of a smuggling test message, step by step over a probe Dialogue: the facts the
// judge (smuggling_judge.hpp) decides on. Inbound checks submit to the target for
// --rcpt; the outbound check submits to the relay for --sink-rcpt.
#pragma once

#include <chrono>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "probes/common/dialogue.hpp"
#include "probes/policy/smuggling_judge.hpp"
#include "probes/policy/smuggling_variants.hpp"

namespace relaylab::probe {

struct SmugglingSubmission {
    boost::asio::ip::tcp::endpoint server;
    DialogueTimeouts timeouts;
    std::string helo;
    std::string mail_from;
    std::string rcpt;
    std::string auth_user;  // AUTH PLAIN when not empty
    std::string auth_password;
    SmugglingMessage message;
    // How long to wait for the reply that must not come after the look-alike.
    std::chrono::milliseconds quiet_wait{1500};
};

// Never throws for what the server does; every wait is bounded by the dialogue's timeouts.
boost::asio::awaitable<SmugglingExchange> submit_smuggling_message(
    boost::asio::any_io_executor executor, const SmugglingSubmission& submission);

}  // namespace relaylab::probe
