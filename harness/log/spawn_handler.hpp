// A completion handler for co_spawn that replaces `detached`: an exception that escapes a
// spawned coroutine (a session, a listener, an API connection) is counted and logged instead of
// vanishing with its connection. Needs no Asio header: co_spawn calls it with
// (std::exception_ptr) or (std::exception_ptr, T).
#pragma once

#include <cstdint>
#include <exception>
#include <string_view>

namespace relaylab::log {

// How many exceptions escaped spawned coroutines in this process (for /metrics and tests).
std::uint64_t escaped_exceptions();

// Counts and logs one escaped exception (error level, event "spawn.exception").
void report_escaped(std::string_view what, std::exception_ptr error);

class SpawnHandler {
  public:
    // `what` must outlive the handler: pass a string literal.
    explicit SpawnHandler(std::string_view what) : what_(what) {}

    template <typename... Result>
    void operator()(std::exception_ptr error, Result&&...) const {
        if (error) report_escaped(what_, error);
    }

  private:
    std::string_view what_;
};

inline SpawnHandler spawn_handler(std::string_view what) {
    return SpawnHandler(what);
}

}  // namespace relaylab::log
