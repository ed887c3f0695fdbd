#include "fake-mx/capture/capture_store.hpp"

#include <algorithm>
#include <functional>

#include "harness/log/log.hpp"

namespace relaylab::fakemx::capture {
namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

bool icontains(std::string_view haystack, std::string_view needle) {
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                          [](char x, char y) { return lower(x) == lower(y); });
    return it != haystack.end() || needle.empty();
}

bool matches(const CompactMessage& m, const MessageFilter& filter, std::int64_t since_us) {
    if (m.received_us < since_us) return false;
    if (!filter.host.empty() && m.host() != filter.host) return false;
    if (!filter.tracking_id.empty() && m.tracking_id() != filter.tracking_id) return false;
    if (filter.from && !iequals(m.mail_from(), *filter.from)) return false;
    if (!filter.subject.empty() && !icontains(m.subject(), filter.subject)) return false;
    if (!filter.to.empty()) {
        bool found = false;
        m.for_each_recipient(
            [&](std::string_view address) { found = found || iequals(address, filter.to); });
        if (!found) return false;
    }
    return true;
}

bool matches(const SessionRecord& s, const SessionFilter& filter) {
    return (filter.client_ip.empty() || s.client_ip == filter.client_ip) &&
           (filter.host.empty() || s.host == filter.host);
}

// A Maildir file may have been written with bare-newline normalisation, which makes it longer
// than the received size; this is the most the API will read back for one message.
std::uint64_t maildir_read_bound(std::uint64_t size) {
    return size * 2 + 64 * 1024;
}

// The store re-applies the transcript limits: a SessionRecord may come from anywhere.
void enforce(SessionRecord& record, const TranscriptLimits& limits) {
    if (record.lines.size() > limits.max_lines) {
        record.lines_dropped += record.lines.size() - limits.max_lines;
        record.lines.resize(limits.max_lines);
    }
    for (TranscriptLine& line : record.lines) {
        if (line.text.size() > limits.max_line_bytes) {
            line.text.resize(limits.max_line_bytes);
            line.truncated = true;
        }
    }
}

std::uint64_t tracking_hash(std::string_view tracking_id) {
    return std::hash<std::string_view>{}(tracking_id);
}

}  // namespace

CaptureStore::CaptureStore(CaptureConfig config) : config_(std::move(config)) {
    if (!config_.store_dir.empty())
        maildir_ = std::make_unique<Maildir>(config_.store_dir, config_.fsync);
}

CaptureStore::~CaptureStore() = default;

MaildirWrite CaptureStore::write_maildir(SystemTime received_at, std::string_view raw) const {
    MaildirWrite written;
    if (!maildir_ || raw.empty()) return written;
    const std::uint64_t seq = maildir_seq_.fetch_add(1, std::memory_order_relaxed) + 1;
    written.error = maildir_->deliver(to_unix_us(received_at), seq, raw);
    if (!written.error) written.seq = seq;
    return written;
}

std::uint64_t CaptureStore::add(CapturedMessage&& message, std::string&& raw) {
    MaildirWrite written = write_maildir(message.received_at, raw);
    return add(std::move(message), std::move(raw), written);
}

std::uint64_t CaptureStore::add(CapturedMessage&& message, std::string&& raw,
                                const MaildirWrite& written) {
    // Everything that needs no shared state happens before the lock.
    message.headers = summarize_headers(raw);
    const std::uint64_t seq = written.seq;
    const bool maildir_failed = written.error.has_value();
    if (maildir_failed) {
        // A full or read-only disk fails every message: log the 1st, 2nd, 4th, 8th... failure
        // (with the running count), not one line per message. The lock is not held here.
        const std::uint64_t n = maildir_failures_.fetch_add(1, std::memory_order_relaxed) + 1;
        if ((n & (n - 1)) == 0)
            log::error("fakemx.maildir_write_failed",
                       {{"error", *written.error}, {"failures_total", n}});
    }
    CompactMessage compact(message);
    compact.maildir_seq = seq;
    const std::uint64_t raw_cost = raw.capacity();
    const bool keep_raw = !raw.empty() && raw_cost <= config_.memory_limit;

    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    compact.id = id;
    compact.raw_in_memory = keep_raw;
    ++counts_.messages_total;
    counts_.bytes_total += message.size;
    if (seq != 0) ++counts_.raw_in_maildir;
    if (maildir_failed) ++counts_.maildir_errors;
    if (!raw.empty() && !keep_raw && seq == 0) ++counts_.raw_dropped;
    messages_.push_back(std::move(compact));
    index_locked(messages_.back());
    if (keep_raw) {
        raw_.push_back({id, std::move(raw)});
        raw_bytes_ += raw_cost;
        evict_raw_locked();
    }
    while (messages_.size() > config_.max_messages) {
        const CompactMessage& oldest = messages_.front();
        if (!raw_.empty() && raw_.front().id == oldest.id) {
            raw_bytes_ -= raw_.front().content.capacity();
            raw_.pop_front();
        }
        unindex_locked(oldest);
        messages_.pop_front();
        ++counts_.messages_evicted;
    }
    return id;
}

