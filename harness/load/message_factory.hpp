// Builds the test messages the load generator sends: RFC 5322 headers with a tracking id
// (X-Relaylab-Id) so receivers can tie each arrival to its submission, and a body padded to
// the requested size.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace relaylab::load {

struct MessageTemplate {
    std::string from = "sender@relaylab.test";  // "{n}" is replaced by the message number
    std::string to = "rcpt@example.test";
    std::string subject = "relaylab test message {n}";
    std::size_t size = 1024;     // approximate total octets, headers included
    std::string run_id = "run";  // prefix of the tracking ids
};

// Replaces each "{n}" in `text` with `n`.
std::string expand(std::string_view text, std::uint64_t n);

class MessageFactory {
  public:
    explicit MessageFactory(MessageTemplate tmpl);
    std::string mail_from(std::uint64_t n) const { return expand(template_.from, n); }
    std::string rcpt_to(std::uint64_t n) const { return expand(template_.to, n); }
    std::string tracking_id(std::uint64_t n) const;
    // The whole message (CRLF line ends, no dot-stuffing).
    std::shared_ptr<const std::string> content(std::uint64_t n) const;

  private:
    MessageTemplate template_;
    std::string body_;  // shared by all messages: lines of 76 characters
};

}  // namespace relaylab::load
