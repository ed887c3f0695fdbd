// ARC chain validation (RFC 8617 5.2), sans-I/O like DkimVerifier:
//
//   ArcVerifier v(message_bytes);
//   while (auto q = v.next_query()) v.provide(*q, lookup(*q));
//   ArcVerdict verdict = v.result();
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/arc_chain.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "probes/auth/dns_query.hpp"

namespace relaylab::auth {

struct ArcVerdict {
    ArcResult result = ArcResult::none;
    std::string reason;
    std::uint32_t instances = 0;        // sets in the chain
    std::uint32_t failed_instance = 0;  // the set that broke the chain, 0 if none
    // RFC 8601/8617 properties of the newest set, for Authentication-Results.
    std::string ams_domain, ams_selector, as_domain, as_selector;
    bool temporary = false;  // a DNS failure caused the fail; retrying may help
};

class ArcVerifier {
  public:
    explicit ArcVerifier(std::string_view message, DkimVerifyOptions options = {});

    std::optional<DnsQuery> next_query();
    void provide(const DnsQuery& query, const DnsAnswer& answer);
    ArcVerdict result();

  private:
    DkimVerifyOptions options_;
    std::optional<ParsedMessage> message_;
    ArcChain chain_;
    std::optional<ArcVerdict> early_;  // decided without DNS
    std::vector<std::string> to_ask_;
    std::map<std::string, DnsAnswer> answers_;
};

ArcVerdict verify_arc(std::string_view message, DnsLookup& dns, DkimVerifyOptions options = {});

}  // namespace relaylab::auth
