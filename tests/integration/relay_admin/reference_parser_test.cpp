// The relay's and the fake MX's exposition text read by the reference parser (Debian's
// python3-prometheus-client, through parse_exposition.py): what a real scraper would accept,
// not only what our own regular expressions think of it.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "fake-mx/api/metrics_text.hpp"
#include "harness/relay/admin/relay_metrics.hpp"
#include "tests/catch_main.hpp"

using namespace relaylab::relay;
using nlohmann::json;

namespace {

constexpr int skipped_exit = 77;
// The parser reads a few kilobytes; 20 s covers a machine under heavy load.
constexpr const char* parser_command =
    "timeout 20 /usr/bin/python3 " RELAY_ADMIN_TEST_DIR "/parse_exposition.py < ";

struct Parsed {
    int exit_code = -1;
    json result;
};

Parsed run_parser(const std::string& text) {
    std::random_device random;
    auto input = std::filesystem::temp_directory_path() /
                 ("relaylab-exposition-" + std::to_string(random()) + ".txt");
    std::ofstream(input, std::ios::binary) << text;
    std::string command = std::string(parser_command) + "'" + input.string() + "'";
    Parsed parsed;
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[4096];
        std::size_t n;
        while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
            out.append(buffer, n);
        int status = ::pclose(pipe);
        parsed.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::filesystem::remove(input);
    if (parsed.exit_code == 0) parsed.result = json::parse(out);
    return parsed;
}

// The value of the sample `name` with exactly these labels; NaN when absent.
double sample(const json& result, const std::string& name, const json& labels = json::object()) {
    for (const auto& s : result["samples"]) {
        if (s[0] == name && s[1] == labels) return std::stod(s[2].get<std::string>());
    }
    return std::nan("");
}

bool parser_available(const Parsed& parsed) {
    if (parsed.exit_code != skipped_exit) return true;
    relaylab::test::skip_test(
        "python3-prometheus-client is not installed (scripts/bootstrap.sh installs it)");
    return false;
}

}  // namespace

TEST_CASE("the reference parser reads the relay's metrics with their types and values") {
    RelayMetrics metrics;
    metrics.count_accepted(12);
    metrics.count_delivery(DeliveryResult::bounced, 2);
    metrics.count_attempt_reply(451);
    metrics.set_queue_depth(4);
    metrics.observe_delivery_latency(std::chrono::milliseconds(20));
    metrics.observe_delivery_latency(std::chrono::seconds(3));
    Parsed parsed = run_parser(metrics.prometheus_text());
    if (!parser_available(parsed)) return;
    REQUIRE(parsed.exit_code == 0);
    const json& r = parsed.result;
    CHECK(r["families"]["relaylab_relay_messages_accepted"] == "counter");
    CHECK(r["families"]["relaylab_relay_deliveries"] == "counter");
    CHECK(r["families"]["relaylab_relay_queue_depth"] == "gauge");
    CHECK(r["families"]["relaylab_relay_connections"] == "gauge");
    CHECK(r["families"]["relaylab_relay_delivery_latency_seconds"] == "histogram");
    CHECK(sample(r, "relaylab_relay_messages_accepted_total") == 12);
    CHECK(sample(r, "relaylab_relay_deliveries_total", {{"result", "bounced"}}) == 2);
    CHECK(sample(r, "relaylab_relay_delivery_attempts_total", {{"reply_class", "4xx"}}) == 1);
    CHECK(sample(r, "relaylab_relay_queue_depth") == 4);
    CHECK(sample(r, "relaylab_relay_delivery_latency_seconds_bucket", {{"le", "0.025"}}) == 1);
    CHECK(sample(r, "relaylab_relay_delivery_latency_seconds_bucket", {{"le", "5"}}) == 2);
    CHECK(sample(r, "relaylab_relay_delivery_latency_seconds_bucket", {{"le", "+Inf"}}) == 2);
    CHECK(sample(r, "relaylab_relay_delivery_latency_seconds_count") == 2);
}

TEST_CASE("the reference parser reads the fake MX's metrics, hostile host names included") {
    relaylab::fakemx::capture::StoreCounts counts;
    counts.messages_total = 5;
    json stats = {{"connections", 3},
                  {"tls", true},
                  {"hosts", json::array({{{"host", "mx1.test"}, {"messages", 2}},
                                         {{"host", "evil\"host\\\nname"}, {"messages", 3}}})}};
    Parsed parsed = run_parser(relaylab::fakemx::api::metrics_text(counts, stats));
    if (!parser_available(parsed)) return;
    REQUIRE(parsed.exit_code == 0);
    const json& r = parsed.result;
    CHECK(sample(r, "relaylab_fakemx_messages_total") == 5);
    CHECK(sample(r, "relaylab_fakemx_server_tls") == 1);
    CHECK(sample(r, "relaylab_fakemx_server_hosts_messages", {{"host", "mx1.test"}}) == 2);
    CHECK(sample(r, "relaylab_fakemx_server_hosts_messages", {{"host", "evil\"host\\\nname"}}) ==
          3);
}

TEST_CASE("the reference parser refuses what is not the format (the check can fail)") {
    Parsed parsed = run_parser("relaylab_relay_queue_depth{direction=unquoted} 1\n");
    if (!parser_available(parsed)) return;
    CHECK(parsed.exit_code == 1);
}
