// The load generator's memory does not grow with the count: 10^8 messages planned (the old
// run_load sized a vector by the count: 800 MB), 200,000 small ones sent into an in-process
// sink, then cancel(). What the run holds is per connection, not per message. Alone in its
// binary: under AddressSanitizer it turns the quarantine off for the whole process.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "harness/load/load_generator.hpp"
#include "harness/net/smtp_server.hpp"

using namespace relaylab;
using namespace std::chrono_literals;

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer keeps freed blocks in a quarantine (256 MB by default) to catch use after
// free: the growth measured would be the quarantine's, not the generator's. Freed blocks still
// wait in per-size caches and carry redzones, hence a looser bound.
extern "C" const char* __asan_default_options() {
    return "quarantine_size_mb=0:thread_local_quarantine_size_kb=0";
}
constexpr std::size_t growth_bound = 96 * 1024 * 1024;
#else
constexpr std::size_t growth_bound = 32 * 1024 * 1024;
#endif

namespace {

std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("LoadGenerator: memory does not grow with the count", "[integration][load][memory]") {
    net::SmtpServerConfig config;
    config.listeners = {{"127.0.0.1", 0, false}};
    config.session.keep_content = false;
    net::SmtpServer server(config);
    server.start();
    boost::asio::io_context io;
    constexpr std::uint64_t target = 200'000;
    std::uint64_t terminal = 0;
    load::LoadGenerator* self = nullptr;
    load::LoadPlan plan;
    plan.endpoints = {{boost::asio::ip::address_v4::loopback(), server.port()}};
    plan.count = 100'000'000;
    plan.concurrency = 4;
    plan.connection.timeouts.every_phase = 5s;
    load::MessageTemplate tmpl;
    tmpl.size = 300;
    load::LoadGenerator generator(io.get_executor(), plan,
                                  std::make_shared<load::TemplateMessageFactory>(tmpl),
                                  [&](const load::MessageEvent& event) {
                                      if (event.kind == load::EventKind::submitted) return;
                                      if (++terminal == target) self->cancel();
                                  });
    self = &generator;
    std::size_t before = resident_bytes();
    std::optional<load::LoadTotals> totals;
    generator.start([&](const load::LoadTotals& final_totals) { totals = final_totals; });
    io.run_for(std::chrono::minutes(3));
    std::size_t after = resident_bytes();
    server.stop();
    REQUIRE(totals);
    CHECK(totals->accepted >= target);
    CHECK(totals->submitted == totals->accepted + totals->failed);
    CHECK(totals->failed_by.size() <= 1);  // only "cancelled", if any
    INFO("resident before " << before / 1024 << " KiB, after " << after / 1024 << " KiB");
    CHECK(after < before + growth_bound);
}
