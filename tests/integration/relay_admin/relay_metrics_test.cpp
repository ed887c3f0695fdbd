// RelayMetrics as a scraper sees it: the text served on GET /metrics (through curl) parses
// line by line as the exposition format 0.0.4, every sample has its TYPE, the numbers are the
// ones counted, and the histogram is cumulative. Also the counters under concurrent writers.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "admin_world.hpp"
#include "harness/http/prometheus.hpp"
#include "harness/relay/admin/relay_metrics.hpp"
#include "tests/integration/fakemx_api/curl_client.hpp"

using namespace relaylab::relay;
using relaylab::fakemx::api::testing::curl;
using testing::AdminWorld;
using testing::have_curl;

namespace {

// One sample line: name{label="value",...} value (RFC-less, the format's own grammar).
const std::regex sample_line(
    R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")"
    R"((?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? )"
    R"(([-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|Inf)|NaN)$)");
const std::regex type_line(
    R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|untyped)$)");
const std::regex help_line(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$)");

struct Parsed {
    std::map<std::string, double> samples;  // "name{labels}" -> value
    std::map<std::string, std::string> types;
    std::set<std::string> helps;
};

// Fails the test on any line that is not a comment, HELP, TYPE or sample; checks every sample
// has a TYPE line before it (histogram samples under their base name).
Parsed parse(const std::string& text) {
    Parsed out;
    REQUIRE_FALSE(text.empty());
    CHECK(text.back() == '\n');
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        INFO("line: " << line);
        std::smatch m;
        if (std::regex_match(line, m, type_line)) {
            CHECK(out.types.emplace(m[1], m[2]).second);  // one TYPE per name
        } else if (std::regex_match(line, m, help_line)) {
            out.helps.insert(m[1]);
        } else if (std::regex_match(line, m, sample_line)) {
            std::string name = m[1];
            std::string base = name;
            for (std::string suffix : {"_bucket", "_sum", "_count"}) {
                if (base.ends_with(suffix) &&
                    out.types.contains(base.substr(0, base.size() - suffix.size())))
                    base = base.substr(0, base.size() - suffix.size());
            }
            CHECK(out.types.contains(base));
            std::string value = m[3];
            out.samples[name + std::string(m[2])] =
                value == "+Inf" || value == "Inf" ? INFINITY : std::stod(value);
        } else {
            FAIL("not exposition format 0.0.4");
        }
    }
    return out;
}

