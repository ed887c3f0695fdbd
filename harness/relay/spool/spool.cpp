// Spool's Impl: the lock, the index (behind a shared_mutex: read_body and stats read it from any
// thread, only the writer thread changes it), and what the writer thread does after each batch:
// apply the durable records to the index, acknowledge them, remove dead segments oldest first and
// compact the oldest one when a few live messages pin it.
#include "harness/relay/spool/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "harness/log/log.hpp"
#include "harness/relay/spool/segment_log.hpp"
#include "harness/relay/spool/spool_index.hpp"
#include "harness/relay/spool/spool_record.hpp"
#include "harness/relay/spool/spool_replay.hpp"
#include "harness/relay/spool/spool_writer.hpp"

namespace relaylab::relay {
namespace {

namespace fs = std::filesystem;

// Ids: milliseconds since the epoch in the top 48 bits, a counter below (65536 ids per ms before
// the id runs ahead of the clock, which only costs time-ordering precision).
constexpr int id_counter_bits = 16;
// read_body tries again when the message moved (compaction) while it read; more than a few
// moves during one read means something else is wrong.
constexpr int max_read_attempts = 3;
// Compaction copies live messages forward in batches of about this many octets.
constexpr std::uint64_t compaction_batch_bytes = 8ull << 20;

std::error_code canceled() {
    return std::make_error_code(std::errc::operation_canceled);
}

std::error_code encode_failure(EncodeError error) {
    return std::make_error_code(error == EncodeError::too_large ? std::errc::message_size
                                                                : std::errc::invalid_argument);
}

// A read-only descriptor of one segment, opened by the first read_body that needs it.
class SegmentReader {
  public:
    explicit SegmentReader(fs::path path) : path_(std::move(path)) {}
    ~SegmentReader() {
        if (fd_ >= 0) ::close(fd_);
    }
    SegmentReader(const SegmentReader&) = delete;
    SegmentReader& operator=(const SegmentReader&) = delete;

    std::error_code read(std::uint64_t offset, std::string& out) const {
        if (const std::error_code error = open()) return error;
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t got = ::pread(fd_, out.data() + done, out.size() - done,
                                        static_cast<off_t>(offset + done));
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) return {errno, std::generic_category()};
            if (got == 0) return std::make_error_code(std::errc::io_error);  // file shrank
            done += static_cast<std::size_t>(got);
        }
        return {};
    }

  private:
    std::error_code open() const {
        std::lock_guard lock(open_mutex_);
        if (fd_ >= 0) return {};
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) return {errno, std::generic_category()};
        return {};
    }

    fs::path path_;
    mutable std::mutex open_mutex_;
    mutable int fd_ = -1;
};

struct Counters {
    std::atomic<std::uint64_t> commits{0};
    std::atomic<std::uint64_t> records_written{0};
    std::atomic<std::uint64_t> largest_commit{0};
    std::atomic<std::uint64_t> write_errors{0};
    std::atomic<std::uint64_t> compactions{0};
    std::atomic<std::uint64_t> segments_removed{0};
};

}  // namespace

struct Spool::Impl {
    explicit Impl(SpoolOptions spool_options);
    ~Impl();

    void submit(PendingRecord& record);
    void on_batch(std::vector<PendingRecord>& batch);
    std::uint64_t write(std::vector<PendingRecord>& batch);  // returns the records that failed
    void apply(PendingRecord& record);                       // under the unique lock
    void remove_dead_segments();
    bool oldest_needs_compaction() const;
    void compact_oldest();
    std::shared_ptr<const SegmentReader> reader(std::uint64_t segment) const;
    void release();

    SpoolOptions options;
    fs::path segments_dir;
    int lock_fd = -1;
    RecoveryReport recovered;
    std::atomic<std::uint64_t> last_id{0};
    Counters counters;

    mutable std::shared_mutex index_mutex;
    SpoolIndex index;
    // Under index_mutex. Shared: read_body preads without the lock, and a segment removed
    // meanwhile keeps its descriptor (and the unlinked file) until that read is done.
    std::map<std::uint64_t, std::shared_ptr<const SegmentReader>> readers;

    std::unique_ptr<SegmentLog> log;
    std::unique_ptr<SpoolWriter> writer;
    std::mutex close_mutex;
    bool closed = false;
};

