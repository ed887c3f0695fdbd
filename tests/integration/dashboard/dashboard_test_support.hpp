// Shared by the dashboard tests: snapshots that look like partial report.json documents, the
// renderer's output to compare events with, and a raw loopback socket for clients curl cannot
// play (one that never reads, an HTTP/1.0 one). Every socket wait is bounded by SO_RCVTIMEO.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "reports/report_writers.hpp"

namespace relaylab::runner::testing {

// A partial report as the runner publishes each second; `padding` makes it as big as wanted.
inline nlohmann::json snapshot(int n, const std::string& padding = {}) {
    return {{"schema", "relaylab.report/1"},
            // report.json's shape: the renderer shows scenario.name and .description (a
            // string where the object belongs would be left out, and the padding with it).
            {"scenario", {{"name", "live-" + std::to_string(n)}, {"description", padding}}},
            {"duration_s", n},
            {"totals", {{"submitted", 100 * n}, {"delivered", 90 * n}}}};
}

inline std::string rendered(const nlohmann::json& document) {
    return reports::render_html_sections(document);
}

// The rendering as an event's data reaches the page: the browser joins "data:" lines with LF,
// so a CRLF in the rendering comes back as LF (and a lone CR as LF).
inline std::string rendered_as_event(const nlohmann::json& document) {
    std::string text = rendered(document);
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += '\n';
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

class RawClient {
  public:
    // receive_buffer > 0: set before connecting, so the kernel does not grow it (a small one
    // makes a viewer that never reads fill up fast).
    explicit RawClient(std::uint16_t port, int receive_buffer = 0)
        : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        if (receive_buffer > 0)
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        set_read_timeout(3);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~RawClient() { ::close(fd_); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return connected_; }
    void set_read_timeout(int seconds) {
        timeval timeout{.tv_sec = seconds, .tv_usec = 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    bool send(const std::string& data) {
        return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(data.size());
    }
    // Reads until `text` is in what was read, the peer closes, or a read times out.
    std::string read_until(const std::string& text) {
        std::string out;
        char buffer[64 * 1024];
        while (out.find(text) == std::string::npos) {
            ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            out.append(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }
    // Reads everything until the peer closes (true) or a read times out (false).
    bool read_to_close(std::string& out) {
        char buffer[64 * 1024];
        for (;;) {
            ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET;
            out.append(buffer, static_cast<std::size_t>(n));
        }
    }

  private:
    int fd_;
    bool connected_ = false;
};

}  // namespace relaylab::runner::testing
