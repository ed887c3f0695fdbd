// The fake MX's store of captured mail: compact metadata for every message (up to
// max_messages, oldest evicted first), raw content in memory up to memory_limit bytes (newest
// kept), and optionally every raw message delivered to a Maildir. Also the transcripts of
// closed sessions, bounded by count and bytes.
//
// Thread-safe: add() comes from the SMTP io threads, queries from the API thread. add() is on
// the hot path of the throughput benchmark, so it parses the header summary and packs the
// metadata before taking the lock, and takes the raw content by move. The Maildir write is
// apart (write_maildir), so the shell can run it on a worker thread, not on an io thread.
//
// Queries never hold the lock that add() needs for long: they take it shared, for one chunk of
// query_chunk entries at a time, and the lock lets a waiting writer in before new readers. A
// query sees the messages present when it started, less those evicted while it ran. A filter
// by tracking id (X-Relaylab-Id) goes through an index: one hash lookup, then only the
// messages with that id.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "fake-mx/capture/captured_message.hpp"
#include "fake-mx/capture/compact_message.hpp"
#include "fake-mx/capture/maildir.hpp"
#include "fake-mx/capture/session_record.hpp"
#include "fake-mx/capture/tracking_coverage.hpp"
#include "fake-mx/capture/writer_preferring_mutex.hpp"

namespace relaylab::fakemx::capture {

struct CaptureConfig {
    std::uint64_t memory_limit = 256ull * 1024 * 1024;  // raw bytes kept in memory
    std::size_t max_messages = 1'000'000;               // metadata entries; oldest evicted
    std::string store_dir;  // a Maildir for every raw message; empty: memory only
    bool fsync = false;     // fsync each Maildir file (see Maildir)
    std::size_t max_sessions = 100'000;
    std::uint64_t session_memory_limit = 64ull * 1024 * 1024;
    TranscriptLimits transcript;
};

struct MessageFilter {
    std::string to;  // a recipient address, case-insensitive
    // The envelope sender, case-insensitive; "" selects the null reverse-path <>.
    std::optional<std::string> from;
    std::string subject;              // substring of the Subject, case-insensitive
    std::string tracking_id;          // exact
    std::string host;                 // exact
    std::optional<SystemTime> since;  // received at or after
};

struct MessagePage {
    std::size_t total = 0;                  // all matches, not only this page
    std::vector<CapturedMessage> messages;  // newest first
};

struct MessageDetail {
    CapturedMessage message;
    std::optional<std::vector<HeaderField>> headers;  // when the raw is still readable
};

enum class RawStatus { found, gone, unknown_id };
struct RawContent {
    RawStatus status = RawStatus::unknown_id;
    std::string content;
};

struct SessionFilter {
    std::string client_ip;  // exact
    std::string host;       // exact
};

struct SessionPage {
    std::size_t total = 0;
    std::vector<SessionRecord> sessions;  // newest first
};

// The outcome of a Maildir write: the sequence number the file is named with (0: none).
struct MaildirWrite {
    std::uint64_t seq = 0;
    std::optional<std::string> error;  // what went wrong (file name and errno text)
};

// Entries a query examines per hold of the shared lock: ~100-300 µs of matching, so add()
// never waits longer than about that for a query.
inline constexpr std::size_t query_chunk = 4096;

struct StoreCounts {
    std::uint64_t messages_total = 0;  // ever added
    std::uint64_t bytes_total = 0;     // sum of message sizes ever added
    std::uint64_t sessions_total = 0;
    std::uint64_t messages_stored = 0;  // metadata held now
    std::uint64_t sessions_stored = 0;
    std::uint64_t raw_in_memory = 0;
    std::uint64_t raw_memory_bytes = 0;
    std::uint64_t raw_in_maildir = 0;    // ever written
    std::uint64_t raw_dropped = 0;       // ever dropped from memory with no Maildir copy
    std::uint64_t messages_evicted = 0;  // metadata beyond max_messages
    std::uint64_t sessions_evicted = 0;
    std::uint64_t maildir_errors = 0;
};

class CaptureStore {
  public:
    explicit CaptureStore(CaptureConfig config);  // throws when the Maildir cannot be made
    ~CaptureStore();
    CaptureStore(const CaptureStore&) = delete;
    CaptureStore& operator=(const CaptureStore&) = delete;

