// SPF results (RFC 7208 2.6) and the identity being checked (RFC 7208 2.3, 2.4).
#pragma once

#include <string_view>

namespace relaylab::auth {

enum class SpfResult { none, neutral, pass, fail, softfail, temperror, permerror };

// The lower-case names of RFC 7208 2.6, as used in Received-SPF and Authentication-Results.
std::string_view to_string(SpfResult result);

enum class SpfIdentity {
    mail_from,  // RFC5321.MailFrom; an empty reverse-path falls back to HELO (RFC 7208 2.4)
    helo,       // the HELO/EHLO name, checked with sender postmaster@<helo> (RFC 7208 2.3)
};

}  // namespace relaylab::auth
