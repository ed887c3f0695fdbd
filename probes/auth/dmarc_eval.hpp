// DMARC evaluation (RFC 7489 6.6): policy discovery at the RFC5322.From domain and then at its
// organisational domain, identifier alignment for SPF and DKIM (relaxed or strict), p/sp/pct,
// and the policy to apply. Sans-I/O like SpfEvaluator:
//
//     DmarcEvaluator e(params, psl);
//     while (auto q = e.next_query()) e.provide(lookup(*q));
//     const DmarcOutcome& r = e.result();
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/auth/dmarc_record.hpp"
#include "probes/auth/dns_query.hpp"
#include "probes/auth/org_domain.hpp"
#include "probes/auth/spf_result.hpp"

namespace relaylab::auth {

// One DKIM signature's verdict as DMARC needs it (from the DKIM verifier's DkimVerdict).
struct DmarcDkimInput {
    std::string domain;    // d=
    std::string selector;  // s=
    std::string result;    // RFC 8601 2.7.1 value: "pass", "fail", "neutral", "temperror", ...
};

struct DmarcParams {
    std::string from_domain;  // the RFC5322.From domain (see from_header_domains())
    SpfResult spf_result = SpfResult::none;
    std::string spf_domain;  // the domain SPF checked: MAIL FROM's, or HELO's for a null sender
    std::vector<DmarcDkimInput> dkim;
    // pct sampling (RFC 7489 6.6.4): the message is subject to the policy when
    // pct_sample < pct. Supply a uniform random value in [0, 100); the default always samples.
    double pct_sample = 0.0;
};

enum class DmarcResult { none, pass, fail, temperror, permerror };

std::string_view to_string(DmarcResult result);

struct DmarcOutcome {
    DmarcResult result = DmarcResult::none;
    DmarcPolicy policy = DmarcPolicy::none;       // what to do with this message
    std::optional<DmarcPolicy> published_policy;  // p= or sp= of the record that applied
    std::string from_domain;
    std::string org_domain;
    std::string record_domain;  // where the record was found (From or organisational domain)
    std::optional<DmarcRecord> record;
    bool spf_aligned = false;
    bool dkim_aligned = false;
    std::string dkim_aligned_domain;  // the first passing, aligned d=
    bool sampled_out = false;         // failed, but pct= spared it the full policy
    std::string reason;
};

// RFC 7489 3.1: strict = the same name; relaxed = the same organisational domain.
bool domains_aligned(std::string_view from_domain, std::string_view auth_domain,
                     DmarcAlignment mode, const PublicSuffixList& psl);

class DmarcEvaluator {
  public:
    DmarcEvaluator(DmarcParams params, const PublicSuffixList& psl);

    std::optional<DnsQuery> next_query();
    void provide(DnsAnswer answer);
    bool done() const { return done_; }
    const DmarcOutcome& result() const { return outcome_; }

  private:
    enum class Step { start, at_from, at_org, finished };
    void begin();
    void ask(const std::string& domain, Step step);
    // Returns true when discovery is over (a record, an error or a verdict without one).
    bool consider(const DnsAnswer& answer, const std::string& domain);
    void decide(DmarcRecord record, bool subdomain);
    void finish() {
        done_ = true;
        pending_.reset();
    }

    DmarcParams params_;
    const PublicSuffixList& psl_;
    DmarcOutcome outcome_;
    Step step_ = Step::start;
    std::optional<DnsQuery> pending_;
    bool done_ = false;
};

DmarcOutcome evaluate_dmarc(const DmarcParams& params, const PublicSuffixList& psl, DnsLookup& dns);

}  // namespace relaylab::auth
