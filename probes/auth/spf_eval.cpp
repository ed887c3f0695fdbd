#include "probes/auth/spf_eval.hpp"

#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "probes/auth/spf_ip.hpp"
#include "probes/auth/spf_macro.hpp"
#include "probes/auth/spf_record.hpp"
#include "probes/auth/spf_task.hpp"

namespace relaylab::auth {
namespace {

using detail::Task;

// RFC 1035 2.3.4 limits.
constexpr std::size_t kMaxNameLength = 253;
constexpr std::size_t kMaxLabelLength = 63;

char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = to_lower(c);
    return out;
}

std::string strip_dot(std::string name) {
    if (!name.empty() && name.back() == '.') name.pop_back();
    return name;
}

// A name a query can be composed from: 1..63-character labels, 253 characters in all.
bool valid_dns_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength) return false;
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
        } else if (++label > kMaxLabelLength) {
            return false;
        }
    }
    return label != 0;
}

// True when `name` is `domain` or a subdomain of it (case-insensitive).
bool within(std::string_view name, std::string_view domain) {
    const std::string n = lower(name), d = lower(domain);
    if (n == d) return true;
    return n.size() > d.size() && n.compare(n.size() - d.size(), d.size(), d) == 0 &&
           n[n.size() - d.size() - 1] == '.';
}

std::string_view type_text(RrType type) {
    switch (type) {
        case RrType::a:
            return "A";
        case RrType::aaaa:
            return "AAAA";
        case RrType::mx:
            return "MX";
        case RrType::ptr:
            return "PTR";
        case RrType::txt:
            return "TXT";
        case RrType::ns:
            return "NS";
        case RrType::cname:
            return "CNAME";
    }
    return "?";
}

bool is_error(DnsStatus s) {
    return s == DnsStatus::servfail || s == DnsStatus::timeout || s == DnsStatus::refused;
}

// permerror and temperror end the whole evaluation (RFC 7208 4.6.4, 5.2): thrown up through
// every nested check_host() to the top.
struct SpfAbort {
    SpfResult result;
    std::string reason;
};

struct HostResult {
    SpfResult result = SpfResult::none;
    std::string reason;
    std::string mechanism;
    std::optional<std::string> exp;  // exp= of the record that produced "fail"
    std::string exp_domain;          // its <domain>, for %{d} in the explanation
};

}  // namespace

std::string_view to_string(SpfResult result) {
    switch (result) {
        case SpfResult::none:
            return "none";
        case SpfResult::neutral:
            return "neutral";
        case SpfResult::pass:
            return "pass";
        case SpfResult::fail:
            return "fail";
        case SpfResult::softfail:
            return "softfail";
        case SpfResult::temperror:
            return "temperror";
        case SpfResult::permerror:
            return "permerror";
    }
    return "?";
}

struct SpfEvaluator::State {
    SpfParams params;
    SpfOutcome outcome;
    std::optional<IpAddress> ip;
    MacroValues values;

    std::optional<DnsQuery> pending;
    DnsAnswer answer;
    std::coroutine_handle<> waiting;
    std::map<std::pair<std::string, RrType>, DnsAnswer> cache;

    std::optional<std::vector<std::string>> validated;  // %{p} and ptr share the PTR work
    DnsStatus ptr_status = DnsStatus::ok;

    Task<bool> top;
    bool started = false;
    bool finished = false;

    explicit State(SpfParams p) : params(std::move(p)) {}

    struct QueryAwaiter {
        State* state;
        DnsQuery query;
        std::optional<DnsAnswer> ready;

        bool await_ready() const noexcept { return ready.has_value(); }
        void await_suspend(std::coroutine_handle<> h) {
            state->pending = query;
            state->waiting = h;
        }
        DnsAnswer await_resume() {
            if (ready) return std::move(*ready);
            DnsAnswer a = std::move(state->answer);
            state->cache[{lower(query.name), query.type}] = a;
            return a;
        }
    };

