// The messages of a scenario's traffic (traffic_model.hpp): senders and recipients picked by
// weight from address templates, a subject and body from templates, extra header fields, a
// size drawn from a distribution, an HTML alternative (multipart/alternative: the text padded
// to size, then the HTML, 7bit or quoted-printable) and attachments (multipart/mixed, base64). The
// runner hands it to the LoadGenerator, which asks for message n as it takes it.
//
// Every choice is drawn from (seed, n, recipient index) with counter_hash.hpp, never from a
// shared generator: the same seed gives the same message n, byte for byte (Date aside: pass a
// DateSource to pin it), whatever the concurrency, the sharding or the order of the calls.
// Every message is 7-bit, has CRLF line ends and no line over 998 octets (RFC 5322 2.1.1), and
// carries its tracking id in X-Relaylab-Id and Message-ID. Const after construction: one
// factory serves generators on several threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/load/counter_hash.hpp"
#include "harness/load/message_factory.hpp"
#include "harness/load/traffic_model.hpp"

namespace relaylab::load {

class ScenarioMessageFactory : public MessageFactory {
  public:
    // The Date field's value (RFC 5322 3.3), called once per message from any thread. Empty:
    // the current time.
    using DateSource = std::function<std::string()>;

    // Throws std::invalid_argument ("traffic model: <field>: <what is wrong>") when the model
    // cannot make valid messages (traffic_model_check.hpp).
    explicit ScenarioMessageFactory(TrafficModel model, DateSource date = {});

    GeneratedMessage make(std::uint64_t n) override;
    GeneratedMessage message(std::uint64_t n) const;  // what make(n) returns

    // The size message n aims at, octets before dot-stuffing (SizeModel): the content has
    // exactly this size unless its fixed parts (headers, MIME structure, attachments) alone are
    // larger, and then it is those alone.
    std::size_t drawn_size(std::uint64_t n) const;
    std::string mail_from(std::uint64_t n) const;
    // Recipient addresses are distinct within a message: when two draws expand to the same
    // address, the later one gets "+r" (RFC 5233 subaddress) before its '@'.
    std::vector<std::string> recipients(std::uint64_t n) const;
    std::string tracking_id(std::uint64_t n) const;

  private:
    std::size_t pick(const std::vector<double>& cumulative, DrawPurpose purpose, std::uint64_t n,
                     std::uint64_t r) const;
    std::string expand_address(const WeightedAddress& entry, std::uint64_t n,
                               std::uint64_t r) const;
    std::string boundary(std::uint64_t n, std::string_view prefix, std::string_view text,
                         std::string_view html) const;
    std::string attachment_part(std::uint64_t n, std::size_t index) const;
    std::shared_ptr<const std::string> content(std::uint64_t n, const std::string& from,
                                               const std::vector<std::string>& recipients,
                                               const std::string& id) const;

    TrafficModel model_;
    DateSource date_;
    std::vector<double> from_cumulative_;  // weights summed, over the total: (0, 1]
    std::vector<double> to_cumulative_;
    std::string body_;  // message.body with CRLF line ends, ending in CRLF unless empty
    std::string html_;  // message.html the same way
};

}  // namespace relaylab::load
