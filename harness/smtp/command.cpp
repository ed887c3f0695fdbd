#include "harness/smtp/command.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace relaylab::smtp {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
           });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ')
        text.remove_suffix(1);
    return text;
}

// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"); esmtp-value = 1*(%d33-60 / %d62-126).
bool is_keyword(std::string_view keyword) {
    if (keyword.empty() || !std::isalnum(static_cast<unsigned char>(keyword.front()))) return false;
    return std::all_of(keyword.begin(), keyword.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
    });
}
bool is_value(std::string_view value) {
    return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 33 && u <= 126 && u != '=';
    });
}

Reply syntax(std::string_view text) {
    return make_reply(501, "5.5.4", text);
}
Reply unsupported(std::string_view keyword) {
    return make_reply(555, "5.5.4", "Unsupported option: " + std::string(keyword));
}

struct Param {
    std::string keyword;  // upper-cased
    std::string_view value;
    bool has_value = false;
};

// Walks "KEY[=VALUE] KEY[=VALUE] ..." calling on_param for each; stops at the first reply.
template <typename OnParam>
std::optional<Reply> for_each_param(std::string_view text, OnParam on_param) {
    std::array<std::string, 16> seen;  // a parameter given twice is an error
    std::size_t seen_count = 0;
    text = trim_spaces(text);
    while (!text.empty()) {
        auto space = text.find(' ');
        std::string_view item = text.substr(0, space);
        text =
            space == std::string_view::npos ? std::string_view{} : trim_spaces(text.substr(space));
        Param param;
        auto eq = item.find('=');
        std::string_view keyword = item.substr(0, eq);
        if (!is_keyword(keyword)) return syntax("Syntax error in parameters");
        param.keyword = upper(keyword);
        if (eq != std::string_view::npos) {
            param.value = item.substr(eq + 1);
            param.has_value = true;
            if (!is_value(param.value)) return syntax("Bad parameter value: " + param.keyword);
        }
        for (std::size_t i = 0; i < seen_count; ++i) {
            if (seen[i] == param.keyword) return syntax("Duplicate parameter: " + param.keyword);
        }
        if (seen_count == seen.size()) return syntax("Too many parameters");
        seen[seen_count++] = param.keyword;
        if (auto reply = on_param(param)) return reply;
    }
    return std::nullopt;
}

// "FROM:" / "TO:" then optional spaces (tolerated, as most servers do) then the path.
std::optional<std::string_view> after_prefix(std::string_view args, std::string_view prefix) {
    if (!istarts_with(args, prefix)) return std::nullopt;
    return trim_spaces(args.substr(prefix.size()));
}

}  // namespace

CommandLine split_command(std::string_view line) {
    CommandLine command;
    auto space = line.find(' ');
    command.name = line.substr(0, space);
    command.args = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    static constexpr std::array<std::pair<std::string_view, Verb>, 14> verbs = {{
        {"HELO", Verb::helo},
        {"EHLO", Verb::ehlo},
        {"MAIL", Verb::mail},
        {"RCPT", Verb::rcpt},
        {"DATA", Verb::data},
        {"BDAT", Verb::bdat},
        {"RSET", Verb::rset},
        {"NOOP", Verb::noop},
        {"QUIT", Verb::quit},
        {"VRFY", Verb::vrfy},
        {"EXPN", Verb::expn},
        {"HELP", Verb::help},
        {"STARTTLS", Verb::starttls},
        {"AUTH", Verb::auth},
    }};
    for (const auto& [name, verb] : verbs) {
        if (iequals(command.name, name)) {
            command.verb = verb;
            break;
        }
    }
    return command;
}

