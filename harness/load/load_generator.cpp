#include "harness/load/load_generator.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "harness/load/arrival_schedule.hpp"
#include "harness/load/queue_id.hpp"
#include "harness/log/log.hpp"
#include "harness/log/spawn_handler.hpp"

namespace relaylab::load {

namespace asio = boost::asio;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::int64_t microseconds(Clock::duration elapsed) {
    return std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
}

}  // namespace

namespace detail {

// What a message taken for a connection carries besides itself: what its events report.
struct Ticket {
    std::uint64_t number = 0;
    std::string tracking_id;
    std::size_t recipients = 0;
    std::size_t endpoint = 0;  // of the connection it is on (or was last on)
    Clock::time_point intended;
    Clock::time_point started;  // epoch until its MAIL FROM went out
};

struct Pending {
    smtp::OutgoingMessage message;  // message.id is the number
    Ticket ticket;
};

// One connection slot: at most one connection at a time, one after another.
struct Slot {
    Slot(const asio::any_io_executor& executor, std::size_t index)
        : index(index), wake(executor), pause(executor), hard_stop(executor) {}
    std::size_t index;
    asio::steady_timer wake;   // waited on for an arrival; cancelled to wake the slot
    asio::steady_timer pause;  // between a failed connection and the next
    // Waited on beside the slot's connection (`connection || hard_stop`) and cancelled when
    // cancel()'s grace is over: Asio's parallel group then cancels the connection and waits for
    // it to unwind. (No cancellation_signal of ours is bound to the coroutine, so nothing of
    // Asio's can outlive the state it points into.)
    asio::steady_timer hard_stop;
    bool in_connection = false;
};

struct GeneratorCore : std::enable_shared_from_this<GeneratorCore> {
    GeneratorCore(asio::any_io_executor executor, LoadPlan plan_in,
                  std::shared_ptr<MessageFactory> factory, EventHandler on_event)
        : executor(executor),
          plan(std::move(plan_in)),
          factory(std::move(factory)),
          on_event(std::move(on_event)),
          connection(plan.connection),
          pacer_walk(arrival_pattern(plan), plan.shard.index, plan.shard.of),
          take_walk(pacer_walk),
          pacer_timer(executor),
          grace_timer(executor) {
        connection.messages_per_connection = plan.messages_per_connection;
        const Shard& shard = plan.shard;
        // The numbers index + 1, index + 1 + of, ... up to count (written so that a count of
        // UINT64_MAX, "as many as the duration allows", cannot overflow).
        shard_total = plan.count > shard.index ? (plan.count - 1 - shard.index) / shard.of + 1 : 0;
        totals.endpoints.resize(plan.endpoints.size());
    }

    static ArrivalPattern arrival_pattern(const LoadPlan& plan) {
        ArrivalPattern pattern;
        pattern.rate = plan.rate.value_or(1.0);
        pattern.poisson = plan.poisson;
        pattern.seed = plan.seed;
        pattern.ramp_up = plan.ramp_up;
        return pattern;
    }

    asio::any_io_executor executor;
    const LoadPlan plan;
    std::shared_ptr<MessageFactory> factory;
    EventHandler on_event;
    std::function<void(const LoadTotals&)> on_done;
    net::ClientConnectionOptions connection;  // plan.connection with the per-run limits

    std::uint64_t shard_total = 0;  // numbers this shard owns
    std::uint64_t taken = 0;        // of those, taken for a connection (in order)
    std::uint64_t arrived = 0;      // open loop: of those, whose scheduled time has come
    // Open loop: the pacer's walk gives the due time of message `arrived` (next_arrival), and
    // take()'s walk, behind it, the due time of message `taken`. Two walks over the same
    // schedule instead of a queue of due times: memory stays flat however long the backlog.
    ArrivalWalk pacer_walk;
    ArrivalWalk take_walk;
    Clock::time_point next_arrival;
    bool arrivals_closed = false;  // open loop: the pacer has released its last arrival
    std::optional<Clock::time_point> deadline;  // start + plan.duration: nothing taken after
    std::deque<Pending> retry;  // taken, never started, to be offered again (bounded by the
                                // connections' pipelines)
    std::vector<std::unique_ptr<Slot>> slots;
    std::deque<Slot*> waiters;  // slots waiting for an arrival, woken one per arrival
    asio::steady_timer pacer_timer;
    asio::steady_timer grace_timer;
    Clock::time_point start;
    std::size_t next_endpoint = 0;
    std::size_t live_tasks = 0;
    bool started = false;
    bool stopping = false;
    bool done = false;
    std::atomic<bool> finished_flag{false};
    std::atomic<bool> orphaned{false};  // the LoadGenerator is gone: no more callbacks

