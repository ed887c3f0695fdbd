#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>

#include "harness/log/log.hpp"
#include "harness/log/spawn_handler.hpp"

namespace asio = boost::asio;
using relaylab::log::escaped_exceptions;
using relaylab::log::spawn_handler;

namespace {

asio::awaitable<void> throws_after_a_wait() {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::use_awaitable);
    throw std::runtime_error("session broke");
}

asio::awaitable<int> returns_a_value() {
    co_return 42;
}

asio::awaitable<void> waits_forever() {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
    co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace

TEST_CASE("an exception escaping a spawned coroutine is counted, not lost", "[log]") {
    relaylab::log::configure(relaylab::log::Level::off, relaylab::log::Format::text);
    asio::io_context io;
    const auto before = escaped_exceptions();
    for (int i = 0; i < 3; ++i)
        asio::co_spawn(io, throws_after_a_wait(), spawn_handler("test"));
    asio::co_spawn(io, returns_a_value(), spawn_handler("test.value"));
    io.run();
    CHECK(escaped_exceptions() - before == 3);
    relaylab::log::configure(relaylab::log::Level::warn, relaylab::log::Format::text);
}

TEST_CASE("a coroutine cancelled at shutdown is not counted as a failure", "[log]") {
    asio::io_context io;
    const auto before = escaped_exceptions();
    asio::cancellation_signal stop;
    // A server's stop() cancels its sessions: they end with operation_aborted.
    asio::co_spawn(io, waits_forever(),
                   asio::bind_cancellation_slot(stop.slot(), spawn_handler("test.cancelled")));
    asio::steady_timer stopper(io, std::chrono::milliseconds(1));
    stopper.async_wait([&](auto) { stop.emit(asio::cancellation_type::terminal); });
    CHECK(io.run_for(std::chrono::seconds(5)) > 0);
    CHECK(io.stopped());  // the coroutine ended: nothing left to run
    CHECK(escaped_exceptions() == before);
}
