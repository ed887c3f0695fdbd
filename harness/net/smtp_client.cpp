#include "harness/net/smtp_client.hpp"

#include <optional>

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

TlsSecurityLevel effective_level(const ClientConnectionOptions& options) {
    if (options.tls_level) return *options.tls_level;
    switch (options.session.starttls) {
        case smtp::TlsMode::none:
            return options.session.implicit_tls ? TlsSecurityLevel::encrypt
                                                : TlsSecurityLevel::none;
        case smtp::TlsMode::opportunistic:
            return TlsSecurityLevel::may;
        case smtp::TlsMode::required:
            return TlsSecurityLevel::encrypt;
    }
    return TlsSecurityLevel::none;
}

bool context_verifies(const asio::ssl::context& context) {
    return SSL_CTX_get_verify_mode(const_cast<asio::ssl::context&>(context).native_handle()) !=
           SSL_VERIFY_NONE;
}

std::string endpoint_text(const asio::ip::tcp::endpoint& endpoint) {
    return endpoint.address().to_string() + ':' + std::to_string(endpoint.port());
}

// One connection, TLS as `options` says (no plaintext retry here).
asio::awaitable<ConnectionOutcome> run_once(const asio::ip::tcp::endpoint& endpoint,
                                            const ClientConnectionOptions& given,
                                            MessageSource& source, bool& handshake_failed) {
    ConnectionOutcome outcome;
    handshake_failed = false;
    if (given.plaintext_retry_after) {
        outcome.tls_result.plaintext_fallback = true;
        outcome.tls_result.fallback_reason = *given.plaintext_retry_after;
    }
    // Copied only when this connection must differ from what was asked: a copy per
    // connection (strings, TLS and DANE settings) showed in the load generator's profile.
    std::optional<ClientConnectionOptions> changed;
    const TlsSecurityLevel level = effective_level(given);
    const bool wants_tls =
        given.session.implicit_tls || given.session.starttls != smtp::TlsMode::none;
    if (wants_tls && !given.tls) {
        // The crash this prevents: a server offering STARTTLS and no context to handshake with.
        if (level == TlsSecurityLevel::may && !given.session.implicit_tls) {
            changed = given;
            changed->session.starttls = smtp::TlsMode::none;
            outcome.tls_result.fallback_reason = smtp::TlsFailure::no_context;
        } else {
            outcome.outcome = smtp::tls_outcome(
                smtp::TlsFailure::no_context,
                "TLS level " + std::string(to_string(level)) + " needs a TLS context");
            outcome.error = outcome.outcome.describe();
            co_return outcome;
        }
    }
    const ClientConnectionOptions& options = changed ? *changed : given;
    auto executor = co_await asio::this_coro::executor;
    SmtpStream stream(executor);
    boost::system::error_code ec;
    stream.expires_after(options.timeouts.connect);
    co_await stream.connect(endpoint, ec);
    if (ec) {
        outcome.outcome =
            stream.timed_out()
                ? smtp::timeout_outcome(smtp::Waiting::connect)
                : smtp::connect_outcome(endpoint_text(endpoint) + ": " + ec.message());
        outcome.error = "connect to " + endpoint_text(endpoint) + " failed: " +
                        (stream.timed_out() ? std::string("timed out") : ec.message());
        co_return outcome;
    }
    outcome.connected = true;

    ClientSession session(options.session);
    // After a handshake: the facts, and under dane the TLSA check. False when the session must
    // not go on (the failure is already in the session or the outcome).
    auto after_handshake = [&]() -> smtp::TlsFailure {
        outcome.tls_result =
            describe_tls_session(stream.native_tls(), context_verifies(*options.tls));
        if (level == TlsSecurityLevel::dane) {
            smtp::TlsFailure failure = dane_check(stream.native_tls(), options.dane);
            if (failure != smtp::TlsFailure::none) return failure;
            outcome.tls_result.verified = true;
            outcome.tls_result.dane = true;
        }
        return smtp::TlsFailure::none;
    };
    if (options.session.implicit_tls) {
        stream.expires_after(options.timeouts.tls_handshake);
        co_await stream.handshake(*options.tls, asio::ssl::stream_base::client, options.sni, ec);
        smtp::TlsFailure failure =
            ec ? (stream.timed_out() ? smtp::TlsFailure::handshake : to_tls_failure(ec))
               : after_handshake();
        if (failure != smtp::TlsFailure::none) {
            outcome.outcome = stream.timed_out()
                                  ? smtp::timeout_outcome(smtp::Waiting::tls_handshake)
                                  : smtp::tls_outcome(failure, ec ? ec.message() : "");
            outcome.error = "TLS handshake failed: " + outcome.outcome.describe();
            handshake_failed = true;
            stream.close();
            co_return outcome;
        }
    }

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
        if (write_ec) {
            if (stream.timed_out()) {
                session.timed_out();
            } else {
                session.connection_lost("write failed: " + write_ec.message());
            }
        }
        co_return !write_ec;
    };

    std::vector<char> buffer(read_buffer_size);
    for (;;) {
        while (auto action = session.poll()) {
            switch (*action) {
                case ClientSession::Action::ready:
                case ClientSession::Action::transaction_started:
                    if (*action == ClientSession::Action::ready)
                        source.on_ready(outcome.tls_result);
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
                    if (!options.tls) {  // unreachable after the check above; never dereference
                        session.tls_failed(smtp::TlsFailure::no_context, "no TLS context");
                        break;
                    }
                    stream.expires_after(options.timeouts.tls_handshake);
                    boost::system::error_code tls_ec;
                    co_await stream.handshake(*options.tls, asio::ssl::stream_base::client,
                                              options.sni, tls_ec);
                    if (tls_ec) {
                        handshake_failed = true;
                        if (stream.timed_out()) {
                            session.timed_out();
                        } else {
                            session.tls_failed(to_tls_failure(tls_ec), tls_ec.message());
                        }
                    } else if (smtp::TlsFailure failure = after_handshake();
                               failure != smtp::TlsFailure::none) {
                        handshake_failed = true;
                        session.tls_failed(failure, smtp::describe(failure));
                    } else {
                        session.tls_started();
                    }
                    break;
                }
                case ClientSession::Action::close: {
                    co_await flush();
                    if (!outcome.tls_result.active) {
                        smtp::TlsFailure reason = outcome.tls_result.fallback_reason;
                        bool fallback = outcome.tls_result.plaintext_fallback;
                        outcome.tls_result = smtp::TlsResult{};
                        outcome.tls_result.fallback_reason = reason;
                        outcome.tls_result.plaintext_fallback = fallback;
                    }
                    outcome.tls = stream.tls();
                    outcome.greeting = session.greeting();
                    outcome.capabilities = session.capabilities();
                    outcome.plaintext_injection_seen = session.plaintext_injection_seen();
                    outcome.error = session.error();
                    outcome.outcome = session.session_outcome();
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

// Whether the walk goes on to the next MX after this connection.
bool try_next_endpoint(const ConnectionOutcome& outcome) {
    if (outcome.transactions > 0) return false;  // mail went there: its results stand
    if (!outcome.connected) return true;
    if (outcome.greeting.code == 0) return true;  // closed or timed out before the greeting
    if (outcome.greeting.code != 220) return outcome.greeting.transient();
    return outcome.outcome.layer == smtp::FailureLayer::tls;
}

}  // namespace

void apply_tls_policy(const TlsPolicy& policy, ClientConnectionOptions& options) {
    options.tls_level = policy.level;
    options.session.starttls = session_mode(policy.level);
    options.tls = make_policy_context(policy);
}

asio::awaitable<ConnectionOutcome> run_client_connection(const asio::ip::tcp::endpoint& endpoint,
                                                         const ClientConnectionOptions& options,
                                                         MessageSource& source) {
    bool handshake_failed = false;
    ConnectionOutcome first = co_await run_once(endpoint, options, source, handshake_failed);
    if (!handshake_failed || effective_level(options) != TlsSecurityLevel::may ||
        first.transactions > 0) {
        co_return first;
    }
    // Opportunistic TLS: the handshake failed before any mail; say so and go on in plaintext
    // on a new connection (the old one is unusable after a failed handshake).
    ClientConnectionOptions plaintext = options;
    plaintext.session.starttls = smtp::TlsMode::none;
    plaintext.session.implicit_tls = false;
    plaintext.plaintext_retry_after = first.outcome.layer == smtp::FailureLayer::tls
                                          ? first.outcome.tls
                                          : smtp::TlsFailure::handshake;
    co_return co_await run_once(endpoint, plaintext, source, handshake_failed);
}

asio::awaitable<EndpointsOutcome> run_client_endpoints(const std::vector<Endpoint>& endpoints,
                                                       ClientConnectionOptions options,
                                                       MessageSource& source) {
    EndpointsOutcome walk;
    const std::string default_sni = options.sni;
    for (const auto& endpoint : endpoints) {
        options.sni = endpoint.host.empty() ? default_sni : endpoint.host;
        options.dane = endpoint.dane;
        walk.last = co_await run_client_connection(endpoint.address, options, source);
        std::string name = endpoint.host.empty() ? std::string() : endpoint.host + ' ';
        walk.attempts.push_back(
            {name + endpoint_text(endpoint.address), walk.last.outcome, walk.last.tls_result});
        if (!try_next_endpoint(walk.last)) break;
    }
    co_return walk;
}

}  // namespace relaylab::net