    mutable std::mutex totals_mutex;  // totals are written here and read by snapshot()
    LoadTotals totals;

    std::uint64_t number_of(std::uint64_t k) const {
        return std::uint64_t{plan.shard.index} + k * plan.shard.of + 1;
    }
    Clock::time_point at(Seconds offset) const {
        return start + std::chrono::duration_cast<Clock::duration>(offset);
    }
    bool beyond_deadline(Clock::time_point time) const { return deadline && time >= *deadline; }
    // Whether message `taken` may be taken at all: within the count and before the deadline.
    bool may_take_new() const { return taken < shard_total && !beyond_deadline(Clock::now()); }

    void emit(const MessageEvent& event) {
        if (on_event && !orphaned.load(std::memory_order_relaxed)) on_event(event);
    }

    // A new message: made by the factory, announced as submitted.
    Pending make(std::uint64_t k, Clock::time_point intended, std::size_t endpoint) {
        std::uint64_t number = number_of(k);
        GeneratedMessage generated = factory->make(number);
        Pending pending;
        pending.message.id = number;
        pending.message.mail_from = std::move(generated.mail_from);
        pending.message.recipients = std::move(generated.recipients);
        pending.message.content = std::move(generated.content);
        pending.message.smtputf8 = generated.smtputf8;
        pending.message.eight_bit = generated.eight_bit;
        pending.ticket.number = number;
        pending.ticket.tracking_id = std::move(generated.tracking_id);
        pending.ticket.recipients = pending.message.recipients.size();
        pending.ticket.intended = intended;
        pending.ticket.endpoint = endpoint;
        {
            std::lock_guard lock(totals_mutex);
            ++totals.submitted;
        }
        if (on_event) {
            MessageEvent event;
            event.kind = EventKind::submitted;
            event.number = number;
            event.tracking_id = pending.ticket.tracking_id;
            event.endpoint = endpoint;
            event.intended = intended;
            event.recipients = pending.ticket.recipients;
            emit(event);
        }
        return pending;
    }

    // The next message for a connection to `endpoint`, if one may go now.
    std::optional<Pending> take(std::size_t endpoint) {
        if (stopping) return std::nullopt;
        if (!retry.empty()) {
            Pending pending = std::move(retry.front());
            retry.pop_front();
            return pending;
        }
        if (!may_take_new()) return std::nullopt;
        if (plan.rate) {
            if (taken >= arrived) return std::nullopt;
            Clock::time_point intended = at(take_walk.next());
            return make(taken++, intended, endpoint);
        }
        return make(taken++, Clock::now(), endpoint);
    }

    // Whether a message may still come for a slot that found none: an arrival yet to come (or
    // one arrived and not yet taken).
    bool more_may_come() const {
        if (stopping || !may_take_new()) return false;
        return !plan.rate || !arrivals_closed || taken < arrived;
    }

    asio::awaitable<std::optional<Pending>> next(Slot& slot, std::size_t endpoint) {
        for (;;) {
            if (auto pending = take(endpoint)) co_return pending;
            if (!more_may_come()) co_return std::nullopt;
            waiters.push_back(&slot);
            slot.wake.expires_at(Clock::time_point::max());
            co_await slot.wake.async_wait(nothrow);
        }
    }

