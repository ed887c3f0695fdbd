#include "probes/policy/smuggling_sink.hpp"

#include <array>
#include <exception>
#include <system_error>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "harness/net/smtp_stream.hpp"
#include "harness/smtp/server_session.hpp"

namespace relaylab::probe {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// How long stop() waits for the connection coroutines to see their sockets closed.
constexpr std::chrono::milliseconds stop_wait{2000};
constexpr std::size_t read_chunk = 16 * 1024;
}  // namespace

struct SmugglingSink::State {
    asio::any_io_executor executor;
    tcp::endpoint listen;
    SmugglingSinkLimits limits;
    tcp::acceptor acceptor;
    bool stopping = false;
    int live = 0;  // coroutines still running (the accept loop and each connection)
    std::vector<std::string> received;
    std::vector<std::string> notes;
    std::vector<std::weak_ptr<net::SmtpStream>> streams;

    State(asio::any_io_executor ex, tcp::endpoint at, SmugglingSinkLimits l)
        : executor(std::move(ex)), listen(at), limits(l), acceptor(executor) {}

    // Every coroutine ends here: an exception is a note, never lost.
    auto done(std::string what) {
        return [this, what = std::move(what)](std::exception_ptr error) {
            --live;
            if (!error) return;
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                notes.push_back(what + ": " + e.what());
            }
        };
    }
};

namespace {

smtp::ServerConfig sink_config() {
    smtp::ServerConfig config;
    config.hostname = "sink.relaylab.test";
    config.banner = "ESMTP relaylab probe sink";
    config.extensions.chunking = false;  // DATA only: the relay's dot-stuffing is under test
    config.extensions.starttls = false;
    config.bare_newline = smtp::BareNewlinePolicy::accept;
    config.keep_content = false;  // the raw octets are kept instead
    return config;
}

// Answers what the session asks between feeds: whether it handled any action, and whether
// the session is still open.
struct Served {
    bool handled = false;
    bool open = true;
};
Served serve_actions(smtp::ServerSession& session) {
    Served served;
    while (auto action = session.poll()) {
        served.handled = true;
        switch (*action) {
            case smtp::ServerSession::Action::decide:
                session.decide({});
                break;
            case smtp::ServerSession::Action::message:
                session.take_message();
                break;
            case smtp::ServerSession::Action::body_end:
                session.body_finished(std::nullopt);
                break;
            case smtp::ServerSession::Action::start_tls:  // not offered: cannot happen
            case smtp::ServerSession::Action::close:
                served.open = false;
                return served;
            case smtp::ServerSession::Action::body_begin:
            case smtp::ServerSession::Action::body_chunk:
            case smtp::ServerSession::Action::body_abort:
                break;
        }
    }
    served.open = !session.closed();
    return served;
}

asio::awaitable<void> serve(std::shared_ptr<SmugglingSink::State> state,
                            std::shared_ptr<net::SmtpStream> stream, std::size_t index) {
    auto remote = stream->remote_endpoint();
    smtp::ServerSession session(
        sink_config(), smtp::ConnectionInfo{"sink" + std::to_string(index),
                                            remote.address().to_string(), remote.port(), false});
    session.start();
    bool open = serve_actions(session).open;
    std::array<char, read_chunk> buffer;
    boost::system::error_code ec;
    while (!state->stopping) {
        if (!session.output().empty()) {
            stream->expires_after(state->limits.idle);
            co_await stream->write_all(session.output(), ec);
            session.output().clear();
            if (ec) break;
        }
        if (!open) break;
        stream->expires_after(state->limits.idle);
        std::size_t got = co_await stream->read_some(buffer.data(), buffer.size(), ec);
        if (ec || got == 0) break;
        std::string& raw = state->received[index];
        if (raw.size() + got > state->limits.max_octets_per_connection) {
            state->notes.push_back("connection " + std::to_string(index + 1) + ": closed after " +
                                   std::to_string(raw.size()) + " octets (the sink's limit)");
            break;
        }
        raw.append(buffer.data(), got);
        std::string_view rest(buffer.data(), got);
        // Feed until the input is used up; the session takes no more while an action waits.
        while (open && !rest.empty()) {
            std::size_t used = session.feed(rest);
            rest.remove_prefix(used);
            Served served = serve_actions(session);
            open = served.open;
            if (used == 0 && !served.handled) {
                state->notes.push_back("connection " + std::to_string(index + 1) +
                                       ": the session took no more input; closed");
                open = false;
            }
        }
    }
    if (!session.output().empty() && !ec && !state->stopping) {
        stream->expires_after(state->limits.idle);
        co_await stream->write_all(session.output(), ec);
    }
    stream->close();
}

asio::awaitable<void> accept_loop(std::shared_ptr<SmugglingSink::State> state) {
    while (!state->stopping) {
        auto [ec, socket] = co_await state->acceptor.async_accept(nothrow);
        if (ec) {
            if (state->stopping || ec == asio::error::operation_aborted) co_return;
            state->notes.push_back("accept: " + ec.message());
            co_return;
        }
        if (state->received.size() >= state->limits.max_connections) {
            state->notes.push_back("connection refused: more than " +
                                   std::to_string(state->limits.max_connections));
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        auto stream = std::make_shared<net::SmtpStream>(std::move(socket));
        std::size_t index = state->received.size();
        state->received.emplace_back();
        state->streams.push_back(stream);
        ++state->live;
        asio::co_spawn(state->executor, serve(state, stream, index),
                       state->done("connection " + std::to_string(index + 1)));
    }
}

}  // namespace

SmugglingSink::SmugglingSink(asio::any_io_executor executor, tcp::endpoint listen,
                             SmugglingSinkLimits limits)
    : state_(std::make_shared<State>(std::move(executor), listen, limits)) {}

SmugglingSink::~SmugglingSink() {
    state_->stopping = true;
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    for (auto& weak : state_->streams) {
        if (auto stream = weak.lock()) stream->close();
    }
}

void SmugglingSink::start() {
    auto& acceptor = state_->acceptor;
    boost::system::error_code ec;
    acceptor.open(state_->listen.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(state_->listen, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::system_error(ec, "cannot listen on " + state_->listen.address().to_string() +
                                        ":" + std::to_string(state_->listen.port()));
    }
    ++state_->live;
    asio::co_spawn(state_->executor, accept_loop(state_), state_->done("accept"));
}

asio::awaitable<void> SmugglingSink::stop() {
    state_->stopping = true;
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    for (auto& weak : state_->streams) {
        if (auto stream = weak.lock()) stream->close();
    }
    asio::steady_timer timer(state_->executor);
    const auto deadline = std::chrono::steady_clock::now() + stop_wait;
    while (state_->live > 0 && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(nothrow);
    }
}

std::uint16_t SmugglingSink::port() const {
    boost::system::error_code ec;
    auto endpoint = state_->acceptor.local_endpoint(ec);
    return ec ? 0 : endpoint.port();
}

std::vector<std::string> SmugglingSink::received() const {
    return state_->received;
}

std::vector<std::string> SmugglingSink::notes() const {
    return state_->notes;
}

}  // namespace relaylab::probe
