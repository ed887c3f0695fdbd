// Cuts a byte stream into lines at LF, with a length limit that holds however the bytes arrive.
// Used for commands on the server side; DATA has its own decoder (data_decoder.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace relaylab::smtp {

struct FramedLine {
    std::string_view text;  // without the line end; valid until the next call to next()
    bool too_long = false;  // the line passed the limit; text holds nothing useful
    bool bare_lf = false;   // ended in LF without CR (RFC 5321 2.3.8 forbids it)
};

class LineFramer {
  public:
    // max_line counts the CRLF, as RFC 5321 4.5.3.1 does.
    explicit LineFramer(std::size_t max_line) : max_line_(max_line) {}

    // Takes bytes from `data` until one line is complete (then `line` is set) or `data` is used
    // up. Returns how many bytes of `data` were consumed; the rest belongs to later lines.
    std::size_t next(std::string_view data, std::optional<FramedLine>& line);

    // Forgets a partial line (after STARTTLS, so no plaintext crosses into the TLS session).
    void reset() {
        partial_.clear();
        overflow_ = false;
        line_in_partial_ = false;
    }
    bool has_partial() const { return (!partial_.empty() && !line_in_partial_) || overflow_; }
    void set_limit(std::size_t max_line) { max_line_ = max_line; }
    std::size_t limit() const { return max_line_; }

  private:
    std::size_t max_line_;
    std::string partial_;
    bool overflow_ = false;         // discarding the rest of an over-long line
    bool line_in_partial_ = false;  // partial_ holds the line last returned, not a new one
};

}  // namespace relaylab::smtp
