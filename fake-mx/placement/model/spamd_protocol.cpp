#include "fake-mx/placement/model/spamd_protocol.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <charconv>
#include <cmath>

namespace relaylab::placement::spamd {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view strip_blanks(std::string_view text) {
    while (!text.empty() && is_blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back()))
        text.remove_suffix(1);
    return text;
}

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// A decimal as spamd prints it ("15.3", "-0.1", "1000.0"): sign, digits, a fraction. No
// exponent, no "nan"/"inf" (from_chars would take them), nothing after the number.
std::optional<double> parse_points(std::string_view text) {
    text = strip_blanks(text);
    std::string_view digits = text;
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+'))
        digits.remove_prefix(1);
    auto dot = digits.find('.');
    std::string_view whole = digits.substr(0, dot);
    if (!all_digits(whole)) return std::nullopt;
    if (dot != std::string_view::npos && !all_digits(digits.substr(dot + 1))) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);  // from_chars refuses a '+'
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    if (!std::isfinite(value) || std::fabs(value) > max_abs_score) return std::nullopt;
    return value;
}

std::string printable(std::string_view text) {
    constexpr std::size_t shown = 80;
    std::string out;
    for (char c : text.substr(0, shown)) {
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    if (text.size() > shown) out += "...";
    return out;
}

}  // namespace

std::string symbols_request_head(std::size_t message_bytes, std::string_view user) {
    std::string head = "SYMBOLS ";
    head += protocol;
    head += "\r\nContent-length: " + std::to_string(message_bytes) + "\r\n";
    if (!user.empty()) {
        head += "User: ";
        head += user;
        head += "\r\n";
    }
    head += "\r\n";
    return head;
}

std::string ping_request() {
    return "PING " + std::string(protocol) + "\r\n\r\n";
}

std::string_view describe(ReplyError error) {
    switch (error) {
        case ReplyError::none:
            return "ok";
        case ReplyError::bad_status_line:
            return "not a spamd status line";
        case ReplyError::spamd_error:
            return "spamd answered with an error";
        case ReplyError::line_too_long:
            return "spamd's answer has a line longer than the limit";
        case ReplyError::too_many_headers:
            return "spamd's answer has more headers than the limit";
        case ReplyError::bad_header:
            return "malformed header in spamd's answer";
        case ReplyError::bad_spam_header:
            return "malformed Spam header (want \"Spam: True ; <score> / <threshold>\")";
        case ReplyError::bad_content_length:
            return "malformed Content-length in spamd's answer";
        case ReplyError::missing_spam_header:
            return "spamd's answer has no Spam header";
        case ReplyError::body_too_large:
            return "spamd's rule list is larger than the limit";
        case ReplyError::bad_rule_name:
            return "spamd's rule list holds a malformed rule name";
        case ReplyError::truncated:
            return "connection closed before spamd's answer was complete";
        case ReplyError::not_pong:
            return "spamd did not answer PING with PONG";
    }
    return "unknown spamd protocol error";
}

std::string ReplyParser::error_text() const {
    std::string text(describe(error_));
    if (!detail_.empty()) text += ": " + detail_;
    return text;
}

bool ReplyParser::fail(ReplyError error, std::string detail) {
    state_ = State::error;
    error_ = error;
    detail_ = std::move(detail);
    return false;
}

std::size_t ReplyParser::put(std::string_view bytes) {
    std::size_t used = 0;
    while (state_ == State::need_more && used < bytes.size()) {
        std::string_view rest = bytes.substr(used);
        if (phase_ == Phase::body) {
            std::size_t want = rest.size();
            if (content_length_) want = std::min(want, *content_length_ - body_.size());
            if (body_.size() + want > max_body_bytes) {
                fail(ReplyError::body_too_large,
                     "more than " + std::to_string(max_body_bytes) + " bytes");
                return used;
            }
            body_.append(rest.substr(0, want));
            used += want;
            if (content_length_ && body_.size() == *content_length_) complete();
            continue;
        }
        auto newline = rest.find('\n');
        std::size_t take = newline == std::string_view::npos ? rest.size() : newline + 1;
        if (line_.size() + take > max_line_bytes + 2) {
            fail(ReplyError::line_too_long,
                 "more than " + std::to_string(max_line_bytes) +
                     " bytes: " + printable(line_ + std::string(rest.substr(0, take))));
            return used;
        }
        line_.append(rest.substr(0, take));
        used += take;
        if (newline == std::string_view::npos) break;
        std::string line = std::move(line_);
        line_.clear();
        line.pop_back();  // '\n'
        if (!line.empty() && line.back() == '\r')
            line.pop_back();  // spamd sends CRLF; LF alone passes
        if (line.size() > max_line_bytes) {
            fail(ReplyError::line_too_long,
                 "more than " + std::to_string(max_line_bytes) + " bytes: " + printable(line));
            return used;
        }
        take_line(line);
    }
    return used;
}

bool ReplyParser::take_line(std::string_view line) {
    if (phase_ == Phase::status) return take_status(line);
    if (line.empty()) return end_of_headers();
    return take_header(line);
}

