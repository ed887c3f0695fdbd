#include "probes/auth/verdict_format.hpp"

#include <nlohmann/json.hpp>

namespace relaylab::auth {
namespace {

// The length of the valid UTF-8 sequence starting at text[i] (RFC 3629 4), 0 if invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) low = 0xa0;   // overlong
        if (lead == 0xed) high = 0x9f;  // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) low = 0x90;   // overlong
        if (lead == 0xf4) high = 0x8f;  // beyond U+10FFFF
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    if (byte(i + 1) < low || byte(i + 1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
    }
    return length;
}

// Valid UTF-8 of at most `limit` octets, "..." marking a cut (never inside a character).
std::string short_text(std::string_view text, std::size_t limit) {
    std::string valid = valid_utf8(text);
    if (valid.size() <= limit) return valid;
    std::size_t cut = limit - 3;
    while (cut > 0 && (static_cast<unsigned char>(valid[cut]) & 0xc0) == 0x80)
        --cut;
    valid.resize(cut);
    valid += "...";
    return valid;
}

// Printable ASCII only: a header field value must not carry CR, LF or other controls from
// the message into our header, and RFC 8601 text outside RFC 6532 is ASCII.
std::string header_text(std::string_view text, std::size_t limit) {
    std::string out;
    out.reserve(std::min(text.size(), limit));
    for (char c : text) {
        if (out.size() == limit) {
            out.replace(out.size() - 3, 3, "...");
            break;
        }
        out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out;
}

AuthResProperty property(std::string ptype, std::string name, std::string_view value) {
    return {std::move(ptype), std::move(name), header_text(value, authres_value_bytes), ""};
}

AuthResResult result(std::string method, std::string_view value, std::string_view comment) {
    AuthResResult out;
    out.method = std::move(method);
    out.result = std::string(value);
    out.comment = header_text(comment, authres_comment_bytes);
    return out;
}

// Compact form: a "pass" or "none" explains itself ("signature verified", "no ARC header
// fields"), so only the other results keep a reason, cut short; a million stored verdicts of
// passing mail then cost about 150 MB instead of 340 MB.
struct ReasonStyle {
    std::size_t limit = std::string::npos;
    bool only_when_notable = false;
};

void put_reason(nlohmann::json& object, std::string_view result, const std::string& reason,
                ReasonStyle style) {
    if (style.only_when_notable && (result == "pass" || result == "none")) return;
    object["reason"] = short_text(reason, style.limit);
}

nlohmann::json verdicts_json(const Verdicts& verdicts, ReasonStyle style) {
    nlohmann::json out;
    const std::string_view spf_result = to_string(verdicts.spf.result);
    out["spf"] = {{"result", spf_result}};
    put_reason(out["spf"], spf_result, verdicts.spf.reason, style);
    out["dkim"] = nlohmann::json::array();
    for (const DkimVerdict& verdict : verdicts.dkim) {
        const std::string_view result = dkim_result_name(verdict.result);
        nlohmann::json dkim = {{"domain", valid_utf8(verdict.domain)},
                               {"selector", valid_utf8(verdict.selector)},
                               {"result", result}};
        put_reason(dkim, result, verdict.reason, style);
        out["dkim"].push_back(std::move(dkim));
    }
    const std::string_view dmarc_result = to_string(verdicts.dmarc.result);
    out["dmarc"] = {{"result", dmarc_result}, {"policy", to_string(verdicts.dmarc.policy)}};
    put_reason(out["dmarc"], dmarc_result, verdicts.dmarc.reason, style);
    const std::string_view arc_result = arc_result_name(verdicts.arc.result);
    out["arc"] = {{"result", arc_result}};
    put_reason(out["arc"], arc_result, verdicts.arc.reason, style);
    return out;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out.push_back('?');
            ++i;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

nlohmann::json to_json(const Verdicts& verdicts) {
    return verdicts_json(verdicts, ReasonStyle{});
}

std::string to_compact_json(const Verdicts& verdicts) {
    return verdicts_json(verdicts, ReasonStyle{compact_reason_bytes, true}).dump();
}

AuthenticationResults to_authentication_results(const Verdicts& verdicts) {
    AuthenticationResults header;
    header.authserv_id = header_text(verdicts.authserv_id, authres_value_bytes);

    AuthResResult spf = result("spf", to_string(verdicts.spf.result), verdicts.spf.reason);
    if (!verdicts.spf.domain.empty()) {
        // RFC 8601 2.7.2: the local-part may be left out; the domain is what SPF checked.
        spf.properties.push_back(
            property("smtp", verdicts.spf.identity == SpfIdentity::helo ? "helo" : "mailfrom",
                     verdicts.spf.domain));
    }
    header.results.push_back(std::move(spf));

    if (verdicts.dkim.empty()) {
        header.results.push_back(result("dkim", "none", "no DKIM-Signature"));
    }
    for (const DkimVerdict& verdict : verdicts.dkim) {
        AuthResResult dkim = result("dkim", dkim_result_name(verdict.result), verdict.reason);
        if (!verdict.domain.empty())
            dkim.properties.push_back(property("header", "d", verdict.domain));
        if (!verdict.selector.empty()) {
            dkim.properties.push_back(property("header", "s", verdict.selector));
        }
        // RFC 6008: the first characters of b= tell several signatures of one domain apart.
        if (!verdict.header_b.empty()) {
            dkim.properties.push_back(property("header", "b", verdict.header_b));
        }
        header.results.push_back(std::move(dkim));
    }

    // The policy applied goes in the comment, as large receivers write it ("dis=").
    AuthResResult dmarc = result(
        "dmarc", to_string(verdicts.dmarc.result),
        "policy=" + std::string(to_string(verdicts.dmarc.policy)) + "; " + verdicts.dmarc.reason);
    if (!verdicts.dmarc.domain.empty()) {
        dmarc.properties.push_back(property("header", "from", verdicts.dmarc.domain));
    }
    header.results.push_back(std::move(dmarc));

    header.results.push_back(
        result("arc", arc_result_name(verdicts.arc.result), verdicts.arc.reason));
    return header;
}

std::string authentication_results_field(const Verdicts& verdicts) {
    const std::vector<std::string> parts =
        split_authres_raw(format_authentication_results(to_authentication_results(verdicts)));
    std::string field = "Authentication-Results: ";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) field += ";\r\n\t";
        field += parts[i];
    }
    field += "\r\n";
    return field;
}

std::string_view dkim_summary(const std::vector<DkimVerdict>& dkim) {
    if (dkim.empty()) return "none";
    for (const DkimVerdict& verdict : dkim) {
        if (verdict.result == DkimResult::pass) return "pass";
    }
    return dkim_result_name(dkim.front().result);
}

VerdictSummary summarize(const Verdicts& verdicts) {
    return {
        .spf = to_string(verdicts.spf.result),
        .dkim = dkim_summary(verdicts.dkim),
        .dmarc = to_string(verdicts.dmarc.result),
        .dmarc_policy = to_string(verdicts.dmarc.policy),
        .arc = arc_result_name(verdicts.arc.result),
    };
}

}  // namespace relaylab::auth
