#include "probes/common/dialogue.hpp"

#include <algorithm>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include "harness/net/tls.hpp"
#include "probes/common/check_result.hpp"

namespace relaylab::probe {

namespace asio = boost::asio;

namespace {
// One read's worth; replies are parsed as they come, so this bounds nothing but a syscall.
constexpr std::size_t read_chunk_octets = 16 * 1024;

std::chrono::milliseconds since(net::Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(net::Clock::now() - start);
}
}  // namespace

std::string_view describe(DialogueError error) {
    switch (error) {
        case DialogueError::none:
            return "no error";
        case DialogueError::connect_refused:
            return "connection refused";
        case DialogueError::connect_timeout:
            return "connect timed out";
        case DialogueError::connect_failed:
            return "could not connect";
        case DialogueError::reply_timeout:
            return "timed out waiting for a reply";
        case DialogueError::closed:
            return "connection closed by the server";
        case DialogueError::garbage:
            return "not an SMTP reply";
        case DialogueError::write_failed:
            return "could not send";
        case DialogueError::tls_failed:
            return "TLS handshake failed";
    }
    return "unknown error";
}

std::string DialogueFailure::text() const {
    std::string out(describe(error));
    if (!detail.empty()) out += " (" + detail + ")";
    return out;
}

Dialogue::Dialogue(asio::any_io_executor executor, DialogueTimeouts timeouts)
    : timeouts_(timeouts), stream_(executor) {}

Dialogue::~Dialogue() {
    stream_.close();
}

bool Dialogue::fail(DialogueError error, std::string detail) {
    failure_ = {error, std::move(detail)};
    // What the server got through before it stopped is evidence too ("220-mx.example" then
    // the hang-up), though it never became a reply.
    const smtp::Reply& unfinished = parser_.unfinished_reply();
    constexpr std::size_t shown_lines = 10;  // an endless reply needs no more to be recognised
    for (std::size_t i = 0; i < std::min(unfinished.lines.size(), shown_lines); ++i) {
        std::string line = std::to_string(unfinished.code) + "-";
        if (!unfinished.enhanced.empty()) line += unfinished.enhanced + " ";
        transcript_.server_raw(line + unfinished.lines[i]);
    }
    if (unfinished.lines.size() > shown_lines) {
        transcript_.note(std::to_string(unfinished.lines.size() - shown_lines) + " more lines");
    }
    if (!parser_.unfinished_line().empty()) transcript_.server_raw(parser_.unfinished_line());
    transcript_.note(failure_.text());
    return false;
}

asio::awaitable<bool> Dialogue::connect(const asio::ip::tcp::endpoint& endpoint) {
    connect_started_ = net::Clock::now();
    stream_.expires_after(timeouts_.connect);
    boost::system::error_code ec;
    co_await stream_.connect(endpoint, ec);
    stream_.expires_never();
    const std::string where =
        endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    if (ec == asio::error::timed_out) {
        co_return fail(DialogueError::connect_timeout,
                       where + " after " + std::to_string(timeouts_.connect.count()) + " ms");
    }
    if (ec == asio::error::connection_refused) {
        co_return fail(DialogueError::connect_refused, where);
    }
    if (ec) co_return fail(DialogueError::connect_failed, where + ": " + ec.message());
    transcript_.note("connected to " + where + " in " +
                     std::to_string(since(connect_started_).count()) + " ms");
    co_return true;
}

// Reads once into the parser. A timeout is a failure unless the caller only polls.
asio::awaitable<bool> Dialogue::fill(std::chrono::milliseconds timeout, bool timeout_is_failure) {
    read_buffer_.resize(read_chunk_octets);
    stream_.expires_after(timeout);
    boost::system::error_code ec;
    const std::size_t n = co_await stream_.read_some(read_buffer_.data(), read_buffer_.size(), ec);
    const bool timed_out = stream_.timed_out();
    stream_.expires_never();
    if (ec) {
        if (timed_out || ec == asio::error::operation_aborted) {
            if (!timeout_is_failure) co_return false;
            co_return fail(DialogueError::reply_timeout,
                           "after " + std::to_string(timeout.count()) + " ms" +
                               (parser_.mid_reply() ? ", in the middle of a reply" : ""));
        }
        if (ec == asio::error::eof || ec == asio::error::connection_reset ||
            ec == asio::ssl::error::stream_truncated) {
            co_return fail(DialogueError::closed,
                           parser_.mid_reply() ? "in the middle of a reply" : ec.message());
        }
        co_return fail(DialogueError::closed, ec.message());
    }
    const std::string_view data(read_buffer_.data(), n);
    const std::size_t consumed = parser_.feed(data);
    if (parser_.error() != smtp::ReplyParseError::none) {
        transcript_.server_raw(data.substr(0, std::min(data.size(), max_evidence_line_octets)));
        co_return fail(DialogueError::garbage, std::string(smtp::describe(parser_.error())));
    }
    (void)consumed;
    co_return true;
}

asio::awaitable<std::optional<smtp::Reply>> Dialogue::read_reply(
    std::optional<std::chrono::milliseconds> timeout) {
    if (failed()) co_return std::nullopt;
    const auto wait = timeout.value_or(timeouts_.reply);
    const auto deadline = net::Clock::now() + wait;
    while (!parser_.has_reply()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - net::Clock::now());
        if (left.count() <= 0) {
            fail(DialogueError::reply_timeout, "after " + std::to_string(wait.count()) + " ms");
            co_return std::nullopt;
        }
        if (!co_await fill(left, true)) co_return std::nullopt;
    }
    auto reply = parser_.next();
    transcript_.server(*reply);
    if (!first_reply_) first_reply_ = since(connect_started_);
    co_return reply;
}

