#include "harness/load/load_generator.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace relaylab::load {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// A connection that fails is retried after this pause, so a dead server costs a bounded,
// visible number of attempts (one message each) instead of a busy loop.
constexpr auto reconnect_pause = std::chrono::milliseconds(10);

struct Shared {
    const LoadConfig& config;
    net::ClientConnectionOptions connection;  // config.connection with the per-run limits applied
    MessageFactory factory;
    std::atomic<std::uint64_t> next_index{0};
    Clock::time_point start;
    std::vector<Clock::time_point> start_times;  // per message id: started or scheduled
};

struct ThreadState {
    asio::io_context context{1};
    std::vector<std::uint32_t> latencies_us;
    LoadResult result;
    std::deque<smtp::OutgoingMessage> retry;  // taken but never started: sent again
    std::deque<std::uint64_t> arrivals;       // open loop: scheduled, not yet taken
    bool pacer_done = false;
    asio::steady_timer wake{context, Clock::time_point::max()};
};

class Source : public net::MessageSource {
  public:
    Source(Shared& shared, ThreadState& state) : shared_(shared), state_(state) {}

    std::optional<smtp::OutgoingMessage> try_next() override {
        if (!state_.retry.empty()) {
            auto message = std::move(state_.retry.front());
            state_.retry.pop_front();
            return message;
        }
        if (shared_.config.rate) {
            if (state_.arrivals.empty()) return std::nullopt;
            std::uint64_t id = state_.arrivals.front();
            state_.arrivals.pop_front();
            return make(id);
        }
        std::uint64_t id = shared_.next_index.fetch_add(1, std::memory_order_relaxed);
        if (id >= shared_.config.count) return std::nullopt;
        return make(id);
    }

    asio::awaitable<std::optional<smtp::OutgoingMessage>> next() override {
        for (;;) {
            if (auto message = try_next()) co_return message;
            if (!shared_.config.rate || state_.pacer_done) co_return std::nullopt;
            co_await state_.wake.async_wait(nothrow);  // the pacer cancels it on each arrival
        }
    }

    void on_started(std::uint64_t id) override {
        if (!shared_.config.rate) shared_.start_times[id] = Clock::now();
    }

    void on_done(smtp::TransactionResult&& result) override {
        auto elapsed = Clock::now() - shared_.start_times[result.id];
        state_.latencies_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count(), UINT32_MAX)));
        ++state_.result.submitted;
        if (result.accepted) {
            ++state_.result.sent;
        } else {
            ++state_.result.failed[failure_key(result)];
        }
    }

    void on_unsent(std::vector<smtp::OutgoingMessage>&& messages) override {
        for (auto& message : messages)
            state_.retry.push_back(std::move(message));
    }

    // A message that could not even be offered (no connection): counted as failed.
    void fail(smtp::OutgoingMessage&&, const std::string& key) {
        ++state_.result.submitted;
        ++state_.result.failed[key];
    }
    void fail_one(const std::string& key) {
        if (auto message = try_next()) {
            ++state_.result.submitted;
            ++state_.result.failed[key];
        }
    }

  private:
    smtp::OutgoingMessage make(std::uint64_t id) const {
        smtp::OutgoingMessage message;
        message.id = id;
        message.mail_from = shared_.factory.mail_from(id + 1);
        message.recipients.push_back(shared_.factory.rcpt_to(id + 1));
        message.content = shared_.factory.content(id + 1);
        return message;
    }

    Shared& shared_;
    ThreadState& state_;
};

// One connection's view of the source: the message that justified opening the connection comes
// first, so no connection is opened for nothing (exactly N connections for N messages with
// --messages-per-connection 1, and none left idle in an open loop).
class ReservedSource : public net::MessageSource {
  public:
    ReservedSource(Source& inner, smtp::OutgoingMessage first)
        : inner_(inner), reserved_(std::move(first)) {}

    std::optional<smtp::OutgoingMessage> try_next() override {
        if (reserved_) {
            auto message = std::move(reserved_);
            reserved_.reset();
            return message;
        }
        return inner_.try_next();
    }
    asio::awaitable<std::optional<smtp::OutgoingMessage>> next() override {
        if (reserved_) co_return try_next();
        co_return co_await inner_.next();
    }
    void on_started(std::uint64_t id) override { inner_.on_started(id); }
    void on_done(smtp::TransactionResult&& result) override { inner_.on_done(std::move(result)); }
    void on_unsent(std::vector<smtp::OutgoingMessage>&& messages) override {
        inner_.on_unsent(std::move(messages));
    }
    std::optional<smtp::OutgoingMessage>& reserved() { return reserved_; }

  private:
    Source& inner_;
    std::optional<smtp::OutgoingMessage> reserved_;
};

