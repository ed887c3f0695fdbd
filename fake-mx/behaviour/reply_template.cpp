#include "fake-mx/behaviour/reply_template.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "fake-mx/behaviour/glob.hpp"

namespace relaylab::fakemx {

namespace {

void append_sanitised(std::string& out, std::string_view value) {
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
}

std::string expand_line(const std::string& line,
                        const std::array<std::pair<std::string_view, std::string_view>, 5>& vars) {
    std::string out;
    out.reserve(line.size());
    std::size_t i = 0;
    while (i < line.size()) {
        if (line[i] == '{') {
            auto close = line.find('}', i);
            if (close != std::string::npos) {
                std::string_view name(line.data() + i + 1, close - i - 1);
                auto var = std::find_if(vars.begin(), vars.end(),
                                        [&](const auto& v) { return v.first == name; });
                if (var != vars.end()) {
                    append_sanitised(out, var->second);
                    i = close + 1;
                    continue;
                }
            }
        }
        out += line[i++];
    }
    if (out.size() > max_reply_text) out.resize(max_reply_text);
    return out;
}

}  // namespace

smtp::Reply expand_reply(const smtp::Reply& reply, const Facts& facts) {
    bool has_braces = std::any_of(reply.lines.begin(), reply.lines.end(), [](const auto& line) {
        return line.find('{') != std::string::npos;
    });
    if (!has_braces) return reply;
    std::string_view recipient = facts.recipient;
    if (recipient.empty() && !facts.recipients.empty()) recipient = facts.recipients.front();
    const std::array<std::pair<std::string_view, std::string_view>, 5> vars{{
        {"client_ip", facts.client_ip},
        {"helo", facts.helo},
        {"sender", facts.mail_from},
        {"recipient", recipient},
        {"domain", domain_of(recipient)},
    }};
    smtp::Reply out = reply;
    for (auto& line : out.lines)
        line = expand_line(line, vars);
    return out;
}

}  // namespace relaylab::fakemx