void CaptureStore::index_locked(CompactMessage& message) {
    std::string_view tracking_id = message.tracking_id();
    if (tracking_id.empty()) return;
    auto [it, inserted] = tracking_index_.try_emplace(tracking_hash(tracking_id), message.id);
    if (!inserted) {
        const std::uint64_t delta = message.id - it->second;
        // Ids more than 2^32 apart cannot both be held (max_messages is far below): end there.
        message.tracking_older = delta <= UINT32_MAX ? static_cast<std::uint32_t>(delta) : 0;
        it->second = message.id;
    }
}

void CaptureStore::unindex_locked(const CompactMessage& message) {
    std::string_view tracking_id = message.tracking_id();
    if (tracking_id.empty()) return;
    // Eviction goes oldest first: when the index still names this message, it was the last
    // one alive with that hash.
    auto it = tracking_index_.find(tracking_hash(tracking_id));
    if (it != tracking_index_.end() && it->second == message.id) tracking_index_.erase(it);
}

void CaptureStore::evict_raw_locked() {
    while (raw_bytes_ > config_.memory_limit && !raw_.empty()) {
        RawEntry& oldest = raw_.front();
        raw_bytes_ -= oldest.content.capacity();
        if (auto* stored = const_cast<CompactMessage*>(find_locked(oldest.id))) {
            stored->raw_in_memory = false;
            if (stored->maildir_seq == 0) ++counts_.raw_dropped;
        }
        raw_.pop_front();
    }
}

const CompactMessage* CaptureStore::find_locked(std::uint64_t id) const {
    // Ids in messages_ are contiguous: every add appends the next id, eviction and clear()
    // remove from the front or everything.
    if (messages_.empty() || id < messages_.front().id) return nullptr;
    std::uint64_t index = id - messages_.front().id;
    if (index >= messages_.size()) return nullptr;
    return &messages_[index];
}

CapturedMessage CaptureStore::unpack_locked(const CompactMessage& stored) const {
    CapturedMessage message = stored.unpack();
    message.raw.in_memory = stored.raw_in_memory;
    if (stored.maildir_seq != 0 && maildir_) {
        message.raw.in_maildir = true;
        message.raw.maildir_file = maildir_->file_for(stored.received_us, stored.maildir_seq);
    }
    return message;
}

MessagePage CaptureStore::query_by_tracking_id(const MessageFilter& filter, std::int64_t since_us,
                                               std::size_t offset, std::size_t limit) const {
    MessagePage page;
    std::shared_lock lock(mutex_);
    auto it = tracking_index_.find(tracking_hash(filter.tracking_id));
    if (it == tracking_index_.end()) return page;
    // The chain runs newest to oldest, the order pages are in.
    const CompactMessage* m = find_locked(it->second);
    while (m != nullptr) {
        if (matches(*m, filter, since_us)) {
            if (page.total >= offset && page.messages.size() < limit)
                page.messages.push_back(unpack_locked(*m));
            ++page.total;
        }
        if (m->tracking_older == 0) break;
        m = find_locked(m->id - m->tracking_older);
    }
    return page;
}

template <typename Visit>
void CaptureStore::scan_newest_first(Visit&& visit) const {
    std::uint64_t next = 0;
    {
        std::shared_lock lock(mutex_);
        if (messages_.empty()) return;
        next = messages_.back().id;
    }
    for (bool more = true; more;) {
        std::shared_lock lock(mutex_);
        for (std::size_t n = 0; n < query_chunk; ++n) {
            const CompactMessage* m = find_locked(next);
            if (m == nullptr || next == 0) {
                more = false;
                break;
            }
            visit(*m);
            --next;
        }
    }
}

MessagePage CaptureStore::query(const MessageFilter& filter, std::size_t offset,
                                std::size_t limit) const {
    const std::int64_t since_us = filter.since ? to_unix_us(*filter.since) : INT64_MIN;
    MessagePage page;
    if (!filter.tracking_id.empty()) {
        page = query_by_tracking_id(filter, since_us, offset, limit);
    } else {
        scan_newest_first([&](const CompactMessage& m) {
            if (!matches(m, filter, since_us)) return;
            if (page.total >= offset && page.messages.size() < limit)
                page.messages.push_back(unpack_locked(m));
            ++page.total;
        });
    }
    check_maildir_files(page.messages);
    return page;
}

void CaptureStore::check_maildir_files(std::vector<CapturedMessage>& messages) const {
    if (!maildir_) return;
    for (CapturedMessage& m : messages) {
        if (m.raw.in_maildir && !m.raw.in_memory)
            m.raw.in_maildir = maildir_->exists(m.raw.maildir_file);
    }
}