    void wake_one() {
        if (waiters.empty()) return;
        Slot* slot = waiters.front();
        waiters.pop_front();
        slot->wake.cancel();
    }
    void wake_all() {
        while (!waiters.empty())
            wake_one();
    }

    std::size_t pick_endpoint(const Slot& slot) {
        std::size_t n = plan.endpoints.size();
        if (plan.endpoint_policy == EndpointPolicy::per_slot) {
            return (slot.index * plan.shard.of + plan.shard.index) % n;
        }
        return next_endpoint++ % n;
    }

    void accepted(const Ticket& ticket, std::size_t endpoint,
                  const smtp::TransactionResult& result) {
        Clock::time_point now = Clock::now();
        Clock::time_point from =
            plan.rate || ticket.started == Clock::time_point() ? ticket.intended : ticket.started;
        {
            std::lock_guard lock(totals_mutex);
            ++totals.accepted;
            ++totals.endpoints[endpoint].accepted;
            totals.recipients_accepted += result.accepted_recipients;
            totals.latency.record(microseconds(now - from));
        }
        if (!on_event) return;
        std::string queue_id = parse_queue_id(result.final.text());
        MessageEvent event;
        event.kind = EventKind::accepted;
        event.number = ticket.number;
        event.tracking_id = ticket.tracking_id;
        event.endpoint = endpoint;
        event.intended = ticket.intended;
        event.started = ticket.started;
        event.ended = now;
        event.recipients = ticket.recipients;
        event.accepted_recipients = result.accepted_recipients;
        event.queue_id = queue_id;
        event.outcome = result.outcome;
        event.result = &result;
        emit(event);
    }

    void failed(const Ticket& ticket, std::size_t endpoint, const smtp::Outcome& outcome,
                std::string_view key, const smtp::TransactionResult* result = nullptr) {
        {
            std::lock_guard lock(totals_mutex);
            ++totals.failed;
            ++totals.endpoints[endpoint].failed;
            if (outcome.content_sent) ++totals.failed_after_content;
            ++totals.failed_by[std::string(key)];
            ++totals.outcomes[outcome.key()];
        }
        if (!on_event) return;
        MessageEvent event;
        event.kind = EventKind::failed;
        event.number = ticket.number;
        event.tracking_id = ticket.tracking_id;
        event.endpoint = endpoint;
        event.intended = ticket.intended;
        event.started = ticket.started;
        event.ended = Clock::now();
        event.recipients = ticket.recipients;
        event.outcome = outcome;
        event.content_sent = outcome.content_sent;
        event.failure_key = key;
        event.result = result;
        emit(event);
    }

    void completed(const Ticket& ticket, std::size_t endpoint, smtp::TransactionResult& result) {
        if (result.accepted) return accepted(ticket, endpoint, result);
        smtp::Outcome outcome = transaction_outcome(result);
        failed(ticket, endpoint, outcome, failure_key(outcome), &result);
    }

    void fail_cancelled(const Ticket& ticket, std::size_t endpoint, bool content_sent) {
        smtp::Outcome outcome = cancelled_outcome();
        outcome.content_sent = content_sent;
        failed(ticket, endpoint, outcome, cancelled_key);
    }

    void count_connection(std::size_t endpoint, const net::ConnectionOutcome& outcome) {
        std::lock_guard lock(totals_mutex);
        ++totals.connections;
        ++totals.endpoints[endpoint].connections;
        if (!outcome.connected) ++totals.connect_failures;
        if (!outcome.error.empty() && totals.first_error.empty()) {
            totals.first_error = outcome.error;
        }
        if (outcome.tls.active) ++totals.tls_versions[outcome.tls.version];
    }

    void task_ended() {
        if (--live_tasks == 0) finish();
    }

    void finish() {
        if (done) return;
        done = true;
        grace_timer.cancel();
        pacer_timer.cancel();
        LoadTotals final_totals;
        {
            std::lock_guard lock(totals_mutex);
            totals.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
            totals.finished = true;
            final_totals = totals;
        }
        finished_flag = true;
        if (on_done && !orphaned) on_done(final_totals);
        on_done = nullptr;
    }

