#include <catch2/catch.hpp>

#include "harness/runner/recorder.hpp"

using namespace relaylab;
using namespace relaylab::runner;

namespace {

struct Harness {
    RecorderConfig config;
    Recorder recorder;
    Harness() : config(make_config()), recorder(config) {}
    static RecorderConfig make_config() {
        RecorderConfig c;
        c.run_id = "rt";
        c.start = std::chrono::steady_clock::now();
        c.host_domains["mx1.gmail.test"] = {"gmail.test"};
        return c;
    }
    void submit(std::uint64_t n, std::vector<std::string> recipients, bool accept = true) {
        recorder.on_message_made(n, recipients);
        load::MessageEvent event;
        event.number = n;
        event.kind = load::EventKind::submitted;
        event.intended = event.started = std::chrono::steady_clock::now();
        recorder.on_submission(event);
        event.kind = accept ? load::EventKind::accepted : load::EventKind::failed;
        event.ended = std::chrono::steady_clock::now();
        event.failure_key = accept ? "" : "554";
        recorder.on_submission(event);
    }
    void arrive(std::uint64_t n, std::vector<std::string> recipients,
                const std::string& host = "mx1.gmail.test") {
        std::string content =
            "Subject: x\r\nX-Relaylab-Id: rt-" + std::to_string(n) + "\r\n\r\nhi\r\n";
        fakemx::ReceiverEvent event;
        event.host = host;
        event.code = 250;
        event.mail_from = "a@example.test";
        event.recipients = recipients;
        event.content = content;
        fakemx::AuthSummary auth{"pass", "pass", "pass", "none"};
        event.auth = &auth;
        recorder.on_receiver(event);
    }
    void refuse(unsigned code, std::vector<std::string> recipients,
                smtp::Phase phase = smtp::Phase::rcpt) {
        fakemx::ReceiverEvent event;
        event.kind = fakemx::ReceiverEvent::Kind::refused;
        event.phase = phase;
        event.host = "mx1.gmail.test";
        event.code = code;
        event.recipients = recipients;
        recorder.on_receiver(event);
    }
};

}  // namespace

TEST_CASE("arrivals are tied to submissions; duplicates and foreign mail counted",
          "[runner][recorder]") {
    Harness h;
    h.submit(1, {"a@gmail.test"});
    h.submit(2, {"b@gmail.test", "c@yahoo.test"});
    h.submit(3, {"d@gmail.test"}, false);
    h.refuse(451, {"a@gmail.test"});
    h.refuse(421, {}, smtp::Phase::connect);  // no recipient: the host's domain
    h.arrive(1, {"a@gmail.test"});
    h.arrive(1, {"a@gmail.test"});  // the same message again: a duplicate
    h.arrive(2, {"b@gmail.test"});
    CHECK(h.recorder.counts().delivered == 1);  // message 2 still misses a recipient
    h.arrive(2, {"c@yahoo.test"}, "mx.yahoo.test");
    h.arrive(77777777, {"x@gmail.test"});  // far beyond what was made: not ours

    RecorderCounts counts = h.recorder.counts();
    CHECK(counts.submitted == 3);
    CHECK(counts.accepted == 2);
    CHECK(counts.rejected == 1);
    CHECK(counts.delivered == 2);
    CHECK(counts.duplicates == 1);
    CHECK(counts.deferred == 2);
    CHECK(counts.unaccounted() == 0);

    nlohmann::json m = h.recorder.measured(1.0);
    CHECK(m["totals"]["delivered"] == 2);
    CHECK(m["failures"]["submission"]["554"] == 1);
    CHECK(m["replies"]["submission"]["250"] == 2);
    CHECK(m["replies"]["submission"]["554"] == 1);
    CHECK(m["foreign_arrivals"] == 1);
    CHECK(m["auth"]["dkim"]["pass"] == 5);
    CHECK(m["latency_ms"]["end_to_end"]["count"] == 2);
    nlohmann::json gmail;
    for (const auto& d : m["domains"])
        if (d["domain"] == "gmail.test") gmail = d;
    REQUIRE(gmail.is_object());
    CHECK(gmail["recipients"] == 3);
    CHECK(gmail["deferred"] == 2);
    CHECK(gmail["replies"]["451"] == 1);
    CHECK(gmail["replies"]["421"] == 1);
    CHECK(gmail["delivered"] == 4);  // recipient arrivals, the duplicate and the foreign one too
}

TEST_CASE("a DSN for a message counts it bounced, once", "[runner][recorder]") {
    Harness h;
    h.submit(1, {"a@gmail.test"});
    std::string dsn =
        "From: MAILER-DAEMON\r\n\r\nReporting-MTA: dns; r\r\n\r\n"
        "Final-Recipient: rfc822; a@gmail.test\r\nAction: failed\r\n\r\n"
        "X-Relaylab-Id: rt-1\r\n";
    fakemx::ReceiverEvent event;
    event.host = "bounces.relaylab.test";
    event.code = 250;
    event.mail_from = "";
    std::vector<std::string> to{"sender@example.test"};
    event.recipients = to;
    event.content = dsn;
    h.recorder.on_receiver(event);
    h.recorder.on_receiver(event);  // the same DSN twice: still one bounced message
    RecorderCounts counts = h.recorder.counts();
    CHECK(counts.bounced == 1);
    CHECK(counts.delivered == 0);
    CHECK(counts.unaccounted() == 0);
    nlohmann::json m = h.recorder.measured(1.0);
    for (const auto& d : m["domains"])
        if (d["domain"] == "gmail.test") CHECK(d["bounced"] == 2);
    CHECK(m["hosts_accepted"]["bounces.relaylab.test"] == 2);
}
