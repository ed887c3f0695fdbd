#include "harness/log/spawn_handler.hpp"

#include <atomic>
#include <boost/system/system_error.hpp>

#include "harness/log/log.hpp"

namespace relaylab::log {
namespace {

std::atomic<std::uint64_t> g_escaped{0};

}  // namespace

std::uint64_t escaped_exceptions() {
    return g_escaped.load(std::memory_order_relaxed);
}

void report_escaped(std::string_view what, std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
        // A coroutine cancelled at shutdown ends with Asio's operation_aborted (ECANCELED):
        // that is how stop() works, not a failure to count.
        if (e.code() == boost::system::errc::operation_canceled) {
            debug("spawn.cancelled", {{"task", what}});
            return;
        }
        g_escaped.fetch_add(1, std::memory_order_relaxed);
        log::error("spawn.exception", {{"task", what}, {"error", e.what()}});
    } catch (const std::exception& e) {
        g_escaped.fetch_add(1, std::memory_order_relaxed);
        log::error("spawn.exception", {{"task", what}, {"error", e.what()}});
    } catch (...) {
        g_escaped.fetch_add(1, std::memory_order_relaxed);
        log::error("spawn.exception", {{"task", what}, {"error", "unknown exception type"}});
    }
}

}  // namespace relaylab::log
