#include "fake-mx/placement/net/spamd_client.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "fake-mx/placement/model/spamd_protocol.hpp"

namespace relaylab::placement {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// Where the exchange was when it failed or ran out of time, for the error text.
enum class Phase { connecting, sending, waiting };

std::string_view phase_words(Phase phase) {
    switch (phase) {
        case Phase::connecting:
            return "connecting to spamd";
        case Phase::sending:
            return "sending the message to spamd";
        case Phase::waiting:
            return "waiting for spamd's answer";
    }
    return "talking to spamd";
}

SpamScore failed(std::string error) {
    SpamScore score;
    score.error = std::move(error);
    return score;
}

}  // namespace

asio::awaitable<SpamScore> score_with_spamd(const SpamdConfig& config, std::string_view message) {
    const std::string peer = config.address + ":" + std::to_string(config.port);
    if (message.size() > config.max_message_bytes) {
        // As spamc -s: a message above the size limit is not sent at all (spamd would spend
        // seconds on it, and receivers skip filtering of such mail too).
        co_return failed("not scored: the message is " + std::to_string(message.size()) +
                         " bytes, above the spamd size limit of " +
                         std::to_string(config.max_message_bytes));
    }
    boost::system::error_code address_error;
    auto address = asio::ip::make_address(config.address, address_error);
    if (address_error) {
        co_return failed("spamd address '" + config.address + "' is not an IP address");
    }

    auto executor = co_await asio::this_coro::executor;
    tcp::socket socket(executor);
    Phase phase = Phase::connecting;
    spamd::ReplyParser parser(spamd::Request::symbols);

    // One deadline for the whole exchange: a spamd that accepts and then stalls (all children
    // busy, a child stuck in a rule) must not hold the message's end-of-data reply for longer.
    auto exchange = [&]() -> asio::awaitable<std::string> {
        auto [connect_error] = co_await socket.async_connect({address, config.port}, nothrow);
        if (connect_error == asio::error::connection_refused) co_return "connection refused";
        if (connect_error) co_return "cannot connect: " + connect_error.message();
        phase = Phase::sending;
        const std::string head = spamd::symbols_request_head(message.size());
        std::array<asio::const_buffer, 2> request{asio::buffer(head), asio::buffer(message)};
        auto [write_error, written] = co_await asio::async_write(socket, request, nothrow);
        (void)written;
        // spamd may answer an error and close before taking the whole message: read it anyway.
        if (write_error && write_error != asio::error::broken_pipe &&
            write_error != asio::error::connection_reset) {
            co_return "cannot send the message: " + write_error.message();
        }
        phase = Phase::waiting;
        std::array<char, 4096> chunk;
        for (;;) {
            auto [read_error, got] = co_await socket.async_read_some(asio::buffer(chunk), nothrow);
            if (got > 0) parser.put(std::string_view(chunk.data(), got));
            if (parser.state() != spamd::ReplyParser::State::need_more) co_return "";
            if (read_error == asio::error::eof || read_error == asio::error::connection_reset) {
                parser.finish();
                co_return "";
            }
            if (read_error) co_return "cannot read spamd's answer: " + read_error.message();
        }
    };
    asio::steady_timer deadline(executor, config.timeout);
    auto raced = co_await (exchange() || deadline.async_wait(nothrow));
    if (raced.index() == 1) {
        co_return failed("timed out after " + std::to_string(config.timeout.count()) + " ms " +
                         std::string(phase_words(phase)) + " (" + peer + ")");
    }
    const std::string& transport_error = std::get<0>(raced);
    if (!transport_error.empty()) co_return failed(transport_error + " (" + peer + ")");
    if (parser.state() != spamd::ReplyParser::State::done) {
        co_return failed(parser.error_text() + " (" + peer + ")");
    }
    SpamScore score;
    score.scored = true;
    score.score = parser.reply().score;
    score.threshold = parser.reply().threshold;
    score.rules = parser.reply().rules;
    co_return score;
}

}  // namespace relaylab::placement
