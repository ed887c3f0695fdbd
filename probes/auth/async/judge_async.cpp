#include "probes/auth/async/judge_async.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "harness/log/spawn_handler.hpp"
#include "probes/auth/async/resolver_lookup.hpp"

namespace relaylab::auth {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// One spawned lookup's cancellation signal. It is shared by the judgement (which emits on it
// when the budget runs out) and by the spawn's completion handler, and lives until both are
// done with it. co_spawn keeps the spawned coroutine's cancellation state in the signal's
// memory and clears the slot there when the coroutine resumes from its last post, which can
// be after the judgement has returned: a lookup answered from the cache completes inside
// co_spawn, before the judge even waits. The completion handler runs after that last use, so
// its copy of the pointer is what keeps the signal alive long enough.
struct Lookup {
    asio::cancellation_signal cancel;
    bool finished = false;
};

// The lookups of one judgement, shared with the coroutines that run them.
struct Flight {
    explicit Flight(const asio::any_io_executor& executor) : wake(executor) {}

    // Wakes the judging coroutine: cancelled when an answer arrives, expires at the deadline.
    asio::steady_timer wake;
    std::deque<std::pair<DnsQuery, DnsAnswer>> answered;
    std::vector<std::shared_ptr<Lookup>> lookups;
    std::size_t in_flight = 0;
};

asio::awaitable<void> run_lookup(std::shared_ptr<Flight> flight, std::shared_ptr<Lookup> entry,
                                 dns::Resolver& resolver, DnsQuery query) {
    DnsAnswer answer{DnsStatus::timeout, {}};
    try {
        answer = to_auth_answer(co_await resolver.lookup(query.name, to_dns_type(query.type)));
    } catch (...) {
        // Cancelled because the budget ran out (the resolver throws nothing else): the judge
        // has already counted this query as a timeout.
    }
    entry->finished = true;
    --flight->in_flight;
    flight->answered.emplace_back(std::move(query), std::move(answer));
    flight->wake.cancel();
}

void launch(const std::shared_ptr<Flight>& flight, dns::Resolver& resolver, DnsQuery query) {
    auto entry = std::make_shared<Lookup>();
    flight->lookups.push_back(entry);
    ++flight->in_flight;
    auto slot = entry->cancel.slot();
    asio::co_spawn(
        flight->wake.get_executor(), run_lookup(flight, entry, resolver, std::move(query)),
        asio::bind_cancellation_slot(slot, [entry, report = log::spawn_handler("auth.dns_lookup")](
                                               std::exception_ptr error) {
            // Holding `entry` until here is the point (see Lookup). run_lookup
            // catches what the resolver throws; anything else is reported.
            report(error);
        }));
}

asio::awaitable<bool> cancelled() {
    asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
    co_return state.cancelled() != asio::cancellation_type::none;
}

}  // namespace

asio::awaitable<Verdicts> judge(dns::Resolver& resolver, JudgeInput input, JudgeOptions options) {
    // We must outlive our lookups (they refer to the resolver), so a cancellation from the
    // caller is noted and acted on, never thrown at the next co_await.
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto executor = co_await asio::this_coro::executor;
    const Clock::time_point deadline = Clock::now() + options.time_budget;

    MessageJudge judge(input, options);
    input.message = std::string();  // the evaluators hold their parsed copies
    auto flight = std::make_shared<Flight>(executor);

    while (!judge.done()) {
        while (auto query = judge.next_query())
            launch(flight, resolver, std::move(*query));
        if (!flight->answered.empty()) {
            auto [query, answer] = std::move(flight->answered.front());
            flight->answered.pop_front();
            judge.provide(query, std::move(answer));
            continue;
        }
        const bool stop = co_await cancelled();
        if (stop || Clock::now() >= deadline) {
            judge.abandon_dns();
            break;
        }
        flight->wake.expires_at(deadline);
        co_await flight->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }

    for (const std::shared_ptr<Lookup>& entry : flight->lookups) {
        if (!entry->finished) entry->cancel.emit(asio::cancellation_type::terminal);
    }
    // Each lookup ends promptly once cancelled, and within the resolver's own deadline if not.
    while (flight->in_flight > 0) {
        flight->wake.expires_at(Clock::time_point::max());
        co_await flight->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return judge.verdicts();
}

}  // namespace relaylab::auth