Spool::Impl::Impl(SpoolOptions spool_options)
    : options(std::move(spool_options)), segments_dir(options.directory / "segments") {
    const fs::path quarantine_dir = options.directory / "quarantine";
    std::error_code error;
    fs::create_directories(segments_dir, error);
    if (!error) fs::create_directories(quarantine_dir, error);
    if (error) {
        throw SpoolError("cannot create spool directory " + options.directory.string() + ": " +
                         error.message());
    }
    const fs::path lock_path = options.directory / "lock";
    lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (lock_fd < 0) {
        throw SpoolError("cannot open spool lock " + lock_path.string() + ": " +
                         std::strerror(errno));
    }
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        const int lock_error = errno;
        release();
        throw SpoolError(lock_error == EWOULDBLOCK
                             ? "spool directory " + options.directory.string() +
                                   " is in use by another relay (its lock file is held)"
                             : "cannot lock spool directory " + options.directory.string() + ": " +
                                   std::strerror(lock_error));
    }
    try {
        (void)sync_directory(options.directory);  // segments/ and quarantine/ made durable
        ReplayResult replay = replay_segments(segments_dir, quarantine_dir);
        index = std::move(replay.index);
        recovered = std::move(replay.report);
        last_id = replay.largest_id;
        for (const auto& [number, usage] : index.segments()) {
            readers[number] =
                std::make_shared<const SegmentReader>(segments_dir / segment_file_name(number));
        }
        log = std::make_unique<SegmentLog>(segments_dir, replay.next_segment, options.segment_bytes,
                                           options.fsync);
    } catch (const fs::filesystem_error& e) {
        release();
        throw SpoolError("cannot read spool directory " + options.directory.string() + ": " +
                         e.what());
    } catch (...) {
        release();
        throw;
    }
    log::info("spool.opened", {{"directory", options.directory.string()},
                               {"messages", recovered.messages.size()},
                               {"segments", recovered.segments},
                               {"torn_bytes", recovered.torn_bytes},
                               {"corrupt_records", recovered.corrupt_records}});
    writer = std::make_unique<SpoolWriter>(
        [this](std::vector<PendingRecord>& batch) { on_batch(batch); });
}

Spool::Impl::~Impl() {
    release();
}

void Spool::Impl::release() {
    if (lock_fd >= 0) ::close(lock_fd);  // drops the flock
    lock_fd = -1;
}

void Spool::Impl::submit(PendingRecord& record) {
    if (!writer->submit(record) && record.done) record.done(canceled());
}

std::uint64_t Spool::Impl::write(std::vector<PendingRecord>& batch) {
    const SegmentLog::Outcome outcome = log->append(batch);
    counters.commits += outcome.syncs;
    counters.records_written += batch.size() - outcome.failed;
    counters.write_errors += outcome.failed;
    std::uint64_t largest = counters.largest_commit.load();
    while (outcome.largest > largest &&
           !counters.largest_commit.compare_exchange_weak(largest, outcome.largest)) {
    }
    std::unique_lock lock(index_mutex);
    for (PendingRecord& record : batch) {
        if (!record.error) apply(record);
    }
    return outcome.failed;
}

void Spool::Impl::on_batch(std::vector<PendingRecord>& batch) {
    if (const std::uint64_t failed = write(batch); failed > 0) {
        const auto first_failed = std::find_if(batch.begin(), batch.end(),
                                               [](const auto& record) { return !!record.error; });
        log::warn("spool.write_failed",
                  {{"records", failed}, {"error", first_failed->error.message()}});
    }
    for (PendingRecord& record : batch) {
        if (!record.done) continue;
        const Spool::Done done = std::exchange(record.done, nullptr);  // called once only
        try {
            done(record.error);
        } catch (const std::exception& e) {
            // The writer thread must survive a caller's bug: every later store depends on it.
            log::error("spool.done_threw", {{"id", record.id}, {"error", e.what()}});
        } catch (...) {
            log::error("spool.done_threw", {{"id", record.id}, {"error", "not a std::exception"}});
        }
    }
    remove_dead_segments();
    if (oldest_needs_compaction()) {
        compact_oldest();
        remove_dead_segments();
    }
}

