#include "admin_world.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "tests/catch_main.hpp"

namespace relaylab::relay::testing {
namespace {

constexpr timeval receive_timeout{.tv_sec = 3, .tv_usec = 0};
constexpr const char* curl_path = "/usr/bin/curl";

}  // namespace

AdminWorld::AdminWorld(AdminApiConfig config) {
    api = std::make_unique<AdminApi>(std::move(config), backend);
    api->start();
}

std::string AdminWorld::url(const std::string& path) const {
    return "http://" + api->endpoint() + path;
}

bool have_curl() {
    if (::access(curl_path, X_OK) == 0) return true;
    relaylab::test::skip_test(std::string(curl_path) + " is not installed (apt-get install curl)");
    return false;
}

RawClient::RawClient(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &receive_timeout, sizeof receive_timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

RawClient::~RawClient() {
    ::close(fd_);
}

bool RawClient::send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

std::string RawClient::read_response() {
    char buffer[4096];
    for (;;) {
        std::size_t head_end = pending_.find("\r\n\r\n");
        if (head_end != std::string::npos) {
            std::size_t length = 0;
            std::string head = pending_.substr(0, head_end);
            for (const char* name : {"Content-Length: ", "content-length: "}) {
                std::size_t at = head.find(name);
                if (at != std::string::npos)
                    length =
                        std::strtoul(head.c_str() + at + std::string(name).size(), nullptr, 10);
            }
            std::size_t total = head_end + 4 + length;
            if (pending_.size() >= total) {
                std::string response = pending_.substr(0, total);
                pending_.erase(0, total);
                return response;
            }
        }
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) return {};
        pending_.append(buffer, static_cast<std::size_t>(n));
    }
}

bool RawClient::closed_by_server() {
    char buffer[4096];
    for (;;) {
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n == 0) return true;
        if (n < 0) return errno == ECONNRESET;
    }
}

}  // namespace relaylab::relay::testing
