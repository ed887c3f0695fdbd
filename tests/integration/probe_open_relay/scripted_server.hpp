// Tiny SMTP servers with one deliberate fault each, for the probe tests: each accepts one
// connection on an ephemeral loopback port in its own thread and plays its script.
#pragma once

#include <cstdint>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace relaylab::probe::testing {

enum class Script {
    // STARTTLS: 220, handshake, then the command read in the same buffer as STARTTLS is run
    // and answered inside TLS at once (CVE-2011-0411).
    injection_vulnerable,
    // The same bug, but the buffered command runs only when the next command arrives.
    injection_vulnerable_lazy,
    // Answers the pipelined command in plaintext right behind the 220, then discards nothing
    // more and does TLS correctly.
    plaintext_after_220,
    // Discards what followed STARTTLS (RFC 3207 6): the correct server.
    injection_safe,
    // Greets, then hangs up at the first command.
    close_after_greeting,
    // Accepts the connection and never says anything.
    silent,
};

class ScriptedServer {
  public:
    explicit ScriptedServer(Script script);
    ~ScriptedServer();
    std::uint16_t port() const { return port_; }

  private:
    void run(Script script);
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace relaylab::probe::testing
