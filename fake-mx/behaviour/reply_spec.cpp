#include "fake-mx/behaviour/reply_spec.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "fake-mx/behaviour/reply_template.hpp"
#include "harness/smtp/limits.hpp"
#include "harness/smtp/server_session.hpp"

namespace relaylab::fakemx::detail {

namespace {

// RFC 3463 2: class.subject.detail, class 2, 4 or 5 and matching the reply's first digit;
// subject and detail 1 to 3 digits.
bool valid_enhanced(std::string_view text, int code) {
    if (text.size() < 5 || text[0] != static_cast<char>('0' + code / 100) || text[1] != '.') {
        return false;
    }
    auto rest = text.substr(2);
    auto dot = rest.find('.');
    if (dot == std::string_view::npos) return false;
    auto digits = [](std::string_view s) {
        return !s.empty() && s.size() <= 3 &&
               s.find_first_not_of("0123456789") == std::string_view::npos;
    };
    return digits(rest.substr(0, dot)) && digits(rest.substr(dot + 1));
}

void check_code(int code, const Where& where, unsigned phases) {
    bool digits_ok = code >= 200 && code <= 559 && code / 10 % 10 <= 5;
    if (!digits_ok)
        where.fail("a reply code is 2xx, 4xx or 5xx (RFC 5321 4.2), got " + std::to_string(code));
    if (code / 100 == 3) {
        if (code != 354 || phases != static_cast<unsigned>(smtp::Phase::data)) {
            where.fail("a 3xx reply is only valid as 354 in a rule for the data phase alone");
        }
    }
}

void check_line(const std::string& line, const Where& where) {
    if (line.size() > max_reply_text) {
        where.fail("a reply line is at most " + std::to_string(max_reply_text) + " characters");
    }
    for (char c : line) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            where.fail(
                "control characters (CR, LF, ...) are not allowed in reply text; use an "
                "array of lines for a multi-line reply");
        }
    }
}

smtp::Reply parse_reply_string(const std::string& text, const Where& where, unsigned phases) {
    int code = 0;
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + std::min<std::size_t>(3, text.size()), code);
    if (ec != std::errc{} || end != text.data() + 3 || (text.size() > 3 && text[3] != ' ')) {
        where.fail(
            "a reply string starts with a three-digit code, as in \"451 4.7.1 Try "
            "again later\", got " +
            show(text));
    }
    check_code(code, where, phases);
    std::string_view rest = text.size() > 4 ? std::string_view(text).substr(4) : "";
    // A first word of digits and dots is meant as an enhanced code: hold it to the same rule
    // as the object form's "enhanced" (class = the reply's first digit), instead of letting
    // "550 4.1.1 ..." through with "4.1.1" as mere text.
    std::string_view first = rest.substr(0, rest.find(' '));
    if (!first.empty() && first.find('.') != std::string_view::npos &&
        first.find_first_not_of("0123456789.") == std::string_view::npos &&
        !valid_enhanced(first, code)) {
        where.fail(
            "an enhanced status code is class.subject.detail with the class equal to the reply "
            "code's first digit (RFC 3463), as in \"" +
            std::to_string(code) + " " + std::to_string(code / 100) + ".7.1 text\"; got " +
            show(text));
    }
    auto [enhanced, body] = smtp::split_enhanced_code(code, rest);
    smtp::Reply reply;
    reply.code = code;
    reply.enhanced = std::string(enhanced);
    reply.lines.emplace_back(body);
    check_line(reply.lines.back(), where);
    return reply;
}

}  // namespace

smtp::Reply parse_reply(const nlohmann::json& value, const Where& where, unsigned phases) {
    if (value.is_string()) {
        return parse_reply_string(get_string(value, where, max_reply_text + 16), where, phases);
    }
    expect_object(value, where, {"code", "enhanced", "text"});
    if (!value.contains("code")) (where / "code").fail("missing (a reply needs its code)");
    smtp::Reply reply;
    reply.code = static_cast<int>(get_unsigned(value["code"], where / "code", 200, 559));
    check_code(reply.code, where / "code", phases);
    if (value.contains("enhanced")) {
        reply.enhanced = get_string(value["enhanced"], where / "enhanced", 16);
        if (!valid_enhanced(reply.enhanced, reply.code)) {
            (where / "enhanced")
                .fail(
                    "an enhanced status code is class.subject.detail with the class equal to "
                    "the reply code's first digit (RFC 3463), as in \"" +
                    std::to_string(reply.code / 100) + ".7.1\"; got " + show(value["enhanced"]));
        }
    }
    if (value.contains("text")) {
        reply.lines = get_string_list(value["text"], where / "text", smtp::limits::reply_lines,
                                      max_reply_text);
        for (std::size_t i = 0; i < reply.lines.size(); ++i) {
            check_line(reply.lines[i],
                       value["text"].is_array() ? where / "text" / i : where / "text");
        }
    } else {
        reply.lines.emplace_back();
    }
    return reply;
}

}  // namespace relaylab::fakemx::detail
