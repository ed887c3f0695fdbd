// Out of descriptors: the SMTP listener's accept() fails with EMFILE while a client waits in the
// listen queue. The failure is counted (and logged), retried after a pause instead of a busy
// loop, and the waiting client is served as soon as descriptors free. The test process fills
// its own descriptor table (the server runs in-process), so every wait is bounded by
// SO_RCVTIMEO or a polling deadline.
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
