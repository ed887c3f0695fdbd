#include "harness/relay/spool/spool_replay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "harness/log/log.hpp"
#include "harness/relay/spool/segment_log.hpp"
#include "harness/relay/spool/spool_record.hpp"

namespace relaylab::relay {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t id_hex_digits = 16;
// A segment being rewritten without its damage; one left by a crash mid-rewrite is removed.
constexpr std::string_view temporary_suffix = ".rewrite";

std::string read_segment(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw SpoolError("cannot open spool segment " + path.string() + ": " +
                         std::strerror(errno));
    }
    std::string bytes;
    char chunk[1 << 16];
    for (;;) {
        const ssize_t got = ::read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            const int error = errno;
            ::close(fd);
            throw SpoolError("cannot read spool segment " + path.string() + ": " +
                             std::strerror(error));
        }
        if (got == 0) break;
        bytes.append(chunk, static_cast<std::size_t>(got));
    }
    ::close(fd);
    return bytes;
}

std::vector<std::pair<std::uint64_t, fs::path>> list_segments(const fs::path& segments_dir) {
    std::vector<std::pair<std::uint64_t, fs::path>> segments;
    for (const auto& entry : fs::directory_iterator(segments_dir)) {
        if (entry.path().string().ends_with(temporary_suffix)) {
            std::error_code ignored;
            fs::remove(entry.path(), ignored);
            continue;
        }
        std::uint64_t number = 0;
        if (entry.is_regular_file() &&
            parse_segment_file_name(entry.path().filename().string(), number)) {
            segments.emplace_back(number, entry.path());
        }
    }
    std::sort(segments.begin(), segments.end());
    return segments;
}

// Where the next readable record starts after a bad one at `offset`, or npos. First the bad
// record's own length (a flipped bit in a body leaves the frame intact): taken when a good record
// starts right there. Otherwise the next magic that begins a record with a valid checksum.
std::size_t next_good_record(std::string_view bytes, std::size_t offset) {
    Frame frame;
    if (bytes.size() - offset >= spool_limits::frame_header) {
        std::uint64_t length = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            length |= std::uint64_t(static_cast<unsigned char>(bytes[offset + 5 + i])) << (8 * i);
        }
        const std::uint64_t skip = spool_limits::frame_header + length;
        if (skip < bytes.size() - offset &&
            decode_frame(bytes.substr(offset + skip), frame) == FrameError::none) {
            return offset + skip;
        }
    }
    const char magic[4] = {static_cast<char>(spool_record_magic & 0xFFu),
                           static_cast<char>((spool_record_magic >> 8) & 0xFFu),
                           static_cast<char>((spool_record_magic >> 16) & 0xFFu),
                           static_cast<char>(spool_record_magic >> 24)};
    for (std::size_t at = bytes.find(std::string_view(magic, 4), offset + 1);
         at != std::string_view::npos; at = bytes.find(std::string_view(magic, 4), at + 1)) {
        if (decode_frame(bytes.substr(at), frame) == FrameError::none) return at;
    }
    return std::string_view::npos;
}

class Replayer {
  public:
    Replayer(const fs::path& quarantine_dir, ReplayResult& result)
        : quarantine_dir_(quarantine_dir), result_(result) {}

    void segment(std::uint64_t number, const fs::path& path, bool newest) {
        std::string bytes = read_segment(path);
        result_.report.segments += 1;
        std::vector<Decoded> good;
        bool corrupt = false;
        bool quarantined = false;
        std::size_t offset = 0;
        while (offset < bytes.size()) {
            const std::string_view view(bytes);
            Frame frame;
            const FrameError frame_error = decode_frame(view.substr(offset), frame);
            PayloadError payload_error = PayloadError::none;
            if (frame_error == FrameError::none) {
                Decoded decoded{.offset = offset, .size = frame.size, .type = frame.type};
                payload_error = decode(frame, decoded);
                if (payload_error == PayloadError::none) {
                    good.push_back(std::move(decoded));
                    offset += frame.size;
                    continue;
                }
            }
            const std::size_t next = next_good_record(view, offset);
            // A torn write fails its frame; a record with a good checksum but a payload this
            // version cannot read (a newer relaylab's) is never cut off.
            if (newest && frame_error != FrameError::none && next == std::string_view::npos) {
                cut_torn_tail(path, offset, bytes.size());
                bytes.resize(offset);
                break;
            }
            result_.report.corrupt_records += 1;
            corrupt = true;
            if (!quarantined) quarantined = quarantine(path);
            log::warn("spool.quarantined",
                      {{"path", path.string()},
                       {"offset", offset},
                       {"error", frame_error != FrameError::none ? to_string(frame_error)
                                                                 : to_string(payload_error)},
                       {"resumed_at",
                        next == std::string_view::npos ? std::int64_t(-1) : std::int64_t(next)}});
            if (next == std::string_view::npos) break;
            offset = next;
        }
        // With the original kept in quarantine/, the segment is rewritten with its good records
        // only, so the next start neither reports the same damage again nor copies it again.
        std::uint64_t size = bytes.size();
        if (corrupt && quarantined) size = rewrite_without_damage(path, bytes, good);
        for (Decoded& decoded : good)
            apply(decoded, number);
        result_.index.note_record(number, size);
    }

  private:
    // A record that passed its checksum and decoded, with where it lives in the segment file.
    struct Decoded {
        std::size_t offset = 0;
        std::size_t size = 0;
        RecordType type = RecordType::message;
        SpoolMessage message;         // message records
        std::size_t body_offset = 0;  // in the payload
        StateChange change;           // state records
        std::string id;               // finished records
    };