    QueryAwaiter query(const std::string& name, RrType type) {
        auto it = cache.find({lower(name), type});
        if (it != cache.end()) return {this, {name, type}, it->second};
        if (++outcome.queries > params.limits.max_queries) {
            throw SpfAbort{SpfResult::permerror, "more than " +
                                                     std::to_string(params.limits.max_queries) +
                                                     " DNS queries in one evaluation"};
        }
        return {this, {name, type}, std::nullopt};
    }

    void count_dns_term(const std::string& term) {
        // RFC 7208 4.6.4: at most 10 terms that cause DNS queries, else permerror.
        if (++outcome.dns_mechanisms > params.limits.dns_mechanisms) {
            throw SpfAbort{SpfResult::permerror,
                           "more than " + std::to_string(params.limits.dns_mechanisms) +
                               " DNS-querying terms (at '" + term + "'; RFC 7208 4.6.4)"};
        }
    }

    void count_void(const std::string& name) {
        // RFC 7208 4.6.4: at most 2 lookups that find nothing, else permerror.
        if (++outcome.void_lookups > params.limits.void_lookups) {
            throw SpfAbort{SpfResult::permerror,
                           "more than " + std::to_string(params.limits.void_lookups) +
                               " void DNS lookups (at " + name + "; RFC 7208 4.6.4)"};
        }
    }

    Task<bool> run();
    Task<HostResult> check_host(std::string domain);
    Task<bool> matches(const SpfMechanism& m, const std::string& domain);
    Task<std::optional<std::string>> target_name(const std::string& spec,
                                                 const std::string& domain);
    Task<std::vector<std::string>> validated_names();
    Task<std::string> ptr_macro(const std::string& domain);
    Task<std::vector<IpAddress>> addresses(const std::string& name, bool count_as_void);
    Task<std::string> explanation(const std::string& spec, const std::string& domain);

    void advance() {
        if (top.done() && !finished) {
            finished = true;
            top.take();
        }
    }
};

Task<bool> SpfEvaluator::State::run() {
    try {
        ip = IpAddress::parse(params.ip);
        if (!ip) {
            outcome.result = SpfResult::permerror;
            outcome.reason = "client address '" + params.ip + "' is not an IP address";
            co_return true;
        }
        std::string local, domain;
        std::string mail_from = params.mail_from;
        if (mail_from.size() >= 2 && mail_from.front() == '<' && mail_from.back() == '>') {
            mail_from = mail_from.substr(1, mail_from.size() - 2);
        }
        if (params.identity == SpfIdentity::helo || mail_from.empty()) {
            // RFC 7208 2.4: with a null reverse-path the HELO identity is checked.
            local = "postmaster";
            domain = params.helo;
        } else {
            const auto at = mail_from.rfind('@');
            local = at == std::string::npos ? "" : mail_from.substr(0, at);
            domain = at == std::string::npos ? mail_from : mail_from.substr(at + 1);
            if (local.empty()) local = "postmaster";  // RFC 7208 4.3
        }
        domain = strip_dot(domain);
        outcome.domain = domain;
        outcome.sender = local + "@" + domain;
        values.sender = outcome.sender;
        values.local_part = local;
        values.sender_domain = domain;
        values.ip_dotted = ip->to_dotted();
        values.ip_readable = ip->to_string();
        values.ip_version = ip->is_v4() ? "in-addr" : "ip6";
        values.helo = params.helo;
        values.receiver = params.receiver;
        values.timestamp = std::to_string(params.timestamp);

        HostResult r = co_await check_host(domain);
        outcome.result = r.result;
        outcome.reason = std::move(r.reason);
        outcome.mechanism = std::move(r.mechanism);
        if (r.result == SpfResult::fail) {
            if (r.exp) {
                outcome.explanation = co_await explanation(*r.exp, r.exp_domain);
            } else {
                outcome.explanation = params.default_explanation;
            }
        }
    } catch (const SpfAbort& abort) {
        outcome.result = abort.result;
        outcome.reason = abort.reason;
    } catch (const std::exception& e) {
        outcome.result = SpfResult::temperror;
        outcome.reason = std::string("internal error: ") + e.what();
    }
    co_return true;
}

