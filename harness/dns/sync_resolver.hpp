// A blocking face of Resolver for command-line tools and tests: it owns an io_context and runs
// it for each call. Asio stays out of this header (the resolver lives behind a pointer), so a
// tool including it compiles fast. Never call it from inside an io_context thread.
#pragma once

#include <memory>
#include <string>

#include "harness/dns/core/mx.hpp"
#include "harness/dns/core/types.hpp"
#include "harness/dns/resolver_config.hpp"
#include "harness/dns/results.hpp"

namespace relaylab::dns {

class SyncResolver {
  public:
    explicit SyncResolver(ResolverConfig config);
    ~SyncResolver();
    SyncResolver(const SyncResolver&) = delete;
    SyncResolver& operator=(const SyncResolver&) = delete;

    Answer lookup(const std::string& name, RrType type);
    MxResult mx(const std::string& domain);
    LookupResult<std::string> a(const std::string& name);
    LookupResult<std::string> aaaa(const std::string& name);
    LookupResult<std::string> txt(const std::string& name);
    LookupResult<TlsaData> tlsa(const std::string& name);
    LookupResult<std::string> ptr(const std::string& ip);
    const ResolverStats& stats() const;
    void clear_cache();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::dns
