#include "harness/exec/worker_pool.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <string>

namespace asio = boost::asio;
using relaylab::exec::WorkerPool;
using relaylab::exec::WorkerPoolConfig;
using relaylab::exec::WorkerPoolStopped;
using namespace std::chrono_literals;

namespace {

// A gate the test opens: workers block on it to hold the pool busy. Every wait is bounded.
struct Gate {
    std::promise<void> promise;
    std::shared_future<void> future = promise.get_future().share();
    void open() { promise.set_value(); }
    void wait() const { future.wait_for(10s); }  // on a worker: no Catch2 macros there
};

// Runs the io_context until `done` or 10 s, whichever is first.
void run_until(asio::io_context& io, const std::atomic<bool>& done) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        io.run_for(10ms);
        if (io.stopped()) io.restart();
    }
    REQUIRE(done);
}

}  // namespace

TEST_CASE("run returns the function's result on the caller's executor", "[exec]") {
    WorkerPool pool;
    asio::io_context io;
    std::atomic<bool> done{false};
    std::thread::id io_thread = std::this_thread::get_id();
    std::thread::id ran_on, resumed_on;
    int result = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            result = co_await pool.run(ex, [&] {
                ran_on = std::this_thread::get_id();
                return 6 * 7;
            });
            resumed_on = std::this_thread::get_id();
            done = true;
        },
        asio::detached);
    run_until(io, done);
    CHECK(result == 42);
    CHECK(ran_on != io_thread);
    CHECK(resumed_on == io_thread);
}

TEST_CASE("void functions and move-only results", "[exec]") {
    WorkerPool pool({.threads = 1});
    asio::io_context io;
    std::atomic<bool> done{false};
    int side_effect = 0;
    std::unique_ptr<std::string> text;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            co_await pool.run(ex, [&] { side_effect = 1; });
            text = co_await pool.run(ex, [] { return std::make_unique<std::string>("moved"); });
            done = true;
        },
        asio::detached);
    run_until(io, done);
    CHECK(side_effect == 1);
    REQUIRE(text);
    CHECK(*text == "moved");
}

TEST_CASE("an exception in the function reaches the awaiting coroutine", "[exec]") {
    WorkerPool pool;
    asio::io_context io;
    std::atomic<bool> done{false};
    std::string caught;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            try {
                co_await pool.run(ex, []() -> int { throw std::runtime_error("disk full"); });
            } catch (const std::runtime_error& e) {
                caught = e.what();
            }
            done = true;
        },
        asio::detached);
    run_until(io, done);
    CHECK(caught == "disk full");
}

TEST_CASE("the io thread keeps serving while a job blocks", "[exec]") {
    WorkerPool pool({.threads = 1});
    asio::io_context io;
    Gate gate;
    std::atomic<bool> job_done{false}, ticks_done{false};
    int ticks = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            co_await pool.run(ex, [&] { gate.wait(); });
            job_done = true;
        },
        asio::detached);
    // Another coroutine on the same single io thread ticks while the job is blocked.
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(co_await asio::this_coro::executor);
            for (; ticks < 5; ++ticks) {
                timer.expires_after(2ms);
                co_await timer.async_wait(asio::use_awaitable);
            }
            ticks_done = true;
        },
        asio::detached);
    run_until(io, ticks_done);
    CHECK_FALSE(job_done);
    gate.open();
    run_until(io, job_done);
}

TEST_CASE("a full queue parks callers and admits them in order", "[exec]") {
    WorkerPool pool({.threads = 1, .queue_limit = 2});
    asio::io_context io;
    Gate gate;
    std::vector<int> order;
    std::mutex order_mutex;
    std::atomic<int> finished{0};
    std::atomic<bool> all{false};
    for (int i = 0; i < 6; ++i) {
        asio::co_spawn(
            io,
            [&, i]() -> asio::awaitable<void> {
                auto ex = co_await asio::this_coro::executor;
                co_await pool.run(ex, [&, i] {
                    gate.wait();
                    std::lock_guard lock(order_mutex);
                    order.push_back(i);
                });
                if (++finished == 6) all = true;
            },
            asio::detached);
    }
    // Let every coroutine submit: one job runs, two are queued, three are parked.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (pool.stats().running + pool.stats().queued + pool.stats().parked < 6 &&
           std::chrono::steady_clock::now() < deadline)
        io.run_for(5ms);
    auto stats = pool.stats();
    CHECK(stats.running == 1);
    CHECK(stats.queued == 2);
    CHECK(stats.parked == 3);
    gate.open();
    run_until(io, all);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5});
    CHECK(pool.stats().completed == 6);
}

TEST_CASE("shutdown finishes queued work, then refuses new jobs", "[exec]") {
    auto pool = std::make_unique<WorkerPool>(WorkerPoolConfig{.threads = 1, .queue_limit = 1});
    asio::io_context io;
    Gate gate;
    std::atomic<int> ran{0};
    std::atomic<int> resumed{0};
    for (int i = 0; i < 4; ++i) {
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                auto ex = co_await asio::this_coro::executor;
                co_await pool->run(ex, [&] {
                    gate.wait();
                    ++ran;
                });
                ++resumed;
            },
            asio::detached);
    }
    io.run_for(20ms);
    std::thread opener([&] {
        std::this_thread::sleep_for(20ms);
        gate.open();
    });
    pool->shutdown();  // returns only when all four ran
    opener.join();
    CHECK(ran == 4);
    std::atomic<bool> refused{false};
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            try {
                co_await pool->run(ex, [] {});
            } catch (const WorkerPoolStopped&) {
                refused = true;
            }
        },
        asio::detached);
    run_until(io, refused);
    CHECK(resumed == 4);  // the completions were delivered on the io thread
}

TEST_CASE("a pool needs a thread and a queue slot", "[exec]") {
    CHECK_THROWS_AS(WorkerPool({.threads = 0}), std::invalid_argument);
    CHECK_THROWS_AS(WorkerPool({.threads = 1, .queue_limit = 0}), std::invalid_argument);
}