Task<HostResult> SpfEvaluator::State::check_host(std::string domain) {
    HostResult r;
    // RFC 7208 4.3: a malformed or single-label <domain> gives "none".
    if (!valid_dns_name(domain) || domain.find('.') == std::string::npos) {
        r.reason = "'" + domain + "' is not a valid multi-label domain name (RFC 7208 4.3)";
        co_return r;
    }
    DnsAnswer txt = co_await query(domain, RrType::txt);
    if (is_error(txt.status)) {
        r.result = SpfResult::temperror;
        r.reason = "TXT lookup for " + domain + ": " + std::string(to_string(txt.status)) +
                   " (RFC 7208 4.4)";
        co_return r;
    }
    std::vector<const std::string*> spf;
    for (const auto& record : txt.records) {
        if (is_spf_record(record)) spf.push_back(&record);
    }
    if (spf.empty()) {
        r.reason = "no SPF record at " + domain + " (RFC 7208 4.5)";
        co_return r;
    }
    if (spf.size() > 1) {
        r.result = SpfResult::permerror;
        r.reason = std::to_string(spf.size()) + " SPF records at " + domain + " (RFC 7208 4.5)";
        co_return r;
    }
    SpfParseResult parsed = parse_spf_record(*spf.front());
    if (!parsed.record) {
        r.result = SpfResult::permerror;
        r.reason = "SPF record at " + domain + ": " + parsed.error;
        co_return r;
    }
    const SpfRecord& record = *parsed.record;
    for (const SpfMechanism& m : record.mechanisms) {
        if (co_await matches(m, domain)) {
            r.result = m.qualifier;
            r.mechanism = m.text;
            r.reason = "'" + m.text + "' matched in the record of " + domain;
            if (m.qualifier == SpfResult::fail && record.exp) {
                r.exp = record.exp;
                r.exp_domain = domain;
            }
            co_return r;
        }
    }
    if (record.redirect && !record.has_all) {
        count_dns_term("redirect=" + *record.redirect);
        auto target = co_await target_name(*record.redirect, domain);
        HostResult next = co_await check_host(target.value_or(""));
        if (next.result == SpfResult::none) {
            // RFC 7208 6.1: a redirect to a domain without a record is a permerror.
            next.result = SpfResult::permerror;
            next.reason = "redirect=" + *record.redirect + ": " + next.reason;
        }
        co_return next;
    }
    r.result = SpfResult::neutral;
    r.reason =
        "no mechanism matched in the record of " + domain + " (default neutral, RFC 7208 4.7)";
    co_return r;
}

