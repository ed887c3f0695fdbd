#include "probes/auth/authres.hpp"

#include "probes/auth/message_headers.hpp"

namespace relaylab::auth {
namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 2045 token: printable ASCII except SP and tspecials.
bool is_token_char(char c) {
    if (c <= 0x20 || c >= 0x7f) return false;
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// RFC 5322 atext, plus '.' and '@' for the dot-atom and addr-spec forms of pvalue.
bool is_pvalue_char(char c) {
    return is_alnum(c) ||
           std::string_view("!#$%&'*+-/=?^_`{|}~.@").find(c) != std::string_view::npos;
}

bool is_keyword_char(char c) {
    return is_alnum(c) || c == '-' || c == '_';
}

class Lexer {
  public:
    explicit Lexer(std::string_view text) : text_(text) {}

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    void advance() { ++pos_; }
    std::size_t pos() const { return pos_; }
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }

    void fail(std::string what) {
        if (error_.empty()) {
            error_ = what + " at offset " + std::to_string(pos_);
            if (!at_end()) error_ += " ('" + std::string(text_.substr(pos_, 24)) + "')";
        }
    }

    // CFWS; the text of comments met is appended to *comment.
    void skip_cfws(std::string* comment = nullptr) {
        while (!at_end() && !failed()) {
            char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                advance();
            } else if (c == '(') {
                std::string text = read_comment();
                if (comment != nullptr && !failed()) {
                    if (!comment->empty()) comment->push_back(' ');
                    comment->append(text);
                }
            } else {
                break;
            }
        }
    }

    std::string keyword() {
        std::size_t begin = pos_;
        while (!at_end() && is_keyword_char(peek()))
            advance();
        return std::string(text_.substr(begin, pos_ - begin));
    }

    std::optional<std::string> quoted_string() {
        advance();  // '"'
        std::string out;
        while (!at_end()) {
            char c = peek();
            advance();
            if (c == '"') return out;
            if (c == '\\') {
                if (at_end()) break;
                c = peek();
                advance();
            }
            if (c == '\r' || c == '\n') continue;  // folding inside the string
            out.push_back(c);
        }
        fail("unterminated quoted string");
        return std::nullopt;
    }

    // value = token / quoted-string (RFC 2045)
    std::optional<std::string> value() {
        if (peek() == '"') return quoted_string();
        std::size_t begin = pos_;
        while (!at_end() && is_token_char(peek()))
            advance();
        if (begin == pos_) return std::nullopt;
        return std::string(text_.substr(begin, pos_ - begin));
    }

    // pvalue = value / [ [ local-part ] "@" ] domain-name (RFC 8601 2.2)
    std::optional<std::string> pvalue() {
        if (peek() == '"') return quoted_string();
        std::size_t begin = pos_;
        while (!at_end() && is_pvalue_char(peek()))
            advance();
        if (begin == pos_) return std::nullopt;
        return std::string(text_.substr(begin, pos_ - begin));
    }

