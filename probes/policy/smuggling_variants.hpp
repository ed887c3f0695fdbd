// The SMTP smuggling end-of-data look-alikes the "smuggling" and "smuggling-outbound" checks
// send, and the test message that carries one. The list follows SEC Consult's inbound and
// outbound lists (December 2023), hannob/smtpsmug and Wang et al. (USENIX Security 2025,
// A1-A12); the sequences that contain a genuine <CRLF>.<CRLF> (A7, A10, A13 and SEC Consult's
// <CR><CR><LF>.<CR><LF>) are left out: a conformant server does end the data there. Sans-I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relaylab::probe {

struct SmugglingVariant {
    std::string_view name;   // result aspect: "smuggling.lf-dot-lf"
    std::string_view bytes;  // exactly what goes on the wire after the line before it
};

const std::vector<SmugglingVariant>& smuggling_variants();
// nullptr for an unknown name.
const SmugglingVariant* find_smuggling_variant(std::string_view name);

// Whether `bytes` hold a CR not followed by LF or an LF not preceded by CR (RFC 5321 2.3.8).
bool has_bare_newline(std::string_view bytes);

// The DATA content of one test message, dot-stuffing already applied where it is due and
// without the final <CRLF>.<CRLF>:
//   headers (From, To, Subject, Date, Message-ID, X-Relaylab-Smuggling: <name> <token>)
//   "relaylab smuggling test <name> <token> begin" <the variant's bytes>
//   "NOOP relaylab-smuggling <token>" CRLF      <- a command if the look-alike ended DATA
//   "relaylab smuggling test <name> <token> end" CRLF
// The line after the look-alike is a harmless NOOP, never a smuggled MAIL or RCPT: a server
// that takes the look-alike as the end of data answers it as a command (and that is the proof),
// and nothing reaches anyone but the probe's own recipient.
struct SmugglingMessage {
    std::string head;          // everything up to and including the NOOP line's CRLF
    std::string tail;          // the rest of the content, ending in CRLF
    std::string header;        // "X-Relaylab-Smuggling: <name> <token>"
    std::string begin_marker;  // "relaylab smuggling test <name> <token> begin"
    std::string after_marker;  // "NOOP relaylab-smuggling <token>", right after the bytes
};
SmugglingMessage make_smuggling_message(const SmugglingVariant& variant, std::string_view token,
                                        std::string_view mail_from, std::string_view rcpt,
                                        std::string_view date);

// A fresh token: 16 hex digits, so arrivals of an earlier run are never taken for this one's.
std::string make_smuggling_token();

}  // namespace relaylab::probe
