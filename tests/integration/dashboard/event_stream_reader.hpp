// A viewer of the dashboard's /events as a browser sees it: Debian's curl (--no-buffer, so
// each event comes through as it arrives) runs as a child process, a thread collects what it
// prints, and the text/event-stream is parsed into events. Every wait is bounded, curl's own
// run by --max-time; the destructor stops the curl it started (by pid) and nothing else.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace relaylab::runner::testing {

struct SseEvent {
    std::string name;  // "" for the browser's "message"
    std::string id;
    std::string data;      // the data lines joined with LF, as the browser joins them
    bool comment = false;  // a block of comment lines only (the ping)
};

// Parses the complete blocks of an event stream body (what follows the last blank line is
// left out: it has not arrived whole).
std::vector<SseEvent> parse_event_stream(const std::string& body);

class EventStreamReader {
  public:
    EventStreamReader(const std::string& url, std::chrono::seconds max_time);
    ~EventStreamReader();
    EventStreamReader(const EventStreamReader&) = delete;
    EventStreamReader& operator=(const EventStreamReader&) = delete;

    using Events = std::vector<SseEvent>;
    // True as soon as `done(events so far)` holds; false after the timeout.
    bool wait_for(const std::function<bool(const Events&)>& done,
                  std::chrono::milliseconds timeout);
    // Data events (comments left out) received so far.
    Events events() const;
    std::size_t comments() const;
    std::string headers() const;  // the response's status line and fields
    // curl's exit code once it has ended (0: the stream ended properly), -1 after the timeout.
    int wait_exit(std::chrono::milliseconds timeout);
    // Stops curl now (a viewer closing its tab).
    void stop();

  private:
    void read_output(int fd);
    void parse_locked();

    pid_t pid_ = -1;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string headers_;
    bool headers_done_ = false;
    std::string unparsed_;  // the body after the last complete block
    Events events_;
    std::size_t comments_ = 0;
    bool reaping_ = false;  // curl is being waited for: its pid is no longer ours to signal
    bool eof_ = false;
    int exit_code_ = -1;
    std::thread reader_;
};

}  // namespace relaylab::runner::testing
