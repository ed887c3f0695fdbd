#include "probes/auth/dmarc_eval.hpp"

#include <stdexcept>

namespace relaylab::auth {
namespace {

constexpr std::size_t kMaxNameLength = 253;  // RFC 1035 2.3.4

// RFC 7489 6.6.4: a failing message not selected by pct= gets the next weaker policy.
DmarcPolicy downgrade(DmarcPolicy policy) {
    switch (policy) {
        case DmarcPolicy::reject:
            return DmarcPolicy::quarantine;
        default:
            return DmarcPolicy::none;
    }
}

}  // namespace

std::string_view to_string(DmarcResult result) {
    switch (result) {
        case DmarcResult::none:
            return "none";
        case DmarcResult::pass:
            return "pass";
        case DmarcResult::fail:
            return "fail";
        case DmarcResult::temperror:
            return "temperror";
        case DmarcResult::permerror:
            return "permerror";
    }
    return "?";
}

bool domains_aligned(std::string_view from_domain, std::string_view auth_domain,
                     DmarcAlignment mode, const PublicSuffixList& psl) {
    auto from = PublicSuffixList::normalize(from_domain);
    auto auth = PublicSuffixList::normalize(auth_domain);
    if (!from || !auth) return false;
    if (*from == *auth) return true;
    if (mode == DmarcAlignment::strict) return false;
    auto from_org = psl.organizational_domain(*from);
    auto auth_org = psl.organizational_domain(*auth);
    return from_org && auth_org && *from_org == *auth_org;
}

DmarcEvaluator::DmarcEvaluator(DmarcParams params, const PublicSuffixList& psl)
    : params_(std::move(params)), psl_(psl) {}

std::optional<DnsQuery> DmarcEvaluator::next_query() {
    if (step_ == Step::start) begin();
    return pending_;
}

void DmarcEvaluator::begin() {
    auto from = PublicSuffixList::normalize(params_.from_domain);
    if (!from || from->find('.') == std::string::npos) {
        step_ = Step::finished;
        outcome_.result = DmarcResult::permerror;
        outcome_.reason = "'" + params_.from_domain + "' is not a usable RFC5322.From domain";
        finish();
        return;
    }
    outcome_.from_domain = *from;
    outcome_.org_domain = psl_.organizational_domain(*from).value_or(*from);
    ask(*from, Step::at_from);
}

void DmarcEvaluator::ask(const std::string& domain, Step step) {
    step_ = step;
    const std::string name = "_dmarc." + domain;
    if (name.size() > kMaxNameLength) {
        // No such query can be sent: as if the name did not exist.
        consider(DnsAnswer{DnsStatus::nxdomain, {}}, domain);
        return;
    }
    pending_ = DnsQuery{name, RrType::txt};
}

void DmarcEvaluator::provide(DnsAnswer answer) {
    if (!pending_) throw std::logic_error("DmarcEvaluator::provide without a pending query");
    pending_.reset();
    const std::string domain = step_ == Step::at_from ? outcome_.from_domain : outcome_.org_domain;
    consider(answer, domain);
}

bool DmarcEvaluator::consider(const DnsAnswer& answer, const std::string& domain) {
    const bool at_org = step_ == Step::at_org;
    if (answer.status == DnsStatus::servfail || answer.status == DnsStatus::timeout ||
        answer.status == DnsStatus::refused) {
        outcome_.result = DmarcResult::temperror;
        outcome_.reason =
            "TXT lookup for _dmarc." + domain + ": " + std::string(to_string(answer.status));
        finish();
        return true;
    }
    std::vector<const std::string*> records;
    if (answer.status == DnsStatus::ok) {
        for (const auto& txt : answer.records) {
            if (is_dmarc_record(txt)) records.push_back(&txt);
        }
    }
    if (records.size() > 1) {
        // RFC 7489 6.6.3 step 5: several records end discovery without DMARC processing.
        outcome_.result = DmarcResult::none;
        outcome_.reason = std::to_string(records.size()) + " DMARC records at _dmarc." + domain +
                          ": policy discovery ends, no DMARC processing (RFC 7489 6.6.3)";
        finish();
        return true;
    }
    if (records.empty()) {
        if (!at_org && outcome_.org_domain != outcome_.from_domain) {
            ask(outcome_.org_domain, Step::at_org);
            return false;
        }
        outcome_.result = DmarcResult::none;
        outcome_.reason =
            "no DMARC record at _dmarc." + outcome_.from_domain +
            (outcome_.org_domain != outcome_.from_domain ? " nor at _dmarc." + outcome_.org_domain
                                                         : std::string()) +
            " (RFC 7489 6.6.3)";
        finish();
        return true;
    }
    DmarcParseResult parsed = parse_dmarc_record(*records.front());
    outcome_.record_domain = domain;
    if (parsed.status != DmarcRecordStatus::ok) {
        outcome_.result = DmarcResult::permerror;
        outcome_.reason = "DMARC record at _dmarc." + domain + ": " + parsed.error;
        finish();
        return true;
    }
    decide(std::move(*parsed.record), at_org);
    finish();
    return true;
}

void DmarcEvaluator::decide(DmarcRecord record, bool subdomain) {
    // RFC 7489 6.6.2: DKIM aligns through any passing signature whose d= aligns; SPF through a
    // pass for a domain that aligns with From.
    for (const auto& dkim : params_.dkim) {
        if (dkim.result == "pass" &&
            domains_aligned(outcome_.from_domain, dkim.domain, record.adkim, psl_)) {
            outcome_.dkim_aligned = true;
            outcome_.dkim_aligned_domain = dkim.domain;
            break;
        }
    }
    outcome_.spf_aligned =
        params_.spf_result == SpfResult::pass &&
        domains_aligned(outcome_.from_domain, params_.spf_domain, record.aspf, psl_);

    // RFC 7489 6.3 sp: a record found at the organisational domain for a subdomain uses sp=.
    const DmarcPolicy published = subdomain && record.sp ? *record.sp : record.p;
    outcome_.published_policy = published;
    const std::string where =
        "record at _dmarc." + outcome_.record_domain + " (" +
        (subdomain ? std::string(record.sp ? "sp=" : "p=, no sp=") : std::string("p=")) +
        std::string(to_string(published)) + ")";
    if (outcome_.spf_aligned || outcome_.dkim_aligned) {
        outcome_.result = DmarcResult::pass;
        outcome_.policy = DmarcPolicy::none;
        outcome_.reason = std::string("aligned ") +
                          (outcome_.dkim_aligned ? "DKIM d=" + outcome_.dkim_aligned_domain
                                                 : "SPF " + params_.spf_domain) +
                          (outcome_.dkim_aligned && outcome_.spf_aligned ? " and SPF" : "") + "; " +
                          where;
    } else {
        outcome_.result = DmarcResult::fail;
        outcome_.policy = published;
        std::string why = "no aligned pass: SPF " + std::string(to_string(params_.spf_result)) +
                          (params_.spf_domain.empty() ? "" : " for " + params_.spf_domain) +
                          " (aspf=" + std::string(to_string(record.aspf)) + "), ";
        std::size_t passing = 0;
        for (const auto& dkim : params_.dkim)
            passing += dkim.result == "pass";
        why += std::to_string(params_.dkim.size()) + " DKIM signature(s), " +
               std::to_string(passing) +
               " passing, none aligned (adkim=" + std::string(to_string(record.adkim)) + ")";
        if (params_.pct_sample >= static_cast<double>(record.pct)) {
            outcome_.sampled_out = true;
            outcome_.policy = downgrade(published);
            why += "; not sampled by pct=" + std::to_string(record.pct) + ", policy " +
                   std::string(to_string(outcome_.policy)) + " (RFC 7489 6.6.4)";
        }
        outcome_.reason = why + "; " + where;
    }
    outcome_.record = std::move(record);
}

DmarcOutcome evaluate_dmarc(const DmarcParams& params, const PublicSuffixList& psl,
                            DnsLookup& dns) {
    DmarcEvaluator evaluator(params, psl);
    while (auto query = evaluator.next_query())
        evaluator.provide(dns.lookup(*query));
    return evaluator.result();
}

}  // namespace relaylab::auth
