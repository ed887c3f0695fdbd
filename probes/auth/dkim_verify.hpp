// DKIM verification (RFC 6376 6, RFC 8463), sans-I/O:
//
//   DkimVerifier v(message_bytes);
//   while (auto q = v.next_query()) v.provide(*q, lookup(*q));
//   for (const DkimVerdict& d : v.results()) ...
//
// Every signature gets a verdict with a reason a person can act on; nothing in the message or
// the DNS answers can make it crash or loop.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/dkim_key_record.hpp"
#include "probes/auth/dkim_signature.hpp"
#include "probes/auth/dns_query.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::auth {

// RFC 8601 2.7.1 result names.
enum class DkimResult { none, pass, fail, policy, neutral, temperror, permerror };
std::string_view dkim_result_name(DkimResult result);

// RFC 6376 6.1 lets verifiers cap the work per message.
inline constexpr std::size_t max_dkim_signatures = 16;

struct DkimVerdict {
    DkimResult result = DkimResult::permerror;
    std::string reason;     // "signature verified", "body hash mismatch", "key not found", ...
    std::string domain;     // d=
    std::string selector;   // s=
    std::string algorithm;  // a=
    std::string identity;   // i=
    std::string header_b;   // first 8 characters of b= (RFC 6008 header.b)
    unsigned key_bits = 0;
    bool testing = false;  // key record t=y
};

struct DkimVerifyOptions {
    std::optional<std::int64_t> now;  // seconds since the epoch; unset: the clock
    std::size_t max_signatures = max_dkim_signatures;
};

// The result of fetching and checking the key record for one signature.
struct KeyOutcome {
    std::optional<KeyRecord> record;  // set when usable
    DkimResult result = DkimResult::permerror;
    std::string reason;
};

// RFC 6376 6.1.2: DNS answer -> usable key, or temperror/permerror with the reason.
KeyOutcome key_from_answer(const DnsAnswer& answer, const Signature& signature);

// Canonicalised bodies, computed once per canonicalisation for all signatures of a message.
class BodyCache {
  public:
    explicit BodyCache(const std::string& body) : body_(body) {}
    const std::string& canonical(Canon canon);

  private:
    const std::string& body_;
    std::array<std::optional<std::string>, 2> canonical_;
};

struct Check {
    DkimResult result = DkimResult::permerror;
    std::string reason;
};

// Body hash then header signature of a DKIM-Signature or ARC-Message-Signature (6.1.3).
Check check_signature(const ParsedMessage& message, const Signature& signature,
                      const KeyRecord& key, BodyCache& bodies);

// The header data a DKIM signature covers: the selected fields, then the signature field with
// b= emptied and no final CRLF (3.7).
std::string signed_header_data(const std::vector<HeaderField>& headers,
                               const std::vector<std::string>& names, Canon canon,
                               std::string_view signature_field_without_b);

class DkimVerifier {
  public:
    explicit DkimVerifier(std::string_view message, DkimVerifyOptions options = {});

    // The next key record to fetch, each name once; nullopt when nothing is outstanding.
    std::optional<DnsQuery> next_query();
    void provide(const DnsQuery& query, const DnsAnswer& answer);
    // One verdict per DKIM-Signature field (top first); an unanswered query is a temperror.
    std::vector<DkimVerdict> results();

  private:
    struct Pending {
        std::optional<Signature> signature;
        DkimVerdict verdict;  // final when !signature
    };
    DkimVerifyOptions options_;
    std::optional<ParsedMessage> message_;
    std::string message_error_;
    std::vector<Pending> pending_;
    std::vector<std::string> to_ask_;           // names not yet handed out
    std::map<std::string, DnsAnswer> answers_;  // by lower-case name
};

std::vector<DkimVerdict> verify_dkim(std::string_view message, DnsLookup& dns,
                                     DkimVerifyOptions options = {});

}  // namespace relaylab::auth
