#include "probes/auth/dmarc_record.hpp"

#include <charconv>

namespace relaylab::auth {
namespace {

constexpr unsigned kMaxPct = 100;
constexpr std::size_t kMaxRiDigits = 10;  // uint32

bool is_wsp(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_wsp(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == separator) {
            parts.push_back(trim(s.substr(start, i - start)));
            start = i + 1;
        }
    }
    return parts;
}

std::optional<DmarcPolicy> parse_policy(std::string_view value) {
    const std::string v = lower(value);
    if (v == "none") return DmarcPolicy::none;
    if (v == "quarantine") return DmarcPolicy::quarantine;
    if (v == "reject") return DmarcPolicy::reject;
    return std::nullopt;
}

std::optional<DmarcAlignment> parse_alignment(std::string_view value) {
    const std::string v = lower(value);
    if (v == "r") return DmarcAlignment::relaxed;
    if (v == "s") return DmarcAlignment::strict;
    return std::nullopt;
}

template <typename T>
std::optional<T> parse_number(std::string_view value, std::size_t max_digits) {
    if (value.empty() || value.size() > max_digits) return std::nullopt;
    for (char c : value) {
        if (!is_digit(c)) return std::nullopt;
    }
    std::uint64_t n = 0;
    std::from_chars(value.data(), value.data() + value.size(), n);
    if (n > static_cast<std::uint64_t>(static_cast<T>(-1))) return std::nullopt;
    return static_cast<T>(n);
}

// dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ] (RFC 7489 6.4). We check the
// URI's scheme (RFC 3986 3.1) and that no raw space, comma or semicolon is in it.
bool valid_dmarc_uri(std::string_view uri) {
    const auto bang = uri.rfind('!');
    if (bang != std::string_view::npos) {
        std::string_view size = uri.substr(bang + 1);
        uri = uri.substr(0, bang);
        if (!size.empty() && (size.back() == 'k' || size.back() == 'm' || size.back() == 'g' ||
                              size.back() == 't')) {
            size.remove_suffix(1);
        }
        if (size.empty()) return false;
        for (char c : size) {
            if (!is_digit(c)) return false;
        }
    }
    const auto colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) return false;
    if (!is_alpha(uri.front())) return false;
    for (std::size_t i = 1; i < colon; ++i) {
        const char c = uri[i];
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
    }
    for (char c : uri) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f || c == ',' || c == ';') return false;
    }
    return true;
}

}  // namespace

std::string_view to_string(DmarcPolicy policy) {
    switch (policy) {
        case DmarcPolicy::none:
            return "none";
        case DmarcPolicy::quarantine:
            return "quarantine";
        case DmarcPolicy::reject:
            return "reject";
    }
    return "?";
}

std::string_view to_string(DmarcAlignment alignment) {
    return alignment == DmarcAlignment::strict ? "s" : "r";
}

bool is_dmarc_record(std::string_view txt) {
    const auto semicolon = txt.find(';');
    const std::string_view first = trim(txt.substr(0, semicolon));
    const auto eq = first.find('=');
    if (eq == std::string_view::npos) return false;
    return trim(first.substr(0, eq)) == "v" && trim(first.substr(eq + 1)) == "DMARC1";
}

