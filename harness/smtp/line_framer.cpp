#include "harness/smtp/line_framer.hpp"

#include <cstring>

namespace relaylab::smtp {

std::size_t LineFramer::next(std::string_view data, std::optional<FramedLine>& line) {
    line.reset();
    if (line_in_partial_) {
        partial_.clear();
        line_in_partial_ = false;
    }
    const void* found = std::memchr(data.data(), '\n', data.size());
    if (found == nullptr) {
        if (!overflow_) {
            if (partial_.size() + data.size() >= max_line_) {
                // Even a CRLF arriving next could not bring it under the limit: stop buffering.
                overflow_ = true;
                partial_.clear();
            } else {
                partial_.append(data);
            }
        }
        return data.size();
    }
    std::size_t length = static_cast<const char*>(found) - data.data();
    std::size_t consumed = length + 1;
    FramedLine framed;
    if (overflow_ || partial_.size() + length + 1 > max_line_) {
        framed.too_long = true;
        partial_.clear();
        overflow_ = false;
        line = framed;
        return consumed;
    }
    std::string_view text;
    if (partial_.empty()) {
        text = data.substr(0, length);
    } else {
        partial_.append(data.substr(0, length));
        text = partial_;
    }
    if (!text.empty() && text.back() == '\r') {
        text.remove_suffix(1);
    } else {
        framed.bare_lf = true;
    }
    framed.text = text;
    line = framed;
    // The view may point into partial_: keep it until the next call.
    line_in_partial_ = !partial_.empty();
    return consumed;
}

}  // namespace relaylab::smtp
