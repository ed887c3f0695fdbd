// The receiving MX of the "smuggling-outbound" check: the probe listens on --sink and the relay
// under test delivers the probe's messages here. It speaks SMTP through the house's own
// ServerSession (bare newlines accepted, so what the relay sends is never refused) and keeps
// each connection's client octets exactly as they came, dot-stuffing included: whether a relay
// forwarded <LF>.<LF> or a stuffed <LF>..<LF> is a matter of those raw octets, which decoded
// content cannot tell apart. CHUNKING is not offered, so the relay must send DATA and do its
// own dot-stuffing, which is what is being tested.
//
// Runs on the probe's executor (one thread, as every probe check); bounded in connections,
// octets per connection and idle time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace relaylab::probe {

struct SmugglingSinkLimits {
    std::size_t max_connections = 64;  // over the whole check; more are closed at once
    std::size_t max_octets_per_connection = 4 << 20;           // past it the connection is closed
    std::chrono::milliseconds idle{std::chrono::seconds(30)};  // RFC 5321 4.5.3.2 allows more
};

class SmugglingSink {
  public:
    SmugglingSink(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint listen,
                  SmugglingSinkLimits limits = {});
    ~SmugglingSink();  // closes what is still open
    SmugglingSink(const SmugglingSink&) = delete;
    SmugglingSink& operator=(const SmugglingSink&) = delete;

    // Binds and starts accepting; throws std::system_error naming the address.
    void start();
    // Closes the listener and every connection, and waits (bounded) for their coroutines.
    boost::asio::awaitable<void> stop();

    std::uint16_t port() const;
    // The client octets of every connection so far, in the order they were accepted.
    std::vector<std::string> received() const;
    // Connections and problems seen ("connection 3: closed after 4194304 octets").
    std::vector<std::string> notes() const;

    struct State;  // shared with the connection coroutines, so it outlives each of them

  private:
    std::shared_ptr<State> state_;
};

}  // namespace relaylab::probe