    void cancel_now() {
        if (done || stopping) return;
        stopping = true;
        {
            std::lock_guard lock(totals_mutex);
            totals.cancelled = true;
        }
        pacer_timer.cancel();
        wake_all();
        for (auto& slot : slots)
            slot->pause.cancel();
        // Taken but not on any connection now: they end here.
        while (!retry.empty()) {
            Pending pending = std::move(retry.front());
            retry.pop_front();
            fail_cancelled(pending.ticket, pending.ticket.endpoint, false);
        }
        grace_timer.expires_after(plan.cancel_grace);
        grace_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || self->done) return;
            for (auto& slot : self->slots) {
                if (slot->in_connection) slot->hard_stop.cancel();
            }
        });
    }
};

}  // namespace detail

namespace {

using Core = detail::GeneratorCore;
using detail::Pending;
using detail::Slot;
using detail::Ticket;

// The outcome of a connection that ended before any transaction, for the message held for it.
smtp::Outcome connection_failure(const net::ConnectionOutcome& outcome) {
    if (!outcome.outcome.ok()) return outcome.outcome;
    // A failure the net layer left untyped: rebuilt from what the connection recorded.
    if (!outcome.connected) return smtp::connect_outcome(outcome.error);
    constexpr std::string_view timed_out = "timed out ";
    if (outcome.error.starts_with(timed_out)) {
        std::string_view phase = std::string_view(outcome.error).substr(timed_out.size());
        for (int w = 0; w <= static_cast<int>(smtp::Waiting::tls_handshake); ++w) {
            auto waiting = static_cast<smtp::Waiting>(w);
            if (phase == smtp::ClientSession::describe(waiting)) {
                return smtp::timeout_outcome(waiting);
            }
        }
        return smtp::timeout_outcome(smtp::Waiting::nothing);
    }
    if (outcome.error.find("TLS") != std::string::npos) {
        return smtp::tls_outcome(smtp::TlsFailure::handshake, outcome.error);
    }
    if (outcome.greeting.code != 0 && !outcome.greeting.positive()) {
        return smtp::reply_outcome(outcome.greeting);
    }
    return smtp::protocol_outcome(smtp::Waiting::nothing, outcome.error);
}

// One connection's view of the generator: the message that justified opening the connection
// comes first (so no connection is opened for nothing), and every message handed to the
// session is remembered until its outcome, so that none is left without a terminal event
// however the connection ends.
class ConnectionSource : public net::MessageSource {
  public:
    ConnectionSource(Core& core, Slot& slot, std::size_t endpoint, Pending first)
        : core_(core), slot_(slot), endpoint_(endpoint), reserved_(std::move(first)) {}

    std::optional<smtp::OutgoingMessage> try_next() override {
        std::optional<Pending> pending;
        if (reserved_) {
            pending = std::move(reserved_);
            reserved_.reset();
        } else {
            pending = core_.take(endpoint_);
        }
        return hand(std::move(pending));
    }

    boost::asio::awaitable<std::optional<smtp::OutgoingMessage>> next() override {
        if (reserved_) co_return try_next();
        co_return hand(co_await core_.next(slot_, endpoint_));
    }

    void on_started(std::uint64_t id) override {
        if (Ticket* ticket = find(id)) ticket->started = Clock::now();
    }

    void on_done(smtp::TransactionResult&& result) override {
        auto found = position(result.id);
        if (found == handed_.end()) return;  // not ours: cannot happen, and must not crash
        Ticket ticket = std::move(*found);
        handed_.erase(found);
        core_.completed(ticket, endpoint_, result);
    }

    void on_unsent(std::vector<smtp::OutgoingMessage>&& messages) override {
        for (auto& message : messages) {
            auto found = position(message.id);
            if (found == handed_.end()) continue;
            Pending pending{std::move(message), std::move(*found)};
            handed_.erase(found);
            if (core_.stopping) {
                core_.fail_cancelled(pending.ticket, endpoint_, false);
            } else {
                core_.retry.push_back(std::move(pending));
                core_.wake_one();
            }
        }
    }