void Spool::Impl::apply(PendingRecord& record) {
    index.note_record(record.segment, record.offset + record.size());
    if (!readers.contains(record.segment)) {
        readers[record.segment] =
            std::make_shared<const SegmentReader>(segments_dir / segment_file_name(record.segment));
    }
    switch (record.type) {
        case RecordType::message:
            index.put(std::move(record.message),
                      MessageLocation{record.segment, record.offset, record.size(),
                                      record.offset + record.head.size()});
            break;
        case RecordType::state:
            index.apply_state(record.id, record.message.attempts, record.message.next_attempt_ms,
                              std::move(record.message.recipients));
            break;
        case RecordType::finished:
            index.erase(record.id);
            break;
    }
}

// Oldest first only: a finished or state record in a newer segment must never outlive the
// message record it refers to, or replay would bring a finished message back.
void Spool::Impl::remove_dead_segments() {
    for (;;) {
        std::uint64_t number = 0;
        {
            std::shared_lock lock(index_mutex);
            if (index.segments().empty()) break;
            const auto& [oldest, usage] = *index.segments().begin();
            if (oldest == log->current() || usage.live_messages > 0) break;
            number = oldest;
        }
        const fs::path path = segments_dir / segment_file_name(number);
        std::error_code error;
        fs::remove(path, error);
        if (error) {
            log::warn("spool.segment_remove_failed",
                      {{"path", path.string()}, {"error", error.message()}});
            break;
        }
        {
            std::unique_lock lock(index_mutex);
            index.drop_segment(number);
            readers.erase(number);
        }
        counters.segments_removed += 1;
        // Each removal durable before the next: were an older segment to come back after a
        // crash while a newer one stayed gone, the finished records of its messages would be
        // lost with the newer one and those messages delivered again. (Once per segment: cheap.)
        if (options.fsync) (void)sync_directory(segments_dir);
    }
}

bool Spool::Impl::oldest_needs_compaction() const {
    std::shared_lock lock(index_mutex);
    const auto& segments = index.segments();
    if (segments.size() < std::max<std::size_t>(options.compact_min_segments, 2)) return false;
    const auto& [oldest, usage] = *segments.begin();
    if (oldest == log->current() || usage.live_messages == 0) return false;
    return static_cast<double>(usage.live_bytes) <
           options.compact_live_ratio * static_cast<double>(usage.size);
}

// Writes the oldest segment's live messages again at the head, with their latest state (the
// index's), so nothing live remains in it and remove_dead_segments() can take it.
void Spool::Impl::compact_oldest() {
    std::vector<std::pair<SpoolMessage, MessageLocation>> live;
    std::uint64_t oldest = 0;
    {
        std::shared_lock lock(index_mutex);
        oldest = index.segments().begin()->first;
        for (const auto& [id, indexed] : index.messages()) {
            if (indexed.location.segment == oldest)
                live.emplace_back(indexed.message, indexed.location);
        }
    }
    const std::shared_ptr<const SegmentReader> source = reader(oldest);
    std::vector<PendingRecord> batch;
    std::uint64_t batch_bytes = 0;
    auto flush = [&] {
        const bool ok = batch.empty() || write(batch) == 0;
        batch.clear();
        batch_bytes = 0;
        return ok;
    };
    for (auto& [message, location] : live) {
        PendingRecord record;
        record.type = RecordType::message;
        record.id = message.id;
        record.body.resize(message.body_size);
        std::error_code error = source ? source->read(location.body_offset, record.body)
                                       : std::make_error_code(std::errc::io_error);
        if (!error && encode_message_head(message, record.body, record.head) != EncodeError::none) {
            error = std::make_error_code(std::errc::invalid_argument);
        }
        if (error) {
            log::warn("spool.compaction_failed",
                      {{"segment", oldest}, {"id", message.id}, {"error", error.message()}});
            return;
        }
        batch_bytes += record.size();
        record.message = std::move(message);
        batch.push_back(std::move(record));
        if (batch_bytes >= compaction_batch_bytes && !flush()) return;
    }
    if (!flush()) return;
    counters.compactions += 1;
    log::info("spool.compacted", {{"segment", oldest}, {"messages", live.size()}});
}

std::shared_ptr<const SegmentReader> Spool::Impl::reader(std::uint64_t segment) const {
    std::shared_lock lock(index_mutex);
    auto found = readers.find(segment);
    return found == readers.end() ? nullptr : found->second;
}

