#include "harness/net/smtp_client.hpp"

#include <deque>

#include <boost/asio/this_coro.hpp>

namespace relaylab::net {

namespace asio = boost::asio;
using smtp::ClientSession;

namespace {

constexpr std::size_t read_buffer_size = 16 * 1024;

std::chrono::milliseconds timeout_for(const ClientTimeouts& timeouts, ClientSession::Waiting w) {
    if (timeouts.every_phase) return *timeouts.every_phase;
    return ClientSession::default_timeout(w);
}

}  // namespace

asio::awaitable<ConnectionOutcome> run_client_connection(const asio::ip::tcp::endpoint& endpoint,
                                                         const ClientConnectionOptions& options,
                                                         MessageSource& source) {
    ConnectionOutcome outcome;
    auto executor = co_await asio::this_coro::executor;
    SmtpStream stream(executor);
    boost::system::error_code ec;
    stream.expires_after(options.timeouts.connect);
    co_await stream.connect(endpoint, ec);
    if (ec) {
        outcome.error =
            "connect to " + endpoint.address().to_string() + ':' + std::to_string(endpoint.port()) +
            " failed: " + (stream.timed_out() ? std::string("timed out") : ec.message());
        co_return outcome;
    }
    outcome.connected = true;
    if (options.session.implicit_tls) {
        stream.expires_after(options.timeouts.tls_handshake);
        co_await stream.handshake(*options.tls, asio::ssl::stream_base::client, options.sni, ec);
        if (ec) {
            outcome.error = "TLS handshake failed: " + ec.message();
            stream.close();
            co_return outcome;
        }
    }

    ClientSession session(options.session);
    std::deque<std::uint64_t> submitted_ids;
    std::size_t submitted = 0;
    bool quit_sent = false;
    auto limit_reached = [&] {
        return options.messages_per_connection != 0 && submitted >= options.messages_per_connection;
    };
    auto submit = [&](smtp::OutgoingMessage&& message) {
        submitted_ids.push_back(message.id);
        ++submitted;
        session.submit(std::move(message));
    };
    auto flush = [&]() -> asio::awaitable<bool> {
        if (session.output().empty()) co_return true;
        stream.expires_after(timeout_for(options.timeouts, ClientSession::Waiting::data_block));
        boost::system::error_code write_ec;
        co_await stream.write_all(session.output(), write_ec);
        session.output().clear();
        if (write_ec) session.connection_lost("write failed: " + write_ec.message());
        co_return !write_ec;
    };

    std::vector<char> buffer(read_buffer_size);
    for (;;) {
        while (auto action = session.poll()) {
            switch (*action) {
                case ClientSession::Action::ready:
                case ClientSession::Action::transaction_started:
                    if (*action == ClientSession::Action::transaction_started &&
                        !submitted_ids.empty()) {
                        source.on_started(submitted_ids.front());
                        submitted_ids.pop_front();
                    }
                    break;
                case ClientSession::Action::transaction_done:
                    if (auto result = session.take_result()) {
                        ++outcome.transactions;
                        source.on_done(std::move(*result));
                    }
                    break;
                case ClientSession::Action::start_tls: {
                    if (!co_await flush()) break;
                    stream.expires_after(options.timeouts.tls_handshake);
                    boost::system::error_code tls_ec;
                    co_await stream.handshake(*options.tls, asio::ssl::stream_base::client,
                                              options.sni, tls_ec);
                    if (tls_ec) {
                        session.connection_lost("TLS handshake failed: " + tls_ec.message());
                    } else {
                        session.tls_started();
                    }
                    break;
                }
                case ClientSession::Action::close: {
                    co_await flush();
                    outcome.tls = stream.tls();
                    outcome.greeting = session.greeting();
                    outcome.capabilities = session.capabilities();
                    outcome.plaintext_injection_seen = session.plaintext_injection_seen();
                    outcome.error = session.error();
                    outcome.clean = outcome.error.empty();
                    auto unsent = session.take_unsent();
                    if (!unsent.empty()) source.on_unsent(std::move(unsent));
                    stream.expires_after(std::chrono::seconds(2));
                    co_await stream.shutdown();
                    co_return outcome;
                }
            }
        }
        if (session.is_ready() && !quit_sent) {
            // Keep the pipeline topped up without waiting; wait only when the session is idle.
            while (!limit_reached() && session.in_flight() < options.pipeline_depth) {
                auto message = source.try_next();
                if (!message) break;
                submit(std::move(*message));
            }
            if (session.in_flight() == 0) {
                std::optional<smtp::OutgoingMessage> message;
                if (!limit_reached()) message = co_await source.next();
                if (message) {
                    submit(std::move(*message));
                } else {
                    session.quit();
                    quit_sent = true;
                }
                continue;
            }
        }
        if (!co_await flush()) continue;
        ClientSession::Waiting waiting = session.waiting_for();
        stream.expires_after(timeout_for(options.timeouts, waiting));
        boost::system::error_code read_ec;
        std::size_t n = co_await stream.read_some(buffer.data(), buffer.size(), read_ec);
        if (read_ec) {
            if (stream.timed_out()) {
                session.timed_out();
            } else {
                session.connection_lost(read_ec == asio::error::eof ? "closed by server"
                                                                    : read_ec.message());
            }
            continue;
        }
        session.feed(std::string_view(buffer.data(), n));
    }
}

}  // namespace relaylab::net
