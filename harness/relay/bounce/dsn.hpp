// Delivery status notifications (RFC 3464, RFC 3461, RFC 6522): the multipart/report a relay
// sends to the envelope sender when it gives up on recipients (or, with NOTIFY=DELAY/SUCCESS,
// to tell of a delay or a delivery). Sans-I/O: facts in, a complete message out.
//
// Never for a message whose sender was null (RFC 5321 6.1: no bounce for a bounce); the caller
// checks, and make_dsn refuses an empty sender too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::relay {

enum class DsnAction { failed, delayed, delivered, relayed, expanded };  // RFC 3464 2.3.3

struct DsnRecipient {
    std::string final_recipient;  // the address we tried (rfc822;...)
    // RFC 3461 ORCPT as "type;address" with the address xtext-decoded (as harness/smtp parses
    // it and the engine spools it), "" if none. Shown as it is: a DSN carries the decoded form.
    std::string orcpt;
    DsnAction action = DsnAction::failed;
    std::string status;      // RFC 3463 enhanced code, e.g. "5.1.1" (derived if empty)
    std::string remote_mta;  // "dns;mx.example" when a remote host answered, else ""
    std::string diagnostic;  // the reply as received, e.g. "550 5.1.1 <u@x>: no such user"
    std::optional<std::int64_t> last_attempt_ms;      // Unix ms
    std::optional<std::int64_t> will_retry_until_ms;  // delayed only
};

enum class DsnReturnContent { full, headers };  // RET=FULL / RET=HDRS (default headers)

struct DsnInput {
    std::string reporting_mta;    // our host name
    std::string postmaster;       // From: of the DSN, e.g. "MAILER-DAEMON@relay.example"
    std::string original_sender;  // envelope MAIL FROM: the DSN goes there (To:)
    std::string original_envid;   // RFC 3461 ENVID, xtext-decoded (as parsed), "" if none
    std::int64_t arrival_ms = 0;  // when we accepted the message
    std::int64_t now_ms = 0;      // Date: of the DSN
    std::string queue_id;         // for the human-readable part and X-Relaylab headers
    std::vector<DsnRecipient> recipients;
    DsnReturnContent ret = DsnReturnContent::headers;
    std::string_view original_message;           // as spooled (CRLF); cut to headers for RET=HDRS
    std::uint64_t max_returned_bytes = 1 << 20;  // a full return beyond this returns headers
    std::string boundary_seed;  // makes the MIME boundary and Message-ID unique (the queue id)
};

enum class DsnError {
    none,
    null_sender,    // the original sender was <>: never a bounce for a bounce
    no_recipients,  // nothing to report
    no_boundary,    // no MIME boundary absent from the content was found (not seen in practice)
};
std::string_view describe(DsnError error);

struct DsnMessage {
    std::string content;  // the whole message, CRLF line ends, ready to spool
    std::string error;    // why none was made (null sender, no recipients)
    bool ok() const { return error.empty(); }
    DsnError problem = DsnError::none;  // the same as `error`, as a value
    // The content is not 7-bit (returned 8-bit content, UTF-8 addresses): send with
    // BODY=8BITMIME (RFC 6152).
    bool eight_bit = false;
    // A header field carries a UTF-8 address: send with SMTPUTF8 (RFC 6531).
    bool smtputf8 = false;
};

DsnMessage make_dsn(const DsnInput& input);

// The RFC 3463 status to report for an SMTP reply: its enhanced code if it has one, else the
// class from the basic code (5yz -> 5.0.0, 4yz -> 4.0.0). An enhanced code whose class differs
// from the reply's is ignored (RFC 3463 2: they must agree). A code outside 2yz/4yz/5yz (no
// usable reply) gives 5.5.0 ("other or undefined protocol status", RFC 3463 3.6).
std::string dsn_status_for_reply(int code, std::string_view enhanced);

}  // namespace relaylab::relay
