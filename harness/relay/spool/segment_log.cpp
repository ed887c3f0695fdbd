#include "harness/relay/spool/segment_log.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>

#include "harness/log/log.hpp"

namespace relaylab::relay {
namespace {

constexpr std::size_t segment_digits = 16;
constexpr std::string_view segment_suffix = ".seg";

std::error_code last_error() {
    return {errno, std::generic_category()};
}

// pwritev until everything is written; a short write (the disk filled, RLIMIT_FSIZE reached)
// is retried so that the call that cannot progress reports the errno.
std::error_code write_all(int fd, std::uint64_t offset, std::vector<iovec>& parts) {
    std::size_t index = 0;
    while (index < parts.size()) {
        const int count = static_cast<int>(std::min<std::size_t>(IOV_MAX, parts.size() - index));
        const ssize_t written = ::pwritev(fd, &parts[index], count, static_cast<off_t>(offset));
        if (written < 0) {
            if (errno == EINTR) continue;
            return last_error();
        }
        if (written == 0) return std::make_error_code(std::errc::io_error);
        offset += static_cast<std::uint64_t>(written);
        auto left = static_cast<std::size_t>(written);
        while (left > 0) {
            if (left >= parts[index].iov_len) {
                left -= parts[index].iov_len;
                ++index;
            } else {
                parts[index].iov_base = static_cast<char*>(parts[index].iov_base) + left;
                parts[index].iov_len -= left;
                left = 0;
            }
        }
    }
    return {};
}

}  // namespace

std::string segment_file_name(std::uint64_t number) {
    char name[segment_digits + 1];
    std::snprintf(name, sizeof name, "%016llu", static_cast<unsigned long long>(number));
    return std::string(name) + std::string(segment_suffix);
}

bool parse_segment_file_name(const std::string& name, std::uint64_t& number) {
    if (name.size() != segment_digits + segment_suffix.size()) return false;
    if (!name.ends_with(segment_suffix)) return false;
    const char* end = name.data() + segment_digits;
    if (!std::all_of(name.data(), end, [](char c) { return c >= '0' && c <= '9'; })) return false;
    return std::from_chars(name.data(), end, number).ec == std::errc{};
}

std::error_code sync_directory(const std::filesystem::path& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return last_error();
    std::error_code error;
    if (::fsync(fd) != 0) error = last_error();
    ::close(fd);
    return error;
}

SegmentLog::SegmentLog(std::filesystem::path segments_dir, std::uint64_t next_number,
                       std::uint64_t segment_bytes, bool fsync)
    : dir_(std::move(segments_dir)),
      next_number_(std::max<std::uint64_t>(next_number, 1)),
      segment_bytes_(std::max<std::uint64_t>(segment_bytes, 1)),
      fsync_(fsync) {}

SegmentLog::~SegmentLog() {
    close_current();
}

void SegmentLog::close_current() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

std::error_code SegmentLog::open_next() {
    close_current();
    const std::filesystem::path path = dir_ / segment_file_name(next_number_);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        const std::error_code error = last_error();
        // A file of that name (left by hand?) is never appended to: take the next number.
        if (error == std::errc::file_exists) ++next_number_;
        return error;
    }
    fd_ = fd;
    number_ = next_number_++;
    size_ = 0;
    dir_synced_ = false;
    log::debug("spool.segment_created", {{"path", path.string()}});
    return {};
}

std::error_code SegmentLog::write_run(std::vector<PendingRecord>& records, std::size_t first,
                                      std::size_t last) {
    std::vector<iovec> parts;
    parts.reserve(2 * (last - first));
    std::uint64_t bytes = 0;
    for (std::size_t i = first; i < last; ++i) {
        for (std::string* part : {&records[i].head, &records[i].body}) {
            if (part->empty()) continue;
            parts.push_back(iovec{part->data(), part->size()});
            bytes += part->size();
        }
    }
    std::error_code error = write_all(fd_, size_, parts);
    bool sync_failed = false;
    if (!error && fsync_ && ::fdatasync(fd_) != 0) {
        error = last_error();
        sync_failed = true;
    }
    // The name of a new segment must be durable before its first record is acknowledged (a
    // failure here is retried with the next batch).
    if (!error && fsync_ && !dir_synced_) error = sync_directory(dir_);
    if (error) {
        if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0 || sync_failed) {
            // Could not cut the file back, or a sync failed and the page cache no longer says
            // what the disk holds: never append to this file again.
            log::warn("spool.segment_abandoned",
                      {{"segment", number_}, {"size", size_}, {"error", error.message()}});
            close_current();
        }
        return error;
    }
    dir_synced_ = dir_synced_ || fsync_;
    std::uint64_t offset = size_;
    for (std::size_t i = first; i < last; ++i) {
        records[i].segment = number_;
        records[i].offset = offset;
        offset += records[i].size();
    }
    size_ += bytes;
    return {};
}

SegmentLog::Outcome SegmentLog::append(std::vector<PendingRecord>& records) {
    Outcome outcome;
    std::size_t first = 0;
    while (first < records.size()) {
        if (fd_ < 0 || (size_ > 0 && size_ + records[first].size() > segment_bytes_)) {
            if (const std::error_code error = open_next()) {
                log::warn("spool.segment_create_failed",
                          {{"directory", dir_.string()}, {"error", error.message()}});
                for (std::size_t i = first; i < records.size(); ++i)
                    records[i].error = error;
                outcome.failed += records.size() - first;
                return outcome;
            }
        }
        // A record larger than a segment still gets one of its own (the first of a run).
        std::size_t last = first + 1;
        std::uint64_t run_bytes = records[first].size();
        while (last < records.size() &&
               size_ + run_bytes + records[last].size() <= segment_bytes_) {
            run_bytes += records[last].size();
            ++last;
        }
        const std::error_code error = write_run(records, first, last);
        if (error) {
            for (std::size_t i = first; i < last; ++i)
                records[i].error = error;
            outcome.failed += last - first;
        } else {
            outcome.syncs += 1;
            outcome.largest = std::max<std::uint64_t>(outcome.largest, last - first);
        }
        first = last;
    }
    return outcome;
}

}  // namespace relaylab::relay
