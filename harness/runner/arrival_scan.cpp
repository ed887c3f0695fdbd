#include "harness/runner/arrival_scan.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace relaylab::runner {

namespace {

constexpr std::string_view tracking_field = "x-relaylab-id:";

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

// Calls on_line(line) for each line (CR stripped) until it returns false or the text ends.
template <typename F>
void for_each_line(std::string_view text, F on_line) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!on_line(line)) return;
        pos = end + 1;
    }
}

}  // namespace

std::string_view tracking_id_in_headers(std::string_view content, std::size_t max_header_bytes) {
    std::string_view found;
    for_each_line(content.substr(0, max_header_bytes), [&](std::string_view line) {
        if (line.empty()) return false;  // end of the header section
        if (starts_with_nocase(line, tracking_field)) {
            found = trim(line.substr(tracking_field.size()));
            return false;
        }
        return true;
    });
    return found;
}

std::optional<std::uint64_t> message_number(std::string_view tracking_id, std::string_view run_id) {
    if (tracking_id.size() <= run_id.size() + 1 || !tracking_id.starts_with(run_id) ||
        tracking_id[run_id.size()] != '-')
        return std::nullopt;
    std::string_view digits = tracking_id.substr(run_id.size() + 1);
    // The generator never writes leading zeros: "r1-007" is not message 7 (and the fake MX's
    // /api/v1/tracking counts it as "other" too, so the recorder and the merge agree).
    if (digits.front() == '0') return std::nullopt;
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size() || n == 0) return std::nullopt;
    return n;
}

DsnFacts scan_dsn(std::string_view content, std::size_t max_bytes) {
    DsnFacts facts;
    bool in_top_headers = true;
    std::string final_recipient;  // of the current per-recipient block
    for_each_line(content.substr(0, max_bytes), [&](std::string_view line) {
        if (in_top_headers) {
            if (line.empty()) in_top_headers = false;
            return true;  // the DSN's own headers: its X-Relaylab-Id (if any) is not the one
        }
        if (line.empty()) {
            final_recipient.clear();
            return true;
        }
        if (facts.tracking_id.empty() && starts_with_nocase(line, tracking_field)) {
            facts.tracking_id = trim(line.substr(tracking_field.size()));
        } else if (starts_with_nocase(line, "final-recipient:")) {
            std::string_view value = trim(line.substr(16));
            if (auto semicolon = value.find(';'); semicolon != std::string_view::npos)
                value = trim(value.substr(semicolon + 1));
            final_recipient = std::string(value);
        } else if (starts_with_nocase(line, "action:")) {
            std::string_view action = trim(line.substr(7));
            if (starts_with_nocase(action, "failed")) {
                facts.failed.push_back(final_recipient);
            } else if (starts_with_nocase(action, "delayed")) {
                ++facts.delayed;
            }
        }
        return true;
    });
    return facts;
}

std::string domain_of(std::string_view address) {
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return {};
    std::string domain(address.substr(at + 1));
    if (!domain.empty() && domain.back() == '>') domain.pop_back();
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return domain;
}

}  // namespace relaylab::runner
