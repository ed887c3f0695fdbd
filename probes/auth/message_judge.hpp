// One message judged as a receiving MTA would: SPF (RFC 7208), every DKIM signature
// (RFC 6376), DMARC (RFC 7489) from those results, and the ARC chain (RFC 8617). Sans-I/O, in
// the shape of the evaluators it combines, except that independent queries may be in flight
// together (SPF's next query, every DKIM and ARC key, then DMARC's):
//
//     MessageJudge judge(input, options);
//     while (!judge.done()) {
//         while (auto q = judge.next_query()) send(*q);   // zero or more
//         auto [q, answer] = receive_one();
//         judge.provide(q, answer);
//     }
//     Verdicts v = judge.verdicts();
//
// A driver whose time budget runs out calls abandon_dns(): the rest is decided as if every
// unanswered query had timed out. The number of queries is bounded by the evaluators' own
// limits (SpfLimits, DkimVerifyOptions::max_signatures, RFC 8617's 50 ARC instances, two
// DMARC lookups), whatever the message and the DNS say.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "probes/auth/arc_verify.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "probes/auth/dmarc_eval.hpp"
#include "probes/auth/dns_query.hpp"
#include "probes/auth/org_domain.hpp"
#include "probes/auth/spf_eval.hpp"
#include "probes/auth/verdicts.hpp"

namespace relaylab::auth {

// RFC 7208 4.6.4: at least 20 seconds for SPF; the whole judgement gets the same by default.
inline constexpr std::chrono::milliseconds default_judge_time_budget{20'000};

struct JudgeInput {
    std::string client_ip;  // the SMTP client's address, IPv4 or IPv6 text
    std::string helo;       // the HELO/EHLO name
    std::string mail_from;  // RFC5321.MailFrom, angle brackets optional; empty for <>
    std::string message;    // the raw message as received (move it in)
    std::string authserv_id = "relaylab.test";  // also SPF's %{r} (RFC 7208 7.3)
    // DMARC pct= sampling (RFC 7489 6.6.4): a uniform value in [0, 100); 0 always samples.
    double dmarc_pct_sample = 0.0;
};

struct JudgeOptions {
    // Unset: Debian's list (kDebianPublicSuffixList), loaded once per process on first use.
    std::optional<PublicSuffixList> psl;
    std::chrono::milliseconds time_budget = default_judge_time_budget;  // read by the drivers
    SpfLimits spf_limits;
    DkimVerifyOptions dkim;                 // verification time and signature cap
    std::optional<std::int64_t> timestamp;  // SPF %{t}; unset: the clock
};

// The process-wide Debian Public Suffix List; throws std::runtime_error when unreadable.
const PublicSuffixList& debian_public_suffix_list();

class MessageJudge {
  public:
    // Parses the message and starts every evaluator; throws only what
    // debian_public_suffix_list() throws when options.psl is unset.
    explicit MessageJudge(const JudgeInput& input, const JudgeOptions& options = {});
    MessageJudge(const MessageJudge&) = delete;
    MessageJudge& operator=(const MessageJudge&) = delete;

    // A query that may be sent now, each (name, type) once while it is outstanding; nullopt
    // when nothing more can be asked until an answer is provided (or when done()).
    std::optional<DnsQuery> next_query();
    // The answer to a query handed out by next_query(); throws std::logic_error for others.
    void provide(const DnsQuery& query, DnsAnswer answer);
    bool done() const;
    // Every outstanding and later query is answered with DnsStatus::timeout, which finishes
    // the evaluation at once; for a driver whose time budget ran out.
    void abandon_dns();
    // Valid once done().
    const Verdicts& verdicts() const { return verdicts_; }

  private:
    enum Waiter : unsigned { spf_waits = 1, dkim_waits = 2, arc_waits = 4, dmarc_waits = 8 };
    using Key = std::pair<std::string, RrType>;  // lower-case name

    void pump();
    bool step();
    void ask(const DnsQuery& query, Waiter waiter);
    void start_dmarc();

    PublicSuffixList psl_;  // before dmarc_, which refers to it
    double dmarc_pct_sample_ = 0.0;
    SpfEvaluator spf_;
    DkimVerifier dkim_;
    ArcVerifier arc_;
    std::optional<DmarcEvaluator> dmarc_;
    std::optional<std::string> from_domain_;  // else from_error_ says why DMARC cannot run
    std::string from_error_;

    std::deque<DnsQuery> to_send_;
    std::map<Key, unsigned> outstanding_;  // Waiter bits
    std::size_t dkim_outstanding_ = 0;
    std::size_t arc_outstanding_ = 0;
    bool spf_waiting_ = false, spf_done_ = false;
    bool dkim_done_ = false, arc_done_ = false;
    bool dmarc_waiting_ = false, dmarc_done_ = false;
    bool abandoned_ = false;
    Verdicts verdicts_;
};

// The blocking form, for the CLI and tests: one query at a time over `dns`; once
// options.time_budget has passed, the rest is decided as by abandon_dns().
Verdicts judge_message(const JudgeInput& input, DnsLookup& dns, const JudgeOptions& options = {});

}  // namespace relaylab::auth
