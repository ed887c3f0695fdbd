#include "event_stream_reader.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

extern char** environ;

namespace relaylab::runner::testing {
namespace {

std::size_t header_end(const std::string& output) {
    std::size_t end = output.find("\r\n\r\n");
    return end == std::string::npos ? end : end + 4;
}

}  // namespace

std::vector<SseEvent> parse_event_stream(const std::string& body) {
    std::vector<SseEvent> events;
    std::size_t start = 0;
    for (;;) {
        std::size_t end = body.find("\n\n", start);
        if (end == std::string::npos) break;
        SseEvent event;
        bool has_data = false;
        bool has_field = false;
        std::size_t line_start = start;
        while (line_start <= end) {
            std::size_t line_end = body.find('\n', line_start);
            std::string line = body.substr(line_start, line_end - line_start);
            line_start = line_end + 1;
            if (line.empty() || line.front() == ':') continue;
            has_field = true;
            std::size_t colon = line.find(':');
            std::string field = line.substr(0, colon);
            std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') value.erase(0, 1);
            if (field == "event") event.name = value;
            if (field == "id") event.id = value;
            if (field == "data") {
                if (has_data) event.data += '\n';
                event.data += value;
                has_data = true;
            }
        }
        event.comment = !has_field;
        events.push_back(std::move(event));
        start = end + 2;
    }
    return events;
}

EventStreamReader::EventStreamReader(const std::string& url, std::chrono::seconds max_time) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    std::string max_time_text = std::to_string(max_time.count());
    std::vector<std::string> args = {"curl", "--silent",   "--no-buffer", "--include", "--noproxy",
                                     "*",    "--max-time", max_time_text, url};
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    int spawned = ::posix_spawnp(&pid_, "curl", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    if (spawned != 0) {
        ::close(pipe_fds[0]);
        throw std::runtime_error("cannot run curl");
    }
    reader_ = std::thread([this, fd = pipe_fds[0]] { read_output(fd); });
}

EventStreamReader::~EventStreamReader() {
    stop();
    if (reader_.joinable()) reader_.join();
}

void EventStreamReader::read_output(int fd) {
    char buffer[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::lock_guard lock(mutex_);
        unparsed_.append(buffer, static_cast<std::size_t>(n));
        parse_locked();
        changed_.notify_all();
    }
    ::close(fd);
    {
        std::lock_guard lock(mutex_);
        reaping_ = true;
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    std::lock_guard lock(mutex_);
    eof_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    changed_.notify_all();
}

// Incremental: a stream of many megabytes is parsed once, block by block as it arrives.
void EventStreamReader::parse_locked() {
    if (!headers_done_) {
        std::size_t end = header_end(unparsed_);
        if (end == std::string::npos) return;
        headers_ = unparsed_.substr(0, end);
        unparsed_.erase(0, end);
        headers_done_ = true;
    }
    std::size_t last_block_end = unparsed_.rfind("\n\n");
    if (last_block_end == std::string::npos) return;
    for (auto& event : parse_event_stream(unparsed_.substr(0, last_block_end + 2))) {
        if (event.comment)
            ++comments_;
        else
            events_.push_back(std::move(event));
    }
    unparsed_.erase(0, last_block_end + 2);
}

bool EventStreamReader::wait_for(const std::function<bool(const Events&)>& done,
                                 std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(events_); });
}

EventStreamReader::Events EventStreamReader::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

std::size_t EventStreamReader::comments() const {
    std::lock_guard lock(mutex_);
    return comments_;
}

std::string EventStreamReader::headers() const {
    std::lock_guard lock(mutex_);
    return headers_;
}

int EventStreamReader::wait_exit(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return eof_; })) return -1;
    return exit_code_;
}

void EventStreamReader::stop() {
    std::lock_guard lock(mutex_);
    // The reader thread reaps curl; until it starts to, the pid is still ours to signal.
    if (!reaping_ && pid_ > 0) ::kill(pid_, SIGTERM);
}

}  // namespace relaylab::runner::testing
