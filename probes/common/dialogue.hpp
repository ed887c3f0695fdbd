// One probe connection to an SMTP server, driven step by step by a check: connect, read a
// reply, send exact bytes (well-formed commands or the malformed ones a smuggling check needs),
// upgrade with STARTTLS under a context the check chose (one TLS version only, no
// verification...). Every step is bounded by a deadline and recorded in the transcript, and a
// failure is a typed value with a reason, so a server that stalls, talks garbage or hangs up
// mid-reply gives the check an `error` verdict with that reason instead of a hang.
//
// This is deliberately not net::SmtpClient: that one drives the well-behaved ClientSession
// state machine; a probe must be able to say things a correct client never says.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "harness/net/smtp_stream.hpp"
#include "harness/smtp/reply.hpp"
#include "probes/common/transcript.hpp"

namespace relaylab::probe {

struct DialogueTimeouts {
    std::chrono::milliseconds connect{std::chrono::seconds(10)};
    // Each reply, the greeting included. RFC 5321 4.5.3.2 allows minutes; a probe reports a
    // server that needs them as an error (raise --timeout for tarpitting servers).
    std::chrono::milliseconds reply{std::chrono::seconds(30)};
    std::chrono::milliseconds tls_handshake{std::chrono::seconds(15)};
    std::chrono::milliseconds write{std::chrono::seconds(30)};
};

enum class DialogueError {
    none,
    connect_refused,  // "connection refused"
    connect_timeout,  // "connect timed out"
    connect_failed,   // other connect errors (unreachable...), detail says which
    reply_timeout,    // "timed out waiting for a reply"
    closed,           // "connection closed by the server" (before or in the middle of a reply)
    garbage,          // "not an SMTP reply": the reply parser's reason in detail
    write_failed,     // "could not send": reset by the server...
    tls_failed,       // "TLS handshake failed": the classified reason in detail
};
std::string_view describe(DialogueError error);

struct DialogueFailure {
    DialogueError error = DialogueError::none;
    std::string detail;
    std::string text() const;  // "timed out waiting for a reply (after 30000 ms)"
};

class Dialogue {
  public:
    Dialogue(boost::asio::any_io_executor executor, DialogueTimeouts timeouts = {});
    ~Dialogue();
    Dialogue(const Dialogue&) = delete;
    Dialogue& operator=(const Dialogue&) = delete;

    // Connects; false with failure() set. Does not read the greeting (read_reply() does).
    boost::asio::awaitable<bool> connect(const boost::asio::ip::tcp::endpoint& endpoint);

    // The next complete reply (multi-line replies whole); nullopt with failure() set.
    // `timeout` replaces timeouts.reply for this wait.
    boost::asio::awaitable<std::optional<smtp::Reply>> read_reply(
        std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    // Waits up to `wait` for a reply the server may or may not send (a server that took
    // <LF>.<LF> as end of data answers; one that did not stays silent). nullopt without a
    // failure when nothing came in time; a reply read in part stays buffered for the next read.
    boost::asio::awaitable<std::optional<smtp::Reply>> poll_reply(std::chrono::milliseconds wait);

    // Sends the bytes exactly as given; false with failure() set.
    boost::asio::awaitable<bool> send(std::string_view bytes);
    // send(line + "\r\n") then read_reply().
    boost::asio::awaitable<std::optional<smtp::Reply>> command(std::string_view line);

    // TLS handshake on the connection as it is (the caller has sent STARTTLS and read 220,
    // or the port speaks TLS at once). `sni` may be a host name or empty. False with
    // failure() set (DialogueError::tls_failed, the reason from net::classify_handshake_failure).
    boost::asio::awaitable<bool> start_tls(boost::asio::ssl::context& context,
                                           const std::string& sni);

    // A complete reply, or part of one, arrived and was not read yet (an injection check
    // looks at what the server sent before the TLS handshake, which must be nothing).
    bool has_unread_input() const { return parser_.has_reply() || parser_.mid_reply(); }

    const DialogueFailure& failure() const { return failure_; }
    bool failed() const { return failure_.error != DialogueError::none; }
    Transcript& transcript() { return transcript_; }
    net::SmtpStream& stream() { return stream_; }
    const net::TlsInfo& tls() const { return stream_.tls(); }
    // Time from the start of connect() to the end of the first complete reply (the banner).
    std::optional<std::chrono::milliseconds> time_to_first_reply() const { return first_reply_; }

    // Sends QUIT and reads its reply if the connection is still usable (both bounded), then
    // closes. Never fails: a server that hangs up instead is normal.
    boost::asio::awaitable<void> quit();
    void close();

  private:
    boost::asio::awaitable<bool> fill(std::chrono::milliseconds timeout, bool timeout_is_failure);
    bool fail(DialogueError error, std::string detail);

    DialogueTimeouts timeouts_;
    net::SmtpStream stream_;
    smtp::ReplyParser parser_{smtp::limits::reply_line_tolerated};
    Transcript transcript_;
    DialogueFailure failure_;
    net::Clock::time_point connect_started_{};
    std::optional<std::chrono::milliseconds> first_reply_;
    std::string read_buffer_;
};

}  // namespace relaylab::probe
