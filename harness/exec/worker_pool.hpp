// A small pool of threads for blocking work (write + fsync of a Maildir or spool file, RSA key
// generation) that an io thread must never do itself: a coroutine writes
//
//     std::size_t n = co_await pool.run(executor, [&] { return write_file(...); });
//
// and its io thread serves other connections while a worker runs the function; the coroutine
// resumes on `executor` with the function's result, or with its exception rethrown.
//
// The queue is bounded: when `queue_limit` jobs wait already, run() parks the calling coroutine
// (without blocking its thread) until a worker frees a slot, so a burst of writers slows down
// to the disk's pace instead of growing the queue without end. shutdown() (and the destructor)
// refuse new jobs, let the workers finish every job already admitted or parked, and join them.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace relaylab::exec {

namespace asio = boost::asio;

struct WorkerPoolConfig {
    unsigned threads = 2;
    std::size_t queue_limit = 1024;  // jobs admitted and not yet started; more callers wait
};

// What run() throws when the pool no longer takes work (after shutdown()).
class WorkerPoolStopped : public std::runtime_error {
  public:
    WorkerPoolStopped() : std::runtime_error("the worker pool is shut down") {}
};

struct WorkerPoolStats {
    std::size_t queued = 0;   // admitted, waiting for a worker
    std::size_t parked = 0;   // callers waiting for a queue slot (the back-pressure)
    std::size_t running = 0;  // on a worker now
    std::uint64_t completed = 0;
};

class WorkerPool {
  public:
    explicit WorkerPool(WorkerPoolConfig config = {});
    ~WorkerPool();  // shutdown()
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Runs fn() on a worker thread; the awaiting coroutine resumes on `executor` (which stays
    // busy meanwhile, so its io_context does not run out of work) with fn's result, or fn's
    // exception. Throws WorkerPoolStopped after shutdown().
    template <typename Fn>
    asio::awaitable<std::invoke_result_t<Fn&>> run(asio::any_io_executor executor, Fn fn);

    // Stops taking jobs, finishes every admitted or parked one, joins the threads. Idempotent.
    // Must not be called from a worker.
    void shutdown();

    WorkerPoolStats stats() const;
    const WorkerPoolConfig& config() const { return config_; }

  private:
    // A job runs on a worker, keeps its outcome, and once the pool's counters say "done"
    // posts that outcome to the caller's executor: a caller that resumes sees its job counted.
    struct Job {
        virtual ~Job() = default;
        virtual void execute() = 0;  // never throws: exceptions travel to the caller
        virtual void deliver() = 0;  // posts the outcome kept by execute()
        virtual void refuse() = 0;   // completes with WorkerPoolStopped
    };
    void submit(std::unique_ptr<Job> job);
    void work();

    template <typename Result, typename Fn, typename Handler>
    struct JobFor;

    const WorkerPoolConfig config_;
    std::mutex shutdown_mutex_;  // one shutdown() joins; a second waits for it
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::unique_ptr<Job>> queue_;   // at most queue_limit
    std::deque<std::unique_ptr<Job>> parked_;  // beyond the limit, admitted in order
    std::size_t running_ = 0;
    std::uint64_t completed_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

template <typename Result, typename Fn, typename Handler>
struct WorkerPool::JobFor final : WorkerPool::Job {
    using Stored = std::conditional_t<std::is_void_v<Result>, std::monostate, Result>;
    // Keeps the caller's io_context alive (and busy) until the completion is delivered.
    using WorkExecutor = decltype(asio::prefer(std::declval<asio::any_io_executor>(),
                                               asio::execution::outstanding_work.tracked));

    std::optional<Fn> fn;  // dropped after the run, before the counters say "done"
    Handler handler;
    WorkExecutor executor;
    std::optional<Stored> value;
    std::exception_ptr error;

    JobFor(Fn&& f, Handler&& h, const asio::any_io_executor& ex)
        : fn(std::in_place, std::move(f)),
          handler(std::move(h)),
          executor(asio::prefer(ex, asio::execution::outstanding_work.tracked)) {}

    void complete(std::exception_ptr failure, std::optional<Stored> outcome) {
        asio::post(executor, [h = std::move(handler), failure, v = std::move(outcome)]() mutable {
            std::move(h)(failure, std::move(v));
        });
    }
    void execute() override {
        try {
            if constexpr (std::is_void_v<Result>) {
                (*fn)();
                value.emplace();
            } else {
                value.emplace((*fn)());
            }
        } catch (...) {
            error = std::current_exception();
        }
        fn.reset();
    }
    void deliver() override { complete(error, std::move(value)); }
    void refuse() override { complete(std::make_exception_ptr(WorkerPoolStopped()), {}); }
};

template <typename Fn>
asio::awaitable<std::invoke_result_t<Fn&>> WorkerPool::run(asio::any_io_executor executor, Fn fn) {
    using Result = std::invoke_result_t<Fn&>;
    using Stored = std::conditional_t<std::is_void_v<Result>, std::monostate, Result>;
    // use_awaitable rethrows a non-null exception_ptr given as the first argument.
    std::optional<Stored> value =
        co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                      void(std::exception_ptr, std::optional<Stored>)>(
            [this, &executor, &fn](auto handler) {
                using Handler = decltype(handler);
                submit(std::make_unique<JobFor<Result, Fn, Handler>>(std::move(fn),
                                                                     std::move(handler), executor));
            },
            asio::use_awaitable);
    if constexpr (!std::is_void_v<Result>) co_return std::move(*value);
}

}  // namespace relaylab::exec
