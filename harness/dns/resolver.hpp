// The async stub resolver every part of relaylab uses (relay routing, fake MX verdicts,
// probes). UDP first, TCP when the answer is truncated (RFC 7766 5), a deadline on every
// exchange, several servers in order, a TTL cache of positive and negative answers.
//
// Not thread-safe: use one Resolver from one executor (or strand).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "harness/dns/core/answer_cache.hpp"
#include "harness/dns/core/mx.hpp"
#include "harness/dns/core/types.hpp"
#include "harness/dns/resolver_config.hpp"
#include "harness/dns/results.hpp"

namespace relaylab::dns {

class Resolver {
  public:
    // Throws std::invalid_argument when the config is unusable (see validate()).
    Resolver(boost::asio::any_io_executor executor, ResolverConfig config);

    // One (name, type) lookup; CNAMEs are followed within the answer. A name that is not a
    // valid domain name gives servfail with the reason in `detail`; never throws for DNS
    // outcomes.
    boost::asio::awaitable<Answer> lookup(std::string name, RrType type);

    // RFC 5321 5.1 routing: MX by preference, equal preferences shuffled with config.seed,
    // implicit MX from A/AAAA when there is no MX, null MX (RFC 7505) flagged.
    boost::asio::awaitable<MxResult> mx(std::string domain);
    boost::asio::awaitable<LookupResult<std::string>> a(std::string name);
    boost::asio::awaitable<LookupResult<std::string>> aaaa(std::string name);
    // Each TXT record's strings joined (RFC 7208 3.3, RFC 6376 3.6.2.2).
    boost::asio::awaitable<LookupResult<std::string>> txt(std::string name);
    boost::asio::awaitable<LookupResult<TlsaData>> tlsa(std::string name);
    // Reverse lookup of an IPv4 or IPv6 address (RFC 1035 3.5, RFC 3596 2.5).
    boost::asio::awaitable<LookupResult<std::string>> ptr(std::string ip);

    const ResolverConfig& config() const { return config_; }
    const ResolverStats& stats() const { return stats_; }
    void clear_cache() { cache_.clear(); }

  private:
    struct Exchange;
    boost::asio::awaitable<Answer> ask_servers(const std::string& name, RrType type);
    boost::asio::awaitable<Exchange> udp_exchange(const NameServer& server, const std::string& name,
                                                  RrType type);
    boost::asio::awaitable<Exchange> tcp_exchange(const NameServer& server, const std::string& name,
                                                  RrType type);

    boost::asio::any_io_executor executor_;
    ResolverConfig config_;
    AnswerCache cache_;
    ResolverStats stats_;
    std::mt19937 id_rng_;  // query IDs (RFC 5452 4.3: unpredictable IDs)
};

}  // namespace relaylab::dns
