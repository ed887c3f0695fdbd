// What a server learns about one message: the envelope and the facts around the content.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/smtp/address.hpp"
#include "harness/smtp/command.hpp"
#include "harness/smtp/data_decoder.hpp"

namespace relaylab::smtp {

struct Recipient {
    Path path;
    RcptParams params;
};

struct Envelope {
    Path mail_from;
    MailParams mail_params;
    std::vector<Recipient> recipients;
};

struct ReceivedMessage {
    std::string queue_id;   // as given in the 250 reply
    std::string helo;       // HELO/EHLO argument of the session
    bool esmtp = false;     // EHLO (not HELO)
    bool tls = false;       // received over TLS
    std::string auth_user;  // SMTP AUTH identity, if any
    Envelope envelope;
    std::string content;     // unstuffed; empty when the server does not keep content
    std::uint64_t size = 0;  // octets received, kept or not
    bool chunked = false;    // came by BDAT (RFC 3030), not DATA
    DataFindings findings;
};

}  // namespace relaylab::smtp
