#include "probes/transport/mta_sts_policy.hpp"

#include <algorithm>
#include <cctype>

namespace relaylab::probe {

namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim_wsp(std::string_view text) {
    while (!text.empty() && is_wsp(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_wsp(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string canonical_host(std::string_view host) {
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    return lower(host);
}

// Letters, digits and hyphens, 1-63 octets, no hyphen at either end (RFC 5321 "Domain").
bool valid_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
        return false;
    }
    return std::all_of(label.begin(), label.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

// ["*."] Domain
bool valid_mx_pattern(std::string_view pattern) {
    if (pattern.substr(0, 2) == "*.") pattern.remove_prefix(2);
    if (pattern.empty() || pattern.size() > max_domain_octets) return false;
    std::size_t start = 0;
    for (;;) {
        std::size_t dot = pattern.find('.', start);
        if (!valid_label(pattern.substr(start, dot == pattern.npos ? pattern.npos : dot - start))) {
            return false;
        }
        if (dot == pattern.npos) return true;
        start = dot + 1;
    }
}

std::string at_line(std::size_t line, const std::string& message) {
    return "line " + std::to_string(line) + ": " + message;
}

}  // namespace

std::string_view to_string(StsMode mode) {
    switch (mode) {
        case StsMode::enforce:
            return "enforce";
        case StsMode::testing:
            return "testing";
        case StsMode::none:
            return "none";
    }
    return "none";
}

StsPolicyParse parse_sts_policy(std::string_view text) {
    StsPolicyParse result;
    if (text.size() > max_sts_policy_octets) {
        result.error = "policy is " + std::to_string(text.size()) + " octets, above the limit of " +
                       std::to_string(max_sts_policy_octets);
        return result;
    }
    StsPolicy policy;
    std::optional<std::string> version, mode;
    std::optional<std::uint64_t> max_age;
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        ++line_number;
        std::size_t end = text.find('\n', start);
        std::string_view line = text.substr(start, end == text.npos ? text.npos : end - start);
        start = end == text.npos ? text.size() : end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find('\r') != std::string_view::npos) {
            result.error = at_line(line_number, "bare CR inside a line");
            return result;
        }
        if (trim_wsp(line).empty()) continue;  // a blank line (often the last) carries nothing
        auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            result.error = at_line(line_number, "'" + std::string(line) + "' is not 'key: value'");
            return result;
        }
        std::string key(line.substr(0, colon));
        std::string_view value = trim_wsp(line.substr(colon + 1));
        if (key.empty() || std::any_of(key.begin(), key.end(), [](char c) { return is_wsp(c); })) {
            result.error = at_line(line_number, "key '" + key + "' is not valid");
            return result;
        }
        auto first_only = [&](auto& slot, auto parsed) {
            if (slot) {
                policy.notes.push_back(
                    at_line(line_number, key + " given twice: the first is used"));
            } else {
                slot = parsed;
            }
        };
        if (key == "version") {
            if (value != "STSv1") {
                result.error =
                    at_line(line_number, "version '" + std::string(value) + "' is not STSv1");
                return result;
            }
            first_only(version, std::string(value));
        } else if (key == "mode") {
            if (value != "enforce" && value != "testing" && value != "none") {
                result.error = at_line(line_number, "mode '" + std::string(value) +
                                                        "' is not enforce, testing or none");
                return result;
            }
            first_only(mode, std::string(value));
        } else if (key == "max_age") {
            // 1*10DIGIT, at most 31557600.
            if (value.empty() || value.size() > 10 ||
                !std::all_of(value.begin(), value.end(),
                             [](unsigned char c) { return std::isdigit(c); })) {
                result.error =
                    at_line(line_number, "max_age '" + std::string(value) + "' is not 1-10 digits");
                return result;
            }
            std::uint64_t seconds = std::stoull(std::string(value));
            if (seconds > max_sts_max_age) {
                result.error = at_line(line_number, "max_age " + std::string(value) + " is above " +
                                                        std::to_string(max_sts_max_age));
                return result;
            }
            first_only(max_age, seconds);
        } else if (key == "mx") {
            if (!valid_mx_pattern(value)) {
                result.error = at_line(
                    line_number, "mx '" + std::string(value) + "' is not a host name or *.domain");
                return result;
            }
            if (policy.mx.size() >= max_sts_mx_patterns) {
                result.error =
                    at_line(line_number,
                            "more than " + std::to_string(max_sts_mx_patterns) + " mx patterns");
                return result;
            }
            policy.mx.push_back(canonical_host(value));
        } else {
            policy.extensions.emplace_back(key, std::string(value));
        }
    }
    if (!version) {
        result.error = "version missing (want 'version: STSv1')";
        return result;
    }
    if (!mode) {
        result.error = "mode missing (want enforce, testing or none)";
        return result;
    }
    if (!max_age) {
        result.error = "max_age missing";
        return result;
    }
    policy.mode = *mode == "enforce"   ? StsMode::enforce
                  : *mode == "testing" ? StsMode::testing
                                       : StsMode::none;
    policy.max_age = *max_age;
    if (policy.mx.empty() && policy.mode != StsMode::none) {
        result.error = "no mx pattern (required unless mode is none)";
        return result;
    }
    result.policy = std::move(policy);
    return result;
}

bool is_text_plain(std::string_view content_type) {
    std::string_view media = trim_wsp(content_type.substr(0, content_type.find(';')));
    return lower(media) == "text/plain";
}

bool mx_pattern_matches(std::string_view pattern, std::string_view host) {
    std::string want = canonical_host(pattern);
    std::string name = canonical_host(host);
    if (want.empty() || name.empty()) return false;
    if (want.substr(0, 2) == "*.") {
        std::string_view suffix = std::string_view(want).substr(1);  // ".example.net"
        if (name.size() <= suffix.size()) return false;
        if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
        std::string_view label = std::string_view(name).substr(0, name.size() - suffix.size());
        return label.find('.') == std::string_view::npos;  // exactly one label
    }
    return want == name;
}

std::optional<std::string> matching_pattern(const std::vector<std::string>& patterns,
                                            std::string_view host) {
    for (const auto& pattern : patterns) {
        if (mx_pattern_matches(pattern, host)) return pattern;
    }
    return std::nullopt;
}

}  // namespace relaylab::probe
