// Postfix's per-request deadline with a minimum data rate (smtpd_per_request_deadline,
// smtpd_min_data_rate), as a value the shell consults before each read of a DATA or BDAT body.
//
// The first read starts a deadline `limit` away. What arrives buys time in proportion, one
// second per `min_rate` bytes, but the deadline never lies more than `limit` ahead of now. A
// client that drips a byte now and then (each read well inside the timeout) runs out after
// about `limit`; one that keeps above the rate never does. With min_rate 0 every read gets the
// full limit again (a plain per-read timeout).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace relaylab::net {

class RequestDeadline {
  public:
    using Clock = std::chrono::steady_clock;

    explicit RequestDeadline(std::uint32_t min_rate) : min_rate_(min_rate) {}

    // When the next read must have completed; `limit` is the data timeout (already shortened
    // if the server is under stress).
    Clock::time_point before_read(Clock::time_point now, Clock::duration limit);
    // `bytes` arrived in the read.
    void received(std::size_t bytes);
    // The request is over (back to commands): the next body starts afresh.
    void reset() { deadline_.reset(); }
    bool active() const { return deadline_.has_value(); }

  private:
    std::uint32_t min_rate_;
    std::optional<Clock::time_point> deadline_;
};

}  // namespace relaylab::net
