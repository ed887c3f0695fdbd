#include "fake-mx/capture/session_record.hpp"

#include <algorithm>
#include <limits>

namespace relaylab::fakemx::capture {

std::string_view to_string(TranscriptSide side) {
    return side == TranscriptSide::client ? "client" : "server";
}

std::size_t SessionRecord::memory_bytes() const {
    std::size_t bytes = sizeof(SessionRecord) + session_id.capacity() + host.capacity() +
                        client_ip.capacity() + lines.capacity() * sizeof(TranscriptLine);
    for (const TranscriptLine& line : lines)
        bytes += line.text.capacity();
    return bytes;
}

TranscriptRecorder::TranscriptRecorder(const smtp::ConnectionInfo& connection, std::string host,
                                       TranscriptLimits limits)
    : limits_(limits), started_(std::chrono::steady_clock::now()) {
    record_.session_id = connection.session_id;
    record_.host = std::move(host);
    record_.client_ip = connection.client_address;
    record_.client_port = connection.client_port;
    record_.connected_at = std::chrono::system_clock::now();
}

void TranscriptRecorder::on_command(std::string_view line) {
    record(TranscriptSide::client, line, std::chrono::steady_clock::now());
}

void TranscriptRecorder::on_reply(std::string_view wire) {
    record(TranscriptSide::server, wire, std::chrono::steady_clock::now());
}

void TranscriptRecorder::record(TranscriptSide side, std::string_view text,
                                std::chrono::steady_clock::time_point at) {
    if (record_.lines.size() >= limits_.max_lines) {
        ++record_.lines_dropped;
        return;
    }
    while (text.ends_with("\r\n"))
        text.remove_suffix(2);
    while (text.ends_with('\n'))
        text.remove_suffix(1);
    TranscriptLine line;
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(at - started_).count();
    line.at_ms = static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(elapsed, 0, std::numeric_limits<std::uint32_t>::max()));
    line.side = side;
    line.truncated = text.size() > limits_.max_line_bytes;
    line.text = text.substr(0, limits_.max_line_bytes);
    record_.lines.push_back(std::move(line));
}

SessionRecord TranscriptRecorder::finish() {
    record_.closed_at = std::chrono::system_clock::now();
    SessionRecord done = std::move(record_);
    record_ = SessionRecord{};
    return done;
}

}  // namespace relaylab::fakemx::capture
