// A Maildir (https://cr.yp.to/proto/maildir.html) that the store delivers raw messages into:
// write to tmp/<unique>, then rename to new/<unique>, so a reader never sees a partial file.
//
// Unique names follow the modern form "<sec>.M<usec>P<pid>R<random>Q<seq>.<host>": the random
// part tells two stores of one process (or a restarted process with the same pid) apart, the
// sequence number tells messages of one store apart. The store keeps only (time, seq) per
// message and derives the name again, so a million file names cost no memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relaylab::fakemx::capture {

class Maildir {
  public:
    // Creates dir, dir/tmp, dir/new and dir/cur as needed; throws std::runtime_error naming
    // the directory and the reason when it cannot. With fsync, each file is flushed before
    // the rename (as the Maildir spec asks); without, a crash may lose the newest files, which
    // a test capture can afford and a benchmark cannot (an fsync per message costs ~1 ms).
    Maildir(std::string dir, bool fsync);

    // "new/<unique name>" for a message received at `received_us` (unix µs) with sequence seq.
    std::string file_for(std::int64_t received_us, std::uint64_t seq) const;

    // Writes the message; nullopt on success, else what went wrong (file name and errno text).
    std::optional<std::string> deliver(std::int64_t received_us, std::uint64_t seq,
                                       std::string_view content) const;

    // The content of a delivered file, nullopt when it is gone or unreadable. Reads at most
    // max_bytes (the store passes the message size it knows, so a swapped file cannot make
    // the API read gigabytes).
    std::optional<std::string> read(std::string_view file, std::uint64_t max_bytes) const;

    // Whether a delivered file is still there (a user or a cleaner may remove it).
    bool exists(std::string_view file) const;

    const std::string& dir() const { return dir_; }

  private:
    std::string dir_;
    bool fsync_;
    std::string host_;  // the host part of unique names, '/' and ':' escaped
    long pid_;
    std::uint64_t random_;
};

}  // namespace relaylab::fakemx::capture