bool ReplyParser::take_status(std::string_view line) {
    // "SPAMD/1.1 0 EX_OK": the version, the sysexits code, a text (spamd/PROTOCOL).
    constexpr std::string_view prefix = "SPAMD/";
    if (line.substr(0, prefix.size()) != prefix) {
        return fail(ReplyError::bad_status_line, printable(line));
    }
    std::string_view rest = line.substr(prefix.size());
    auto space = rest.find(' ');
    std::string_view version = rest.substr(0, space);
    auto dot = version.find('.');
    if (space == std::string_view::npos || dot == std::string_view::npos ||
        !all_digits(version.substr(0, dot)) || !all_digits(version.substr(dot + 1))) {
        return fail(ReplyError::bad_status_line, printable(line));
    }
    rest.remove_prefix(space + 1);
    auto code_end = rest.find(' ');
    std::string_view code = rest.substr(0, code_end);
    if (!all_digits(code) || code.size() > 3) {
        return fail(ReplyError::bad_status_line, printable(line));
    }
    reply_.version = std::string(version);
    reply_.code = std::stoi(std::string(code));
    reply_.status_text =
        code_end == std::string_view::npos ? "" : std::string(strip_blanks(rest.substr(code_end)));
    if (reply_.code != 0) {
        return fail(ReplyError::spamd_error,
                    std::to_string(reply_.code) + " " + printable(reply_.status_text));
    }
    if (request_ == Request::ping) {
        if (reply_.status_text != "PONG") return fail(ReplyError::not_pong, printable(line));
        return complete();
    }
    phase_ = Phase::headers;
    return true;
}

bool ReplyParser::take_header(std::string_view line) {
    if (++header_count_ > max_header_count) {
        return fail(ReplyError::too_many_headers, "more than " + std::to_string(max_header_count));
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return fail(ReplyError::bad_header, printable(line));
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = strip_blanks(line.substr(colon + 1));
    if (boost::algorithm::iequals(name, "Spam")) {
        if (saw_spam_header_) return fail(ReplyError::bad_header, "Spam given twice");
        saw_spam_header_ = true;
        if (!parse_spam_header_value(value, reply_)) {
            return fail(ReplyError::bad_spam_header, printable(line));
        }
    } else if (boost::algorithm::iequals(name, "Content-length")) {
        if (content_length_) return fail(ReplyError::bad_header, "Content-length given twice");
        if (!all_digits(value) || value.size() > 9) {
            return fail(ReplyError::bad_content_length, printable(line));
        }
        content_length_ = static_cast<std::size_t>(std::stoul(std::string(value)));
        if (*content_length_ > max_body_bytes) {
            return fail(ReplyError::body_too_large, std::to_string(*content_length_) +
                                                        " bytes announced, the limit is " +
                                                        std::to_string(max_body_bytes));
        }
    }
    // Other headers (DidSet, DidRemove of TELL; future ones) are allowed and ignored.
    return true;
}

bool ReplyParser::end_of_headers() {
    // spamd/PROTOCOL: SYMBOLS always carries the Spam header; without it there is no score.
    if (!saw_spam_header_) return fail(ReplyError::missing_spam_header, "");
    phase_ = Phase::body;
    if (content_length_ && *content_length_ == 0) return complete();
    return true;
}

bool ReplyParser::complete() {
    if (request_ == Request::symbols) {
        auto rules = parse_rule_list(body_);
        if (!rules) return fail(ReplyError::bad_rule_name, printable(body_));
        reply_.rules = std::move(*rules);
    }
    state_ = State::done;
    return true;
}

ReplyParser::State ReplyParser::finish() {
    if (state_ != State::need_more) return state_;
    // Without Content-length the body runs to the close (spamd always sends one; be lenient).
    if (phase_ == Phase::body && !content_length_ && line_.empty()) {
        complete();
        return state_;
    }
    std::string where = phase_ == Phase::status    ? "in the status line"
                        : phase_ == Phase::headers ? "in the headers"
                                                   : "in the rule list";
    if (phase_ == Phase::body && content_length_) {
        where += " (" + std::to_string(body_.size()) + " of " + std::to_string(*content_length_) +
                 " bytes)";
    }
    fail(ReplyError::truncated, where);
    return state_;
}

bool parse_spam_header_value(std::string_view value, Reply& reply) {
    // "True ; 15.3 / 5.0" (spamd/PROTOCOL); spamc also takes "Yes"/"No" of old spamds.
    auto semicolon = value.find(';');
    auto slash = value.find('/', semicolon == std::string_view::npos ? 0 : semicolon);
    if (semicolon == std::string_view::npos || slash == std::string_view::npos) return false;
    std::string_view verdict = strip_blanks(value.substr(0, semicolon));
    bool is_spam = false;
    if (boost::algorithm::iequals(verdict, "True") || boost::algorithm::iequals(verdict, "Yes")) {
        is_spam = true;
    } else if (!boost::algorithm::iequals(verdict, "False") &&
               !boost::algorithm::iequals(verdict, "No")) {
        return false;
    }
    auto score = parse_points(value.substr(semicolon + 1, slash - semicolon - 1));
    auto threshold = parse_points(value.substr(slash + 1));
    if (!score || !threshold) return false;
    reply.is_spam = is_spam;
    reply.score = *score;
    reply.threshold = *threshold;
    return true;
}

std::optional<std::vector<std::string>> parse_rule_list(std::string_view body) {
    std::vector<std::string> rules;
    while (!body.empty()) {
        auto comma = body.find(',');
        std::string_view item = strip_blanks(body.substr(0, comma));
        body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
        if (item.empty()) continue;
        for (char c : item) {
            bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
            if (!allowed) return std::nullopt;
        }
        rules.emplace_back(item);
    }
    return rules;
}

}  // namespace relaylab::placement::spamd
