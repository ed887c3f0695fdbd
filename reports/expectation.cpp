// parse_expectation: the grammar of expectation.hpp, read left to right with one cursor. Every
// error names what was expected, what was found and the column (1-based, in bytes of the text
// as given), because the text sits inside a JSON string where a pointer alone is too coarse.
#include "reports/expectation.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace relaylab::reports {

namespace {

// report.json's top-level keys (reports/examples/report.json): a path must start with one, so
// "total.lost" is refused when the scenario is read, not reported as a failure after the run.
constexpr std::array<std::string_view, 21> report_keys = {
    "schema",        "relaylab_version", "scenario",   "run_id",
    "started_at",    "duration_s",       "relay",      "traffic",
    "totals",        "throughput",       "latency_ms", "domains",
    "replies",       "failures",         "auth",       "tls",
    "world",         "expectations",     "passed",     "error",
    "deliverability"};  // optional (issue 13): a path into it fails when it is absent

// Enough of a bad token to recognise it in a message.
constexpr std::size_t max_shown_token = 20;

struct ComparisonWord {
    std::string_view text;
    Comparison comparison;
};
// Two-character operators first, so "<=" is not read as "<" followed by "=".
constexpr std::array<ComparisonWord, 6> comparison_words = {{
    {"<=", Comparison::less_equal},
    {">=", Comparison::greater_equal},
    {"==", Comparison::equal},
    {"!=", Comparison::not_equal},
    {"<", Comparison::less},
    {">", Comparison::greater},
}};

bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_operator_char(char c) {
    return c == '<' || c == '>' || c == '=' || c == '!';
}

std::string known_keys_text() {
    std::string out;
    for (auto key : report_keys) {
        if (!out.empty()) out += ", ";
        out += key;
    }
    return out;
}

class Reader {
  public:
    explicit Reader(std::string_view text) : text_(text) {}

    bool parse(Expectation& out) {
        skip_spaces();
        if (!read_path(out.numerator, "at the start")) return false;
        auto numerator_text = path_text(out.numerator);
        std::string after = numerator_text;
        skip_spaces();
        if (peek() == '/') {
            ++pos_;
            skip_spaces();
            if (!read_path(out.denominator, "after '/'")) return false;
            after = path_text(out.denominator);
            skip_spaces();
        }
        auto comparison_at = pos_;
        if (!read_comparison(out.comparison)) {
            return fail("expected a comparison (<, <=, >, >=, ==, !=) after '" + after + "', got " +
                            shown_token(comparison_at),
                        comparison_at);
        }
        skip_spaces();
        auto number_at = pos_;
        std::string_view number_text;
        if (!read_number(out.threshold, number_text)) {
            return fail("expected a number after '" + std::string(to_string(out.comparison)) +
                            "', got " + shown_token(number_at),
                        number_at);
        }
        skip_spaces();
        if (pos_ < text_.size()) {
            return fail("unexpected " + shown_token(pos_) + " after the number", pos_);
        }
        out.text = numerator_text;
        if (!out.denominator.empty()) {
            out.text += " / ";
            out.text += path_text(out.denominator);
        }
        out.text += ' ';
        out.text += to_string(out.comparison);
        out.text += ' ';
        out.text += number_text;
        out.name = out.text;
        return true;
    }

    const std::string& error() const { return error_; }

  private:
    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

    void skip_spaces() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
            ++pos_;
    }

    bool fail(const std::string& message, std::size_t at) {
        error_ = message + " at column " + std::to_string(at + 1);
        return false;
    }

    // What stands at `at`, quoted: one operator run, or one word up to the next space.
    std::string shown_token(std::size_t at) const {
        if (at >= text_.size()) return "the end of the text";
        if (text_[at] == ' ' || text_[at] == '\t') return "a space";
        std::size_t end = at;
        if (is_operator_char(text_[at])) {
            while (end < text_.size() && is_operator_char(text_[end]))
                ++end;
        } else {
            while (end < text_.size() && text_[end] != ' ' && text_[end] != '\t')
                ++end;
        }
        auto token = text_.substr(at, std::min(end - at, max_shown_token));
        std::string shown = "'" + std::string(token);
        if (end - at > max_shown_token) shown += "...";
        return shown + "'";
    }

    bool read_key(std::vector<PathStep>& path, const char* where) {
        auto start = pos_;
        while (pos_ < text_.size() && is_key_char(text_[pos_]))
            ++pos_;
        if (pos_ == start) {
            return fail(std::string("expected a report field (letters, digits, '_') ") + where +
                            ", got " + shown_token(start),
                        start);
        }
        path.push_back(PathStep{std::string(text_.substr(start, pos_ - start)), false});
        return true;
    }

