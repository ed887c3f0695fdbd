// The spool's on-disk records: the frame every record shares and the versioned binary payloads of
// the three record types. Pure functions over bytes (no files): the replay, the writer and the
// fuzz target (tests/fuzz/fuzz_spool_record.cpp) all go through here.
//
// Frame (all integers little-endian):
//   [magic u32 "RLS1"][type u8][length u32 of the payload][crc32c u32 of type + payload][payload]
// Payloads start with a version byte (1); strings are [length u32][octets]. A message payload
// ends with [body length u64][body], so the body's offset in the file is known without copying it.
//
// Decoding trusts nothing: a spool file may be torn by a crash, rotted on disk, or edited by
// hand. Every length is checked against what is left and against a named cap before anything is
// allocated, so hostile bytes cost at most their own size in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/relay/spool/spool.hpp"

namespace relaylab::relay {

namespace spool_limits {
inline constexpr std::size_t frame_header = 13;  // magic + type + length + crc
// The largest payload a record may have: a body of 1 GiB is beyond any SIZE the relay accepts
// (its default max_message_size is 50 MiB), so a longer length field is corruption.
inline constexpr std::uint64_t record_payload = 1ull << 30;
inline constexpr std::size_t id = 64;  // new_id() makes 16
// Addresses (RFC 5321 4.5.3.1.3: 256 octets; more with SMTPUTF8), HELO names, ORCPT, ENVID,
// auth users: one generous cap for every envelope string.
inline constexpr std::size_t envelope_string = 4096;
// A last reply: up to 128 lines of 512 octets (harness/smtp/limits.hpp); longer ones are cut
// when encoded, never refused (the reply is for people, the delivery state matters).
inline constexpr std::size_t last_reply = 64 * 1024;
// Recipients of one message: 65 times the 1000 a session takes by default.
inline constexpr std::size_t recipients = 65536;
}  // namespace spool_limits

inline constexpr std::uint32_t spool_record_magic = 0x31534C52u;  // "RLS1" on disk
inline constexpr std::uint8_t spool_payload_version = 1;

enum class RecordType : std::uint8_t {
    message = 1,   // envelope, delivery state and body of a message entering the queue
    state = 2,     // a change of delivery state (recipients, attempts, next attempt)
    finished = 3,  // the message left the queue
};

enum class FrameError {
    none,
    truncated,     // fewer bytes than the header or the length says: a torn write
    bad_magic,     // not the start of a record
    bad_type,      // a type this version does not know
    too_long,      // the length exceeds spool_limits::record_payload
    bad_checksum,  // the crc32c does not match: rot, a torn write, or a flipped bit
};

enum class PayloadError {
    none,
    truncated,            // a field runs past the payload's end
    unknown_version,      // written by a newer relaylab (or garbage)
    field_too_long,       // a string over its cap in spool_limits
    too_many_recipients,  // over spool_limits::recipients
    bad_state,            // a recipient state that is not a RecipientState
    empty_id,             // every record names a message
    trailing_bytes,       // octets after the last field (or a body length that disagrees)
};

std::string_view to_string(FrameError error);
std::string_view to_string(PayloadError error);

// One framed record found in a byte range.
struct Frame {
    RecordType type = RecordType::message;
    std::string_view payload;
    std::size_t size = 0;  // header + payload: where the next record starts
};

// Reads the record at the start of `bytes` (which may hold more after it).
FrameError decode_frame(std::string_view bytes, Frame& frame);

// What a state record says about a message.
struct StateChange {
    std::string id;
    std::uint32_t attempts = 0;
    std::int64_t next_attempt_ms = 0;
    std::vector<SpoolRecipient> recipients;
};

// `body_offset`: where the body starts inside the payload (its size is message.body_size).
PayloadError decode_message(std::string_view payload, SpoolMessage& message,
                            std::size_t& body_offset);
PayloadError decode_state(std::string_view payload, StateChange& change);
PayloadError decode_finished(std::string_view payload, std::string& id);

enum class EncodeError {
    none,
    field_too_long,       // an envelope string over spool_limits::envelope_string, or the id
    too_many_recipients,  // over spool_limits::recipients
    too_large,            // the record would exceed spool_limits::record_payload
};
std::string_view to_string(EncodeError error);

// The message record without its body: `head` + `body` written back to back is the record (the
// checksum covers the body; the body is not copied, so a writer can writev both).
EncodeError encode_message_head(const SpoolMessage& message, std::string_view body,
                                std::string& head);
EncodeError encode_state(const SpoolMessage& message, std::string& record);
EncodeError encode_finished(std::string_view id, std::string& record);

}  // namespace relaylab::relay
