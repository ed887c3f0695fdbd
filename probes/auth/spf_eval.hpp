// The SPF check_host() function (RFC 7208 4) as a sans-I/O evaluator.
//
//     SpfEvaluator e(params);
//     while (auto q = e.next_query()) e.provide(lookup(*q));
//     const SpfOutcome& r = e.result();
//
// It asks for one DNS query at a time and never blocks; the driver owns the sockets and the
// RFC 7208 4.6.4 elapsed-time limit (at least 20 s; on expiry the result is temperror).
// evaluate_spf() is the blocking convenience form over a DnsLookup.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "probes/auth/dns_query.hpp"
#include "probes/auth/spf_result.hpp"

namespace relaylab::auth {

// Processing limits of RFC 7208 4.6.4 (defaults are the RFC's), plus a hard cap on the total
// number of queries one evaluation may ask for, so that no record can make us loop.
struct SpfLimits {
    unsigned dns_mechanisms = 10;  // include, a, mx, ptr, exists, redirect
    unsigned void_lookups = 2;     // answers with NXDOMAIN or no records
    unsigned mx_names = 10;        // MX records per "mx" (more is a permerror)
    unsigned ptr_names = 10;       // PTR names checked per "ptr" / %{p} (the rest are ignored)
    unsigned max_queries = 200;    // every query, cache hits excluded
};

struct SpfParams {
    std::string ip;         // the SMTP client address, IPv4 or IPv6 text
    std::string mail_from;  // RFC5321.MailFrom without angle brackets; may be empty
    std::string helo;       // the HELO/EHLO name
    SpfIdentity identity = SpfIdentity::mail_from;
    std::string receiver = "unknown";  // %{r}: the checking host's name (RFC 7208 7.3)
    std::string default_explanation;   // used for "fail" when exp= gives none (RFC 7208 6.2)
    std::int64_t timestamp = 0;        // %{t}: seconds since the epoch
    SpfLimits limits;
};

struct SpfOutcome {
    SpfResult result = SpfResult::none;
    std::string reason;       // why, for people: the matching term, the error and its RFC section
    std::string explanation;  // for "fail" only (RFC 7208 6.2)
    std::string domain;       // the domain checked: the identity SPF authenticates (DMARC uses it)
    std::string sender;       // <sender> as used for macros
    std::string mechanism;    // the term that matched, if one did
    unsigned dns_mechanisms = 0;
    unsigned void_lookups = 0;
    unsigned queries = 0;
};

class SpfEvaluator {
  public:
    explicit SpfEvaluator(SpfParams params);
    ~SpfEvaluator();
    SpfEvaluator(const SpfEvaluator&) = delete;
    SpfEvaluator& operator=(const SpfEvaluator&) = delete;

    // The next query to answer, or nothing when the evaluation is complete.
    std::optional<DnsQuery> next_query();
    // The answer to the query last returned by next_query().
    void provide(DnsAnswer answer);
    bool done() const;
    // Valid once done().
    const SpfOutcome& result() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

SpfOutcome evaluate_spf(const SpfParams& params, DnsLookup& dns);

}  // namespace relaylab::auth
