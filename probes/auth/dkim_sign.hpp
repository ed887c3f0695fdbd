// DKIM signing (RFC 6376 5, RFC 8463): the DKIM-Signature field to put on top of a message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/auth/dkim_canon.hpp"
#include "probes/auth/dkim_crypto.hpp"

namespace relaylab::auth {

// RFC 6376 5.4.1 lists these as fields to sign when present.
const std::vector<std::string>& default_signed_headers();
// Fields signed once more than they occur, so nobody can add one later (RFC 6376 8.15).
const std::vector<std::string>& default_oversigned_headers();

struct DkimSignOptions {
    std::string domain;    // d=
    std::string selector;  // s=
    // h=: empty means default_signed_headers() that are present, plus over-signing. A given
    // list is used as written (repeat a name to over-sign it); From is added if missing.
    std::vector<std::string> headers;
    bool oversign = true;  // only for the default list
    Canon header_canon = Canon::relaxed;
    Canon body_canon = Canon::relaxed;
    std::optional<std::string> identity;     // i=
    bool body_length = false;                // emit l= (weakens the signature; 8.2)
    std::optional<std::int64_t> timestamp;   // t=; unset: the clock; negative: no t=
    std::optional<std::int64_t> expiration;  // x=
};

struct DkimSignResult {
    std::string field;  // "DKIM-Signature: ...\r\n", to prepend to the message
    std::string error;
    bool ok() const { return error.empty(); }
};

DkimSignResult dkim_sign(std::string_view message, const PrivateKey& key,
                         const DkimSignOptions& options);

// Folds "Name: tag=v; tag=v; b=" style fields at tag boundaries near 78 columns; b= values are
// broken inside (FWS is allowed anywhere in base64, RFC 6376 2.7).
std::string fold_tag_field(std::string_view name, const std::vector<std::string>& tags);
// Appends a base64 value, folded, to a field that ends in "b=".
void append_folded_base64(std::string& field, std::string_view base64);

}  // namespace relaylab::auth
