// SmtpServer's listener limits in-process, every wait bounded by SO_RCVTIMEO or a polling
// deadline.
// - Out of descriptors: accept() fails with EMFILE while a client waits in the listen queue.
//   The failure is counted (and logged), retried after a pause instead of a busy loop, and the
//   waiting client is served as soon as descriptors free. The test fills its own descriptor
//   table (the server runs in this process).
// - Under stress (three quarters of the connections in use) waits get the short timeout.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/net/descriptor_limit.hpp"
#include "harness/net/smtp_server.hpp"

using namespace relaylab::net;
using namespace std::chrono_literals;

namespace {

// A limit this far above the descriptors in use leaves room for the client socket only.
constexpr rlim_t spare_descriptors = 8;

int highest_open_descriptor() {
    int highest = 0;
    for (int fd = 0; fd < 4096; ++fd) {
        if (fcntl(fd, F_GETFD) != -1) highest = fd;
    }
    return highest;
}

template <class Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

}  // namespace

TEST_CASE("accept failures on EMFILE are counted, backed off, and service resumes") {
    SmtpServerConfig config;
    config.listeners = {ListenerConfig{"127.0.0.1", 0, false}};
    config.session.hostname = "abuse.test";
    SmtpServer server(config);
    server.start();

    rlimit saved{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit low{static_cast<rlim_t>(highest_open_descriptor()) + spare_descriptors, saved.rlim_max};
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);

    int client = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(client >= 0);
    timeval timeout{.tv_sec = 3, .tv_usec = 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::vector<int> fillers;
    for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;)
        fillers.push_back(fd);
    bool full = errno == EMFILE;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server.port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool connected = ::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;

    // The server sees EMFILE now; it must not spin: with a 100 ms pause, about 10 a second.
    bool failed = wait_until([&] { return server.stats().accept_failures.load() > 0; }, 3s);
    auto failures_then = server.stats().accept_failures.load();
    std::this_thread::sleep_for(1s);
    auto failures_in_a_second = server.stats().accept_failures.load() - failures_then;

    for (int fd : fillers)
        ::close(fd);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);

    REQUIRE(full);
    REQUIRE(connected);
    CHECK(failed);
    CHECK(failures_in_a_second >= 3);
    CHECK(failures_in_a_second <= 20);
    char greeting[512];
    ssize_t n = ::recv(client, greeting, sizeof greeting, 0);
    REQUIRE(n > 0);
    CHECK_THAT(std::string(greeting, static_cast<std::size_t>(n)), Catch::StartsWith("220 "));
    ::close(client);
    CHECK(server.stats().active.load() <= 1);
    server.stop();
}

TEST_CASE("the process descriptor budget sits below the soft limit, which was raised") {
    auto limits = current_descriptor_limits();
    auto& budget = DescriptorBudget::process();
    CHECK(budget.budget() < limits.soft);
    CHECK(budget.budget() == connection_budget_for(limits.soft));
    if (limits.hard != RLIM_INFINITY) {
        CHECK(limits.soft == std::min<std::uint64_t>(limits.hard, max_raised_descriptors));
    }
}

namespace {

int connect_loopback(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

// Reads until the peer closes (or SO_RCVTIMEO passes): what it said.
std::string read_until_close(int fd) {
    std::string out;
    char buffer[1024];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
        out.append(buffer, static_cast<std::size_t>(n));
    return out;
}

}  // namespace

TEST_CASE("under stress idle sessions get the short stress timeout") {
    SmtpServerConfig config;
    config.listeners = {ListenerConfig{"127.0.0.1", 0, false}};
    config.session.hostname = "abuse.test";
    config.max_connections = 4;
    config.client_limits.max_connections = 0;
    config.timeouts.command = 60s;
    config.timeouts.stress = 300ms;
    SmtpServer server(config);
    server.start();

    SECTION("below three quarters of the budget the normal timeout holds") {
        int a = connect_loopback(server.port());
        int b = connect_loopback(server.port());
        timeval short_wait{.tv_sec = 1, .tv_usec = 0};
        ::setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof short_wait);
        std::string said = read_until_close(a);  // the greeting, then 1 s of silence
        CHECK_THAT(said, Catch::StartsWith("220 "));
        CHECK_THAT(said, !Catch::Contains("421"));
        CHECK(server.stats().timeouts.load() == 0);
        ::close(a);
        ::close(b);
    }
    SECTION("from three quarters on, idle sessions are cut off after the stress timeout") {
        int fds[3] = {connect_loopback(server.port()), connect_loopback(server.port()),
                      connect_loopback(server.port())};
        auto started = std::chrono::steady_clock::now();
        std::string said = read_until_close(fds[2]);
        CHECK_THAT(said, Catch::StartsWith("220 ") && Catch::Contains("421 4.4.2"));
        CHECK(std::chrono::steady_clock::now() - started < 3s);
        for (int fd : fds)
            ::close(fd);
    }
    server.stop();
}