asio::awaitable<void> connection_slot(Shared& shared, ThreadState& state, Source& source) {
    asio::steady_timer pause(state.context);
    for (;;) {
        std::optional<smtp::OutgoingMessage> first = co_await source.next();
        if (!first) break;
        ReservedSource slot_source(source, std::move(*first));
        net::ConnectionOutcome outcome = co_await net::run_client_connection(
            shared.config.server, shared.connection, slot_source);
        ++state.result.connections;
        if (!outcome.error.empty() && state.result.first_error.empty()) {
            state.result.first_error = outcome.error;
        }
        if (outcome.tls.active) ++state.result.tls_versions[outcome.tls.version];
        if (!outcome.connected) {
            ++state.result.connect_failures;
            if (slot_source.reserved()) source.fail(std::move(*slot_source.reserved()), "connect");
        } else if (outcome.transactions == 0 && !outcome.clean) {
            // The session died before any transaction (greeting refused, TLS or AUTH failed):
            // count the message held for it (or the next one) as failed, so that a broken
            // server ends the run and the exit code says so.
            std::string key = outcome.error.find("TLS") != std::string::npos ? "tls" : "session";
            if (slot_source.reserved()) {
                source.fail(std::move(*slot_source.reserved()), key);
            } else {
                source.fail_one(key);
            }
        } else {
            continue;
        }
        pause.expires_after(reconnect_pause);
        co_await pause.async_wait(nothrow);
    }
}

asio::awaitable<void> pacer(Shared& shared, ThreadState& state, unsigned thread_index,
                            unsigned threads) {
    asio::steady_timer timer(state.context);
    auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / *shared.config.rate));
    for (std::uint64_t id = thread_index; id < shared.config.count; id += threads) {
        Clock::time_point due = shared.start + interval * static_cast<Clock::rep>(id);
        timer.expires_at(due);
        co_await timer.async_wait(nothrow);
        shared.start_times[id] = due;  // latency from the scheduled arrival
        state.arrivals.push_back(id);
        state.wake.cancel();
    }
    state.pacer_done = true;
    state.wake.cancel();
}

}  // namespace

std::string failure_key(const smtp::TransactionResult& result) {
    if (result.final.code != 0) return std::to_string(result.final.code);
    std::string text = result.final.text();
    if (text.rfind("timeout", 0) == 0) return "timeout";
    if (text.find("TLS") != std::string::npos) return "tls";
    return "connection";
}

LoadResult run_load(const LoadConfig& config) {
    unsigned threads = std::max(1u, config.threads);
    Shared shared{config, config.connection, MessageFactory(config.message), {}, Clock::now(), {}};
    shared.connection.messages_per_connection = config.messages_per_connection;
    shared.start_times.resize(config.count);
    std::vector<std::unique_ptr<ThreadState>> states;
    std::vector<std::unique_ptr<Source>> sources;
    for (unsigned i = 0; i < threads; ++i) {
        states.push_back(std::make_unique<ThreadState>());
        sources.push_back(std::make_unique<Source>(shared, *states.back()));
    }
    shared.start = Clock::now();
    // No more connections than messages: an idle session would only connect and QUIT.
    std::size_t slots =
        std::clamp<std::uint64_t>(config.concurrency, 1, std::max<std::uint64_t>(1, config.count));
    for (std::size_t slot = 0; slot < slots; ++slot) {
        auto& state = *states[slot % threads];
        asio::co_spawn(state.context, connection_slot(shared, state, *sources[slot % threads]),
                       asio::detached);
    }
    if (config.rate) {
        for (unsigned i = 0; i < threads; ++i) {
            asio::co_spawn(states[i]->context, pacer(shared, *states[i], i, threads),
                           asio::detached);
        }
    }
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) {
        workers.emplace_back([state = states[i].get()] { state->context.run(); });
    }
    states[0]->context.run();
    for (auto& worker : workers)
        worker.join();
    auto elapsed = std::chrono::duration<double>(Clock::now() - shared.start).count();

    LoadResult total;
    std::vector<std::uint32_t> latencies;
    for (auto& state : states) {
        const LoadResult& part = state->result;
        total.submitted += part.submitted;
        total.sent += part.sent;
        total.connections += part.connections;
        total.connect_failures += part.connect_failures;
        for (const auto& [key, n] : part.failed)
            total.failed[key] += n;
        for (const auto& [key, n] : part.tls_versions)
            total.tls_versions[key] += n;
        if (total.first_error.empty()) total.first_error = part.first_error;
        latencies.insert(latencies.end(), state->latencies_us.begin(), state->latencies_us.end());
    }
    total.duration_s = elapsed;
    total.msgs_per_s = elapsed > 0 ? static_cast<double>(total.sent) / elapsed : 0;
    total.latency = summarize(latencies);
    return total;
}

}  // namespace relaylab::load
