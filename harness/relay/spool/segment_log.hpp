// The file side of the spool's writer: appends batches of records to the segment being written,
// one pwritev and one fdatasync per batch, rotating to a new segment file when the next record
// would pass segment_bytes. Used only from the writer thread (not thread-safe).
//
// A failed write or sync (ENOSPC, EFBIG, EIO) fails every record of that batch and cuts the file
// back to its size before the batch, so no half record stays behind a later good one; the next
// batch may succeed. After a failed fdatasync the page cache may no longer say what the disk
// holds (Linux drops the dirty pages' error once reported), so the segment is closed and the
// next batch starts a new one. EFBIG needs SIGXFSZ ignored (the relay's main() does that), or
// the kernel kills the process instead of returning the error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "harness/relay/spool/spool.hpp"
#include "harness/relay/spool/spool_record.hpp"

namespace relaylab::relay {

// One record on its way to disk, with what the index takes from it once it is durable.
struct PendingRecord {
    RecordType type = RecordType::message;
    std::string id;
    std::string head;      // the frame; for a message record everything but the body
    std::string body;      // message records only
    SpoolMessage message;  // message and state records: the state the index takes
    Spool::Done done;
    // Filled in by SegmentLog::append:
    std::uint64_t segment = 0;
    std::uint64_t offset = 0;  // of the frame in the segment file
    std::error_code error;

    std::uint64_t size() const { return head.size() + body.size(); }
};

// "0000000000000042.seg": fixed width, so names sort as numbers do.
std::string segment_file_name(std::uint64_t number);
// The number of a segment file name; false for any other name.
bool parse_segment_file_name(const std::string& name, std::uint64_t& number);
// fsync() of a directory, so the names created or removed in it are durable.
std::error_code sync_directory(const std::filesystem::path& directory);

class SegmentLog {
  public:
    // The first segment created is `next_number`; nothing is created before the first append.
    SegmentLog(std::filesystem::path segments_dir, std::uint64_t next_number,
               std::uint64_t segment_bytes, bool fsync);
    ~SegmentLog();
    SegmentLog(const SegmentLog&) = delete;
    SegmentLog& operator=(const SegmentLog&) = delete;

    struct Outcome {
        std::uint64_t syncs = 0;    // group commits made (fsync off: batches written)
        std::uint64_t largest = 0;  // records in the largest batch synced together
        std::uint64_t failed = 0;   // records that got an error
    };
    // Writes `records` in order, each record whole within one segment; fills in each record's
    // segment and offset, or its error.
    Outcome append(std::vector<PendingRecord>& records);

    // The segment being written (0 when none is open): never removed.
    std::uint64_t current() const { return fd_ >= 0 ? number_ : 0; }

  private:
    std::error_code open_next();
    void close_current();
    // Writes records [first, last) at the end of the current segment and syncs them.
    std::error_code write_run(std::vector<PendingRecord>& records, std::size_t first,
                              std::size_t last);

    std::filesystem::path dir_;
    std::uint64_t next_number_;
    std::uint64_t segment_bytes_;
    bool fsync_;
    int fd_ = -1;
    std::uint64_t number_ = 0;
    std::uint64_t size_ = 0;
    bool dir_synced_ = false;  // the new segment's name is durable
};

}  // namespace relaylab::relay
