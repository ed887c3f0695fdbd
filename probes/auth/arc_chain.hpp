// The ARC sets of a message (RFC 8617 4.1, 5.2 steps 1-3): collected by instance and checked
// for structure before any cryptography is done.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/auth/dkim_signature.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::auth {

enum class ArcResult { none, pass, fail };
std::string_view arc_result_name(ArcResult result);

struct ArcSet {
    std::uint32_t instance = 0;
    const HeaderField* aar = nullptr;  // ARC-Authentication-Results
    const HeaderField* ams = nullptr;  // ARC-Message-Signature
    const HeaderField* as = nullptr;   // ARC-Seal
    std::optional<Signature> ams_signature;
    std::optional<Signature> as_signature;
};

struct ArcChain {
    // sets[k] has instance k+1 when `structure_ok`.
    std::vector<ArcSet> sets;
    std::uint32_t highest_instance = 0;  // also when the structure is broken
    std::string highest_cv;              // cv= of the highest ARC-Seal that parsed
    bool present = false;                // any ARC header field at all
    bool structure_ok = false;
    std::string error;  // why the chain fails structurally
};

// Pointers refer into `message`, which must outlive the chain.
ArcChain collect_arc_chain(const ParsedMessage& message);

// "i=3; ..." -> 3; nullopt unless the value starts with a valid instance tag and ';'.
std::optional<std::uint32_t> aar_instance(std::string_view value);

// The data an ARC-Seal signs (RFC 8617 5.1.1): every set up to `upto` in increasing order,
// AAR, AMS, AS, each relaxed; the last AS is given without b= and without the final CRLF.
std::string seal_signed_data(const std::vector<ArcSet>& sets, std::size_t upto,
                             std::string_view last_seal_without_b);

}  // namespace relaylab::auth
