// Where the ESP features (quotas, the suppression list, List-Unsubscribe stamping, tracking)
// plug into the relay's acceptance. The acceptance calls every hook in order at MAIL, RCPT and
// before the spool write; the first refusal wins. Called on listener io threads, concurrently:
// implementations are thread-safe and quick (no disk or network wait at MAIL/RCPT).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "harness/relay/spool/spool.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::relay {

class SubmissionHooks {
  public:
    virtual ~SubmissionHooks() = default;

    // At MAIL FROM (sender "" is the null reverse-path): a refusal, or nullopt to go on.
    virtual std::optional<smtp::Reply> check_sender(std::string_view /*sender*/) {
        return std::nullopt;
    }
    // At RCPT TO, after the relay-access check: a refusal, or nullopt.
    virtual std::optional<smtp::Reply> check_recipient(std::string_view /*sender*/,
                                                       std::string_view /*recipient*/) {
        return std::nullopt;
    }
    // Before the spool write, with the spool id assigned: may rewrite the content (fields
    // added on top, HTML parts rewritten). The content is the message as submitted, without
    // the relay's Received: field.
    virtual void transform(const SpoolMessage& /*meta*/, std::string& /*content*/) {}
    // Once the message is durable (the 250 is about to go out).
    virtual void stored(const SpoolMessage& /*meta*/) {}
};

}  // namespace relaylab::relay