Spool::Spool(SpoolOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Spool::~Spool() {
    close();
}

const RecoveryReport& Spool::recovered() const {
    return impl_->recovered;
}

std::string Spool::new_id() {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::uint64_t floor = static_cast<std::uint64_t>(std::max<std::int64_t>(now, 0))
                                << id_counter_bits;
    std::uint64_t last = impl_->last_id.load();
    std::uint64_t next = 0;
    do {
        next = std::max(floor, last + 1);
    } while (!impl_->last_id.compare_exchange_weak(last, next));
    char text[17];
    std::snprintf(text, sizeof text, "%016llX", static_cast<unsigned long long>(next));
    return text;
}

void Spool::store(SpoolMessage message, std::string body, Done done) {
    PendingRecord record;
    record.type = RecordType::message;
    message.body_size = body.size();
    if (const EncodeError error = encode_message_head(message, body, record.head);
        error != EncodeError::none) {
        if (done) done(encode_failure(error));
        return;
    }
    record.id = message.id;
    record.body = std::move(body);
    record.message = std::move(message);
    record.done = std::move(done);
    impl_->submit(record);
}

void Spool::update(const SpoolMessage& message, Done done) {
    PendingRecord record;
    record.type = RecordType::state;
    if (const EncodeError error = encode_state(message, record.head); error != EncodeError::none) {
        if (done) done(encode_failure(error));
        return;
    }
    record.id = message.id;
    record.message.attempts = message.attempts;
    record.message.next_attempt_ms = message.next_attempt_ms;
    record.message.recipients = message.recipients;
    record.done = std::move(done);
    impl_->submit(record);
}

void Spool::finish(std::string_view id, Done done) {
    PendingRecord record;
    record.type = RecordType::finished;
    if (const EncodeError error = encode_finished(id, record.head); error != EncodeError::none) {
        if (done) done(encode_failure(error));
        return;
    }
    record.id = std::string(id);
    record.done = std::move(done);
    impl_->submit(record);
}

// The pread runs without the index lock, so a cold body read from disk never holds up the
// writer's next commit. Compaction may move the message and remove its old segment meanwhile
// (before the descriptor was opened): then the read fails and is tried again at the new place.
std::optional<std::string> Spool::read_body(std::string_view id) const {
    std::error_code error;
    for (int attempt = 0; attempt < max_read_attempts; ++attempt) {
        MessageLocation location;
        std::shared_ptr<const SegmentReader> reader;
        std::uint64_t size = 0;
        {
            std::shared_lock lock(impl_->index_mutex);
            const IndexedMessage* indexed = impl_->index.find(id);
            if (indexed == nullptr) return std::nullopt;
            location = indexed->location;
            size = indexed->message.body_size;
            auto found = impl_->readers.find(location.segment);
            if (found != impl_->readers.end()) reader = found->second;
        }
        if (reader == nullptr) {
            error = std::make_error_code(std::errc::no_such_file_or_directory);
            continue;
        }
        std::string body(size, '\0');
        error = reader->read(location.body_offset, body);
        if (!error) return body;
    }
    log::error("spool.read_failed", {{"id", id}, {"error", error.message()}});
    return std::nullopt;
}

SpoolStats Spool::stats() const {
    SpoolStats stats;
    {
        std::shared_lock lock(impl_->index_mutex);
        stats.live_messages = impl_->index.messages().size();
        stats.segments = impl_->index.segments().size();
        for (const auto& [number, usage] : impl_->index.segments())
            stats.bytes_on_disk += usage.size;
    }
    const Counters& counters = impl_->counters;
    stats.commits = counters.commits;
    stats.records_written = counters.records_written;
    stats.largest_commit = counters.largest_commit;
    stats.write_errors = counters.write_errors;
    stats.compactions = counters.compactions;
    stats.segments_removed = counters.segments_removed;
    return stats;
}

void Spool::close() {
    std::lock_guard lock(impl_->close_mutex);
    if (impl_->closed) return;
    impl_->closed = true;
    impl_->writer->close();  // drains: every queued record is written and its done called
    impl_->log.reset();
    {
        std::unique_lock index_lock(impl_->index_mutex);
        impl_->readers.clear();
    }
    impl_->release();
}

}  // namespace relaylab::relay
