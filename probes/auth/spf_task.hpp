// A minimal lazily-started coroutine task for the sans-I/O evaluators: check_host() in SPF is
// recursive (include, redirect) and asks for DNS data mid-way, which reads naturally as a
// coroutine that co_awaits a query. No executor and no threads: the driver resumes the
// innermost suspended coroutine when an answer is provided. Awaiting a task uses symmetric
// transfer, so nesting costs no stack. Internal to probes/auth.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace relaylab::auth::detail {

template <typename T>
class Task {
  public:
    struct promise_type {
        std::optional<T> value;
        std::exception_ptr error;
        std::coroutine_handle<> continuation;

        Task get_return_object() {
            return Task{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        struct FinalAwaiter {
            bool await_ready() noexcept { return false; }
            std::coroutine_handle<> await_suspend(
                std::coroutine_handle<promise_type> self) noexcept {
                auto next = self.promise().continuation;
                return next ? next : std::noop_coroutine();
            }
            void await_resume() noexcept {}
        };
        FinalAwaiter final_suspend() noexcept { return {}; }
        template <typename U>
        void return_value(U&& v) {
            value.emplace(std::forward<U>(v));
        }
        void unhandled_exception() { error = std::current_exception(); }
    };

    Task() = default;
    explicit Task(std::coroutine_handle<promise_type> h) : handle_(h) {}
    Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    Task& operator=(Task&& other) noexcept {
        if (this != &other) {
            if (handle_) handle_.destroy();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    ~Task() {
        if (handle_) handle_.destroy();
    }

    // co_await task: run it, resume the caller when it finishes.
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
        handle_.promise().continuation = caller;
        return handle_;
    }
    T await_resume() { return take(); }

    // For the top-level driver.
    void start() { handle_.resume(); }
    bool done() const { return handle_ && handle_.done(); }
    T take() {
        auto& promise = handle_.promise();
        if (promise.error) std::rethrow_exception(promise.error);
        return std::move(*promise.value);
    }

  private:
    std::coroutine_handle<promise_type> handle_;
};

}  // namespace relaylab::auth::detail
