// The transcript of one SMTP connection to a fake MX: every command and reply with its time
// relative to the connect, so a test can see a relay's retries, fallbacks to the next MX, and
// what it did after each reply. Bounded per session (lines, bytes per line).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fake-mx/capture/rfc3339.hpp"
#include "harness/smtp/server_session.hpp"

namespace relaylab::fakemx::capture {

struct TranscriptLimits {
    std::size_t max_lines = 1000;      // per session; the rest is counted, not kept
    std::size_t max_line_bytes = 512;  // RFC 5321 4.5.3.1.4/5: a command or reply line is 512
};

enum class TranscriptSide { client, server };
std::string_view to_string(TranscriptSide side);

struct TranscriptLine {
    std::uint32_t at_ms = 0;  // since the connect
    TranscriptSide side = TranscriptSide::client;
    bool truncated = false;  // cut at max_line_bytes
    std::string text;        // a command line, or a reply (lines of a multi-line reply joined by
                             // CRLF), without the final CRLF
};

struct SessionRecord {
    std::uint64_t id = 0;  // assigned by the store
    std::string session_id;
    std::string host;  // the fake MX
    std::string client_ip;
    std::uint16_t client_port = 0;
    SystemTime connected_at{};
    SystemTime closed_at{};
    std::vector<TranscriptLine> lines;
    std::uint64_t lines_dropped = 0;  // beyond max_lines
    std::size_t memory_bytes() const;
};

// Records a transcript as a smtp::SessionObserver (the server shell calls it for every command
// and reply). The clock is the caller's for tests; the observer interface uses steady_clock.
class TranscriptRecorder : public smtp::SessionObserver {
  public:
    TranscriptRecorder(const smtp::ConnectionInfo& connection, std::string host,
                       TranscriptLimits limits = {});

    void on_command(std::string_view line) override;
    void on_reply(std::string_view wire) override;
    void record(TranscriptSide side, std::string_view text,
                std::chrono::steady_clock::time_point at);

    // The record so far, with closed_at set to now; the recorder is empty afterwards.
    SessionRecord finish();

  private:
    TranscriptLimits limits_;
    std::chrono::steady_clock::time_point started_;
    SessionRecord record_;
};

}  // namespace relaylab::fakemx::capture
