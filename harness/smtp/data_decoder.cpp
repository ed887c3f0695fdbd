#include "harness/smtp/data_decoder.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace relaylab::smtp {

namespace {

std::string_view newline_name(Newline newline) {
    switch (newline) {
        case Newline::crlf:
            return "crlf";
        case Newline::lf:
            return "lf";
        case Newline::cr:
            return "cr";
    }
    return "crlf";
}

std::string_view newline_wire(Newline newline) {
    switch (newline) {
        case Newline::crlf:
            return "<CR><LF>";
        case Newline::lf:
            return "<LF>";
        case Newline::cr:
            return "<CR>";
    }
    return "<CR><LF>";
}

constexpr std::array<Newline, 3> all_newlines = {Newline::crlf, Newline::lf, Newline::cr};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

std::string EodLookalike::name() const {
    std::string out(newline_name(before));
    out += nul ? "-dot-nul-" : "-dot-";
    out += newline_name(after);
    return out;
}

std::string EodLookalike::wire() const {
    std::string out(newline_wire(before));
    out += nul ? ".<NUL>" : ".";
    out += newline_wire(after);
    return out;
}

std::optional<EodLookalike> parse_eod_lookalike(std::string_view text) {
    // 18 shapes: comparing against each one's two spellings is simpler than a grammar.
    std::string wanted = lower(text);
    for (Newline before : all_newlines) {
        for (bool nul : {false, true}) {
            for (Newline after : all_newlines) {
                EodLookalike shape{before, nul, after};
                if (shape.real_end()) continue;
                if (wanted == shape.name() || wanted == lower(shape.wire())) return shape;
            }
        }
    }
    return std::nullopt;
}

std::string_view to_string(BareNewlinePolicy policy) {
    switch (policy) {
        case BareNewlinePolicy::reject:
            return "reject";
        case BareNewlinePolicy::normalize:
            return "normalize";
        case BareNewlinePolicy::accept:
            return "accept";
    }
    return "reject";
}

DataDecoder::DataDecoder(BareNewlinePolicy policy, std::size_t max_text_line,
                         std::uint64_t max_size, bool keep_content, EodLookalikeSet vulnerable_to)
    : policy_(policy),
      max_text_line_(max_text_line),
      max_size_(max_size),
      keep_content_(keep_content),
      vulnerable_to_(vulnerable_to) {}

void DataDecoder::reset() {
    state_ = State::line_start;
    content_.clear();
    out_ = &content_;
    size_ = 0;
    oversize_ = false;
    line_length_ = 0;
    line_counted_long_ = false;
    line_dots_ = 0;
    line_nuls_ = 0;
    line_other_ = false;
    line_before_ = Newline::crlf;
    line_mark_size_ = 0;
    line_mark_out_ = 0;
    line_mark_in_out_ = true;
    ended_at_lookalike_ = false;
    findings_ = {};
}

void DataDecoder::emit(const char* data, std::size_t size) {
    size_ += size;
    if (max_size_ != 0 && size_ > max_size_) oversize_ = true;
    if (keep_content_ && !oversize_) out_->append(data, size);
}

// A bare LF or CR: stored by policy. Under `reject` the bytes are kept as they came; the
// session refuses the message once the real end of data arrives.
void DataDecoder::emit_newline(char bare) {
    if (bare == '\n') {
        ++findings_.bare_lf;
    } else {
        ++findings_.bare_cr;
    }
    if (policy_ == BareNewlinePolicy::normalize) {
        emit("\r\n", 2);
    } else {
        emit(bare);
    }
    end_line(true, bare);
}

void DataDecoder::count_line(std::size_t octets) {
    line_length_ += octets;
    // The limit counts the CRLF, so content may be two octets shorter.
    if (max_text_line_ != 0 && !line_counted_long_ && line_length_ + 2 > max_text_line_) {
        ++findings_.long_lines;
        line_counted_long_ = true;
    }
}

void DataDecoder::note_line_octets(const char* data, std::size_t size) {
    if (line_other_) return;
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == '.') {
            ++line_dots_;
        } else if (data[i] == '\0') {
            ++line_nuls_;
        } else {
            line_other_ = true;
            return;
        }
    }
}

// Every line end but the real end of data passes here. A line that is one "." (NULs aside) is
// an end of data to some receiver whenever a delimiter around it is not CRLF (<LF>.<LF>,
// <CRLF>.<CR>, ...) or it holds a NUL: receivers that drop NULs see <CRLF>.<NUL><CRLF> as
// <CRLF>.<CRLF> (the SMTP smuggling variants of 2023).
void DataDecoder::end_line(bool bare, char delimiter) {
    Newline after = !bare ? Newline::crlf : (delimiter == '\n' ? Newline::lf : Newline::cr);
    EodLookalike shape{line_before_, line_nuls_ > 0, after};
    if (!line_other_ && line_dots_ == 1 && !shape.real_end()) {
        if (vulnerable_to_.contains(shape)) return end_at_lookalike(after);
        ++findings_.eod_lookalikes;
    }
    line_dots_ = 0;
    line_nuls_ = 0;
    line_other_ = false;
    line_before_ = after;
    line_mark_size_ = size_;
    line_mark_out_ = out_->size();
    line_mark_in_out_ = true;
    // A bare LF ends a line for the long-line limit as it does for most receivers (and a bare
    // CR too when it is stored as CRLF); a bare CR kept as it came stays inside its line.
    if (!bare || delimiter == '\n' || policy_ == BareNewlinePolicy::normalize) {
        line_length_ = 0;
        line_counted_long_ = false;
    }
}

