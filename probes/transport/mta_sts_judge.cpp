#include "probes/transport/mta_sts_judge.hpp"

#include "probes/common/transcript.hpp"

namespace relaylab::probe {

namespace {

using Outcome = TxtFacts::Outcome;

void add_txt_evidence(CheckResult& result, const TxtFacts& txt) {
    if (txt.outcome != Outcome::found) {
        result.add_evidence("TXT " + txt.name + ": " + txt.failure);
        return;
    }
    for (const auto& record : txt.records)
        result.add_evidence(txt_evidence(txt.name, record));
}

void add_fetch_evidence(CheckResult& result, const PolicyFetchFacts& fetch) {
    result.add_evidence("GET " + fetch.url);
    if (!fetch.responded) {
        result.add_evidence("-- " + fetch.failure);
        return;
    }
    if (!fetch.tls_version.empty()) result.add_evidence("-- " + fetch.tls_version);
    result.add_evidence(visible_bytes(fetch.status_line));
    result.add_evidence("Content-Type: " + visible_bytes(fetch.content_type));
    if (!fetch.location.empty()) result.add_evidence("Location: " + visible_bytes(fetch.location));
    // The body line by line (CRLF or LF ends a line, RFC 8461 3.2), other control octets
    // made visible, so a reader sees exactly what a sender parsed.
    const std::string& body = fetch.body;
    std::size_t start = 0;
    while (start < body.size()) {
        std::size_t end = body.find('\n', start);
        std::string_view line = std::string_view(body).substr(
            start, end == std::string::npos ? std::string::npos : end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        result.add_evidence("| " + visible_bytes(line));
        if (end == std::string::npos) break;
        start = end + 1;
    }
}

nlohmann::json policy_json(const StsPolicy& policy) {
    nlohmann::json extensions = nlohmann::json::object();
    for (const auto& [key, value] : policy.extensions)
        extensions[key] = value;
    return {{"mode", to_string(policy.mode)},
            {"max_age", policy.max_age},
            {"mx", policy.mx},
            {"notes", policy.notes},
            {"extensions", extensions}};
}

}  // namespace

std::string txt_evidence(const std::string& name, const std::string& text) {
    return "TXT " + name + " \"" + visible_bytes(text) + "\"";
}

CheckResult judge_sts_record(const TxtFacts& txt, std::optional<StsRecord>& record) {
    record.reset();
    CheckResult result = make_result("mta-sts.record", Verdict::error, "");
    add_txt_evidence(result, txt);
    result.details["name"] = txt.name;
    if (txt.outcome == Outcome::failed) {
        result.explanation = "could not look up " + txt.name + ": " + txt.failure;
        return result;
    }
    std::vector<std::string> candidates =
        txt.outcome == Outcome::found ? sts_candidates(txt.records) : std::vector<std::string>{};
    result.details["records"] = candidates.size();
    if (candidates.empty()) {
        result.verdict = Verdict::warn;
        result.explanation = "no MTA-STS: no v=STSv1 TXT record at " + txt.name +
                             ", so senders cannot insist on TLS to this domain";
        return result;
    }
    if (candidates.size() > 1) {
        result.verdict = Verdict::fail;
        result.explanation = std::to_string(candidates.size()) + " v=STSv1 records at " + txt.name +
                             ": senders must treat the domain as having no policy "
                             "(RFC 8461 3.1)";
        return result;
    }
    std::string error;
    auto parsed = parse_sts_record(candidates.front(), error);
    if (!parsed) {
        result.verdict = Verdict::fail;
        result.explanation =
            "the STSv1 record at " + txt.name + " is invalid (" + error + "): senders ignore it";
        result.details["error"] = error;
        return result;
    }
    result.verdict = Verdict::pass;
    result.explanation = "one valid STSv1 record, id " + parsed->id;
    result.details["id"] = parsed->id;
    record = std::move(parsed);
    return result;
}

CheckResult judge_sts_policy(const PolicyFetchFacts& fetch, std::optional<StsPolicy>& policy) {
    policy.reset();
    CheckResult result = make_result("mta-sts.policy", Verdict::fail, "");
    add_fetch_evidence(result, fetch);
    result.details["url"] = fetch.url;
    if (!fetch.responded) {
        result.explanation = "the record promises a policy but " + fetch.url +
                             " cannot be fetched: " + fetch.failure;
        result.details["error"] = fetch.failure;
        return result;
    }
    result.details["status"] = fetch.status;
    result.details["content_type"] = fetch.content_type;
    if (fetch.status >= 300 && fetch.status < 400) {
        result.explanation = "the policy URL answers " + std::to_string(fetch.status) +
                             (fetch.location.empty() ? "" : " to " + fetch.location) +
                             ": senders do not follow redirects (RFC 8461 3.3)";
        return result;
    }
    if (fetch.status != 200) {
        result.explanation =
            "the policy URL answers " + visible_bytes(fetch.status_line) + " instead of 200";
        return result;
    }
    if (!is_text_plain(fetch.content_type)) {
        result.explanation = "the policy is served as '" + visible_bytes(fetch.content_type) +
                             "', not text/plain (RFC 8461 3.2)";
        return result;
    }
    StsPolicyParse parse = parse_sts_policy(fetch.body);
    if (!parse.policy) {
        result.explanation = "the policy is invalid: " + parse.error;
        result.details["error"] = parse.error;
        return result;
    }
    const StsPolicy& parsed = *parse.policy;
    result.details["policy"] = policy_json(parsed);
    switch (parsed.mode) {
        case StsMode::enforce:
            result.verdict = Verdict::pass;
            result.explanation = "policy in enforce mode for " + std::to_string(parsed.mx.size()) +
                                 " mx pattern(s), max_age " + std::to_string(parsed.max_age) + " s";
            break;
        case StsMode::testing:
            result.verdict = Verdict::warn;
            result.explanation =
                "policy in testing mode: failures are only reported, senders still deliver "
                "without TLS";
            break;
        case StsMode::none:
            result.verdict = Verdict::warn;
            result.explanation = "policy mode none: the domain withdrew MTA-STS";
            break;
    }
    if (result.verdict == Verdict::pass && parsed.max_age < short_sts_max_age) {
        result.verdict = Verdict::warn;
        result.explanation = "policy in enforce mode but max_age is " +
                             std::to_string(parsed.max_age) +
                             " s, under a day: a cached policy barely outlives an attack";
    }
    policy = parsed;
    return result;
}

CheckResult judge_sts_mx_match(const std::string& domain, const StsPolicy& policy,
                               const MxFacts& mx) {
    CheckResult result = make_result("mta-sts.mx-match", Verdict::error, "");
    if (mx.failed) {
        result.add_evidence("MX " + domain + ": " + mx.failure);
        result.explanation = "could not look up the MX of " + domain + ": " + mx.failure;
        return result;
    }
    for (const auto& pattern : policy.mx)
        result.add_evidence("policy mx: " + pattern);
    if (mx.null_mx) {
        result.add_evidence("MX " + domain + " 0 .");
        result.verdict = Verdict::warn;
        result.explanation = domain + " has a null MX (accepts no mail) yet publishes MTA-STS";
        return result;
    }
    nlohmann::json hosts = nlohmann::json::array();
    std::vector<std::string> uncovered;
    for (const auto& [preference, host] : mx.hosts) {
        auto pattern = matching_pattern(policy.mx, host);
        result.add_evidence((mx.implicit ? "implicit MX " : "MX ") + domain + " " +
                            std::to_string(preference) + " " + host + " -> " +
                            (pattern ? "matches " + *pattern : std::string("matches no pattern")));
        hosts.push_back({{"host", host},
                         {"preference", preference},
                         {"pattern", pattern ? nlohmann::json(*pattern) : nlohmann::json()}});
        if (!pattern) uncovered.push_back(host);
    }
    result.details["hosts"] = hosts;
    result.details["mode"] = to_string(policy.mode);
    result.details["implicit_mx"] = mx.implicit;
    if (mx.hosts.empty()) {
        result.verdict = Verdict::warn;
        result.explanation = domain + " has no MX host to match against the policy";
        return result;
    }
    if (uncovered.empty()) {
        result.verdict = Verdict::pass;
        result.explanation =
            "all " + std::to_string(mx.hosts.size()) + " MX host(s) match the policy's mx patterns";
        return result;
    }
    std::string list;
    for (const auto& host : uncovered)
        list += (list.empty() ? "" : ", ") + host;
    if (policy.mode == StsMode::enforce) {
        result.verdict = Verdict::fail;
        result.explanation =
            "MX " + list + " not covered by the enforce policy: senders refuse to deliver there";
    } else {
        result.verdict = Verdict::warn;
        result.explanation = "MX " + list + " not covered by the policy (mode " +
                             std::string(to_string(policy.mode)) +
                             "): enforce would break delivery there";
    }
    return result;
}

CheckResult judge_tls_rpt(const TxtFacts& txt) {
    CheckResult result = make_result("tls-rpt", Verdict::error, "");
    add_txt_evidence(result, txt);
    result.details["name"] = txt.name;
    if (txt.outcome == Outcome::failed) {
        result.explanation = "could not look up " + txt.name + ": " + txt.failure;
        return result;
    }
    std::vector<std::string> candidates = txt.outcome == Outcome::found
                                              ? tls_rpt_candidates(txt.records)
                                              : std::vector<std::string>{};
    result.details["records"] = candidates.size();
    if (candidates.empty()) {
        result.verdict = Verdict::warn;
        result.explanation =
            "no TLS-RPT record at " + txt.name + ": senders have nowhere to report TLS failures";
        return result;
    }
    if (candidates.size() > 1) {
        result.verdict = Verdict::fail;
        result.explanation = std::to_string(candidates.size()) + " v=TLSRPTv1 records at " +
                             txt.name + ": senders must ignore them all (RFC 8460 3)";
        return result;
    }
    std::string error;
    auto parsed = parse_tls_rpt_record(candidates.front(), error);
    if (!parsed) {
        result.verdict = Verdict::fail;
        result.explanation = "the TLS-RPT record at " + txt.name + " is invalid: " + error;
        result.details["error"] = error;
        return result;
    }
    result.verdict = Verdict::pass;
    std::string list;
    for (const auto& uri : parsed->rua)
        list += (list.empty() ? "" : ", ") + uri;
    result.explanation = "TLS reports go to " + list;
    result.details["rua"] = parsed->rua;
    return result;
}

}  // namespace relaylab::probe
