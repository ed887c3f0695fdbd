// What the fake MX knows about one accepted message, as the capture API reports it. The shell
// builds one per message (see from_received) and hands it to CaptureStore::add with the raw
// content; the store keeps it in a compact form and gives it back from queries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fake-mx/capture/header_summary.hpp"
#include "fake-mx/capture/rfc3339.hpp"
#include "harness/smtp/command.hpp"
#include "harness/smtp/data_decoder.hpp"
#include "harness/smtp/envelope.hpp"

namespace relaylab::fakemx::capture {

// The TLS facts of the connection (net::TlsInfo, without pulling Asio into this library).
struct TlsFacts {
    bool active = false;
    std::string version;  // "TLSv1.3"
    std::string cipher;   // "TLS_AES_256_GCM_SHA384"
    std::string sni;      // the server name the client asked for
};

struct CapturedRecipient {
    std::string address;
    smtp::RcptParams params;
};

// Where the raw content can be read from; filled in by the store.
struct RawLocation {
    bool in_memory = false;
    bool in_maildir = false;
    std::string maildir_file;  // path relative to the Maildir: "new/<unique name>"
    bool available() const { return in_memory || in_maildir; }
};

inline constexpr std::string_view no_auth_verdicts = "null";
inline constexpr std::string_view no_placement = "null";

struct CapturedMessage {
    std::uint64_t id = 0;  // assigned by the store, from 1, never reused
    std::string session_id;
    std::string queue_id;  // as given in the 250 reply to end of data
    std::string host;      // the fake MX that received it (several may share a store)
    std::string client_ip;
    std::uint16_t client_port = 0;
    std::string helo;
    bool esmtp = false;
    std::string auth_user;  // SMTP AUTH identity, if any
    TlsFacts tls;
    std::string mail_from;  // "" for the null reverse-path
    smtp::MailParams mail_params;
    std::vector<CapturedRecipient> recipients;
    SystemTime connected_at{};
    SystemTime received_at{};  // end of data
    std::uint64_t size = 0;    // octets received, kept or not
    bool chunked = false;      // BDAT
    smtp::DataFindings findings;
    // Authentication verdicts as a serialized JSON value, e.g. {"spf":"pass","dkim":"pass"};
    // opaque to the store, filled by the shell. "null" when not checked.
    std::string auth_verdicts{no_auth_verdicts};
    // Where the host filed it (issue 13), a serialized JSON value like auth_verdicts:
    // {"provider","placement","reason","spam":{"score","threshold","rules"},"list_unsubscribe",
    // "one_click"}. "null" when the host has neither a provider policy nor spamd.
    std::string placement{no_placement};
    HeaderSummary headers;  // filled by the store from the raw content
    RawLocation raw;        // filled by the store
};

// Facts of a reception that smtp::ReceivedMessage does not carry.
struct Reception {
    std::string session_id;
    std::string host;
    std::string client_ip;
    std::uint16_t client_port = 0;
    TlsFacts tls;
    SystemTime connected_at{};
    SystemTime received_at{};  // default (epoch): the time of the call to from_received
    std::string auth_verdicts{no_auth_verdicts};
};

// Builds the metadata of a received message; the content stays in `message` so that the shell
// can move it into the store: store.add(from_received(m, r), std::move(m.content)).
CapturedMessage from_received(const smtp::ReceivedMessage& message, const Reception& reception);

}  // namespace relaylab::fakemx::capture
