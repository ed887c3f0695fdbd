#include "probes/policy/banner_ehlo.hpp"

#include <algorithm>
#include <charconv>

#include "probes/common/transcript.hpp"
#include "probes/policy/reverse_dns_judge.hpp"

namespace relaylab::probe {

namespace {

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : static_cast<char>(c);
    });
    return out;
}

// The words of an extension line; an ehlo-line is keyword *(SP param) (RFC 5321 4.1.1.1), and
// some servers also write "AUTH=PLAIN LOGIN" (the pre-RFC 4954 form).
std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < line.size()) {
        const auto start = line.find_first_not_of(' ', at);
        if (start == std::string_view::npos) break;
        const auto end = std::min(line.find(' ', start), line.size());
        out.emplace_back(line.substr(start, end - start));
        at = end;
    }
    return out;
}

}  // namespace

bool EhloFacts::has(std::string_view keyword) const {
    return std::find(keywords.begin(), keywords.end(), keyword) != keywords.end();
}

EhloFacts parse_ehlo(const smtp::Reply& reply) {
    EhloFacts facts;
    if (reply.lines.empty()) return facts;
    facts.name = visible_bytes(announced_name(reply.lines.front()));
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const std::string& line = reply.lines[i];
        facts.lines.push_back(visible_bytes(line));
        auto parts = words(line);
        if (parts.empty()) continue;
        std::string keyword = upper(parts.front());
        if (keyword.starts_with("AUTH=")) continue;  // the old duplicate of AUTH
        facts.keywords.push_back(visible_bytes(keyword));
        if (keyword == "SIZE") {
            facts.size_advertised = true;
            if (parts.size() < 2) {
                facts.size_limit = 0;
                continue;
            }
            facts.size_parameter = visible_bytes(parts[1]);
            std::uint64_t value = 0;
            const auto* first = parts[1].data();
            const auto* last = first + parts[1].size();
            const auto [end, ec] = std::from_chars(first, last, value);
            if (ec == std::errc() && end == last) facts.size_limit = value;
        } else if (keyword == "AUTH") {
            for (std::size_t p = 1; p < parts.size(); ++p) {
                facts.auth_mechanisms.push_back(visible_bytes(upper(parts[p])));
            }
        }
    }
    return facts;
}

nlohmann::json to_json(const EhloFacts& facts) {
    nlohmann::json out = {{"name", facts.name},
                          {"extensions", facts.keywords},
                          {"lines", facts.lines},
                          {"size", nullptr},
                          {"auth", facts.auth_mechanisms}};
    if (facts.size_limit) out["size"] = *facts.size_limit;
    if (facts.size_advertised && !facts.size_limit) out["size_parameter"] = facts.size_parameter;
    for (const auto& [key, keyword] :
         {std::pair{"pipelining", "PIPELINING"}, std::pair{"starttls", "STARTTLS"},
          std::pair{"8bitmime", "8BITMIME"}, std::pair{"smtputf8", "SMTPUTF8"},
          std::pair{"chunking", "CHUNKING"},
          std::pair{"enhancedstatuscodes", "ENHANCEDSTATUSCODES"}, std::pair{"dsn", "DSN"}}) {
        out[key] = facts.has(keyword);
    }
    out["size_advertised"] = facts.size_advertised;
    return out;
}

}  // namespace relaylab::probe