    std::optional<Pending>& reserved() { return reserved_; }
    // Every message still without an outcome gets `outcome` (the connection was cut).
    void fail_all(const smtp::Outcome& outcome, std::string_view key) {
        if (reserved_) {
            core_.failed(reserved_->ticket, endpoint_, outcome, key);
            reserved_.reset();
        }
        for (const Ticket& ticket : handed_)
            core_.failed(ticket, endpoint_, outcome, key);
        handed_.clear();
    }

  private:
    std::optional<smtp::OutgoingMessage> hand(std::optional<Pending> pending) {
        if (!pending) return std::nullopt;
        pending->ticket.endpoint = endpoint_;
        handed_.push_back(std::move(pending->ticket));
        return std::move(pending->message);
    }
    std::deque<Ticket>::iterator position(std::uint64_t id) {
        return std::find_if(handed_.begin(), handed_.end(),
                            [id](const Ticket& ticket) { return ticket.number == id; });
    }
    Ticket* find(std::uint64_t id) {
        auto found = position(id);
        return found == handed_.end() ? nullptr : &*found;
    }

    Core& core_;
    Slot& slot_;
    std::size_t endpoint_;
    std::optional<Pending> reserved_;
    std::deque<Ticket> handed_;  // given to the session, no outcome yet (its pipeline: small)
};

// Returns whether to pause before the next connection (this one failed early).
bool connection_ended(Core& core, ConnectionSource& source, std::size_t endpoint,
                      const net::ConnectionOutcome& outcome) {
    core.count_connection(endpoint, outcome);
    bool pause = false;
    if (!outcome.connected || (outcome.transactions == 0 && !outcome.clean)) {
        // The connection or the session died before any transaction (refused, greeting
        // refused or timed out, TLS or AUTH failed): the message held for it (or the next one)
        // fails, so that a broken server ends the run and the exit code says so.
        smtp::Outcome failure = connection_failure(outcome);
        std::string key = session_failure_key(failure);
        if (auto& reserved = source.reserved()) {
            Pending pending = std::move(*reserved);
            reserved.reset();
            core.failed(pending.ticket, endpoint, failure, key);
        } else if (auto pending = core.take(endpoint)) {
            core.failed(pending->ticket, endpoint, failure, key);
        }
        pause = true;
    }
    // Normally empty: the session gives every message back as done or unsent.
    if (core.stopping) {
        source.fail_all(cancelled_outcome(), cancelled_key);
    } else {
        source.fail_all(connection_failure(outcome), "connection");
    }
    return pause;
}

// A connection whose exceptions become values: `||` below waits for the first branch to
// *succeed*, so a connection that threw (a factory that threw) must still complete.
struct ConnectionEnd {
    net::ConnectionOutcome outcome;
    std::optional<std::string> fault;  // what was thrown
};

asio::awaitable<ConnectionEnd> guarded_connection(Core& core, std::size_t endpoint,
                                                  ConnectionSource& source) {
    ConnectionEnd end;
    try {
        end.outcome = co_await net::run_client_connection(core.plan.endpoints[endpoint],
                                                          core.connection, source);
    } catch (const std::exception& e) {
        end.fault = e.what();
    }
    co_return end;
}

// Closed loop with a ramp-up: slot i of the whole run (all shards) opens its first connection
// at i * ramp_up / concurrency.
Clock::duration ramp_delay(const Core& core, const Slot& slot) {
    const LoadPlan& plan = core.plan;
    if (plan.rate || plan.ramp_up <= Clock::duration::zero()) return Clock::duration::zero();
    double run_slot = static_cast<double>(slot.index * plan.shard.of + plan.shard.index);
    double run_slots =
        static_cast<double>(std::max<std::size_t>(core.slots.size(), 1) * plan.shard.of);
    return std::chrono::duration_cast<Clock::duration>(Seconds(plan.ramp_up) * run_slot /
                                                       run_slots);
}

// One slot's connections, one after another, until no message is left for it.
asio::awaitable<void> slot_loop(Core& core, Slot& slot) {
    if (auto delay = ramp_delay(core, slot); delay > Clock::duration::zero()) {
        slot.pause.expires_at(core.start + delay);  // cancel() cuts it short
        co_await slot.pause.async_wait(nothrow);
    }
    for (;;) {
        std::size_t endpoint = core.pick_endpoint(slot);
        std::optional<Pending> first = co_await core.next(slot, endpoint);
        if (!first) co_return;
        ConnectionSource source(core, slot, endpoint, std::move(*first));
        net::ConnectionOutcome outcome;
        bool cut = false;
        slot.in_connection = true;
        slot.hard_stop.expires_at(Clock::time_point::max());
        using namespace asio::experimental::awaitable_operators;
        auto ended = co_await (guarded_connection(core, endpoint, source) ||
                               slot.hard_stop.async_wait(nothrow));
        if (ended.index() == 0 && !std::get<0>(ended).fault) {
            outcome = std::move(std::get<0>(ended).outcome);
        } else {
            // cancel()'s grace is over (the connection was cancelled), or a fault inside the
            // connection: it is gone, and its messages end here.
            cut = true;
            outcome.connected = true;
            outcome.error = ended.index() == 0 ? "connection cut: " + *std::get<0>(ended).fault
                                               : std::string("connection cut by cancel()");
        }
        slot.in_connection = false;
        if (cut) {
            core.count_connection(endpoint, outcome);
            if (core.stopping) {
                source.fail_all(cancelled_outcome(), cancelled_key);
            } else {
                log::error("load.connection_cut", {{"error", outcome.error}});
                source.fail_all(smtp::local_outcome(outcome.error), "connection");
            }
            co_return;
        }
        bool pause = connection_ended(core, source, endpoint, outcome);
        if (pause && !core.stopping) {
            slot.pause.expires_after(core.plan.reconnect_pause);
            co_await slot.pause.async_wait(nothrow);
        }
    }
}

asio::awaitable<void> run_slot(std::shared_ptr<Core> core, Slot& slot) {
    try {
        co_await slot_loop(*core, slot);
    } catch (const std::exception& e) {
        // A factory that threw while no connection was open: this slot ends, the run goes on
        // with the others (and still finishes: task_ended below).
        log::error("load.slot_failed", {{"error", e.what()}});
    }
    core->task_ended();
}

// Open loop: moves `arrived` forward as the scheduled times come, waking one waiting slot per
// arrival. Several arrivals due at once (a late wake-up) are released together. Arrivals due
// at or after the deadline never come.
asio::awaitable<void> run_pacer(std::shared_ptr<Core> core) {
    auto more = [&core] {
        return core->arrived < core->shard_total && !core->beyond_deadline(core->next_arrival);
    };
    if (core->shard_total > 0) core->next_arrival = core->at(core->pacer_walk.next());
    while (!core->stopping && more()) {
        Clock::time_point now = Clock::now();
        while (more() && core->next_arrival <= now) {
            if (++core->arrived < core->shard_total) {
                core->next_arrival = core->at(core->pacer_walk.next());
            }
            core->wake_one();
        }
        if (!more()) break;
        core->pacer_timer.expires_at(core->next_arrival);
        co_await core->pacer_timer.async_wait(nothrow);
    }
    core->arrivals_closed = true;
    core->wake_all();  // slots waiting for arrivals that will not come end now
    core->task_ended();
}

}  // namespace

