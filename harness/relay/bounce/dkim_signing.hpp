// The relay's DKIM signing step (RFC 6376 5, RFC 8463): for each outgoing message, the
// DKIM-Signature field to prepend when its author's domain (the RFC5322.From domain) has a key
// in the relay's configuration. The signing itself is probes/auth's dkim_sign(); this class
// only chooses the key: the From domain's own, else the nearest parent domain's (a key for
// example.org signs mail from news.example.org: DMARC's relaxed alignment accepts it).
//
// Keys are read once, at construction, and never change: sign() is const and may be called from
// any number of threads at once (OpenSSL 3 allows concurrent signing with one EVP_PKEY).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/relay/config/relay_config.hpp"
#include "probes/auth/dkim_crypto.hpp"

namespace relaylab::relay {

// A key file larger than this is not a key (an RSA-8192 PEM is about 6.5 KB).
inline constexpr std::uintmax_t max_dkim_key_file_bytes = 64 * 1024;

enum class DkimKeyProblem {
    unreadable,        // the file cannot be read (missing, permissions, a directory)
    too_large,         // over max_dkim_key_file_bytes
    not_a_key,         // not a PEM RSA or Ed25519 private key
    key_too_small,     // RSA under 1024 bits (RFC 8301 3.2)
    bad_domain,        // the domain is not a host name
    bad_selector,      // the selector is not a host name label sequence (RFC 6376 3.1)
    duplicate_domain,  // two keys for one domain: which to use would be a guess
};
std::string_view describe(DkimKeyProblem problem);

// What went wrong loading the signing keys; what() names the key file and the domain.
class DkimKeyError : public std::runtime_error {
  public:
    DkimKeyError(DkimKeyProblem problem, const std::string& message)
        : std::runtime_error(message), problem_(problem) {}
    DkimKeyProblem problem() const { return problem_; }

  private:
    DkimKeyProblem problem_;
};

// Why sign() gave no field.
enum class DkimSkip {
    none,            // signed
    no_keys,         // the relay has no signing keys
    no_from_domain,  // no From field, several, or none with a domain
    no_key,          // no key for the From domain or any parent of it
    sign_failed,     // the message is malformed for DKIM (dkim_sign refused it)
};
std::string_view describe(DkimSkip skip);

class DkimSigningStep {
  public:
    // Reads every key file; throws DkimKeyError on the first that is unusable.
    explicit DkimSigningStep(const std::vector<DkimSigning>& keys);

    // The DKIM-Signature field ("DKIM-Signature: ...\r\n") to prepend, or nullopt when no key
    // applies (`why` says which case, when given). rsa-sha256 or ed25519-sha256 as the key is,
    // relaxed/relaxed, the default header list with over-signing, t= from the clock.
    std::optional<std::string> sign(std::string_view message, DkimSkip* why = nullptr) const;

    // The key entry that would sign mail from `from_domain` (nullptr: none). For tests and logs.
    struct Key {
        std::string domain;
        std::string selector;
        std::filesystem::path file;
        auth::PrivateKey key;
    };
    const Key* key_for(std::string_view from_domain) const;

    std::size_t size() const { return keys_.size(); }

  private:
    std::map<std::string, Key, std::less<>> keys_;  // by domain, lower case, no final dot
};

}  // namespace relaylab::relay
