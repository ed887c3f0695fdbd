// A FakeBackend behind an AdminApi on an ephemeral loopback port, and the clients the tests
// use: Debian's curl (the interop peer, through the fake MX tests' curl_client) and a raw
// socket for what curl hides (keep-alive on one connection, oversized requests).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fake_backend.hpp"
#include "harness/relay/admin/admin_api.hpp"

namespace relaylab::relay::testing {

struct AdminWorld {
    explicit AdminWorld(AdminApiConfig config = {});
    std::string url(const std::string& path) const;

    FakeBackend backend;
    std::unique_ptr<AdminApi> api;
};

// Debian's curl is the peer: false (and the test case recorded as skipped, or failed under
// CI=true) when it is not installed.
bool have_curl();

// A blocking loopback client; every receive is bounded by SO_RCVTIMEO (3 s).
class RawClient {
  public:
    explicit RawClient(std::uint16_t port);
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return connected_; }
    bool send(const std::string& data);
    // One whole response: the head, then Content-Length bytes of body. "" on timeout or close.
    std::string read_response();
    // True when the server closed the connection (EOF or reset) within the timeout.
    bool closed_by_server();

  private:
    int fd_;
    bool connected_ = false;
    std::string pending_;  // bytes read past the last response (pipelining)
};

}  // namespace relaylab::relay::testing