void fill(RelayMetrics& metrics) {
    metrics.count_accepted(40);
    metrics.count_rejected(3);
    metrics.count_delivery(DeliveryResult::delivered, 30);
    metrics.count_delivery(DeliveryResult::deferred, 5);
    metrics.count_delivery(DeliveryResult::bounced, 2);
    metrics.count_delivery(DeliveryResult::expired);
    for (unsigned code : {250u, 250u, 251u, 421u, 451u, 550u, 0u, 354u})
        metrics.count_attempt_reply(code);
    metrics.set_queue_depth(9);
    metrics.connection_opened(ConnectionDirection::inbound);
    metrics.connection_opened(ConnectionDirection::inbound);
    metrics.connection_opened(ConnectionDirection::outbound);
    metrics.connection_closed(ConnectionDirection::inbound);
    using std::chrono::microseconds;
    for (auto latency : {microseconds(3'000), microseconds(5'000), microseconds(40'000),
                         microseconds(2'000'000), microseconds(7'200'000'000)})
        metrics.observe_delivery_latency(latency);
}

}  // namespace

TEST_CASE("the relay's /metrics parses as exposition format and holds the counts") {
    if (!have_curl()) return;
    RelayMetrics metrics;
    fill(metrics);
    AdminWorld world;
    world.backend.set_metrics(metrics.prometheus_text());
    auto r = curl({world.url("/metrics")});
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Type") == relaylab::http::prometheus_content_type);
    Parsed p = parse(r.body);

    CHECK(p.types.at("relaylab_relay_messages_accepted_total") == "counter");
    CHECK(p.types.at("relaylab_relay_queue_depth") == "gauge");
    CHECK(p.types.at("relaylab_relay_delivery_latency_seconds") == "histogram");
    for (const auto& [name, type] : p.types)
        CHECK(p.helps.contains(name));

    CHECK(p.samples.at("relaylab_relay_messages_accepted_total") == 40);
    CHECK(p.samples.at("relaylab_relay_transactions_rejected_total") == 3);
    CHECK(p.samples.at(R"(relaylab_relay_deliveries_total{result="delivered"})") == 30);
    CHECK(p.samples.at(R"(relaylab_relay_deliveries_total{result="deferred"})") == 5);
    CHECK(p.samples.at(R"(relaylab_relay_deliveries_total{result="bounced"})") == 2);
    CHECK(p.samples.at(R"(relaylab_relay_deliveries_total{result="expired"})") == 1);
    CHECK(p.samples.at(R"(relaylab_relay_delivery_attempts_total{reply_class="2xx"})") == 3);
    CHECK(p.samples.at(R"(relaylab_relay_delivery_attempts_total{reply_class="4xx"})") == 2);
    CHECK(p.samples.at(R"(relaylab_relay_delivery_attempts_total{reply_class="5xx"})") == 1);
    // 0 (no reply) and 354 (not a final reply) are both "none".
    CHECK(p.samples.at(R"(relaylab_relay_delivery_attempts_total{reply_class="none"})") == 2);
    CHECK(p.samples.at("relaylab_relay_queue_depth") == 9);
    CHECK(p.samples.at(R"(relaylab_relay_connections{direction="inbound"})") == 1);
    CHECK(p.samples.at(R"(relaylab_relay_connections{direction="outbound"})") == 1);
    CHECK(p.samples.contains("relaylab_escaped_exceptions_total"));

    // 3 ms, 5 ms, 40 ms, 2 s, 2 h (clamped to the histogram's one hour): cumulative buckets.
    auto bucket = [&](const std::string& le) {
        return p.samples.at("relaylab_relay_delivery_latency_seconds_bucket{le=\"" + le + "\"}");
    };
    CHECK(bucket("0.005") == 2);
    CHECK(bucket("0.01") == 2);
    CHECK(bucket("0.05") == 3);
    CHECK(bucket("1") == 3);
    CHECK(bucket("5") == 4);
    CHECK(bucket("1800") == 4);
    CHECK(bucket("+Inf") == 5);
    CHECK(p.samples.at("relaylab_relay_delivery_latency_seconds_count") == 5);
    CHECK(p.samples.at("relaylab_relay_delivery_latency_seconds_sum") ==
          Approx(0.003 + 0.005 + 0.040 + 2 + 3600).epsilon(0.001));
    double previous = 0;
    for (double le : delivery_latency_buckets_s) {
        double count = bucket(relaylab::http::format_number(le));
        CHECK(count >= previous);
        previous = count;
    }
}

TEST_CASE("counters stay exact under concurrent writers") {
    RelayMetrics metrics;
    constexpr int threads = 4;
    constexpr int per_thread = 20'000;
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
        writers.emplace_back([&metrics] {
            for (int i = 0; i < per_thread; ++i) {
                metrics.count_accepted();
                metrics.count_delivery(DeliveryResult::delivered);
                metrics.count_attempt_reply(250);
                metrics.connection_opened(ConnectionDirection::outbound);
                metrics.connection_closed(ConnectionDirection::outbound);
                metrics.observe_delivery_latency(std::chrono::microseconds(i));
            }
        });
    }
    for (auto& writer : writers)
        writer.join();
    RelayMetricsSnapshot s = metrics.snapshot();
    CHECK(s.accepted == threads * per_thread);
    CHECK(s.deliveries[static_cast<std::size_t>(DeliveryResult::delivered)] ==
          threads * per_thread);
    CHECK(s.attempts[static_cast<std::size_t>(ReplyClass::positive)] == threads * per_thread);
    CHECK(s.connections[static_cast<std::size_t>(ConnectionDirection::outbound)] == 0);
    CHECK(s.delivery_latency.count == threads * per_thread);
}

TEST_CASE("reply classes follow the first digit of final replies only") {
    CHECK(reply_class_of(250) == ReplyClass::positive);
    CHECK(reply_class_of(299) == ReplyClass::positive);
    CHECK(reply_class_of(421) == ReplyClass::transient);
    CHECK(reply_class_of(554) == ReplyClass::permanent);
    for (unsigned code : {0u, 199u, 300u, 354u, 600u, 999u, 2500u})
        CHECK(reply_class_of(code) == ReplyClass::no_reply);
}

TEST_CASE("the shared Prometheus helpers sanitise names and escape label values") {
    using namespace relaylab::http;
    CHECK(sanitize_metric_name("queue.depth-now") == "queue_depth_now");
    CHECK(sanitize_metric_name("1st") == "_1st");
    CHECK(sanitize_metric_name("a:b") == "a_b");
    CHECK(sanitize_metric_name("") == "_");
    CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    CHECK(escape_label_value(std::string(1000, 'x')).size() == max_label_value_bytes);
    CHECK(format_labels({{"host", "mx\"1"}, {"result", "ok"}}) ==
          "{host=\"mx\\\"1\",result=\"ok\"}");
    CHECK(format_labels({}).empty());
    std::string out;
    append_metric_header(out, "m", MetricType::gauge, "two\nlines \\ here");
    CHECK(out == "# HELP m two\\nlines \\\\ here\n# TYPE m gauge\n");
    CHECK(format_number(0.005) == "0.005");
    CHECK(format_number(1800) == "1800");
}
