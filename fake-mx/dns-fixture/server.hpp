// The fixture DNS server's Asio shell: UDP and TCP listeners on one port that move bytes to
// and from Fixture::handle_query, honour its delays, and hand each query-log entry to a sink.
// Runs on one executor; every TCP read and write has a deadline.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fake-mx/dns-fixture/core/fixture.hpp"

namespace relaylab::dns::fixture {

inline constexpr std::size_t default_max_tcp_connections = 256;
// RFC 7766 6.2.3 suggests seconds, not minutes, for idle DNS TCP connections.
inline constexpr std::chrono::seconds default_tcp_idle_timeout{10};
inline constexpr std::size_t default_max_delayed_replies = 10'000;

struct ServerOptions {
    // When all are in use (or a client holds its share), the connection idle longest is closed
    // to make room (RFC 7766 6.2.3 lets a server close idle connections under pressure); when
    // none is idle, the newcomer is closed.
    std::size_t max_tcp_connections = default_max_tcp_connections;
    // Default: half of max_tcp_connections; 0: none.
    std::size_t max_tcp_connections_per_client = static_cast<std::size_t>(-1);
    std::chrono::milliseconds tcp_idle_timeout = default_tcp_idle_timeout;
    std::size_t max_delayed_replies = default_max_delayed_replies;  // beyond: replies dropped
};

using QueryLogSink = std::function<void(const QueryLogEntry&)>;

class FixtureServer {
  public:
    // Binds UDP and TCP to address:port; port 0 picks a free port for both. Throws
    // boost::system::system_error when the address cannot be bound.
    FixtureServer(boost::asio::any_io_executor executor, Fixture fixture,
                  const std::string& address, std::uint16_t port, ServerOptions options = {});
    ~FixtureServer();
    FixtureServer(const FixtureServer&) = delete;
    FixtureServer& operator=(const FixtureServer&) = delete;

    std::uint16_t port() const;
    std::string endpoint() const;  // "127.0.0.1:40123"

    void set_query_log(QueryLogSink sink);
    void start();  // spawns the UDP loop and the TCP acceptor on the executor
    void stop();   // closes the sockets; in-flight work ends on its own

    struct State;  // shared with the coroutines, which may outlive a stop()

  private:
    std::shared_ptr<State> state_;
};

}  // namespace relaylab::dns::fixture
