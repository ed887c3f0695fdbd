#include "fake-mx/placement/net/spamd_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "fake-mx/placement/model/spamd_protocol.hpp"

extern char** environ;

namespace relaylab::placement {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Debian's spamd: the .pre files there load the plugins every rule needs (Check above all;
// without it spamd answers every message "0 / 0"). --siteconfigpath replaces that folder, so
// they are copied into ours.
const fs::path system_site_config = "/etc/spamassassin";

// When /etc/spamassassin is absent: the plugins of the shipped rules that need no network.
constexpr std::string_view fallback_plugins =
    "loadplugin Mail::SpamAssassin::Plugin::Check\n"
    "loadplugin Mail::SpamAssassin::Plugin::HTTPSMismatch\n"
    "loadplugin Mail::SpamAssassin::Plugin::URIDetail\n"
    "loadplugin Mail::SpamAssassin::Plugin::BodyEval\n"
    "loadplugin Mail::SpamAssassin::Plugin::HTMLEval\n"
    "loadplugin Mail::SpamAssassin::Plugin::HeaderEval\n"
    "loadplugin Mail::SpamAssassin::Plugin::MIMEEval\n"
    "loadplugin Mail::SpamAssassin::Plugin::RelayEval\n"
    "loadplugin Mail::SpamAssassin::Plugin::URIEval\n"
    "loadplugin Mail::SpamAssassin::Plugin::WLBLEval\n"
    "loadplugin Mail::SpamAssassin::Plugin::MIMEHeader\n"
    "loadplugin Mail::SpamAssassin::Plugin::ReplaceTags\n"
    "loadplugin Mail::SpamAssassin::Plugin::FreeMail\n"
    "loadplugin Mail::SpamAssassin::Plugin::ImageInfo\n";

// Local rules only, and no state that outlives the run or differs between runs: scores of the
// same message must be the same in every run (and the same as spamc's against this spamd).
// -L already turns network tests off; these say so to plugins that look at the config only.
constexpr std::string_view local_config =
    "# Written by relaylab for a private spamd: local rules only, no learning.\n"
    "use_bayes 0\n"
    "bayes_auto_learn 0\n"
    "skip_rbl_checks 1\n"
    "dns_available no\n"
    "use_razor2 0\n"
    "use_pyzor 0\n";

constexpr auto ping_poll_interval = 100ms;
constexpr auto ping_timeout = 2s;  // one PING exchange once spamd listens
constexpr auto stop_grace = 10s;   // SIGTERM to exit: spamd reaps its children first
constexpr std::size_t log_tail_lines = 15;

void write_file(const fs::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.good()) throw std::runtime_error("cannot write " + path.string());
}

void write_site_config(const fs::path& dir) {
    fs::create_directories(dir);
    bool copied = false;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(system_site_config, ec)) {
        if (entry.path().extension() != ".pre") continue;
        fs::copy_file(entry.path(), dir / entry.path().filename(),
                      fs::copy_options::overwrite_existing);
        copied = true;
    }
    if (!copied) write_file(dir / "init.pre", fallback_plugins);
    write_file(dir / "local.cf", local_config);
    // Readable by the user spamd reads them as (see site_config_dir), whatever our umask.
    for (const auto& entry : fs::directory_iterator(dir)) {
        fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write |
                                          fs::perms::group_read | fs::perms::others_read);
    }
}