std::optional<std::string> decode_xtext(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '+') {
            if (i + 2 >= text.size()) return std::nullopt;
            unsigned value = 0;
            auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
            // RFC 3461 4: hexchar uses upper-case digits only.
            bool upper_hex = std::all_of(text.data() + i + 1, text.data() + i + 3, [](char h) {
                return std::isdigit(static_cast<unsigned char>(h)) || (h >= 'A' && h <= 'F');
            });
            if (ec != std::errc{} || end != text.data() + i + 3 || !upper_hex) return std::nullopt;
            out += static_cast<char>(value);
            i += 2;
        } else if (c < 33 || c > 126 || c == '=') {
            return std::nullopt;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string encode_xtext(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (c < 33 || c > 126 || c == '+' || c == '=') {
            out += '+';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

Parsed<MailCommand> parse_mail(std::string_view args, const EnabledParams& enabled) {
    auto rest = after_prefix(args, "FROM:");
    if (!rest) return syntax("Syntax: MAIL FROM:<address>");
    // SMTPUTF8 is a parameter after the path, so parse leniently first and check UTF-8 after.
    PathResult path = parse_path(*rest, {.allow_null = true, .allow_utf8 = true});
    if (path.error != PathError::none) {
        return make_reply(501, "5.1.7",
                          "Bad sender address syntax: " + std::string(describe(path.error)));
    }
    if (!path.rest.empty() && path.rest.front() != ' ')
        return syntax("Syntax: MAIL FROM:<address>");
    MailCommand command;
    command.path = std::move(path.path);
    auto reply = for_each_param(path.rest, [&](const Param& p) -> std::optional<Reply> {
        if (p.keyword == "SIZE" && enabled.size) {
            std::uint64_t size = 0;
            auto [end, ec] = std::from_chars(p.value.data(), p.value.data() + p.value.size(), size);
            if (!p.has_value || p.value.size() > 20 || ec != std::errc{} ||
                end != p.value.data() + p.value.size()) {
                return syntax("Bad SIZE value");
            }
            command.params.size = size;
        } else if (p.keyword == "BODY" && enabled.eight_bit_mime) {
            if (iequals(p.value, "7BIT")) {
                command.params.body = BodyType::seven_bit;
            } else if (iequals(p.value, "8BITMIME")) {
                command.params.body = BodyType::eight_bit_mime;
            } else if (iequals(p.value, "BINARYMIME") && enabled.binary_mime) {
                command.params.body = BodyType::binary_mime;
            } else {
                return unsupported("BODY=" + std::string(p.value));
            }
        } else if (p.keyword == "SMTPUTF8" && enabled.smtputf8) {
            if (p.has_value) return syntax("SMTPUTF8 takes no value");
            command.params.smtputf8 = true;
        } else if (p.keyword == "RET" && enabled.dsn) {
            if (iequals(p.value, "FULL")) {
                command.params.ret = DsnRet::full;
            } else if (iequals(p.value, "HDRS")) {
                command.params.ret = DsnRet::headers;
            } else {
                return syntax("Bad RET value");
            }
        } else if (p.keyword == "ENVID" && enabled.dsn) {
            auto decoded = decode_xtext(p.value);
            if (!p.has_value || !decoded || p.value.size() > limits::xtext_value) {
                return syntax("Bad ENVID value");
            }
            command.params.envid = *decoded;
        } else if (p.keyword == "AUTH" && enabled.auth) {
            auto decoded = decode_xtext(p.value);
            if (!p.has_value || !decoded) return syntax("Bad AUTH value");
            command.params.auth = *decoded;
        } else {
            return unsupported(p.keyword);
        }
        return std::nullopt;
    });
    if (reply) return *reply;
    if (command.path.utf8 && !command.params.smtputf8) {
        // RFC 6531 3.5: non-ASCII addresses need the SMTPUTF8 parameter.
        return make_reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
    }
    return command;
}

Parsed<RcptCommand> parse_rcpt(std::string_view args, const EnabledParams& enabled) {
    auto rest = after_prefix(args, "TO:");
    if (!rest) return syntax("Syntax: RCPT TO:<address>");
    PathResult path = parse_path(*rest, {.allow_postmaster = true, .allow_utf8 = enabled.smtputf8});
    if (path.error != PathError::none) {
        if (path.error == PathError::non_ascii) {
            return make_reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
        }
        return make_reply(501, "5.1.3",
                          "Bad recipient address syntax: " + std::string(describe(path.error)));
    }
    if (!path.rest.empty() && path.rest.front() != ' ') return syntax("Syntax: RCPT TO:<address>");
    RcptCommand command;
    command.path = std::move(path.path);
    auto reply = for_each_param(path.rest, [&](const Param& p) -> std::optional<Reply> {
        if (p.keyword == "NOTIFY" && enabled.dsn) {
            if (!p.has_value) return syntax("Bad NOTIFY value");
            std::string_view list = p.value;
            // RFC 3461 4.1: NOTIFY="NEVER" / 1#notify-list-element: every element is a keyword,
            // so an empty one (a leading, doubled or trailing comma) is a syntax error.
            if (list.empty() || list.front() == ',' || list.back() == ',' ||
                list.find(",,") != std::string_view::npos) {
                return syntax("Bad NOTIFY value");
            }
            while (!list.empty()) {
                auto comma = list.find(',');
                std::string_view item = list.substr(0, comma);
                list =
                    comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
                auto& params = command.params;
                if (iequals(item, "NEVER")) {
                    params.notify_never = true;
                } else if (iequals(item, "SUCCESS")) {
                    params.notify_success = true;
                } else if (iequals(item, "FAILURE")) {
                    params.notify_failure = true;
                } else if (iequals(item, "DELAY")) {
                    params.notify_delay = true;
                } else {
                    return syntax("Bad NOTIFY value");
                }
            }
            const auto& params = command.params;
            // RFC 3461 4.1: NEVER must appear alone.
            if (params.notify_never &&
                (params.notify_success || params.notify_failure || params.notify_delay)) {
                return syntax("NOTIFY=NEVER cannot be combined");
            }
        } else if (p.keyword == "ORCPT" && enabled.dsn) {
            auto semicolon = p.value.find(';');
            if (semicolon == std::string_view::npos || semicolon == 0) {
                return syntax("Bad ORCPT value");
            }
            auto decoded = decode_xtext(p.value.substr(semicolon + 1));
            if (!decoded || decoded->empty()) return syntax("Bad ORCPT value");
            command.params.orcpt_type = std::string(p.value.substr(0, semicolon));
            command.params.orcpt = *decoded;
        } else {
            return unsupported(p.keyword);
        }
        return std::nullopt;
    });
    if (reply) return *reply;
    return command;
}

Parsed<BdatCommand> parse_bdat(std::string_view args) {
    // RFC 3030 2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CR LF
    auto space = args.find(' ');
    std::string_view size_text = args.substr(0, space);
    BdatCommand command;
    auto [end, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), command.size);
    if (size_text.empty() || size_text.size() > 20 || ec != std::errc{} ||
        end != size_text.data() + size_text.size()) {
        return syntax("Syntax: BDAT chunk-size [LAST]");
    }
    if (space != std::string_view::npos) {
        if (!iequals(args.substr(space + 1), "LAST"))
            return syntax("Syntax: BDAT chunk-size [LAST]");
        command.last = true;
    }
    return command;
}

Parsed<AuthCommand> parse_auth(std::string_view args) {
    auto space = args.find(' ');
    std::string_view mechanism = args.substr(0, space);
    if (mechanism.empty() || !is_keyword(mechanism)) return syntax("Syntax: AUTH mechanism");
    AuthCommand command;
    command.mechanism = upper(mechanism);
    if (space != std::string_view::npos) {
        std::string_view initial = args.substr(space + 1);
        if (initial.empty() || initial.find(' ') != std::string_view::npos) {
            return syntax("Syntax: AUTH mechanism [initial-response]");
        }
        command.initial_response = std::string(initial);
    }
    return command;
}

}  // namespace relaylab::smtp