    bool read_path(std::vector<PathStep>& path, const char* where) {
        auto start = pos_;
        if (!read_key(path, where)) return false;
        const auto& root = path.front().text;
        if (std::find(report_keys.begin(), report_keys.end(), root) == report_keys.end()) {
            return fail(
                "unknown report field '" + root + "' (report.json has " + known_keys_text() + ")",
                start);
        }
        while (pos_ < text_.size()) {
            if (text_[pos_] == '.') {
                ++pos_;
                if (!read_key(path, "after '.'")) return false;
            } else if (text_[pos_] == '[') {
                auto open = pos_++;
                auto close = text_.find(']', pos_);
                if (close == std::string_view::npos) {
                    return fail("'[' is not closed by ']'", open);
                }
                if (close == pos_) return fail("empty selector '[]'", open);
                path.push_back(PathStep{std::string(text_.substr(pos_, close - pos_)), true});
                pos_ = close + 1;
            } else {
                break;
            }
        }
        return true;
    }

    bool read_comparison(Comparison& out) {
        for (const auto& word : comparison_words) {
            if (text_.substr(pos_).starts_with(word.text)) {
                // "<==" or "=<": a typo, not "<=" followed by a number starting with '='.
                auto next = pos_ + word.text.size();
                if (next < text_.size() && is_operator_char(text_[next])) return false;
                out = word.comparison;
                pos_ += word.text.size();
                return true;
            }
        }
        return false;
    }

    // A JSON-like number: [-+]digits[.digits][e[-+]digits]. Words such as "NaN" or "inf" that
    // from_chars would take are refused: no count or latency compares with them.
    bool read_number(double& out, std::string_view& as_written) {
        auto start = pos_;
        auto digits = [&] {
            auto from = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
                ++pos_;
            return pos_ - from;
        };
        if (peek() == '-' || peek() == '+') ++pos_;
        auto whole = digits();
        std::size_t fraction = 0;
        if (peek() == '.') {
            ++pos_;
            fraction = digits();
        }
        if (whole + fraction == 0) {
            pos_ = start;
            return false;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++pos_;
            if (peek() == '-' || peek() == '+') ++pos_;
            if (digits() == 0) {
                pos_ = start;
                return false;
            }
        }
        // A word glued to the number ("10ms", "5x") is not a number either.
        if (pos_ < text_.size() && text_[pos_] != ' ' && text_[pos_] != '\t') {
            pos_ = start;
            return false;
        }
        auto text = text_.substr(start, pos_ - start);
        auto parse_from = text.front() == '+' ? text.substr(1) : text;
        double value = 0;
        auto [end, error] =
            std::from_chars(parse_from.data(), parse_from.data() + parse_from.size(), value);
        if (error != std::errc() || end != parse_from.data() + parse_from.size() ||
            !std::isfinite(value)) {
            pos_ = start;
            return false;
        }
        out = value;
        as_written = text;
        return true;
    }

    static std::string path_text(const std::vector<PathStep>& path) {
        std::string out;
        for (const auto& step : path) {
            if (step.selector) {
                out += '[';
                out += step.text;
                out += ']';
            } else {
                if (!out.empty()) out += '.';
                out += step.text;
            }
        }
        return out;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string error_;
};

}  // namespace

std::string_view to_string(Comparison comparison) {
    switch (comparison) {
        case Comparison::less:
            return "<";
        case Comparison::less_equal:
            return "<=";
        case Comparison::greater:
            return ">";
        case Comparison::greater_equal:
            return ">=";
        case Comparison::equal:
            return "==";
        case Comparison::not_equal:
            return "!=";
    }
    return "?";
}

std::optional<Expectation> parse_expectation(std::string_view text, std::string* error) {
    auto set_error = [&](std::string message) {
        if (error) *error = std::move(message);
        return std::nullopt;
    };
    if (text.size() > max_expectation_length) {
        return set_error("is " + std::to_string(text.size()) + " characters long, more than " +
                         std::to_string(max_expectation_length));
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return set_error("a control character at column " + std::to_string(i + 1) +
                             ": an expectation is one line");
        }
    }
    if (text.find_first_not_of(" \t") == std::string_view::npos) {
        return set_error(
            "is empty: write a report field, a comparison and a number, e.g. 'totals.lost == 0'");
    }
    Expectation expectation;
    Reader reader(text);
    if (!reader.parse(expectation)) return set_error(reader.error());
    return expectation;
}

}  // namespace relaylab::reports
