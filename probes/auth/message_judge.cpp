#include "probes/auth/message_judge.hpp"

#include <ctime>
#include <stdexcept>

#include "probes/auth/dmarc_from.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::auth {
namespace {

std::string strip_angle_brackets(const std::string& address) {
    if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
        return address.substr(1, address.size() - 2);
    }
    return address;
}

SpfParams spf_params(const JudgeInput& input, const JudgeOptions& options) {
    SpfParams params;
    params.ip = input.client_ip;
    params.helo = input.helo;
    params.mail_from = input.mail_from;
    // The evaluator itself falls back to HELO for the null reverse-path (RFC 7208 2.4).
    params.identity = SpfIdentity::mail_from;
    params.receiver = input.authserv_id;
    params.timestamp = options.timestamp.value_or(static_cast<std::int64_t>(std::time(nullptr)));
    params.limits = options.spf_limits;
    return params;
}

const PublicSuffixList& chosen_psl(const JudgeOptions& options) {
    return options.psl ? *options.psl : debian_public_suffix_list();
}

// The RFC5322.From domain DMARC evaluates, or why there is none to evaluate: DMARC needs
// exactly one From field with exactly one address (RFC 7489 6.6.1).
struct FromDomain {
    std::optional<std::string> domain;
    std::string error;
};

FromDomain from_domain_of(const std::string& message) {
    FromDomain out;
    MessageParseResult parsed = parse_message(message);
    if (!parsed.message) {
        out.error = "message not parseable: " + parsed.error;
        return out;
    }
    std::vector<std::string> domains;
    std::size_t fields = 0;
    for (const auto& field : parsed.message->headers) {
        if (!iequals(field.name(), "From")) continue;
        ++fields;
        for (auto& domain : from_header_domains(unfold(field.value()))) {
            domains.push_back(std::move(domain));
        }
    }
    if (fields != 1 || domains.size() != 1) {
        out.error = "need exactly one From address (RFC 7489 6.6.1); found " +
                    std::to_string(domains.size()) + " in " + std::to_string(fields) +
                    " From fields";
        return out;
    }
    out.domain = std::move(domains.front());
    return out;
}

}  // namespace

const PublicSuffixList& debian_public_suffix_list() {
    // Loaded once: libpsl parses the whole list, far too slow to repeat per message.
    struct Loaded {
        std::optional<PublicSuffixList> list;
        std::string error;
    };
    static const Loaded loaded = [] {
        Loaded out;
        out.list = PublicSuffixList::load(kDebianPublicSuffixList, &out.error);
        return out;
    }();
    if (!loaded.list) {
        throw std::runtime_error(std::string(kDebianPublicSuffixList) + ": " + loaded.error +
                                 " (install the Debian package publicsuffix)");
    }
    return *loaded.list;
}

MessageJudge::MessageJudge(const JudgeInput& input, const JudgeOptions& options)
    : psl_(chosen_psl(options)),
      dmarc_pct_sample_(input.dmarc_pct_sample),
      spf_(spf_params(input, options)),
      dkim_(input.message, options.dkim),
      arc_(input.message, options.dkim) {
    verdicts_.authserv_id = input.authserv_id;
    verdicts_.spf.identity =
        strip_angle_brackets(input.mail_from).empty() ? SpfIdentity::helo : SpfIdentity::mail_from;
    FromDomain from = from_domain_of(input.message);
    from_domain_ = std::move(from.domain);
    from_error_ = std::move(from.error);

    // Every key record is known from the headers alone: ask for all of them at once.
    while (auto query = dkim_.next_query()) {
        ++dkim_outstanding_;
        ask(*query, dkim_waits);
    }
    while (auto query = arc_.next_query()) {
        ++arc_outstanding_;
        ask(*query, arc_waits);
    }
    pump();
}

void MessageJudge::ask(const DnsQuery& query, Waiter waiter) {
    auto [it, inserted] = outstanding_.try_emplace(Key{to_lower(query.name), query.type}, 0u);
    it->second |= waiter;
    // DKIM and ARC often share a key (one signer, one selector): one lookup serves both.
    if (inserted) to_send_.push_back(query);
}

std::optional<DnsQuery> MessageJudge::next_query() {
    if (to_send_.empty()) return std::nullopt;
    DnsQuery query = std::move(to_send_.front());
    to_send_.pop_front();
    ++verdicts_.dns_queries;
    return query;
}

