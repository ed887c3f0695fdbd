// Organisational domains (RFC 7489 3.2) from a Public Suffix List loaded from a file. We load
// Debian's list explicitly (package "publicsuffix") rather than libpsl's built-in copy, so the
// rules in force are the ones the system administrator updates; the path is configurable.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace relaylab::auth {

inline constexpr const char* kDebianPublicSuffixList =
    "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
  public:
    // Loads a list in the publicsuffix.org text format; nullopt (and `error`) when unreadable.
    static std::optional<PublicSuffixList> load(const std::string& path, std::string* error);

    // Lower-case, one trailing dot removed; nullopt for names that are not domain names
    // (empty, empty labels, over-long labels or names).
    static std::optional<std::string> normalize(std::string_view domain);

    // The public suffix plus one label, or nullopt when `domain` is itself a public suffix or
    // not a domain name. Unlisted TLDs follow the implicit "*" rule.
    std::optional<std::string> registrable_domain(std::string_view domain) const;

    // RFC 7489 3.2: the registrable domain; a name that is itself a public suffix is its own
    // organisational domain. nullopt only for names that are not domain names.
    std::optional<std::string> organizational_domain(std::string_view domain) const;

    bool is_public_suffix(std::string_view domain) const;

  private:
    struct Context;
    std::shared_ptr<const Context> context_;
};

}  // namespace relaylab::auth
