#include "probes/transport/mta_sts_record.hpp"

#include <algorithm>

namespace relaylab::probe {

namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}
bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string_view trim_wsp(std::string_view text) {
    while (!text.empty() && is_wsp(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_wsp(text.back()))
        text.remove_suffix(1);
    return text;
}

// (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."), the extension name of both RFCs.
bool valid_field_name(std::string_view name) {
    if (name.empty() || name.size() > max_extension_name_octets || !is_alnum(name.front())) {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; });
}

// 1*(%x21-3A / %x3C / %x3E-7E): printable, no ";" and no "=".
bool valid_field_value(std::string_view value) {
    if (value.empty()) return false;
    return std::all_of(value.begin(), value.end(),
                       [](char c) { return c >= 0x21 && c <= 0x7E && c != ';' && c != '='; });
}

bool starts_with_version(std::string_view text, std::string_view version) {
    // Case-sensitive (%s in the ABNF); the version is followed by a separator or the end.
    if (text.substr(0, version.size()) != version) return false;
    std::string_view rest = trim_wsp(text.substr(version.size()));
    return rest.empty() || rest.front() == ';';
}

std::vector<std::string> candidates(const std::vector<std::string>& txt_records,
                                    std::string_view version) {
    std::vector<std::string> found;
    for (const auto& text : txt_records) {
        if (starts_with_version(text, version)) found.push_back(text);
    }
    return found;
}

// https://host[/...] or mailto:local@domain (RFC 8460 3: the two schemes it defines).
bool valid_report_uri(std::string_view uri) {
    if (uri.substr(0, 7) == "mailto:") {
        std::string_view address = uri.substr(7);
        auto at = address.rfind('@');
        return at != std::string_view::npos && at > 0 && at + 1 < address.size();
    }
    if (uri.substr(0, 8) == "https://") {
        std::string_view rest = uri.substr(8);
        std::string_view host = rest.substr(0, rest.find('/'));
        return !host.empty();
    }
    return false;
}

}  // namespace

std::optional<TagList> parse_tag_list(std::string_view text, std::string& error) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        std::size_t end = text.find(';', start);
        parts.push_back(trim_wsp(text.substr(start, end == text.npos ? text.npos : end - start)));
        if (end == text.npos) break;
        start = end + 1;
    }
    // The grammar allows one trailing separator: "v=STSv1; id=1;".
    if (parts.size() > 1 && parts.back().empty()) parts.pop_back();
    TagList tags;
    for (std::string_view part : parts) {
        if (part.empty()) {
            error = parts.size() == 1 ? "empty record" : "empty field between two ';'";
            return std::nullopt;
        }
        auto eq = part.find('=');
        if (eq == std::string_view::npos) {
            error = "field '" + std::string(part) + "' has no '='";
            return std::nullopt;
        }
        std::string_view name = part.substr(0, eq);
        std::string_view value = part.substr(eq + 1);
        if (!valid_field_name(name)) {
            error = "field name '" + std::string(name) + "' is not valid";
            return std::nullopt;
        }
        if (value.empty()) {
            error = "field '" + std::string(name) + "' has an empty value";
            return std::nullopt;
        }
        tags.emplace_back(std::string(name), std::string(value));
    }
    error.clear();
    return tags;
}

std::optional<StsRecord> parse_sts_record(std::string_view text, std::string& error) {
    auto tags = parse_tag_list(text, error);
    if (!tags) return std::nullopt;
    if (tags->empty() || (*tags)[0].first != "v" || (*tags)[0].second != "STSv1") {
        error = "does not begin with v=STSv1";
        return std::nullopt;
    }
    StsRecord record;
    bool have_id = false;
    for (std::size_t i = 1; i < tags->size(); ++i) {
        const auto& [name, value] = (*tags)[i];
        if (name == "v") {
            error = "v given twice";
            return std::nullopt;
        }
        if (name == "id") {
            if (have_id) {
                error = "id given twice";
                return std::nullopt;
            }
            if (value.size() > max_sts_id_octets ||
                !std::all_of(value.begin(), value.end(), is_alnum)) {
                error = "id '" + value + "' is not 1-32 letters or digits";
                return std::nullopt;
            }
            record.id = value;
            have_id = true;
            continue;
        }
        if (!valid_field_value(value)) {
            error = "field '" + name + "' has a value outside the grammar";
            return std::nullopt;
        }
        record.extensions.emplace_back(name, value);
    }
    if (!have_id) {
        error = "id missing";
        return std::nullopt;
    }
    error.clear();
    return record;
}

std::vector<std::string> sts_candidates(const std::vector<std::string>& txt_records) {
    return candidates(txt_records, "v=STSv1");
}

std::vector<std::string> tls_rpt_candidates(const std::vector<std::string>& txt_records) {
    return candidates(txt_records, "v=TLSRPTv1");
}

std::optional<TlsRptRecord> parse_tls_rpt_record(std::string_view text, std::string& error) {
    auto tags = parse_tag_list(text, error);
    if (!tags) return std::nullopt;
    if (tags->empty() || (*tags)[0].first != "v" || (*tags)[0].second != "TLSRPTv1") {
        error = "does not begin with v=TLSRPTv1";
        return std::nullopt;
    }
    TlsRptRecord record;
    bool have_rua = false;
    for (std::size_t i = 1; i < tags->size(); ++i) {
        const auto& [name, value] = (*tags)[i];
        if (name == "v") {
            error = "v given twice";
            return std::nullopt;
        }
        if (name == "rua") {
            if (have_rua) {
                error = "rua given twice";
                return std::nullopt;
            }
            have_rua = true;
            // tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri): a comma inside a URI is %-encoded.
            std::string_view list = value;
            std::size_t start = 0;
            while (start <= list.size()) {
                std::size_t comma = list.find(',', start);
                std::string_view uri = trim_wsp(list.substr(
                    start, comma == std::string_view::npos ? list.npos : comma - start));
                if (!valid_report_uri(uri)) {
                    error = "rua URI '" + std::string(uri) +
                            "' is neither mailto:ADDRESS nor https://HOST";
                    return std::nullopt;
                }
                record.rua.emplace_back(uri);
                if (comma == std::string_view::npos) break;
                start = comma + 1;
            }
            continue;
        }
        if (!valid_field_value(value)) {
            error = "field '" + name + "' has a value outside the grammar";
            return std::nullopt;
        }
        record.extensions.emplace_back(name, value);
    }
    if (!have_rua) {
        error = "rua missing (where reports go)";
        return std::nullopt;
    }
    error.clear();
    return record;
}

}  // namespace relaylab::probe