    // Stores the message; fills its header summary from `raw`; returns the new id. Writes the
    // Maildir file first, on the calling thread.
    std::uint64_t add(CapturedMessage&& message, std::string&& raw);
    // The same with the Maildir write already done (by write_maildir, on a worker thread).
    std::uint64_t add(CapturedMessage&& message, std::string&& raw, const MaildirWrite& written);

    // Blocking disk I/O (write, fsync when configured, rename): what add() would do before
    // storing. Thread-safe; no lock taken. Without a store directory (or an empty message)
    // nothing is written and seq is 0.
    MaildirWrite write_maildir(SystemTime received_at, std::string_view raw) const;
    bool has_maildir() const { return maildir_ != nullptr; }
    void add_session(SessionRecord&& session);

    MessagePage query(const MessageFilter& filter, std::size_t offset, std::size_t limit) const;
    std::optional<MessageDetail> find(std::uint64_t id) const;
    RawContent raw(std::uint64_t id) const;
    SessionPage sessions(const SessionFilter& filter, std::size_t offset, std::size_t limit) const;
    // Which message numbers of run `run_id` arrived (tracking_coverage.hpp), over the messages
    // held when the call starts, less those evicted while it runs; `host` (exact) when not
    // empty. Scans in chunks as query() does, so add() is never held up for long.
    TrackingCoverage tracking_coverage(std::string_view run_id, std::string_view host) const;

    struct Cleared {
        std::uint64_t messages = 0;
        std::uint64_t sessions = 0;
    };
    // Forgets all messages and sessions; Maildir files stay (they are the user's archive).
    Cleared clear();

    StoreCounts counts() const;
    const CaptureConfig& config() const { return config_; }

  private:
    struct RawEntry {
        std::uint64_t id;
        std::string content;
    };
    CapturedMessage unpack_locked(const CompactMessage& stored) const;
    const CompactMessage* find_locked(std::uint64_t id) const;
    // Calls visit(message) under the shared lock for each message, newest first from the newest
    // id at the start, one chunk of query_chunk per hold of the lock: between chunks add() gets
    // in, eviction may take the oldest, clear() may take all. Ids are contiguous, so it visits
    // at most max_messages entries however fast add() appends.
    template <typename Visit>
    void scan_newest_first(Visit&& visit) const;
    const SessionRecord* find_session_locked(std::uint64_t id) const;
    void evict_raw_locked();
    void index_locked(CompactMessage& message);
    void unindex_locked(const CompactMessage& message);
    MessagePage query_by_tracking_id(const MessageFilter& filter, std::int64_t since_us,
                                     std::size_t offset, std::size_t limit) const;
    // Maildir files removed by hand: `raw.in_maildir` is true only while the file is there.
    void check_maildir_files(std::vector<CapturedMessage>& messages) const;

    const CaptureConfig config_;
    std::unique_ptr<Maildir> maildir_;
    mutable std::atomic<std::uint64_t> maildir_seq_{0};
    std::atomic<std::uint64_t> maildir_failures_{
        0};  // paces the failure log  // write_maildir is const

    mutable WriterPreferringMutex mutex_;
    std::uint64_t next_id_ = 1;
    std::deque<CompactMessage> messages_;  // ids ascending and contiguous
    // Hash of a tracking id -> the newest message id with it; older ones follow
    // CompactMessage::tracking_older. Messages without a tracking id are not indexed.
    std::unordered_map<std::uint64_t, std::uint64_t> tracking_index_;
    std::deque<RawEntry> raw_;  // ids ascending, not contiguous
    std::uint64_t raw_bytes_ = 0;
    std::deque<SessionRecord> sessions_;
    std::uint64_t session_bytes_ = 0;
    std::uint64_t next_session_id_ = 1;
    StoreCounts counts_;
};

}  // namespace relaylab::fakemx::capture