Task<bool> SpfEvaluator::State::matches(const SpfMechanism& m, const std::string& domain) {
    switch (m.kind) {
        case SpfMechanismKind::all:
            co_return true;
        case SpfMechanismKind::ip4:
            co_return ip->in_network(*m.network, m.cidr4);
        case SpfMechanismKind::ip6:
            co_return ip->in_network(*m.network, m.cidr6);
        case SpfMechanismKind::a: {
            count_dns_term(m.text);
            auto target = co_await target_name(m.domain_spec, domain);
            if (!target) co_return false;
            const auto found = co_await addresses(*target, true);
            for (const auto& address : found) {
                if (ip->in_network(address, ip->is_v4() ? m.cidr4 : m.cidr6)) co_return true;
            }
            co_return false;
        }
        case SpfMechanismKind::mx: {
            count_dns_term(m.text);
            auto target = co_await target_name(m.domain_spec, domain);
            if (!target) co_return false;
            DnsAnswer mx = co_await query(*target, RrType::mx);
            if (is_error(mx.status)) {
                throw SpfAbort{SpfResult::temperror, "MX lookup for " + *target + ": " +
                                                         std::string(to_string(mx.status))};
            }
            if (mx.status != DnsStatus::ok || mx.records.empty()) {
                count_void(*target);
                co_return false;  // no implicit MX here (RFC 7208 5.4)
            }
            if (mx.records.size() > params.limits.mx_names) {
                throw SpfAbort{SpfResult::permerror,
                               std::to_string(mx.records.size()) + " MX records for " + *target +
                                   ", more than " + std::to_string(params.limits.mx_names) +
                                   " (RFC 7208 4.6.4)"};
            }
            for (const auto& exchange : mx.records) {
                const std::string host = strip_dot(exchange);
                if (!valid_dns_name(host)) continue;  // null MX (RFC 7505) or junk
                const auto found = co_await addresses(host, false);
                for (const auto& address : found) {
                    if (ip->in_network(address, ip->is_v4() ? m.cidr4 : m.cidr6)) co_return true;
                }
            }
            co_return false;
        }
        case SpfMechanismKind::ptr: {
            count_dns_term(m.text);
            auto target = co_await target_name(m.domain_spec, domain);
            if (!target) co_return false;
            const auto names = co_await validated_names();
            if (ptr_status == DnsStatus::nxdomain || ptr_status == DnsStatus::nodata) {
                count_void(ip->reverse_name());
            }
            for (const auto& name : names) {
                if (within(name, *target)) co_return true;
            }
            co_return false;
        }
        case SpfMechanismKind::exists: {
            count_dns_term(m.text);
            auto target = co_await target_name(m.domain_spec, domain);
            if (!target) co_return false;
            // RFC 7208 5.7: always an A query, whatever the client's address family.
            DnsAnswer a = co_await query(*target, RrType::a);
            if (is_error(a.status)) {
                throw SpfAbort{SpfResult::temperror,
                               "A lookup for " + *target + ": " + std::string(to_string(a.status))};
            }
            if (a.status != DnsStatus::ok || a.records.empty()) {
                count_void(*target);
                co_return false;
            }
            co_return true;
        }
        case SpfMechanismKind::include: {
            count_dns_term(m.text);
            auto target = co_await target_name(m.domain_spec, domain);
            HostResult inner = co_await check_host(target.value_or(""));
            // RFC 7208 5.2 table.
            switch (inner.result) {
                case SpfResult::pass:
                    co_return true;
                case SpfResult::fail:
                case SpfResult::softfail:
                case SpfResult::neutral:
                    co_return false;
                case SpfResult::temperror:
                    throw SpfAbort{SpfResult::temperror, m.text + ": " + inner.reason};
                case SpfResult::permerror:
                case SpfResult::none:
                    throw SpfAbort{SpfResult::permerror, m.text + ": " + inner.reason};
            }
            co_return false;
        }
    }
    co_return false;
}

Task<std::optional<std::string>> SpfEvaluator::State::target_name(const std::string& spec,
                                                                  const std::string& domain) {
    if (spec.empty()) co_return domain;
    MacroValues v = values;
    v.domain = domain;
    if (uses_p_macro(spec)) v.ptr_name = co_await ptr_macro(domain);
    auto expanded = expand_macros(spec, v, MacroContext::domain_spec);
    if (!expanded) {
        throw SpfAbort{SpfResult::permerror, "cannot expand '" + spec + "' (RFC 7208 7)"};
    }
    std::string name = truncate_domain(strip_dot(std::move(*expanded)));
    // A target that cannot be a DNS name (empty or over-long label) matches nothing; RFC 7208
    // leaves this open (4.3, 4.8) and the suite accepts "fail" or "permerror".
    if (!valid_dns_name(name)) co_return std::nullopt;
    co_return name;
}

