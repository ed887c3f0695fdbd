// ARC sealing (RFC 8617 5.1): ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal
// for one more hop. Pure given the chain status; arc_seal(..., DnsLookup&) validates first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/arc_chain.hpp"
#include "probes/auth/dkim_crypto.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "probes/auth/dns_query.hpp"

namespace relaylab::auth {

struct ArcSealOptions {
    std::string domain;       // d=
    std::string selector;     // s=
    std::string authserv_id;  // whose Authentication-Results become the AAR
    std::vector<std::string> headers = {"from", "to", "subject", "date", "message-id"};  // AMS h=
    std::optional<std::int64_t> timestamp;  // t=; unset: the clock
};

struct ArcSealResult {
    bool sealed = false;
    std::string reason;  // why not sealed, or the cv used
    ArcResult cv = ArcResult::none;
    std::uint32_t instance = 0;
    std::string fields;        // "ARC-Seal: ...\r\nARC-Message-Signature:
                               // ...\r\nARC-Authentication-Results: ...\r\n"
    std::string aar, ams, as;  // the three field values
};

// `chain_status`: the validation result of the incoming chain (ArcVerifier). Not sealed when
// the newest seal already says cv=fail, or 50 sets exist (RFC 8617 5.1.2, 4.2.1).
ArcSealResult arc_seal(std::string_view message, const PrivateKey& key,
                       const ArcSealOptions& options, ArcResult chain_status);

ArcSealResult arc_seal(std::string_view message, const PrivateKey& key,
                       const ArcSealOptions& options, DnsLookup& dns,
                       DkimVerifyOptions verify_options = {});

}  // namespace relaylab::auth
