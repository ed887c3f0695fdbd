// Where a received message's content goes while it arrives. The session hands DATA and BDAT
// content to the shell as chunks (CRLF-normalised per the bare-newline policy, dot-unstuffed,
// never more than the storage cap); a BodySink takes them, so a relay can write its spool file
// while the client is still sending, and the whole message never has to sit in memory.
//
// Call order for one transaction: begin, append* and then exactly one of
//   finish  -> the end of data arrived and the session's own checks passed; or
//   abort   -> the transaction ended without a message (refused at end of data, over the cap,
//              RSET or a BDAT error, the connection lost or timed out mid-message).
// abort may also follow finish when the final reply still refuses the message (a data_end
// decision of the shell said no): the sink then discards what finish kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "harness/smtp/envelope.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::smtp {

class BodySink {
  public:
    virtual ~BodySink() = default;
    // A message starts: MAIL and the accepted RCPTs are known (354 sent, or a BDAT accepted).
    virtual void begin(const Envelope& envelope) = 0;
    // The next piece of content; the view is valid only during the call.
    virtual void append(std::string_view chunk) = 0;
    // End of data. `message` has the envelope, size, findings and the queue id the session will
    // announce; a sink may fill message.content (the in-memory sink does). nullopt accepts: the
    // session goes on to its 250 (or the shell's data_end decision). A reply refuses the message
    // with it, e.g. 451 4.3.0 when the spool write failed; no abort follows then.
    virtual std::optional<Reply> finish(ReceivedMessage& message) = 0;
    virtual void abort() = 0;
};

// Keeps the content in memory and puts it into ReceivedMessage::content at finish: the
// behaviour of shells that take whole messages (fake MX capture, tests). Bounded by the
// session's storage cap.
class MemoryBodySink final : public BodySink {
  public:
    void begin(const Envelope&) override { content_.clear(); }
    void append(std::string_view chunk) override { content_.append(chunk); }
    std::optional<Reply> finish(ReceivedMessage& message) override {
        message.content = std::move(content_);
        content_ = std::string();
        return std::nullopt;
    }
    void abort() override { content_ = std::string(); }

  private:
    std::string content_;
};

}  // namespace relaylab::smtp