LoadGenerator::LoadGenerator(asio::any_io_executor executor, LoadPlan plan,
                             std::shared_ptr<MessageFactory> factory, EventHandler on_event) {
    if (plan.endpoints.empty()) throw std::invalid_argument("LoadPlan: no endpoint");
    if (!factory) throw std::invalid_argument("LoadPlan: no message factory");
    if (plan.shard.of == 0 || plan.shard.index >= plan.shard.of) {
        throw std::invalid_argument("LoadPlan: shard index must be below shard count");
    }
    if (plan.rate && !(*plan.rate > 0 && std::isfinite(*plan.rate))) {
        throw std::invalid_argument("LoadPlan: rate must be > 0");
    }
    if (plan.duration && *plan.duration < std::chrono::milliseconds::zero()) {
        throw std::invalid_argument("LoadPlan: duration must not be negative");
    }
    if (plan.ramp_up < std::chrono::milliseconds::zero()) {
        throw std::invalid_argument("LoadPlan: ramp_up must not be negative");
    }
    core_ = std::make_shared<detail::GeneratorCore>(std::move(executor), std::move(plan),
                                                    std::move(factory), std::move(on_event));
}

LoadGenerator::~LoadGenerator() {
    core_->orphaned = true;
    cancel();
}

void LoadGenerator::start(std::function<void(const LoadTotals&)> on_done) {
    asio::post(core_->executor, [core = core_, on_done = std::move(on_done)]() mutable {
        if (core->started) return;
        core->started = true;
        core->on_done = std::move(on_done);
        {
            std::lock_guard lock(core->totals_mutex);  // snapshot() reads it from any thread
            core->start = Clock::now();
        }
        if (core->plan.duration) core->deadline = core->start + *core->plan.duration;
        if (core->stopping) return core->finish();
        // No more connections than messages: an idle session would only connect and QUIT.
        std::size_t slots = static_cast<std::size_t>(std::min<std::uint64_t>(
            std::max<std::size_t>(core->plan.concurrency, 1), core->shard_total));
        for (std::size_t i = 0; i < slots; ++i)
            core->slots.push_back(std::make_unique<Slot>(core->executor, i));
        core->live_tasks = slots + (core->plan.rate ? 1 : 0);
        if (core->live_tasks == 0) return core->finish();
        for (auto& slot : core->slots) {
            asio::co_spawn(core->executor, run_slot(core, *slot),
                           log::spawn_handler("load.connection_slot"));
        }
        if (core->plan.rate) {
            asio::co_spawn(core->executor, run_pacer(core), log::spawn_handler("load.pacer"));
        }
    });
}