DmarcParseResult parse_dmarc_record(std::string_view txt) {
    DmarcParseResult result;
    if (txt.size() > kMaxDmarcRecordLength) {
        result.status = DmarcRecordStatus::invalid;
        result.error = "record is " + std::to_string(txt.size()) +
                       " bytes, more than the limit of " + std::to_string(kMaxDmarcRecordLength);
        return result;
    }
    if (trim(txt).empty()) {
        result.error = "empty record";
        return result;
    }
    if (!is_dmarc_record(txt)) {
        result.error = "record does not start with v=DMARC1 (RFC 7489 6.3)";
        return result;
    }
    const auto parts = split(txt, ';');
    if (parts.size() > kMaxDmarcTags + 1) {
        result.status = DmarcRecordStatus::invalid;
        result.error = "more than " + std::to_string(kMaxDmarcTags) + " tags";
        return result;
    }
    DmarcRecord record;
    std::optional<DmarcPolicy> p;
    bool sp_invalid = false;
    std::string p_problem = "no p= tag (required, RFC 7489 6.3)";
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const std::string_view part = parts[i];
        if (part.empty()) continue;  // "v=DMARC1; p=none;" ends with an empty part
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) {
            record.warnings.push_back("'" + std::string(part) + "' is not tag=value: ignored");
            continue;
        }
        const std::string tag = lower(trim(part.substr(0, eq)));
        const std::string_view value = trim(part.substr(eq + 1));
        auto discard = [&](const char* what) {
            record.warnings.push_back(tag + "=" + std::string(value) + ": " + what +
                                      "; the default applies (RFC 7489 6.3)");
        };
        if (tag == "p") {
            p = parse_policy(value);
            if (!p) p_problem = "p=" + std::string(value) + " is not none, quarantine or reject";
            if (i != 1)
                record.warnings.push_back("p= is not the tag right after v= (RFC 7489 6.3)");
        } else if (tag == "sp") {
            record.sp = parse_policy(value);
            sp_invalid = !record.sp;
            if (sp_invalid)
                p_problem = "sp=" + std::string(value) + " is not none, quarantine or reject";
        } else if (tag == "adkim" || tag == "aspf") {
            if (auto a = parse_alignment(value)) {
                (tag == "adkim" ? record.adkim : record.aspf) = *a;
            } else {
                discard("not r or s");
            }
        } else if (tag == "pct") {
            auto pct = parse_number<unsigned>(value, 3);
            if (pct && *pct <= kMaxPct)
                record.pct = *pct;
            else
                discard("not an integer from 0 to 100");
        } else if (tag == "ri") {
            if (auto ri = parse_number<std::uint32_t>(value, kMaxRiDigits))
                record.ri = *ri;
            else
                discard("not a 32-bit integer");
        } else if (tag == "fo") {
            std::vector<std::string> options;
            bool ok = true;
            for (auto o : split(value, ':')) {
                if (o == "0" || o == "1" || o == "d" || o == "s")
                    options.emplace_back(o);
                else
                    ok = false;
            }
            if (ok && !options.empty())
                record.fo = std::move(options);
            else
                discard("not a list of 0, 1, d, s");
        } else if (tag == "rf") {
            std::vector<std::string> formats;
            bool ok = true;
            for (auto f : split(value, ':')) {
                // The only registered failure report format is "afrf" (RFC 7489 6.3, 11.6).
                if (lower(f) == "afrf")
                    formats.emplace_back("afrf");
                else
                    ok = false;
            }
            if (ok && !formats.empty())
                record.rf = std::move(formats);
            else
                discard("not a list of known report formats (afrf)");
        } else if (tag == "rua" || tag == "ruf") {
            auto& uris = tag == "rua" ? record.rua : record.ruf;
            for (auto uri : split(value, ',')) {
                if (uris.size() >= kMaxDmarcUris) {
                    record.warnings.push_back(tag + ": more than " + std::to_string(kMaxDmarcUris) +
                                              " URIs; the rest are ignored");
                    break;
                }
                if (valid_dmarc_uri(uri))
                    uris.emplace_back(uri);
                else
                    record.warnings.push_back(tag + ": '" + std::string(uri) +
                                              "' is not a URI: ignored");
            }
        } else if (tag == "v") {
            record.warnings.push_back("v= repeated: ignored");
        } else {
            record.warnings.push_back("unknown tag '" + tag + "' ignored (RFC 7489 6.3)");
        }
    }
    if (!p || sp_invalid) {
        // RFC 7489 6.6.3: with a valid rua the record acts as p=none; otherwise no DMARC.
        if (record.rua.empty()) {
            result.status = DmarcRecordStatus::invalid;
            result.error = p_problem + ", and no valid rua= (RFC 7489 6.6.3)";
            return result;
        }
        record.warnings.push_back(p_problem +
                                  ": acting as p=none because rua= is valid (RFC 7489 6.6.3)");
        record.p = DmarcPolicy::none;
        record.sp.reset();
        record.policy_defaulted = true;
    } else {
        record.p = *p;
    }
    result.status = DmarcRecordStatus::ok;
    result.record = std::move(record);
    return result;
}

}  // namespace relaylab::auth
