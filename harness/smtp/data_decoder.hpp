// The DATA phase (RFC 5321 4.1.1.4, 4.5.2): finds the end of data, which is <CRLF>.<CRLF> and
// nothing else, removes dot-stuffing, and records what a smuggling-aware receiver needs to know:
// bare LF, bare CR, NUL, over-long lines, and "." lines delimited by anything but CRLF (the
// end-of-data look-alikes of the SMTP smuggling attacks of 2023).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relaylab::smtp {

// What to do with LF or CR not part of a CRLF pair inside DATA.
enum class BareNewlinePolicy {
    reject,     // refuse the message at end of data (as Postfix smtpd_forbid_bare_newline)
    normalize,  // store each bare LF or CR as CRLF
    accept,     // store the bytes as they came
};
std::string_view to_string(BareNewlinePolicy policy);

// A line delimiter as it came: CRLF, or a bare LF or CR.
enum class Newline : std::uint8_t { crlf, lf, cr };

// The shape of an end-of-data look-alike: a line that is one "." (NULs aside), the delimiter
// before it and the one after it, and whether NULs sit beside the dot. <CRLF>.<CRLF> without
// NULs is the real end of data, not a look-alike.
struct EodLookalike {
    Newline before = Newline::crlf;
    bool nul = false;
    Newline after = Newline::crlf;

    bool real_end() const { return before == Newline::crlf && after == Newline::crlf && !nul; }
    // "lf-dot-lf", "crlf-dot-nul-crlf": the names behaviour files and probe results use.
    std::string name() const;
    // "<LF>.<LF>", "<CR><LF>.<NUL><CR><LF>": as evidence shows the wire.
    std::string wire() const;
    friend bool operator==(const EodLookalike&, const EodLookalike&) = default;
};
// Either form above (case-insensitive); nullopt for anything else, the real end included.
std::optional<EodLookalike> parse_eod_lookalike(std::string_view text);

// Look-alikes a deliberately vulnerable receiver takes as the end of data, as old Postfix,
// Exim, Sendmail and Exchange/Cisco did (SEC Consult, 2023). Only test receivers set these.
class EodLookalikeSet {
  public:
    void add(EodLookalike shape) { bits_ |= bit(shape); }
    bool contains(EodLookalike shape) const { return (bits_ & bit(shape)) != 0; }
    bool empty() const { return bits_ == 0; }
    friend bool operator==(const EodLookalikeSet&, const EodLookalikeSet&) = default;

  private:
    static std::uint32_t bit(EodLookalike shape) {
        return 1u << (static_cast<unsigned>(shape.before) * 6 + (shape.nul ? 3 : 0) +
                      static_cast<unsigned>(shape.after));
    }
    std::uint32_t bits_ = 0;
};

struct DataFindings {
    std::uint64_t bare_lf = 0;
    std::uint64_t bare_cr = 0;
    std::uint64_t nul = 0;
    std::uint64_t long_lines = 0;  // lines over the text-line limit
    // "." alone on a line where a delimiter is not CRLF: <LF>.<LF>, <CRLF>.<LF>, <LF>.<CRLF>,
    // <CR>.<CR>, ...; or "." with NULs beside it (<CRLF>.<NUL><CRLF>), which receivers that
    // drop NULs read as <CRLF>.<CRLF>. Each is an end of data to some receiver and message
    // content to us.
    std::uint64_t eod_lookalikes = 0;
    // The data ended at a look-alike of the decoder's vulnerable set, not at <CRLF>.<CRLF>. That
    // look-alike is not counted above, and its dot line and closing delimiter are no content.
    bool ended_at_lookalike = false;
    bool bare_newlines() const { return bare_lf + bare_cr > 0; }
};

class DataDecoder {
  public:
    // max_text_line counts the CRLF (RFC 5321 4.5.3.1.6: 1000); 0 means no limit.
    // max_size bounds the stored content; past it the decoder only counts (0: no limit).
    // `vulnerable_to`: look-alikes that end the data too (test receivers only; see above).
    DataDecoder(BareNewlinePolicy policy, std::size_t max_text_line, std::uint64_t max_size,
                bool keep_content, EodLookalikeSet vulnerable_to = {});

    struct Result {
        std::size_t consumed = 0;  // bytes of the input used; the rest follows the end of data
        bool done = false;         // the end of data was seen
    };
    // Decoded content is appended to content().
    Result feed(std::string_view data) { return feed(data, content_); }
    // Decoded content is appended to `out` instead (the session's body chunk buffer): the
    // decoder itself then holds nothing but its state, whatever the message size.
    Result feed(std::string_view data, std::string& out);

    std::string& content() { return content_; }   // unstuffed, as stored
    std::uint64_t size() const { return size_; }  // unstuffed octets, stored or not
    bool oversize() const { return oversize_; }
    const DataFindings& findings() const { return findings_; }

    void reset();  // for the next message; keeps the configuration

  private:
    enum class State { line_start, mid_line, cr, dot, dot_cr };
    void emit(const char* data, std::size_t size);
    void emit(char c) { emit(&c, 1); }
    void emit_newline(char bare);
    void count_line(std::size_t octets);
    void note_line_octets(const char* data, std::size_t size);
    void end_line(bool bare, char delimiter);
    void end_at_lookalike(Newline after);

    BareNewlinePolicy policy_;
    std::size_t max_text_line_;
    std::uint64_t max_size_;
    bool keep_content_;
    EodLookalikeSet vulnerable_to_;

    State state_ = State::line_start;
    std::string content_;
    std::string* out_ = &content_;
    std::uint64_t size_ = 0;
    bool oversize_ = false;
    std::size_t line_length_ = 0;
    bool line_counted_long_ = false;
    // The shape of the current line, for the end-of-data look-alikes: raw dots (the stuffing
    // dot included), NULs, anything else, and whether the line began after a bare newline.
    std::size_t line_dots_ = 0;
    std::size_t line_nuls_ = 0;
    bool line_other_ = false;
    Newline line_before_ = Newline::crlf;  // DATA's own CRLF comes before the first line
    // Where the current line began in size_ and in *out_ (when it began in this feed's out_),
    // so that a vulnerable end can take its dot line back out of the content.
    std::uint64_t line_mark_size_ = 0;
    std::size_t line_mark_out_ = 0;
    bool line_mark_in_out_ = true;
    bool ended_at_lookalike_ = false;  // set by end_line, returned by feed
    DataFindings findings_;
};

// Dot-stuffs `content` for sending (RFC 5321 4.5.2) and appends the terminating ".\r\n". Content
// not ending in CRLF gets one first, so the end-of-data line is always a line of its own.
void append_dot_stuffed(std::string& out, std::string_view content);

}  // namespace relaylab::smtp