// A vulnerable receiver's end of data: as for <CRLF>.<CRLF>, the dot line and the delimiter
// after it are no content (the delimiter before it ends the last content line). When the dot
// line began in an earlier feed into another buffer, those octets are gone already and stay.
void DataDecoder::end_at_lookalike(Newline after) {
    // The closing delimiter was counted as bare by emit_newline; it is the terminator now. The
    // one before the dot line ends the last content line and keeps its count.
    if (after == Newline::lf) --findings_.bare_lf;
    if (after == Newline::cr) --findings_.bare_cr;
    findings_.nul -= std::min<std::uint64_t>(findings_.nul, line_nuls_);
    size_ = line_mark_size_;
    if (line_mark_in_out_ && keep_content_ && out_->size() >= line_mark_out_) {
        out_->resize(line_mark_out_);
    }
    findings_.ended_at_lookalike = true;
    ended_at_lookalike_ = true;
}

DataDecoder::Result DataDecoder::feed(std::string_view data, std::string& out) {
    if (&out != out_ || &out != &content_) {
        // Another buffer (or the session's chunk buffer, emptied between feeds): the current
        // line's start is in it only if nothing of the line was emitted yet.
        line_mark_in_out_ = line_mark_size_ == size_;
        line_mark_out_ = out.size();
    }
    out_ = &out;
    const char* p = data.data();
    const char* end = p + data.size();
    auto ended_here = [&] {
        ended_at_lookalike_ = false;
        state_ = State::line_start;
        return Result{static_cast<std::size_t>(p - data.data()), true};
    };
    while (p < end) {
        if (ended_at_lookalike_) return ended_here();
        if (state_ == State::mid_line) {
            // Fast path: copy the run of ordinary octets up to the next CR, LF or NUL.
            const char* run = p;
            while (run < end && *run != '\r' && *run != '\n' && *run != '\0')
                ++run;
            if (run != p) {
                auto length = static_cast<std::size_t>(run - p);
                emit(p, length);
                count_line(length);
                note_line_octets(p, length);
                p = run;
                continue;
            }
        }
        char c = *p++;
        switch (state_) {
            case State::line_start:
                if (c == '.') {
                    ++line_dots_;  // the stuffing dot is no content, but part of the line's shape
                    state_ = State::dot;
                    break;
                }
                state_ = State::mid_line;
                [[fallthrough]];
            case State::mid_line:
                if (c == '\r') {
                    state_ = State::cr;
                } else if (c == '\n') {
                    emit_newline('\n');
                } else {
                    if (c == '\0') ++findings_.nul;
                    emit(c);
                    count_line(1);
                    note_line_octets(&c, 1);
                }
                break;
            case State::cr:
                if (c == '\n') {
                    emit("\r\n", 2);
                    state_ = State::line_start;
                    end_line(false, '\n');
                    break;
                }
                emit_newline('\r');
                state_ = State::mid_line;
                --p;  // the octet after a bare CR starts over in mid-line
                continue;
            case State::dot:
                if (c == '\r') {
                    state_ = State::dot_cr;
                    break;
                }
                // RFC 5321 4.5.2: a leading period is deleted; what follows is content.
                state_ = State::mid_line;
                if (c == '\n') {
                    emit_newline('\n');  // <CRLF>.<LF>: a look-alike, counted by end_line
                } else if (c == '.') {
                    emit('.');
                    count_line(1);
                    note_line_octets(&c, 1);
                } else {
                    --p;
                    continue;
                }
                break;
            case State::dot_cr:
                if (c == '\n') {
                    state_ = State::line_start;
                    return {static_cast<std::size_t>(p - data.data()), true};
                }
                // <CRLF>.<CR> followed by something else: a look-alike, counted by end_line.
                emit_newline('\r');
                state_ = State::mid_line;
                --p;
                continue;
        }
    }
    if (ended_at_lookalike_) return ended_here();
    return {data.size(), false};
}

void append_dot_stuffed(std::string& out, std::string_view content) {
    std::size_t start = 0;
    if (!content.empty() && content.front() == '.') out += '.';
    while (true) {
        // Every "\n." gets an extra dot after the newline.
        const char* found = nullptr;
        std::size_t from = start;
        while (from < content.size()) {
            const void* lf = std::memchr(content.data() + from, '\n', content.size() - from);
            if (lf == nullptr) break;
            const char* candidate = static_cast<const char*>(lf);
            if (candidate + 1 < content.data() + content.size() && candidate[1] == '.') {
                found = candidate;
                break;
            }
            from = static_cast<std::size_t>(candidate - content.data()) + 1;
        }
        if (found == nullptr) break;
        std::size_t upto = static_cast<std::size_t>(found - content.data()) + 1;
        out.append(content.substr(start, upto - start));
        out += '.';
        start = upto;
    }
    out.append(content.substr(start));
    if (content.size() < 2 || content.substr(content.size() - 2) != "\r\n") {
        if (!content.empty()) out.append("\r\n");
    }
    out.append(".\r\n");
}

}  // namespace relaylab::smtp
