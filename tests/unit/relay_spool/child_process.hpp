// A forked child for the crash and write-failure tests: it reports over a pipe, line by line,
// and the parent reads with a deadline. The child never returns into Catch: it _exit()s.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace relaylab::relay::test {

class ChildProcess {
  public:
    // Runs `body(write_fd)` in a child; its return value is the exit status.
    explicit ChildProcess(const std::function<int(int)>& body) {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::close(fds[0]);
            int status = 3;
            try {
                status = body(fds[1]);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "child failed: %s\n", e.what());
            }
            ::_exit(status);
        }
        ::close(fds[1]);
        read_fd_ = fds[0];
    }
    ~ChildProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            wait();
        }
        if (read_fd_ >= 0) ::close(read_fd_);
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Reads complete lines until `until` passes or the child closes the pipe (returns false).
    bool read_lines(std::chrono::steady_clock::time_point until, std::vector<std::string>& lines) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left.count() <= 0) return true;
            pollfd poll_fd{read_fd_, POLLIN, 0};
            if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[4096];
            const ssize_t got = ::read(read_fd_, chunk, sizeof chunk);
            if (got <= 0) return false;
            pending_.append(chunk, static_cast<std::size_t>(got));
            for (std::size_t end; (end = pending_.find('\n')) != std::string::npos;) {
                lines.push_back(pending_.substr(0, end));
                pending_.erase(0, end + 1);
            }
        }
    }

    void kill_hard() { ::kill(pid_, SIGKILL); }

    // Waits for the child's end; the raw waitpid status.
    int wait() {
        int status = 0;
        if (pid_ > 0) ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return status;
    }

  private:
    pid_t pid_ = -1;
    int read_fd_ = -1;
    std::string pending_;
};

// One report line from a child: a single write(), atomic on a pipe (under PIPE_BUF).
inline void report_line(int fd, const std::string& line) {
    const std::string text = line + "\n";
    [[maybe_unused]] const ssize_t written = ::write(fd, text.data(), text.size());
}

}  // namespace relaylab::relay::test
