// The relay's suppression list: the addresses that unsubscribed, one per line in a file that
// only grows. An unsubscribe is acknowledged (the endpoint's 200) only after its line is written
// and fsynced, so an acknowledged unsubscribe survives a crash; the file is read back at start.
// A crash mid-write leaves a torn last line: it was never acknowledged, so loading drops it
// (and cuts it off the file, so the next line starts clean).
//
// Address comparison (RFC 5321 2.4): the domain is case-insensitive; the local part is
// formally case-sensitive, but the RFC itself discourages exploiting that and mailbox providers
// fold it. Here the mistakes are not symmetric: treating "John@" and "john@" as one address
// can only withhold mail from someone who unsubscribed under another spelling, while keeping
// them apart would mail a person who asked us to stop. So both parts compare without ASCII case;
// the file keeps the address as it was unsubscribed (domain lower-cased).
//
// Thread-safe: contains() (at every RCPT) takes a shared lock on an in-memory set; add()
// serialises writers on the file and never holds the set's lock during the fsync.
#pragma once

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace relaylab::relay {

// RFC 5321 4.5.3.1.3: a path is at most 256 octets; a longer line is not an address.
inline constexpr std::size_t max_suppressed_address_bytes = 256;

struct SuppressionLoad {
    std::size_t addresses = 0;      // distinct addresses read
    std::size_t skipped_lines = 0;  // too long, or not an address (named in the log)
    bool torn_tail = false;         // a last line without its newline was dropped
};

enum class SuppressionAdd {
    added,    // new, and durable
    already,  // was in the list
    invalid,  // not an address (empty, no '@', control characters, too long)
};

class SuppressionList {
  public:
    // Reads `file` (created empty, with its directory, when absent). Throws std::runtime_error
    // naming the file when it cannot be read or opened for appending.
    explicit SuppressionList(std::filesystem::path file);
    ~SuppressionList();
    SuppressionList(const SuppressionList&) = delete;
    SuppressionList& operator=(const SuppressionList&) = delete;

    // Durable before it returns `added` (write + fsync). Throws std::system_error when the
    // disk refuses: the caller must not acknowledge the unsubscribe then.
    SuppressionAdd add(std::string_view address);
    bool contains(std::string_view address) const;
    std::size_t size() const;
    const SuppressionLoad& loaded() const { return loaded_; }
    const std::filesystem::path& file() const { return file_; }

    // The comparison key ("john@shop.test" for "John@Shop.TEST"), or nullopt when `address`
    // is not one (see SuppressionAdd::invalid).
    static std::optional<std::string> key_of(std::string_view address);

  private:
    void load();

    const std::filesystem::path file_;
    SuppressionLoad loaded_;
    int fd_ = -1;            // O_APPEND; written under file_mutex_
    std::mutex file_mutex_;  // one writer at a time, so lines never interleave
    mutable std::shared_mutex set_mutex_;
    std::unordered_set<std::string> keys_;
};

}  // namespace relaylab::relay
