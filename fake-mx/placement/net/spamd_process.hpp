// A private spamd for a run or a test: started as a child process on a loopback port with a
// configuration folder of its own (local rules only: no network tests, no Bayes or AWL state
// outside that folder), stopped by its pid. Never touches a system spamd or its port 783.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace relaylab::placement {

struct SpamdProcessConfig {
    // Its pid file and log (spamd.log) go here, and its configuration (site/) unless we run as
    // root: root's spamd reads it as "nobody", so it then goes to a world-readable temporary
    // folder of its own, removed by stop().
    std::filesystem::path work_dir;
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;                  // 0: a free port
    unsigned children = 2;                   // --max-children
    std::chrono::seconds start_timeout{90};  // until it answers PING (rule compilation)
};

class SpamdProcess {
  public:
    explicit SpamdProcess(SpamdProcessConfig config);
    ~SpamdProcess();  // stop()
    SpamdProcess(const SpamdProcess&) = delete;
    SpamdProcess& operator=(const SpamdProcess&) = delete;

    // Starts spamd and waits until it answers PING. Throws std::runtime_error with the reason
    // ("spamd is not installed (Debian: apt-get install spamd)", its log's last lines, ...).
    void start();
    void stop();  // SIGTERM to its pid, then SIGKILL after a grace period; idempotent

    std::string address() const;
    std::uint16_t port() const;  // the port picked when the config said 0 (after start())
    int pid() const;             // spamd's process id while it runs, else -1
    std::filesystem::path log_path() const;  // spamd's stderr (its log): work_dir/spamd.log

    // The spamd binary on PATH or in /usr/sbin; nullopt when not installed.
    static std::optional<std::filesystem::path> find_binary();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relaylab::placement