void MessageJudge::provide(const DnsQuery& query, DnsAnswer answer) {
    auto it = outstanding_.find(Key{to_lower(query.name), query.type});
    if (it == outstanding_.end()) {
        throw std::logic_error("MessageJudge::provide: " + query.name + " was not asked for");
    }
    const unsigned waiters = it->second;
    outstanding_.erase(it);
    if (waiters & dkim_waits) {
        dkim_.provide(query, answer);
        --dkim_outstanding_;
    }
    if (waiters & arc_waits) {
        arc_.provide(query, answer);
        --arc_outstanding_;
    }
    if (waiters & spf_waits) {
        spf_waiting_ = false;
        spf_.provide(answer);
    }
    if (waiters & dmarc_waits) {
        dmarc_waiting_ = false;
        dmarc_->provide(std::move(answer));
    }
    pump();
}

bool MessageJudge::done() const {
    return spf_done_ && dkim_done_ && arc_done_ && dmarc_done_;
}

void MessageJudge::abandon_dns() {
    if (!abandoned_) verdicts_.dns_budget_exhausted = !done();
    abandoned_ = true;
    to_send_.clear();
    // Each answer may prompt a further query (SPF's next term, DMARC's organisational domain);
    // the evaluators' limits end this loop.
    while (!outstanding_.empty()) {
        const Key key = outstanding_.begin()->first;
        provide(DnsQuery{key.first, key.second}, DnsAnswer{DnsStatus::timeout, {}});
    }
}

void MessageJudge::pump() {
    while (step()) {
    }
    // After abandon_dns(), queries asked since are never sent; abandon_dns() answers them.
    if (abandoned_) to_send_.clear();
}

// One unit of progress; false when nothing more can happen without an answer.
bool MessageJudge::step() {
    if (!spf_done_ && !spf_waiting_) {
        if (auto query = spf_.next_query()) {
            spf_waiting_ = true;
            ask(*query, spf_waits);
        } else {
            spf_done_ = true;
            const SpfOutcome& outcome = spf_.result();
            verdicts_.spf.result = outcome.result;
            verdicts_.spf.reason = outcome.reason;
            verdicts_.spf.domain = outcome.domain;
        }
        return true;
    }
    if (!dkim_done_ && dkim_outstanding_ == 0) {
        dkim_done_ = true;
        verdicts_.dkim = dkim_.results();
        return true;
    }
    if (!arc_done_ && arc_outstanding_ == 0) {
        arc_done_ = true;
        verdicts_.arc = arc_.result();
        return true;
    }
    if (!dmarc_ && !dmarc_done_ && spf_done_ && dkim_done_) {
        start_dmarc();
        return true;
    }
    if (dmarc_ && !dmarc_done_ && !dmarc_waiting_) {
        if (auto query = dmarc_->next_query()) {
            dmarc_waiting_ = true;
            ask(*query, dmarc_waits);
        } else {
            dmarc_done_ = true;
            const DmarcOutcome& outcome = dmarc_->result();
            verdicts_.dmarc.result = outcome.result;
            verdicts_.dmarc.policy = outcome.policy;
            verdicts_.dmarc.reason = outcome.reason;
            if (!outcome.from_domain.empty()) verdicts_.dmarc.domain = outcome.from_domain;
        }
        return true;
    }
    return false;
}

void MessageJudge::start_dmarc() {
    if (!from_domain_) {
        dmarc_done_ = true;
        verdicts_.dmarc.result = DmarcResult::permerror;
        verdicts_.dmarc.reason = from_error_;
        return;
    }
    verdicts_.dmarc.domain = *from_domain_;
    DmarcParams params;
    params.from_domain = *from_domain_;
    params.spf_result = verdicts_.spf.result;
    params.spf_domain = verdicts_.spf.domain;
    params.pct_sample = dmarc_pct_sample_;
    for (const DkimVerdict& verdict : verdicts_.dkim) {
        params.dkim.push_back(
            {verdict.domain, verdict.selector, std::string(dkim_result_name(verdict.result))});
    }
    dmarc_.emplace(std::move(params), psl_);
}

Verdicts judge_message(const JudgeInput& input, DnsLookup& dns, const JudgeOptions& options) {
    const auto deadline = std::chrono::steady_clock::now() + options.time_budget;
    MessageJudge judge(input, options);
    while (!judge.done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            judge.abandon_dns();
            break;
        }
        auto query = judge.next_query();
        if (!query) throw std::logic_error("MessageJudge: not done, yet nothing to ask");
        judge.provide(*query, dns.lookup(*query));
    }
    return judge.verdicts();
}

}  // namespace relaylab::auth