// As root, spamd 4.0.1 reads its configuration as "nobody" (and, with -u, as that user): in a
// 0700 work_dir (mkdtemp's mode) it finds no .pre file, loads no Check plugin and exits ("no
// loaded plugin implements 'check_main'"). So as root the configuration goes to a folder of its
// own that anyone may read (it holds nothing secret), removed by stop().
fs::path site_config_dir(const fs::path& work_dir) {
    if (::geteuid() != 0) return work_dir / "site";
    std::string pattern = (fs::temp_directory_path() / "relaylab-spamd-site-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    }
    fs::permissions(pattern, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
    return pattern;
}

std::string log_tail(const fs::path& log) {
    std::ifstream in(log);
    std::deque<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
        if (lines.size() > log_tail_lines) lines.pop_front();
    }
    std::string text;
    for (const auto& line : lines)
        text += "\n  " + line;
    return text.empty() ? " (its log " + log.string() + " is empty)" : text;
}

// The kernel picks a free port; spamd binds it a moment later. Another process could take it in
// between; then spamd fails to bind and start() says so with spamd's log.
std::uint16_t pick_free_port(const std::string& address) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
        ::close(fd);
        throw std::runtime_error("spamd address '" + address + "' is not an IPv4 address");
    }
    socklen_t length = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
        std::string error = std::strerror(errno);
        ::close(fd);
        throw std::runtime_error("cannot find a free port on " + address + ": " + error);
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

// One blocking PING with a deadline: true when spamd answers PONG.
bool answers_ping(const std::string& address, std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + ping_timeout;
    auto wait_for = [&](short events) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd poll_fd{fd, events, 0};
        return ::poll(&poll_fd, 1, static_cast<int>(left.count())) == 1;
    };
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ||
        errno == EINPROGRESS) {
        int so_error = 0;
        socklen_t length = sizeof so_error;
        if (wait_for(POLLOUT) && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length) == 0 &&
            so_error == 0) {
            const std::string ping = spamd::ping_request();
            if (::send(fd, ping.data(), ping.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(ping.size())) {
                spamd::ReplyParser parser(spamd::Request::ping);
                char chunk[512];
                while (parser.state() == spamd::ReplyParser::State::need_more && wait_for(POLLIN)) {
                    ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
                    if (got <= 0) {
                        parser.finish();
                        break;
                    }
                    parser.put(std::string_view(chunk, static_cast<std::size_t>(got)));
                }
                ok = parser.state() == spamd::ReplyParser::State::done;
            }
        }
    }
    ::close(fd);
    return ok;
}

}  // namespace

struct SpamdProcess::Impl {
    SpamdProcessConfig config;
    std::uint16_t port = 0;
    pid_t pid = -1;
    fs::path log;
    fs::path site;  // the configuration folder spamd reads
    bool site_outside_work_dir = false;

    void remove_site() {
        if (!site_outside_work_dir) return;
        std::error_code ignored;
        fs::remove_all(site, ignored);
        site_outside_work_dir = false;
    }
};

SpamdProcess::SpamdProcess(SpamdProcessConfig config) : impl_(std::make_unique<Impl>()) {
    impl_->config = std::move(config);
    impl_->port = impl_->config.port;
}

SpamdProcess::~SpamdProcess() {
    try {
        stop();
    } catch (...) {
        // A destructor must not throw; stop() only fails on a broken process table.
    }
}

std::optional<fs::path> SpamdProcess::find_binary() {
    std::vector<fs::path> dirs;
    if (const char* path = std::getenv("PATH")) {
        std::string_view rest = path;
        while (!rest.empty()) {
            auto colon = rest.find(':');
            if (colon != 0) dirs.emplace_back(rest.substr(0, colon));
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        }
    }
    // Debian installs it in /usr/sbin, which is not on a normal user's PATH.
    dirs.emplace_back("/usr/sbin");
    dirs.emplace_back("/usr/local/sbin");
    for (const auto& dir : dirs) {
        fs::path candidate = dir / "spamd";
        if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate))
            return candidate;
    }
    return std::nullopt;
}

