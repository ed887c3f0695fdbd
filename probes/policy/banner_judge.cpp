#include "probes/policy/banner_judge.hpp"

#include <cstdio>

#include "harness/dns/core/message.hpp"
#include "probes/common/transcript.hpp"
#include "probes/policy/banner_ehlo.hpp"
#include "probes/policy/reverse_dns_judge.hpp"

namespace relaylab::probe {

namespace {

std::string summary(const smtp::Reply& reply) {
    return visible_bytes(reply.summary());
}

std::string first_line(const smtp::Reply& reply) {
    return reply.lines.empty() ? std::string() : reply.lines.front();
}

bool is_address_literal(std::string_view name) {
    return name.size() >= 2 && name.front() == '[' && name.back() == ']';
}

}  // namespace

CheckResult judge_greeting(const smtp::Reply& greeting) {
    CheckResult result;
    result.name = "banner";
    result.details = {{"code", greeting.code},
                      {"enhanced", greeting.enhanced},
                      {"greeting", visible_bytes(greeting.text())}};
    if (greeting.code == 220) {
        result.verdict = Verdict::pass;
        result.explanation = "greets with 220: " + summary(greeting);
    } else if (greeting.code == 554) {
        result.verdict = Verdict::fail;
        result.explanation = "refuses connections: " + summary(greeting);
    } else if (greeting.code == 421) {
        result.verdict = Verdict::warn;
        result.explanation =
            "not accepting connections for now (421 at the greeting): " + summary(greeting);
    } else {
        result.verdict = Verdict::fail;
        result.explanation = "greeting code " + std::to_string(greeting.code) +
                             " is not 220 (RFC 5321 4.2): " + summary(greeting);
    }
    return result;
}

CheckResult judge_greeting_name(const smtp::Reply& greeting) {
    CheckResult result;
    result.name = "banner.hostname";
    const std::string raw = announced_name(first_line(greeting));
    const std::string name = visible_bytes(raw);
    result.details = {{"hostname", name}, {"fqdn", false}};
    result.verdict = Verdict::warn;
    if (raw.empty()) {
        result.explanation = "the greeting names no host (RFC 5321 4.2 wants the server's domain)";
        return result;
    }
    if (is_address_literal(raw)) {
        result.explanation = "the greeting gives an address literal " + name +
                             ", not a host name receivers can match with its PTR";
        return result;
    }
    const std::string normal = dns::normalize_name(raw);
    if (!dns::check_name(raw).empty() || normal.find('.') == std::string::npos ||
        normal == "localhost" || normal.ends_with(".localdomain") ||
        normal.ends_with(".localhost")) {
        result.explanation =
            "the greeting names '" + name + "', not a fully qualified domain name (RFC 5321 4.2)";
        return result;
    }
    result.verdict = Verdict::pass;
    result.details["fqdn"] = true;
    result.explanation = "the greeting names " + name + ", a fully qualified domain name";
    return result;
}

CheckResult judge_banner_delay(std::chrono::milliseconds time_to_banner) {
    CheckResult result;
    result.name = "banner.delay";
    result.details = {{"time_to_banner_ms", time_to_banner.count()},
                      {"threshold_ms", std::chrono::milliseconds(slow_banner_threshold).count()}};
    const double seconds = static_cast<double>(time_to_banner.count()) / 1000.0;
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", seconds);
    if (time_to_banner > slow_banner_threshold) {
        result.verdict = Verdict::warn;
        result.explanation = std::string("the banner came after ") + text +
                             ": a tarpit or greet pause, which also holds legitimate senders";
    } else {
        result.verdict = Verdict::pass;
        result.explanation = std::string("the banner came after ") + text;
    }
    return result;
}

CheckResult judge_ehlo(const smtp::Reply& ehlo, const std::optional<smtp::Reply>& helo) {
    CheckResult result;
    result.name = "banner.ehlo";
    result.details = {{"ehlo_code", ehlo.code}, {"esmtp", false}};
    if (ehlo.positive()) {
        const EhloFacts facts = parse_ehlo(ehlo);
        result.details.update(to_json(facts));
        result.details["esmtp"] = true;
        std::string list;
        for (const auto& k : facts.keywords)
            list += (list.empty() ? "" : " ") + k;
        if (facts.size_limit && *facts.size_limit > 0) {
            list += " (SIZE " + std::to_string(*facts.size_limit) + ")";
        }
        result.verdict = Verdict::pass;
        result.explanation = "EHLO accepted; " + std::to_string(facts.keywords.size()) +
                             " extensions: " + (list.empty() ? "none" : list);
        return result;
    }
    if (ehlo.transient()) {
        result.verdict = Verdict::warn;
        result.explanation = "EHLO refused for now: " + summary(ehlo);
        return result;
    }
    if (helo && helo->positive()) {
        result.verdict = Verdict::warn;
        result.details["helo_code"] = helo->code;
        result.explanation = "EHLO refused (" + summary(ehlo) +
                             "), HELO accepted: no ESMTP, so no STARTTLS, SIZE or 8BITMIME";
        return result;
    }
    result.verdict = Verdict::fail;
    if (helo) result.details["helo_code"] = helo->code;
    result.explanation = "EHLO refused (" + summary(ehlo) + ")" +
                         (helo ? " and HELO refused (" + summary(*helo) + ")" : "");
    return result;
}

}  // namespace relaylab::probe
