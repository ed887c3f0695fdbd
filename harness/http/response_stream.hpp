// The body of a response that goes on after the handler returns (server-sent events, a live
// tail): producers on any thread queue bytes; the HTTP server (http_server.cpp) writes them as
// they come, each write within the server's write deadline, until the producer closes the
// stream or the reader goes away. A handler returns one in HttpResponse::stream.
//
// Bounded: what waits to be written is capped (push) or is one whole state (replace), so a
// reader that does not read is cut, never buffered without bound. Sans-I/O: the server wakes
// itself through the waker it installs; nothing here knows Asio.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace relaylab::http {

struct StreamLimits {
    // Bytes queued and not yet taken by the server; a push beyond cuts the stream.
    std::size_t max_pending_bytes = 1024 * 1024;
    // Written when nothing else was for this long, so proxies and browsers keep an idle stream
    // open and a vanished reader is noticed (SSE: a comment line). Zero: never.
    std::chrono::milliseconds heartbeat_interval{0};
    std::string heartbeat;
};

class ResponseStream {
  public:
    explicit ResponseStream(StreamLimits limits = {});
    ResponseStream(const ResponseStream&) = delete;
    ResponseStream& operator=(const ResponseStream&) = delete;

    // Producer side, any thread.

    // Queues bytes after those waiting. False when the stream is over, or when the bytes
    // waiting would exceed max_pending_bytes: the reader fell behind and is cut.
    bool push(std::string_view bytes);
    // Drops what waits (not what is being written) and queues `bytes` instead: for a stream of
    // whole states where only the latest matters (a live view), so a slow reader skips states
    // instead of piling them up. False when the stream is over.
    bool replace(std::string bytes);
    // The stream ends after what waits is written. Idempotent.
    void close();
    // Closed, cut, or the connection is over (reader gone, server stopped).
    bool ended() const;
    // Waits until the server is done with the stream (everything written after close(), or
    // the connection over). True when it is.
    bool wait_done(std::chrono::milliseconds timeout) const;

    // Server side (http_server.cpp).

    const StreamLimits& limits() const { return limits_; }
    struct Taken {
        std::string bytes;
        bool last = false;  // write `bytes`, then end the body properly
        bool cut = false;   // drop the connection now: the reader fell behind
    };
    Taken take();
    // Called (on a producer's thread, under the stream's lock: it must only post) when there
    // is something new to take.
    void set_waker(std::function<void()> waker);
    // The connection is over: the stream ends, the waker is dropped (it is never called after
    // this returns), wait_done() returns.
    void detach();

  private:
    enum class State { open, closing, cut, done };
    void wake_locked();

    const StreamLimits limits_;
    mutable std::mutex mutex_;
    mutable std::condition_variable done_changed_;
    State state_ = State::open;
    std::string pending_;
    std::function<void()> waker_;
};

}  // namespace relaylab::http
