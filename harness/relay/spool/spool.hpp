// The relay's durable queue: an append-only log of segment files with group commit.
//
// Why a log and not a file per message (Postfix): a file per message needs its own fsync, so
// concurrent sessions cannot share one. Here every record (a message, or a change of its
// delivery state) is appended by one writer thread; the writer takes everything that arrived
// while the previous fdatasync ran, writes it with one write, syncs once, and only then tells
// each caller "durable" (group commit, as databases do). The SMTP 250 after DATA waits for
// that callback, so `kill -9` at any instant loses no acknowledged message.
//
// Layout of a spool directory:
//   lock                   flock()ed while a relay uses the spool (two relays on one spool fail)
//   segments/NNNNNNNNNNNNNNNN.seg   records, in order; a record never spans two segments
//   quarantine/            segments with corrupt records, kept for inspection
// A record is [magic u32][type u8][length u32][crc32c u32 of type+payload][payload]; payloads
// are versioned binary encodings (spool_record.hpp). Record types: message (envelope, state
// and body), state (recipient states, attempts, next attempt time), finished (the message left
// the queue: delivered, bounced or deleted).
//
// Replay at start-up reads the segments in order: a later message record of the same id
// replaces an earlier one (compaction copies live messages forward), state and finished records
// apply to the message as last stored, records of ids no longer present are ignored. A torn
// record at the end of the newest segment (a crash mid-write; never acknowledged) is cut off. A
// record that fails its checksum elsewhere marks the segment corrupt: it is copied to
// quarantine/, logged, and every record of it that can still be read is recovered.
//
// Segments are removed oldest first, and only when every message whose latest record lives in
// them is finished or was copied forward: state records in a newer segment never outlive the
// message records they refer to. A segment whose few live messages pin it (long deferrals) is
// compacted: those messages are written again at the head and the old segment goes.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace relaylab::relay {

enum class RecipientState : std::uint8_t {
    pending = 0,    // still to be delivered (waiting or deferred)
    delivered = 1,  // a 2xx from the next hop
    failed = 2,     // a 5xx, expired, or undeliverable: a DSN was (or is to be) made
};

struct SpoolRecipient {
    std::string address;  // without brackets
    std::string notify;   // RFC 3461 NOTIFY as received ("" when not given)
    std::string orcpt;    // RFC 3461 ORCPT as received, "type;xtext" ("" when not given)
    RecipientState state = RecipientState::pending;
    std::string last_reply;  // the last reply (or failure) for this recipient, for DSNs and the API
};

// What the spool keeps about one message besides its body.
struct SpoolMessage {
    std::string id;         // the queue id (spool-assigned, unique across restarts)
    std::string mail_from;  // without brackets; empty: the null reverse-path (a bounce)
    std::vector<SpoolRecipient> recipients;
    std::string dsn_ret;    // RFC 3461 RET: "FULL", "HDRS" or ""
    std::string dsn_envid;  // RFC 3461 ENVID (xtext as received) or ""
    bool smtputf8 = false;
    bool eight_bit = false;  // BODY=8BITMIME
    std::string client_address;
    std::string helo;
    std::string auth_user;
    std::int64_t received_at_ms = 0;   // Unix time, milliseconds
    std::uint32_t attempts = 0;        // delivery attempts so far
    std::int64_t next_attempt_ms = 0;  // Unix ms; 0: as soon as possible
    std::uint64_t body_size = 0;       // octets of the body as stored
};

struct SpoolOptions {
    std::filesystem::path directory;
    std::uint64_t segment_bytes = 64ull << 20;  // a new segment starts beyond this size
    bool fsync = true;  // false only for benchmarks that say so: acknowledged mail can be lost
    // Compact the oldest segment when it holds less than this share of live bytes and at least
    // `compact_min_segments` segments exist.
    double compact_live_ratio = 0.25;
    std::size_t compact_min_segments = 3;
};

// Why the spool could not open (a second relay holds the lock, the directory is unusable).
class SpoolError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct RecoveryReport {
    std::vector<SpoolMessage> messages;  // every unfinished message, oldest first
    std::size_t segments = 0;            // segment files read
    std::size_t records = 0;             // records replayed
    std::uint64_t torn_bytes = 0;        // cut off the end of the newest segment
    std::size_t corrupt_records = 0;     // failed their checksum (outside the torn tail)
    std::vector<std::filesystem::path> quarantined;  // copies in quarantine/
};

struct SpoolStats {
    std::size_t live_messages = 0;
    std::size_t segments = 0;
    std::uint64_t bytes_on_disk = 0;
    std::uint64_t commits = 0;  // fdatasync calls (group commits)
    std::uint64_t records_written = 0;
    std::uint64_t largest_commit = 0;  // records in the biggest group
    std::uint64_t write_errors = 0;
    std::uint64_t compactions = 0;
    std::uint64_t segments_removed = 0;
};

class Spool {
  public:
    // Called once the record is durable (or could not be written: the error), on the writer
    // thread: keep it short (post to an executor).
    using Done = std::function<void(std::error_code)>;

    // Creates the directory if needed, takes the lock, replays the segments (see recovered()),
    // starts the writer thread. Throws SpoolError.
    explicit Spool(SpoolOptions options);
    ~Spool();  // close()
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    const RecoveryReport& recovered() const;

    // A new, unique queue id (16 upper-case hex digits, time-ordered).
    std::string new_id();

    // Appends a new message. `done(ok)` means message, envelope and body are on disk (synced):
    // only then may the SMTP server say 250. On error nothing of the message remains live and
    // the caller answers 452 4.3.1 (ENOSPC, EFBIG) or 451 4.3.0.
    void store(SpoolMessage message, std::string body, Done done);

    // Journals a change of delivery state (recipient states and last replies, attempts, next
    // attempt). `done` may be empty: the record rides with the next commit; losing it in a
    // crash means a delivery is tried again (a counted duplicate), never a lost message.
    void update(const SpoolMessage& message, Done done = {});

    // The message left the queue (every recipient delivered or failed, or deleted by the
    // operator). Its segment may be removed once nothing live remains in it.
    void finish(std::string_view id, Done done = {});

    // The body as stored; nullopt when the id is not live. Thread-safe; reads the segment file
    // (the page cache usually has it).
    std::optional<std::string> read_body(std::string_view id) const;

    SpoolStats stats() const;

    // Writes and syncs everything queued, calls every pending `done`, stops the writer and
    // releases the lock. Idempotent. Calls after close() fail their `done` with
    // std::errc::operation_canceled.
    void close();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::relay
