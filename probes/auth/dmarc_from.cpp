#include "probes/auth/dmarc_from.hpp"

namespace relaylab::auth {
namespace {

bool ends_domain(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '<' || c == '>' || c == ',' ||
           c == ';' || c == '"' || c == '(' || c == ')' || c == '[' || c == ']' || c == '@' ||
           c == ':';
}

void take_domain(std::string_view address, std::vector<std::string>& out) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return;
    std::string domain;
    for (std::size_t i = at + 1; i < address.size() && !ends_domain(address[i]); ++i) {
        const char c = address[i];
        domain += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    while (!domain.empty() && domain.back() == '.')
        domain.pop_back();
    if (!domain.empty()) out.push_back(std::move(domain));
}

}  // namespace

std::vector<std::string> from_header_domains(std::string_view value) {
    std::vector<std::string> domains;
    if (value.size() > kMaxFromValueLength) return domains;
    // Quoted strings and comments can hold '@' and ',' that are not addresses: blank them out.
    std::string plain;
    plain.reserve(value.size());
    bool quoted = false;
    int depth = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\\' && (quoted || depth > 0)) {
            ++i;  // quoted-pair
            continue;
        }
        if (quoted) {
            if (c == '"') quoted = false;
            plain += ' ';
            continue;
        }
        if (depth > 0) {
            if (c == '(' && ++depth > kMaxCommentDepth) return {};
            if (c == ')') --depth;
            plain += ' ';
            continue;
        }
        if (c == '"') {
            quoted = true;
            plain += ' ';
        } else if (c == '(') {
            depth = 1;
            plain += ' ';
        } else {
            plain += c;
        }
    }
    std::string_view rest = plain;
    while (!rest.empty() && domains.size() < kMaxFromAddresses) {
        const auto comma = rest.find(',');
        take_domain(rest.substr(0, comma), domains);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return domains;
}

}  // namespace relaylab::auth
