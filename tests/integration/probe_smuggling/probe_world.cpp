#include "probe_world.hpp"

#include <future>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "fake-mx/behaviour/behaviour.hpp"

namespace relaylab::probe::testing {

namespace asio = boost::asio;

ProbeOptions loopback_options() {
    ProbeOptions options;
    options.rcpt = "postmaster@mx.test";
    options.quiet_wait = std::chrono::milliseconds(300);
    options.timeouts.connect = std::chrono::seconds(5);
    options.timeouts.reply = std::chrono::seconds(10);
    options.timeouts.write = std::chrono::seconds(10);
    return options;
}

std::vector<CheckResult> run_group(Group group, std::uint16_t port, ProbeOptions options,
                                   std::chrono::seconds limit) {
    asio::io_context io;
    ProbeContext context;
    context.executor = io.get_executor();
    context.target.host = "127.0.0.1";
    context.target.address = "127.0.0.1";
    context.target.port = port;
    context.options = std::move(options);
    auto future = asio::co_spawn(io, group(context), asio::use_future);
    io.run_for(limit);
    REQUIRE(future.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    return future.get();
}

namespace {
fakemx::FakeMxConfig mx_config(const std::string& behaviour_json) {
    fakemx::FakeMxConfig config;
    fakemx::HostConfig host;
    host.name = "mx.test";
    host.behaviour = fakemx::parse_behaviour(nlohmann::json::parse(behaviour_json), "test");
    config.hosts.push_back(std::move(host));
    config.transcripts = false;
    return config;
}
}  // namespace

FakeMxHost::FakeMxHost(const std::string& behaviour_json) : mx(mx_config(behaviour_json)) {
    mx.start();
}

FakeMxHost::~FakeMxHost() {
    mx.stop();
}

const CheckResult& result_named(const std::vector<CheckResult>& results, const std::string& name) {
    for (const auto& result : results) {
        if (result.name == name) return result;
    }
    FAIL("no result named " << name);
    throw std::logic_error("unreachable");
}

std::uint16_t free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

}  // namespace relaylab::probe::testing