void LoadGenerator::cancel() {
    asio::post(core_->executor, [core = core_] {
        if (!core->started) {
            core->stopping = true;  // a later start() finishes at once
            return;
        }
        core->cancel_now();
    });
}

LoadTotals LoadGenerator::snapshot() const {
    std::lock_guard lock(core_->totals_mutex);
    LoadTotals totals = core_->totals;
    if (!totals.finished && core_->start != Clock::time_point()) {
        totals.elapsed_s = std::chrono::duration<double>(Clock::now() - core_->start).count();
    }
    return totals;
}

bool LoadGenerator::finished() const {
    return core_->finished_flag;
}

LoadTotals run_load(const LoadPlan& plan, std::shared_ptr<MessageFactory> factory, unsigned threads,
                    EventHandler on_event) {
    // A shard without a connection of its own could not send its share.
    threads = static_cast<unsigned>(
        std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(plan.concurrency, 1)));
    struct Part {
        asio::io_context context{1};
        std::unique_ptr<LoadGenerator> generator;
        LoadTotals totals;
    };
    std::vector<std::unique_ptr<Part>> parts;
    for (unsigned i = 0; i < threads; ++i) {
        auto part = std::make_unique<Part>();
        LoadPlan shard_plan = plan;
        shard_plan.shard = {i, threads};
        shard_plan.concurrency = plan.concurrency / threads + (i < plan.concurrency % threads);
        part->generator = std::make_unique<LoadGenerator>(part->context.get_executor(), shard_plan,
                                                          factory, on_event);
        part->generator->start(
            [raw = part.get()](const LoadTotals& totals) { raw->totals = totals; });
        parts.push_back(std::move(part));
    }
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i)
        workers.emplace_back([part = parts[i].get()] { part->context.run(); });
    parts[0]->context.run();
    for (auto& worker : workers)
        worker.join();
    LoadTotals total = parts[0]->totals;
    for (unsigned i = 1; i < threads; ++i)
        total.merge(parts[i]->totals);
    return total;
}

}  // namespace relaylab::load
