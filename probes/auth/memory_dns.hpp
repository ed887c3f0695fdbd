// An in-memory DnsLookup: a zone held in a map, for tests, conformance suites and benchmarks
// that must not touch the network. Names are case-insensitive and a trailing dot is ignored.
// CNAMEs are followed (as a recursive resolver would) up to kMaxCnameChain; a longer chain or
// a loop answers SERVFAIL.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/auth/dns_query.hpp"

namespace relaylab::auth {

class MemoryDns : public DnsLookup {
  public:
    static constexpr int kMaxCnameChain = 8;

    // Adds a record; the name then exists (other types answer NODATA).
    void add(std::string_view name, RrType type, std::string record);
    // Makes the name exist without records.
    void add_name(std::string_view name);
    // Every query of this name and type answers `status` (e.g. timeout, servfail).
    void fail(std::string_view name, RrType type, DnsStatus status);
    // Every query of this name answers `status`, whatever the type.
    void fail_name(std::string_view name, DnsStatus status);

    DnsAnswer lookup(const DnsQuery& query) override;

    // How many lookups were answered, for tests that bound the work done.
    std::size_t lookups() const { return lookups_; }

  private:
    struct Node {
        std::map<RrType, std::vector<std::string>> records;
        std::map<RrType, DnsStatus> failures;
        bool all_fail = false;
        DnsStatus all_status = DnsStatus::servfail;
    };
    std::map<std::string, Node> nodes_;
    std::size_t lookups_ = 0;
};

}  // namespace relaylab::auth