void SpamdProcess::start() {
    if (impl_->pid > 0) return;
    auto binary = find_binary();
    if (!binary) throw std::runtime_error("spamd is not installed (Debian: apt-get install spamd)");
    const auto& config = impl_->config;
    if (config.work_dir.empty()) throw std::runtime_error("spamd needs a work_dir");
    fs::create_directories(config.work_dir);
    const fs::path site = site_config_dir(config.work_dir);
    impl_->site = site;
    impl_->site_outside_work_dir = site.parent_path() != config.work_dir;
    write_site_config(site);
    impl_->port = config.port != 0 ? config.port : pick_free_port(config.address);
    impl_->log = config.work_dir / "spamd.log";
    const std::string children = std::to_string(std::max(1u, config.children));

    // No --username: as root, spamd 4.0.1 reads its configuration as "nobody" (hence
    // site_config_dir) and each child falls back to "nobody" for every message ("still running
    // as root ... falling back to nobody"). With -u it would drop privileges before reading
    // anything, which gains nothing here. As a normal user it runs as that user.
    // -x: no per-user configuration under $HOME.
    std::vector<std::string> args = {
        binary->string(),
        "--local",
        "--nouser-config",
        "--listen=" + config.address + ":" + std::to_string(impl_->port),
        "--max-children=" + children,
        "--min-children=" + children,  // all children ready: no prefork ramp-up mid-benchmark
        "--pidfile=" + (config.work_dir / "spamd.pid").string(),
        "--siteconfigpath=" + site.string(),
        "--syslog=stderr",
    };
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, impl_->log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    // Its own process group: stop() can end spamd's children too, by group id, should spamd
    // die without reaping them. Default signal dispositions, whatever the parent ignores.
    sigset_t defaults;
    sigfillset(&defaults);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(
        &attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    int spawn_error = ::posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawn_error != 0) {
        throw std::runtime_error("cannot start " + binary->string() + ": " +
                                 std::strerror(spawn_error));
    }
    impl_->pid = pid;

    // spamd compiles every rule before it listens: seconds, more under ASan's neighbours.
    const auto deadline = std::chrono::steady_clock::now() + config.start_timeout;
    for (;;) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            impl_->pid = -1;
            std::string how = WIFEXITED(status)
                                  ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                  : "was killed by signal " + std::to_string(WTERMSIG(status));
            throw std::runtime_error("spamd " + how +
                                     " before answering PING; its log:" + log_tail(impl_->log));
        }
        if (answers_ping(config.address, impl_->port)) return;
        if (std::chrono::steady_clock::now() >= deadline) {
            std::string tail = log_tail(impl_->log);
            stop();
            throw std::runtime_error("spamd did not answer PING on " + config.address + ":" +
                                     std::to_string(impl_->port) + " within " +
                                     std::to_string(config.start_timeout.count()) +
                                     " s; its log:" + tail);
        }
        std::this_thread::sleep_for(ping_poll_interval);
    }
}

void SpamdProcess::stop() {
    const pid_t pid = impl_->pid;
    if (pid <= 0) {
        impl_->remove_site();
        return;
    }
    impl_->pid = -1;
    ::kill(pid, SIGTERM);  // spamd signals its children and removes its pid file
    auto deadline = std::chrono::steady_clock::now() + stop_grace;
    while (std::chrono::steady_clock::now() < deadline) {
        // WNOWAIT: spamd stays a zombie, so its pid (our process group's id) cannot be reused
        // before the group kill below.
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
            info.si_pid == pid) {
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    // Whatever is left of the group we created: spamd itself after the grace period, children
    // still finishing a message (spamd does not wait for them before it exits).
    ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    // spamd's children are not ours to reap (init does); wait, bounded, until they are gone,
    // so that stop() returning means no spamd process of ours is left.
    deadline = std::chrono::steady_clock::now() + stop_grace;
    while (::kill(-pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    impl_->remove_site();
}

std::string SpamdProcess::address() const {
    return impl_->config.address;
}

std::uint16_t SpamdProcess::port() const {
    return impl_->port;
}

int SpamdProcess::pid() const {
    return impl_->pid;
}

fs::path SpamdProcess::log_path() const {
    return impl_->config.work_dir / "spamd.log";
}

}  // namespace relaylab::placement