std::optional<MessageDetail> CaptureStore::find(std::uint64_t id) const {
    MessageDetail detail;
    std::string block;
    {
        std::shared_lock lock(mutex_);
        const CompactMessage* stored = find_locked(id);
        if (!stored) return std::nullopt;
        detail.message = unpack_locked(*stored);
        if (stored->raw_in_memory) {
            auto it = std::lower_bound(raw_.begin(), raw_.end(), id,
                                       [](const RawEntry& e, std::uint64_t v) { return e.id < v; });
            if (it != raw_.end() && it->id == id) block = header_block(it->content);
        }
    }
    if (!detail.message.raw.in_memory && detail.message.raw.in_maildir) {
        // Read outside the lock: the SMTP threads must not wait for the API's disk reads.
        if (auto content = maildir_->read(detail.message.raw.maildir_file,
                                          maildir_read_bound(detail.message.size))) {
            block = header_block(*content);
            detail.headers = parse_header_fields(block);
            return detail;
        }
        detail.message.raw.in_maildir = false;  // the file is gone (or unreadable)
    }
    if (detail.message.raw.in_memory) detail.headers = parse_header_fields(block);
    return detail;
}

RawContent CaptureStore::raw(std::uint64_t id) const {
    std::string file;
    std::uint64_t size = 0;
    {
        std::shared_lock lock(mutex_);
        const CompactMessage* stored = find_locked(id);
        if (!stored) return {RawStatus::unknown_id, {}};
        if (stored->raw_in_memory) {
            auto it = std::lower_bound(raw_.begin(), raw_.end(), id,
                                       [](const RawEntry& e, std::uint64_t v) { return e.id < v; });
            if (it != raw_.end() && it->id == id) return {RawStatus::found, it->content};
        }
        if (stored->maildir_seq == 0 || !maildir_) return {RawStatus::gone, {}};
        file = maildir_->file_for(stored->received_us, stored->maildir_seq);
        size = stored->size;
    }
    if (auto content = maildir_->read(file, maildir_read_bound(size)))
        return {RawStatus::found, std::move(*content)};
    return {RawStatus::gone, {}};
}

TrackingCoverage CaptureStore::tracking_coverage(std::string_view run_id,
                                                 std::string_view host) const {
    TrackingCoverageBuilder builder{std::string(run_id)};
    // scan_newest_first visits at most max_messages entries, which bounds the builder's memory.
    scan_newest_first([&](const CompactMessage& m) {
        if (host.empty() || m.host() == host) builder.add(m.tracking_id());
    });
    // Sorting a million numbers takes tens of milliseconds: outside the lock.
    return builder.finish();
}

void CaptureStore::add_session(SessionRecord&& session) {
    enforce(session, config_.transcript);
    const std::size_t cost = session.memory_bytes();
    std::lock_guard lock(mutex_);
    session.id = next_session_id_++;
    ++counts_.sessions_total;
    sessions_.push_back(std::move(session));
    session_bytes_ += cost;
    // The newest session stays even when it alone is over the byte bound.
    while (sessions_.size() > 1 && (sessions_.size() > config_.max_sessions ||
                                    session_bytes_ > config_.session_memory_limit)) {
        session_bytes_ -= sessions_.front().memory_bytes();
        sessions_.pop_front();
        ++counts_.sessions_evicted;
    }
    if (config_.max_sessions == 0) {
        session_bytes_ = 0;
        sessions_.clear();
    }
}

const SessionRecord* CaptureStore::find_session_locked(std::uint64_t id) const {
    // Session ids are contiguous too: add_session appends, eviction pops the front.
    if (sessions_.empty() || id < sessions_.front().id) return nullptr;
    std::uint64_t index = id - sessions_.front().id;
    if (index >= sessions_.size()) return nullptr;
    return &sessions_[index];
}

SessionPage CaptureStore::sessions(const SessionFilter& filter, std::size_t offset,
                                   std::size_t limit) const {
    SessionPage page;
    std::uint64_t next = 0;
    {
        std::shared_lock lock(mutex_);
        if (sessions_.empty()) return page;
        next = sessions_.back().id;
    }
    for (bool more = true; more;) {
        std::shared_lock lock(mutex_);
        for (std::size_t n = 0; n < query_chunk; ++n) {
            const SessionRecord* s = find_session_locked(next);
            if (s == nullptr || next == 0) {
                more = false;
                break;
            }
            if (matches(*s, filter)) {
                if (page.total >= offset && page.sessions.size() < limit)
                    page.sessions.push_back(*s);
                ++page.total;
            }
            --next;
        }
    }
    return page;
}

CaptureStore::Cleared CaptureStore::clear() {
    std::deque<CompactMessage> messages;
    std::deque<RawEntry> raw;
    std::deque<SessionRecord> sessions;
    std::unordered_map<std::uint64_t, std::uint64_t> index;
    Cleared cleared;
    {
        std::lock_guard lock(mutex_);
        cleared = {messages_.size(), sessions_.size()};
        messages.swap(messages_);
        index.swap(tracking_index_);
        raw.swap(raw_);
        sessions.swap(sessions_);
        raw_bytes_ = 0;
        session_bytes_ = 0;
    }
    // A million entries take a while to free; the SMTP threads need not wait for that.
    return cleared;
}

StoreCounts CaptureStore::counts() const {
    std::shared_lock lock(mutex_);
    StoreCounts counts = counts_;
    counts.messages_stored = messages_.size();
    counts.sessions_stored = sessions_.size();
    counts.raw_in_memory = raw_.size();
    counts.raw_memory_bytes = raw_bytes_;
    return counts;
}

}  // namespace relaylab::fakemx::capture