    PayloadError decode(const Frame& frame, Decoded& decoded) {
        switch (frame.type) {
            case RecordType::message:
                return decode_message(frame.payload, decoded.message, decoded.body_offset);
            case RecordType::state:
                return decode_state(frame.payload, decoded.change);
            case RecordType::finished:
                return decode_finished(frame.payload, decoded.id);
        }
        return PayloadError::unknown_version;
    }

    void apply(Decoded& decoded, std::uint64_t segment) {
        result_.report.records += 1;
        switch (decoded.type) {
            case RecordType::message: {
                note_id(decoded.message.id);
                const MessageLocation location{
                    segment, decoded.offset, decoded.size,
                    decoded.offset + spool_limits::frame_header + decoded.body_offset};
                result_.index.put(std::move(decoded.message), location);
                break;
            }
            case RecordType::state:
                note_id(decoded.change.id);
                result_.index.apply_state(decoded.change.id, decoded.change.attempts,
                                          decoded.change.next_attempt_ms,
                                          std::move(decoded.change.recipients));
                break;
            case RecordType::finished:
                note_id(decoded.id);
                result_.index.erase(decoded.id);
                break;
        }
    }

    // Writes the good records to a temporary file, syncs it and renames it over the segment;
    // moves each record's offset to its place in the new file. On any failure the segment stays
    // as it was (and is reported again at the next start). Returns the segment's size.
    std::uint64_t rewrite_without_damage(const fs::path& path, const std::string& bytes,
                                         std::vector<Decoded>& good) {
        std::string cleaned;
        for (const Decoded& decoded : good)
            cleaned.append(bytes, decoded.offset, decoded.size);
        const fs::path temporary = fs::path(path).concat(temporary_suffix);
        const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        bool ok = fd >= 0;
        for (std::size_t done = 0; ok && done < cleaned.size();) {
            const ssize_t written = ::write(fd, cleaned.data() + done, cleaned.size() - done);
            if (written < 0 && errno == EINTR) continue;
            ok = written > 0;
            if (ok) done += static_cast<std::size_t>(written);
        }
        ok = ok && ::fsync(fd) == 0;
        if (fd >= 0) ::close(fd);
        std::error_code error;
        if (ok) fs::rename(temporary, path, error);
        if (!ok || error) {
            log::warn("spool.rewrite_failed", {{"path", path.string()}});
            fs::remove(temporary, error);
            return bytes.size();
        }
        (void)sync_directory(path.parent_path());
        std::size_t offset = 0;
        for (Decoded& decoded : good) {
            decoded.offset = offset;
            offset += decoded.size;
        }
        log::info("spool.segment_rewritten",
                  {{"path", path.string()}, {"records", good.size()}, {"bytes", cleaned.size()}});
        return cleaned.size();
    }

    void note_id(std::string_view id) {
        result_.largest_id = std::max(result_.largest_id, id_value(id));
    }

    // A crash mid-write leaves a prefix of the last batch: never acknowledged, so cut it off
    // (new records go to a new segment anyway, but the next start must not see it as rot).
    void cut_torn_tail(const fs::path& path, std::size_t offset, std::size_t size) {
        result_.report.torn_bytes += size - offset;
        log::info("spool.torn_tail",
                  {{"path", path.string()}, {"offset", offset}, {"bytes", size - offset}});
        const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(offset)) != 0 || ::fsync(fd) != 0) {
            log::warn("spool.torn_tail_not_cut",
                      {{"path", path.string()}, {"error", std::strerror(errno)}});
        }
        if (fd >= 0) ::close(fd);
    }

    // A copy for inspection; the original stays until its live messages are gone.
    bool quarantine(const fs::path& path) {
        fs::path copy = quarantine_dir_ / path.filename();
        std::error_code error;
        // The same segment found corrupt again at a later start replaces its copy; another
        // file of that name (segment numbers start over once a spool is emptied) is kept.
        if (fs::exists(copy, error) && fs::file_size(copy, error) != fs::file_size(path, error)) {
            copy += "." + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
        }
        fs::copy_file(path, copy, fs::copy_options::overwrite_existing, error);
        if (error) {
            log::warn("spool.quarantine_failed",
                      {{"path", path.string()}, {"error", error.message()}});
            return false;
        }
        result_.report.quarantined.push_back(copy);
        return true;
    }

    const fs::path& quarantine_dir_;
    ReplayResult& result_;
};

}  // namespace

std::uint64_t id_value(std::string_view id) {
    std::uint64_t value = 0;
    if (id.size() != id_hex_digits) return 0;
    const auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), value, 16);
    return error == std::errc{} && end == id.data() + id.size() ? value : 0;
}

ReplayResult replay_segments(const fs::path& segments_dir, const fs::path& quarantine_dir) {
    ReplayResult result;
    auto segments = list_segments(segments_dir);
    // Empty files: a segment created just before a crash, or whose first batch failed.
    std::erase_if(segments, [](const auto& segment) {
        std::error_code error;
        if (fs::file_size(segment.second, error) != 0 || error) return false;
        fs::remove(segment.second, error);
        return true;
    });
    Replayer replayer(quarantine_dir, result);
    for (std::size_t i = 0; i < segments.size(); ++i) {
        replayer.segment(segments[i].first, segments[i].second, i + 1 == segments.size());
    }
    if (!segments.empty()) result.next_segment = segments.back().first + 1;
    for (const auto& [id, indexed] : result.index.messages()) {
        result.report.messages.push_back(indexed.message);
    }
    std::sort(result.report.messages.begin(), result.report.messages.end(),
              [](const SpoolMessage& a, const SpoolMessage& b) { return a.id < b.id; });
    return result;
}

}  // namespace relaylab::relay