asio::awaitable<std::optional<smtp::Reply>> Dialogue::poll_reply(std::chrono::milliseconds wait) {
    if (failed()) co_return std::nullopt;
    const auto deadline = net::Clock::now() + wait;
    while (!parser_.has_reply()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - net::Clock::now());
        if (left.count() <= 0) co_return std::nullopt;
        if (!co_await fill(left, false)) {
            if (failed()) co_return std::nullopt;
            // The read was cancelled at the deadline: nothing (more) came. A reply read in part
            // stays in the parser for the next read_reply().
            co_return std::nullopt;
        }
    }
    auto reply = parser_.next();
    transcript_.server(*reply);
    co_return reply;
}

asio::awaitable<bool> Dialogue::send(std::string_view bytes) {
    if (failed()) co_return false;
    transcript_.client(bytes);
    stream_.expires_after(timeouts_.write);
    boost::system::error_code ec;
    co_await stream_.write_all(bytes, ec);
    const bool timed_out = stream_.timed_out();
    stream_.expires_never();
    if (ec) {
        co_return fail(DialogueError::write_failed,
                       timed_out
                           ? "timed out after " + std::to_string(timeouts_.write.count()) + " ms"
                           : ec.message());
    }
    co_return true;
}

asio::awaitable<std::optional<smtp::Reply>> Dialogue::command(std::string_view line) {
    std::string bytes(line);
    bytes += "\r\n";
    if (!co_await send(bytes)) co_return std::nullopt;
    co_return co_await read_reply();
}

asio::awaitable<bool> Dialogue::start_tls(asio::ssl::context& context, const std::string& sni) {
    if (failed()) co_return false;
    stream_.expires_after(timeouts_.tls_handshake);
    boost::system::error_code ec;
    co_await stream_.handshake(context, asio::ssl::stream_base::client, sni, ec);
    stream_.expires_never();
    if (ec) {
        co_return fail(DialogueError::tls_failed,
                       ec == asio::error::timed_out ? "timed out" : ec.message());
    }
    transcript_.note("TLS established: " + stream_.tls().version + " " + stream_.tls().cipher);
    co_return true;
}

asio::awaitable<void> Dialogue::quit() {
    if (!failed() && stream_.socket().is_open()) {
        // Bounded tighter than a normal reply: the check has its answer already.
        const auto saved = timeouts_.reply;
        timeouts_.reply = std::min(saved, std::chrono::milliseconds(5000));
        if (co_await send("QUIT\r\n")) co_await read_reply();
        timeouts_.reply = saved;
    }
    close();
}

void Dialogue::close() {
    stream_.close();
}

}  // namespace relaylab::probe
