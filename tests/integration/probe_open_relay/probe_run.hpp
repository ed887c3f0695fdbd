// Runs one probe check group against 127.0.0.1:port on a private io_context, with loopback
// timeouts, and finds results by name.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "probes/probe_suite.hpp"

namespace relaylab::probe::testing {

inline ProbeOptions loopback_options() {
    using namespace std::chrono_literals;
    ProbeOptions options;
    options.timeouts.connect = 5s;
    options.timeouts.reply = 5s;
    options.timeouts.tls_handshake = 5s;
    options.timeouts.write = 5s;
    options.quiet_wait = 400ms;
    return options;
}

inline std::vector<CheckResult> run_group(CheckFunction group, std::uint16_t port,
                                          ProbeOptions options = loopback_options()) {
    boost::asio::io_context io;
    ProbeContext context;
    context.executor = io.get_executor();
    context.target.host = "127.0.0.1";
    context.target.address = "127.0.0.1";
    context.target.port = port;
    context.options = std::move(options);
    auto done = boost::asio::co_spawn(io, group(context), boost::asio::use_future);
    io.run();
    return done.get();
}

inline const CheckResult& result_named(const std::vector<CheckResult>& results,
                                       const std::string& name) {
    for (const auto& r : results)
        if (r.name == name) return r;
    throw std::runtime_error("no result named " + name);
}

inline std::string dump(const std::vector<CheckResult>& results) {
    std::string out;
    for (const auto& r : results) {
        out += r.name + ": " + std::string(to_string(r.verdict)) + ": " + r.explanation + "\n";
    }
    return out;
}

}  // namespace relaylab::probe::testing