  private:
    std::string read_comment() {
        std::size_t depth = 0;
        std::string out;
        while (!at_end()) {
            char c = peek();
            advance();
            if (c == '\\' && !at_end()) {
                out.push_back(peek());
                advance();
                continue;
            }
            if (c == '(') {
                if (++depth > max_comment_depth) {
                    fail("comments nested too deeply");
                    return out;
                }
                if (depth == 1) continue;
            } else if (c == ')') {
                if (--depth == 0) return out;
            }
            if (c == '\r' || c == '\n') continue;
            out.push_back(c);
        }
        fail("unterminated comment");
        return out;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string error_;
};

bool is_addr_form(std::string_view value) {
    std::size_t at = value.rfind('@');
    if (at == std::string_view::npos) return false;
    std::string_view local = value.substr(0, at);
    std::string_view domain = value.substr(at + 1);
    if (domain.empty()) return false;
    for (char c : domain)
        if (!is_alnum(c) && c != '-' && c != '.') return false;
    for (char c : local)
        if (!is_pvalue_char(c) || c == '@') return false;
    return true;
}

std::string quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

std::string format_value(std::string_view value) {
    bool token = !value.empty();
    for (char c : value)
        token = token && is_token_char(c);
    if (token || is_addr_form(value)) return std::string(value);
    return quote(value);
}

std::string format_comment(std::string_view text) {
    std::string out = " (";
    for (char c : text) {
        if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back(')');
    return out;
}

}  // namespace

std::string format_authentication_results(const AuthenticationResults& header, bool with_comments) {
    std::string out = format_value(header.authserv_id);
    if (header.version) {
        // Appended, not `" " + std::to_string(...)`: g++ 12 at -O3 warns falsely on that form
        // (-Wrestrict, GCC bug 105329), which breaks Release builds with -Werror.
        out += ' ';
        out += std::to_string(*header.version);
    }
    if (header.results.empty()) {
        out += "; none";
        if (with_comments && !header.none_comment.empty())
            out += format_comment(header.none_comment);
        return out;
    }
    for (const AuthResResult& result : header.results) {
        out += "; " + result.method;
        if (result.method_version) out += "/" + *result.method_version;
        out += "=" + result.result;
        if (with_comments && !result.comment.empty()) out += format_comment(result.comment);
        if (result.reason) out += " reason=" + quote(*result.reason);
        for (const AuthResProperty& property : result.properties) {
            out +=
                " " + property.ptype + "." + property.property + "=" + format_value(property.value);
            if (with_comments && !property.comment.empty()) out += format_comment(property.comment);
        }
    }
    return out;
}

std::string format_authentication_results_field(const AuthenticationResults& header) {
    return "Authentication-Results: " + format_authentication_results(header) + "\r\n";
}

AuthResParseResult parse_authentication_results(std::string_view value) {
    AuthResParseResult out;
    Lexer lex(value);
    AuthenticationResults header;
    auto failed = [&]() {
        out.error = lex.error();
        return out;
    };

    lex.skip_cfws();
    auto id = lex.value();
    if (!id) {
        lex.fail("expected the authserv-id");
        return failed();
    }
    header.authserv_id = *id;
    lex.skip_cfws();
    if (lex.peek() >= '0' && lex.peek() <= '9') {
        std::string digits;
        while (lex.peek() >= '0' && lex.peek() <= '9' && digits.size() < 9) {
            digits.push_back(lex.peek());
            lex.advance();
        }
        header.version = static_cast<unsigned>(std::stoul(digits));
        lex.skip_cfws();
    }
    if (lex.failed()) return failed();
    if (lex.at_end()) {
        lex.fail("expected ';' and results (or 'none')");
        return failed();
    }

    bool first = true;
    while (!lex.at_end()) {
        if (lex.peek() != ';') {
            lex.fail("expected ';'");
            return failed();
        }
        lex.advance();
        lex.skip_cfws();
        if (lex.failed()) return failed();
        if (lex.at_end()) break;  // trailing ';'
        std::string method = to_lower(lex.keyword());
        if (method.empty()) {
            lex.fail("expected a method name");
            return failed();
        }
        std::string method_comment;
        lex.skip_cfws(&method_comment);
        if (first && method == "none" && lex.peek() != '=' && lex.peek() != '/') {
            header.none_comment = method_comment;
            if (!lex.at_end() && lex.peek() != ';') {
                lex.fail("unexpected text after 'none'");
                return failed();
            }
            first = false;
            continue;
        }
        first = false;
        if (header.results.size() == max_authres_results) {
            lex.fail("more than " + std::to_string(max_authres_results) + " results");
            return failed();
        }
        AuthResResult result;
        result.method = method;
        if (lex.peek() == '/') {
            lex.advance();
            lex.skip_cfws();
            std::string version = lex.keyword();
            if (version.empty()) {
                lex.fail("expected a method version after '/'");
                return failed();
            }
            result.method_version = version;
            lex.skip_cfws();
        }
        if (lex.peek() != '=') {
            lex.fail("expected '=' after method '" + method + "'");
            return failed();
        }
        lex.advance();
        lex.skip_cfws();
        result.result = to_lower(lex.keyword());
        if (result.result.empty()) {
            lex.fail("expected a result for method '" + method + "'");
            return failed();
        }
        lex.skip_cfws(&result.comment);
        while (!lex.failed() && !lex.at_end() && lex.peek() != ';') {
            std::string word = to_lower(lex.keyword());
            if (word.empty()) {
                lex.fail("unexpected character");
                return failed();
            }
            lex.skip_cfws();
            if (lex.peek() == '.') {
                lex.advance();
                lex.skip_cfws();
                AuthResProperty property;
                property.ptype = word;
                property.property = to_lower(lex.keyword());
                if (property.property.empty()) {
                    lex.fail("expected a property name after '" + word + ".'");
                    return failed();
                }
                lex.skip_cfws();
                if (lex.peek() != '=') {
                    lex.fail("expected '=' after '" + word + "." + property.property + "'");
                    return failed();
                }
                lex.advance();
                lex.skip_cfws();
                auto pvalue = lex.pvalue();
                if (!pvalue) {
                    lex.fail("expected a value for '" + word + "." + property.property + "'");
                    return failed();
                }
                property.value = *pvalue;
                lex.skip_cfws(&property.comment);
                if (result.properties.size() == max_authres_properties) {
                    lex.fail("more than " + std::to_string(max_authres_properties) + " properties");
                    return failed();
                }
                result.properties.push_back(std::move(property));
            } else if (lex.peek() == '=') {
                lex.advance();
                lex.skip_cfws();
                auto v = lex.peek() == '"' ? lex.value() : lex.pvalue();
                if (!v) {
                    lex.fail("expected a value after '" + word + "='");
                    return failed();
                }
                if (word == "reason" && !result.reason && result.properties.empty()) {
                    result.reason = *v;
                }  // else: a property without ptype, skipped (see header comment)
                lex.skip_cfws();
            } else {
                lex.fail("expected '.' or '=' after '" + word + "'");
                return failed();
            }
        }
        if (lex.failed()) return failed();
        header.results.push_back(std::move(result));
    }
    if (lex.failed()) return failed();
    out.header = std::move(header);
    return out;
}

std::vector<std::string> split_authres_raw(std::string_view value) {
    std::vector<std::string> parts;
    std::size_t depth = 0;
    bool quoted = false;
    std::size_t begin = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        char c = i < value.size() ? value[i] : ';';
        if (i < value.size() && c == '\\') {
            ++i;
            continue;
        }
        if (quoted) {
            if (c == '"' && i < value.size()) quoted = false;
            if (i < value.size()) continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (c == ';' && (depth == 0 || i == value.size())) {
            std::string_view part = trim_wsp(value.substr(begin, i - begin));
            if (!part.empty() || parts.empty()) parts.emplace_back(part);
            begin = i + 1;
        }
    }
    return parts;
}

}  // namespace relaylab::auth
