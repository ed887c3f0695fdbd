// The bridge from relaylab's resolver (harness/dns) to the authentication evaluators' DNS
// vocabulary (probes/auth/dns_query.hpp). No Asio in this header: the blocking lookup sits on
// SyncResolver, so the CLI that includes it compiles fast.
#pragma once

#include "harness/dns/core/types.hpp"
#include "harness/dns/resolver_config.hpp"
#include "harness/dns/sync_resolver.hpp"
#include "probes/auth/dns_query.hpp"

namespace relaylab::auth {

// The resolver's typed records as the evaluators want them: TXT strings joined (RFC 7208 3.3,
// RFC 6376 3.6.2.2), addresses as text, MX exchanges and other names without the trailing dot.
DnsAnswer to_auth_answer(const dns::Answer& answer);
dns::RrType to_dns_type(RrType type);

// A blocking DnsLookup over its own SyncResolver, for `relaylab auth check` and tests. Never
// use it on an io thread (see judge_async.hpp for that).
class SyncResolverLookup : public DnsLookup {
  public:
    explicit SyncResolverLookup(dns::ResolverConfig config) : resolver_(std::move(config)) {}
    DnsAnswer lookup(const DnsQuery& query) override;

  private:
    dns::SyncResolver resolver_;
};

}  // namespace relaylab::auth
