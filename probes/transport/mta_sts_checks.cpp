// Gathers what the mta-sts and tls-rpt groups judge: TXT answers, the policy over HTTPS, the
// MX set. All verdicts are made in mta_sts_judge.cpp; this file only asks DNS and the web.
#include "probes/transport/mta_sts_checks.hpp"

#include <algorithm>
#include <cctype>
#include <exception>

#include "harness/dns/resolver.hpp"
#include "harness/http/https_client.hpp"
#include "probes/transport/mta_sts_judge.hpp"

namespace relaylab::probe {

namespace asio = boost::asio;

namespace {

// RFC 8461 3.3: the policy lives at this path on host mta-sts.<domain>.
constexpr std::string_view policy_path = "/.well-known/mta-sts.txt";
constexpr std::uint16_t https_default_port = 443;

std::string canonical_domain(std::string domain) {
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return domain;
}

std::string lookup_failure(dns::Status status, const std::string& detail) {
    std::string text(dns::to_string(status));
    if (!detail.empty()) text += ": " + detail;
    return text;
}

asio::awaitable<TxtFacts> gather_txt(dns::Resolver& resolver, std::string name) {
    TxtFacts facts;
    facts.name = name;
    auto answer = co_await resolver.txt(name);
    if (answer.status == dns::Status::ok) {
        facts.outcome = TxtFacts::Outcome::found;
        facts.records = answer.values;
    } else if (answer.status == dns::Status::nxdomain || answer.status == dns::Status::nodata) {
        facts.outcome = TxtFacts::Outcome::absent;
        facts.failure = std::string(dns::to_string(answer.status));
    } else {
        facts.outcome = TxtFacts::Outcome::failed;
        facts.failure = lookup_failure(answer.status, answer.detail);
    }
    co_return facts;
}

asio::awaitable<PolicyFetchFacts> fetch_policy(ProbeContext& context, const std::string& domain) {
    PolicyFetchFacts facts;
    const std::string host = "mta-sts." + domain;
    const std::uint16_t port = context.options.mta_sts_port;
    facts.url = "https://" + host +
                (port == https_default_port ? std::string() : ":" + std::to_string(port)) +
                std::string(policy_path);

    http::HttpsRequest request;
    request.host = host;
    request.target = std::string(policy_path);
    request.timeouts.connect = context.options.timeouts.connect;
    request.timeouts.handshake = context.options.timeouts.tls_handshake;
    request.timeouts.response = context.options.timeouts.reply;
    request.limits.max_body_bytes = max_sts_policy_octets;
    request.user_agent = "relaylab-probe";

    std::string address_failure;
    auto v4 = co_await context.resolver->a(host);
    for (const auto& address : v4.values) {
        boost::system::error_code ec;
        auto ip = asio::ip::make_address(address, ec);
        if (!ec) request.endpoints.emplace_back(ip, port);
    }
    auto v6 = co_await context.resolver->aaaa(host);
    for (const auto& address : v6.values) {
        boost::system::error_code ec;
        auto ip = asio::ip::make_address(address, ec);
        if (!ec) request.endpoints.emplace_back(ip, port);
    }
    if (request.endpoints.empty()) {
        facts.failure = host + " has no address (A: " + lookup_failure(v4.status, v4.detail) +
                        ", AAAA: " + lookup_failure(v6.status, v6.detail) + ")";
        co_return facts;
    }

    std::shared_ptr<asio::ssl::context> tls;
    try {
        tls = http::make_verifying_client_context(context.options.ca_file);
    } catch (const std::exception& e) {
        facts.failure = e.what();
        co_return facts;
    }
    http::HttpsResult fetched = co_await http::https_get(context.executor, *tls, request);
    facts.tls_version = fetched.tls_version;
    if (!fetched.ok()) {
        facts.failure = fetched.text();
        co_return facts;
    }
    facts.responded = true;
    facts.status = fetched.response->status;
    facts.status_line = fetched.response->status_line;
    facts.content_type = fetched.response->content_type;
    facts.location = fetched.response->location;
    facts.body = std::move(fetched.response->body);
    co_return facts;
}

asio::awaitable<MxFacts> gather_mx(dns::Resolver& resolver, const std::string& domain) {
    MxFacts facts;
    auto routing = co_await resolver.mx(domain);
    if (routing.status != dns::Status::ok) {
        facts.failed = true;
        facts.failure = lookup_failure(routing.status, routing.detail);
        co_return facts;
    }
    facts.null_mx = routing.null_mx;
    facts.implicit = routing.implicit;
    for (const auto& host : routing.hosts)
        facts.hosts.emplace_back(host.preference, host.exchange);
    // Sorted for a stable report (the resolver shuffles equal preferences).
    std::sort(facts.hosts.begin(), facts.hosts.end());
    co_return facts;
}

}  // namespace

asio::awaitable<std::vector<CheckResult>> run_mta_sts_checks(ProbeContext& context) {
    std::vector<CheckResult> results;
    const std::string domain = canonical_domain(context.options.domain);
    if (domain.empty()) {
        results.push_back(make_result("mta-sts", Verdict::error, "needs --domain"));
        co_return results;
    }
    TxtFacts txt = co_await gather_txt(*context.resolver, "_mta-sts." + domain);
    std::optional<StsRecord> record;
    results.push_back(judge_sts_record(txt, record));
    // Without exactly one valid record a sender never fetches the policy (RFC 8461 3.1, 5).
    if (!record) co_return results;

    PolicyFetchFacts fetch = co_await fetch_policy(context, domain);
    std::optional<StsPolicy> policy;
    results.push_back(judge_sts_policy(fetch, policy));
    if (!policy || policy->mode == StsMode::none) co_return results;

    MxFacts mx = co_await gather_mx(*context.resolver, domain);
    results.push_back(judge_sts_mx_match(domain, *policy, mx));
    co_return results;
}

asio::awaitable<std::vector<CheckResult>> run_tls_rpt_checks(ProbeContext& context) {
    std::vector<CheckResult> results;
    const std::string domain = canonical_domain(context.options.domain);
    if (domain.empty()) {
        results.push_back(make_result("tls-rpt", Verdict::error, "needs --domain"));
        co_return results;
    }
    // RFC 8460 3: the record is at _smtp._tls.<domain>.
    TxtFacts txt = co_await gather_txt(*context.resolver, "_smtp._tls." + domain);
    results.push_back(judge_tls_rpt(txt));
    co_return results;
}

}  // namespace relaylab::probe
