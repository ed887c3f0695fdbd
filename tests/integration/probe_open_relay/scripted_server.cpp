#include "scripted_server.hpp"

#include <sys/socket.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <string>

#include "harness/net/tls.hpp"

namespace relaylab::probe::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Reads one CRLF line from `stream` through `buffer` (which may hold more afterwards).
template <class Stream>
bool read_line(Stream& stream, asio::streambuf& buffer, std::string& line) {
    boost::system::error_code ec;
    const std::size_t n = asio::read_until(stream, buffer, "\r\n", ec);
    if (ec) return false;
    line.assign(asio::buffers_begin(buffer.data()),
                asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(n));
    buffer.consume(n);
    return true;
}

template <class Stream>
bool write(Stream& stream, const std::string& bytes) {
    boost::system::error_code ec;
    asio::write(stream, asio::buffer(bytes), ec);
    return !ec;
}

std::string answer(const std::string& line) {
    if (line.rfind("EHLO", 0) == 0) return "250 vuln.test\r\n";
    if (line.rfind("QUIT", 0) == 0) return "221 2.0.0 Bye\r\n";
    return "250 2.0.0 Ok\r\n";
}

}  // namespace

ScriptedServer::ScriptedServer(Script script)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, script] { run(script); });
}

ScriptedServer::~ScriptedServer() {
    // Wakes an accept() that no probe answered (close() alone does not on Linux).
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    thread_.join();
}

void ScriptedServer::run(Script script) {
    boost::system::error_code ec;
    tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (ec) return;
    if (script == Script::silent) {
        // Until the probe gives up and closes.
        char byte;
        socket.read_some(asio::buffer(&byte, 1), ec);
        return;
    }
    if (!write(socket, "220 vuln.test ESMTP\r\n")) return;
    asio::streambuf plain;
    std::string line;
    if (script == Script::close_after_greeting) {
        read_line(socket, plain, line);
        return;
    }
    for (;;) {
        if (!read_line(socket, plain, line)) return;
        if (line.rfind("EHLO", 0) == 0) {
            if (!write(socket, "250-vuln.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")) return;
            continue;
        }
        if (line.rfind("STARTTLS", 0) == 0) break;
        if (!write(socket, answer(line))) return;
        if (line.rfind("QUIT", 0) == 0) return;
    }
    // What arrived with STARTTLS. The vulnerable scripts insist on the whole pipelined line
    // (on loopback it comes in the same segment anyway), so the test does not race.
    std::string pending;
    if (script != Script::injection_safe) {
        if (!read_line(socket, plain, pending)) return;
    }
    std::string reply_220 = "220 2.0.0 Ready to start TLS\r\n";
    if (script == Script::plaintext_after_220) {
        reply_220 += answer(pending);
        pending.clear();
    }
    if (!write(socket, reply_220)) return;

    auto context = net::make_server_context(net::make_self_signed_certificate("vuln.test"));
    asio::ssl::stream<tcp::socket&> tls(socket, *context);
    tls.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    if (script == Script::injection_vulnerable && !pending.empty()) {
        if (!write(tls, answer(pending))) return;
        pending.clear();
    }
    asio::streambuf secure;
    for (;;) {
        if (!read_line(tls, secure, line)) return;
        if (script == Script::injection_vulnerable_lazy && !pending.empty()) {
            if (!write(tls, answer(pending))) return;
            pending.clear();
        }
        if (!write(tls, answer(line))) return;
        if (line.rfind("QUIT", 0) == 0) return;
    }
}

}  // namespace relaylab::probe::testing
