// Scores a message with SpamAssassin's spamd over the SPAMC/1.5 protocol (as spamc does:
// "SYMBOLS", Content-length, the message; the answer's "Spam: True ; 7.3 / 5.0" and the rule
// names). The wire format is sans-I/O in model/spamd_protocol.hpp; this is the Asio shell:
// one connection per message, a deadline on the whole exchange, bounded reply size. Failures
// come back as SpamScore::error ("connection refused", "timed out"), never as exceptions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "fake-mx/placement/model/placement.hpp"

namespace relaylab::placement {

struct SpamdConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 783;
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // connect to full answer
    // spamc's default (-s 500 KB): larger messages are not scored (error says so).
    std::size_t max_message_bytes = 500 * 1024;
};

boost::asio::awaitable<SpamScore> score_with_spamd(const SpamdConfig& config,
                                                   std::string_view message);

}  // namespace relaylab::placement
