// The opaque token in an unsubscribe or tracking URL: which message and which recipient it is
// about, authenticated with HMAC-SHA256 under the relay's key so that nobody can unsubscribe or
// count for an address by editing a URL. Form: base64url("<kind>\n<message id>\n<recipient>")
// "." base64url(first 16 octets of the HMAC). Hostile tokens are bounded and rejected cleanly.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace relaylab::relay {

inline constexpr std::size_t max_engagement_token_bytes = 2048;

struct EngagementTokenFields {
    std::string kind;  // "u" unsubscribe, "o" open, "c" click
    std::string message_id;
    std::string recipient;
};

class EngagementKey {
  public:
    explicit EngagementKey(std::string secret);  // at least 16 octets
    // Reads the key from `file`, or makes a random 32-octet one there (mode 0600).
    static EngagementKey load_or_create(const std::string& file);

    std::string make(const EngagementTokenFields& fields) const;
    // nullopt: malformed, too long, or the HMAC does not match.
    std::optional<EngagementTokenFields> open(std::string_view token) const;

  private:
    std::string secret_;
};

}  // namespace relaylab::relay
