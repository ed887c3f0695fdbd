// Where the load generator's messages come from. The generator asks a MessageFactory for
// message number n (1, 2, ...) and sends what it returns; the runner provides its own factory
// (per-scenario templates), `relaylab send` and `run` use TemplateMessageFactory.
//
// TemplateMessageFactory builds RFC 5322 messages with a tracking id (X-Relaylab-Id, also in
// the Message-ID) so receivers can tie each arrival to its submission, and pads the body so
// that the message is exactly the requested size.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/load/recipient_count.hpp"

namespace relaylab::load {

// One message: the envelope, the content and the id that receivers report.
struct GeneratedMessage {
    std::string mail_from;  // without brackets; empty for the null reverse-path
    std::vector<std::string> recipients;
    std::shared_ptr<const std::string> content;  // unstuffed, CRLF line ends
    std::string tracking_id;                     // the X-Relaylab-Id the content carries
    bool smtputf8 = false;
    bool eight_bit = false;
};

class MessageFactory {
  public:
    virtual ~MessageFactory() = default;
    // Message number n (from 1). Called on the generator's executor; a factory shared by
    // generators on several threads must be thread-safe (TemplateMessageFactory is). It should
    // not throw: if it does, message n is skipped (no event), the error is logged, and the
    // connection slot that asked for it ends (messages in flight on it fail as "connection").
    virtual GeneratedMessage make(std::uint64_t n) = 0;
};

struct MessageTemplate {
    std::string from = "sender@relaylab.test";  // "{n}" is replaced by the message number
    std::string to = "rcpt@example.test";       // and "{r}" by the recipient's (1, 2, ...)
    std::string subject = "relaylab test message {n}";
    RecipientCount recipients;  // one by default
    // Total octets of the message as transmitted before dot-stuffing, CRLFs and headers
    // included: exact whenever it is at least the headers' size (else the headers alone).
    std::size_t size = 1024;
    std::string run_id = "run";  // prefix of the tracking ids: "<run_id>-<n>"
};

// Replaces each "{n}" in `text` with `n` (and each "{r}" with `r` when r != 0).
std::string expand(std::string_view text, std::uint64_t n, std::uint64_t r = 0);

class TemplateMessageFactory : public MessageFactory {
  public:
    explicit TemplateMessageFactory(MessageTemplate tmpl);
    GeneratedMessage make(std::uint64_t n) override;

    std::string mail_from(std::uint64_t n) const { return expand(template_.from, n); }
    // Recipient r (from 1) of message n. Without "{r}" in the template, recipients after the
    // first get "+r" after their local part (RFC 5233 subaddress), so they stay distinct.
    std::string rcpt_to(std::uint64_t n, std::uint64_t r = 1) const;
    std::string tracking_id(std::uint64_t n) const;
    // The headers (ending in the empty line) and the whole message of number n.
    std::string headers(std::uint64_t n, const std::vector<std::string>& recipients) const;
    std::shared_ptr<const std::string> content(std::uint64_t n) const;

  private:
    void append_headers(std::string& out, std::uint64_t n, std::string_view from,
                        const std::vector<std::string>& recipients, std::string_view id) const;
    std::shared_ptr<const std::string> build(std::uint64_t n, std::string_view from,
                                             const std::vector<std::string>& recipients,
                                             std::string_view id) const;
    MessageTemplate template_;
    bool to_has_r_;
};

}  // namespace relaylab::load
