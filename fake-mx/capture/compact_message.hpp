// The form in which the store keeps a message's metadata: fixed-size numbers and one packed
// block of text. About 90 bytes plus the text, against over 1 KB for a CapturedMessage, which
// is what lets the index hold a million messages.
#pragma once

#include <cstdint>
#include <string_view>

#include "fake-mx/capture/captured_message.hpp"
#include "fake-mx/capture/packed_strings.hpp"

namespace relaylab::fakemx::capture {

class CompactMessage {
  public:
    CompactMessage() = default;
    explicit CompactMessage(const CapturedMessage& message);

    // Everything but `raw`, which depends on the store's state.
    CapturedMessage unpack() const;

    std::uint64_t id = 0;
    std::int64_t received_us = 0;  // unix microseconds
    std::uint64_t size = 0;
    std::uint64_t maildir_seq = 0;  // 0: not written to the Maildir
    bool raw_in_memory = false;
    // The tracking-id index's chain: this id minus the id of the next older message whose
    // tracking id hashes alike; 0 ends the chain. Sits in what was padding after the bool.
    std::uint32_t tracking_older = 0;

    std::string_view host() const;
    std::string_view mail_from() const;
    std::string_view subject() const;
    std::string_view tracking_id() const;
    template <typename F>
    void for_each_recipient(F&& f) const {
        std::size_t i = 0;
        text_.for_each_from(recipients_begin, [&](std::string_view field) {
            if (i++ % per_recipient == 0) f(field);
        });
    }
    std::size_t heap_bytes() const { return text_.heap_bytes(); }

  private:
    static constexpr std::size_t recipients_begin = 21;
    static constexpr std::size_t per_recipient = 3;

    std::int64_t connected_us_ = 0;
    std::uint64_t mail_size_ = 0;
    // DataFindings, saturated at 2^32-1: counts beyond that tell nothing more.
    std::uint32_t bare_lf_ = 0, bare_cr_ = 0, nul_ = 0, long_lines_ = 0, eod_lookalikes_ = 0;
    std::uint16_t client_port_ = 0;
    std::uint8_t flags_ = 0;
    std::uint8_t body_ = 0;
    std::uint8_t ret_ = 0;
    PackedStrings text_;
};

std::int64_t to_unix_us(SystemTime time);
SystemTime from_unix_us(std::int64_t us);

}  // namespace relaylab::fakemx::capture
