// The relay's JSON-lines event log: one object per line for every accepted message, delivery
// attempt, deferral, delivery, bounce and expiry, the raw material of run reports and of an
// operator's grep. Written from any thread; lines are buffered and flushed every
// `flush_interval` (and at close), never fsynced: the spool, not the log, is the record.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace relaylab::relay {

class EventLog {
  public:
    EventLog() = default;  // disabled: write() does nothing
    // Appends to `path` (created if missing). Throws std::runtime_error naming the file.
    explicit EventLog(const std::filesystem::path& path);
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    bool enabled() const { return file_ != nullptr; }
    // Adds "ts" (RFC 3339, milliseconds, UTC) and "event" to `fields` and writes one line.
    void write(std::string_view event, nlohmann::json fields);
    void flush();
    void close();

  private:
    std::mutex mutex_;
    std::FILE* file_ = nullptr;
    std::chrono::steady_clock::time_point last_flush_{};
};

}  // namespace relaylab::relay