Task<std::vector<std::string>> SpfEvaluator::State::validated_names() {
    if (validated) co_return *validated;
    std::vector<std::string> names;
    DnsAnswer ptr = co_await query(ip->reverse_name(), RrType::ptr);
    ptr_status = ptr.status;
    // RFC 7208 5.5: a DNS error on the PTR lookup just means no match; at most 10 names are
    // checked and the rest ignored; a name whose address lookup fails is skipped.
    if (ptr.status == DnsStatus::ok) {
        std::size_t checked = 0;
        for (const auto& record : ptr.records) {
            if (checked++ >= params.limits.ptr_names) break;
            const std::string name = strip_dot(record);
            if (!valid_dns_name(name)) continue;
            DnsAnswer a = co_await query(name, ip->is_v4() ? RrType::a : RrType::aaaa);
            if (a.status != DnsStatus::ok) continue;
            for (const auto& text : a.records) {
                auto address = IpAddress::parse(text);
                if (address && *address == *ip) {
                    names.push_back(name);
                    break;
                }
            }
        }
    }
    validated = names;
    co_return names;
}

Task<std::string> SpfEvaluator::State::ptr_macro(const std::string& domain) {
    const auto names = co_await validated_names();
    // RFC 7208 7.3: prefer <domain> itself, then a subdomain of it, then any validated name.
    for (const auto& name : names) {
        if (lower(name) == lower(domain)) co_return name;
    }
    for (const auto& name : names) {
        if (within(name, domain)) co_return name;
    }
    if (!names.empty()) co_return names.front();
    co_return std::string("unknown");
}

Task<std::vector<IpAddress>> SpfEvaluator::State::addresses(const std::string& name,
                                                            bool count_as_void) {
    const RrType type = ip->is_v4() ? RrType::a : RrType::aaaa;
    DnsAnswer answer = co_await query(name, type);
    if (is_error(answer.status)) {
        throw SpfAbort{SpfResult::temperror, std::string(type_text(type)) + " lookup for " + name +
                                                 ": " + std::string(to_string(answer.status))};
    }
    std::vector<IpAddress> out;
    if (answer.status != DnsStatus::ok || answer.records.empty()) {
        if (count_as_void) count_void(name);
        co_return out;
    }
    for (const auto& text : answer.records) {
        if (auto address = IpAddress::parse(text)) out.push_back(*address);
    }
    co_return out;
}

Task<std::string> SpfEvaluator::State::explanation(const std::string& spec,
                                                   const std::string& domain) {
    // RFC 7208 6.2: any problem with the explanation means "as if no exp= was given".
    std::optional<std::string> text;
    try {
        auto target = co_await target_name(spec, domain);
        if (target) {
            DnsAnswer txt = co_await query(*target, RrType::txt);
            if (txt.status == DnsStatus::ok && txt.records.size() == 1) text = txt.records.front();
        }
        if (text) {
            MacroValues v = values;
            v.domain = domain;
            if (uses_p_macro(*text)) v.ptr_name = co_await ptr_macro(domain);
            text = expand_macros(*text, v, MacroContext::explanation);
        }
    } catch (const SpfAbort&) {
        text.reset();
    }
    co_return text ? *text : params.default_explanation;
}

SpfEvaluator::SpfEvaluator(SpfParams params) : state_(std::make_unique<State>(std::move(params))) {
    state_->top = state_->run();
}

SpfEvaluator::~SpfEvaluator() = default;

std::optional<DnsQuery> SpfEvaluator::next_query() {
    if (!state_->started) {
        state_->started = true;
        state_->top.start();
        state_->advance();
    }
    return state_->pending;
}

void SpfEvaluator::provide(DnsAnswer answer) {
    if (!state_->pending) throw std::logic_error("SpfEvaluator::provide without a pending query");
    state_->answer = std::move(answer);
    state_->pending.reset();
    auto waiting = std::exchange(state_->waiting, {});
    waiting.resume();
    state_->advance();
}

bool SpfEvaluator::done() const {
    return state_->finished;
}

const SpfOutcome& SpfEvaluator::result() const {
    return state_->outcome;
}

SpfOutcome evaluate_spf(const SpfParams& params, DnsLookup& dns) {
    SpfEvaluator evaluator(params);
    while (auto query = evaluator.next_query())
        evaluator.provide(dns.lookup(*query));
    return evaluator.result();
}

}  // namespace relaylab::auth
