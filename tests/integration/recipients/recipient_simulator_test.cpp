// RecipientSimulator against real servers (tests/integration/recipients/recording_server.py:
// Python's http.server, and ssl with a certificate from the harness's test CA): the requests the
// servers saw must be exactly the ones the simulator's truth claims. Rates 1.0 and 0.0 make the
// counts exact; a stalled endpoint, a non-loopback URL and an untrusted certificate must show
// up as failures, never as hangs.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake-mx/placement/net/recipient_simulator.hpp"
#include "harness/net/tls.hpp"
#include "tests/catch_main.hpp"
#include "tests/lib/temp_dir.hpp"

extern char** environ;

using namespace relaylab::placement;
using relaylab::testing::TempDir;

namespace {

constexpr const char* python = "/usr/bin/python3";
// Generous: CI runs this under ASan on two busy cores.
constexpr auto server_start_limit = std::chrono::seconds(30);
constexpr auto drain = std::chrono::seconds(60);

// recording_server.py, started with a certificate for 127.0.0.1 from a fresh test CA; stopped
// by its pid.
class RecordingServer {
  public:
    explicit RecordingServer(TempDir& dir) : dir_(dir) {
        ca_ = relaylab::net::make_test_ca();
        auto leaf = relaylab::net::issue_certificate(ca_, "localhost",
                                                     relaylab::net::valid_for_days(1), true);
        ca_file = dir.write("ca.pem", ca_.pem.certificate);
        auto cert = dir.write("cert.pem", leaf.certificate);
        auto key = dir.write("key.pem", leaf.private_key);
        log_file_ = dir.path / "requests.jsonl";
        auto ready = dir.path / "ready.json";
        std::vector<std::string> args = {python,  RECORDING_SERVER,   "--ready",    ready.string(),
                                         "--log", log_file_.string(), "--cert",     cert.string(),
                                         "--key", key.string(),       "--lifetime", "150"};
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, python, nullptr, nullptr, argv.data(), environ) != 0) {
            pid_ = -1;
            throw std::runtime_error("cannot start python3");
        }
        auto until = std::chrono::steady_clock::now() + server_start_limit;
        while (!std::filesystem::exists(ready)) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("recording_server.py exited before listening");
            }
            if (std::chrono::steady_clock::now() > until)
                throw std::runtime_error("recording_server.py did not listen within 30 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        auto ports = nlohmann::json::parse(std::ifstream(ready));
        http_port = ports.at("http").get<int>();
        https_port = ports.at("https").get<int>();
    }
    ~RecordingServer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }

    std::string http(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(http_port) + path;
    }
    std::string https(const std::string& path) const {
        return "https://127.0.0.1:" + std::to_string(https_port) + path;
    }

    // Every request logged so far.
    std::vector<nlohmann::json> requests() const {
        std::vector<nlohmann::json> out;
        std::ifstream in(log_file_);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) out.push_back(nlohmann::json::parse(line));
        return out;
    }
    // How many requests had this method and a path starting with `prefix`.
    std::size_t count(const std::string& method, const std::string& prefix) const {
        std::size_t n = 0;
        for (const auto& r : requests())
            if (r["method"] == method && r["path"].get<std::string>().starts_with(prefix)) ++n;
        return n;
    }

    std::filesystem::path ca_file;
    int http_port = 0;
    int https_port = 0;

  private:
    TempDir& dir_;
    relaylab::net::TestCa ca_;
    std::filesystem::path log_file_;
    pid_t pid_ = -1;
};

struct MessageParts {
    std::vector<std::string> images;
    std::vector<std::string> links;
    std::string list_unsubscribe;  // the field's value, "" for none
    bool one_click = true;         // Post field and a DKIM h= covering both
};

// A message as the relay would send it: multipart/alternative, the HTML quoted-printable.
std::string make_message(const std::string& id, const MessageParts& parts) {
    std::string html = "<html><body><p>Offer " + id + "</p>";
    for (const auto& link : parts.links)
        html += "<a href=\"" + link + "\">go</a>\r\n";
    for (const auto& image : parts.images)
        html += "<img src=\"" + image + "\" width=\"1\" height=\"1\">\r\n";
    html += "</body></html>";
    std::string qp;
    for (char c : html)
        qp += c == '=' ? std::string("=3D") : std::string(1, c);
    std::string m =
        "From: news@sender.example\r\nTo: r@example.net\r\nSubject: offer\r\n"
        "X-Relaylab-Id: " +
        id + "\r\n";
    if (!parts.list_unsubscribe.empty()) {
        m += "List-Unsubscribe: " + parts.list_unsubscribe + "\r\n";
        if (parts.one_click) {
            m += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
                 "DKIM-Signature: v=1; a=rsa-sha256; d=sender.example; s=s1;\r\n"
                 "\th=from:to:subject:list-unsubscribe:list-unsubscribe-post; bh=AA; b=AA\r\n";
        }
    }
    m += "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
         "--alt\r\nContent-Type: text/plain\r\n\r\nOffer\r\n"
         "--alt\r\nContent-Type: text/html; charset=utf-8\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
         qp + "\r\n--alt--\r\n";
    return m;
}

EngagementRates always() {
    return EngagementRates{1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0};
}
EngagementRates never() {
    return EngagementRates{0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
}

RecipientSimulatorConfig config_for(const RecordingServer& server, EngagementRates rates) {
    RecipientSimulatorConfig config;
    config.model.seed = 13;
    config.model.defaults = rates;
    config.ca_file = server.ca_file;
    config.max_parallel = 8;
    config.request_timeout = std::chrono::seconds(20);
    return config;
}

}  // namespace

std::string relaylab::test::prepare_run() {
    if (::access(python, X_OK) != 0) return std::string(python) + " is missing (install python3)";
    return "";
}

TEST_CASE("everyone opens, clicks and unsubscribes: the servers saw exactly that", "[recipients]") {
    TempDir dir("recipients");
    RecordingServer server(dir);
    RecipientSimulator simulator(config_for(server, always()));
    simulator.start();
    constexpr int messages = 20;
    const std::vector<std::string> recipients = {"a@example.net", "b@example.net", "c@example.net"};
    for (int i = 0; i < messages; ++i) {
        std::string id = "m" + std::to_string(i);
        MessageParts parts;
        parts.images = {server.http("/o/" + id), server.http("/img/logo.png")};
        parts.links = {server.http("/c/" + id + "?u=https%3A%2F%2Fshop.example%2Fa&x=1"),
                       server.http("/c/" + id + "?u=https%3A%2F%2Fshop.example%2Fb")};
        parts.list_unsubscribe =
            "<mailto:unsub@sender.example?subject=" + id + ">, <" + server.https("/u/" + id) + ">";
        simulator.offer(DeliveredMessage{id, i % 2 ? "gmail" : "", Placement::inbox, recipients,
                                         make_message(id, parts)});
    }
    simulator.stop(drain);

    const std::size_t n = messages * recipients.size();
    EngagementTruth truth = simulator.truth();
    INFO(simulator.to_json().dump(2));
    CHECK(truth.abandoned == 0);
    CHECK(truth.messages == n);
    CHECK(truth.delivered == n);
    CHECK(truth.opens == n);
    CHECK(truth.image_loads == n);
    CHECK(truth.clicks == n);
    CHECK(truth.unsubscribes == n);
    CHECK(truth.unsubscribes_done == n);
    CHECK(truth.scanned == 0);
    CHECK(truth.requests_failed == 0);
    CHECK(truth.requests == n * 4);  // two images, one click, one POST
    // What the servers saw: each image once per recipient, one click each, one POST each.
    CHECK(server.count("GET", "/o/") == n);
    CHECK(server.count("GET", "/img/") == n);
    CHECK(server.count("GET", "/c/") == n);
    CHECK(server.count("POST", "/u/") == n);
    CHECK(server.requests().size() == n * 4);
    for (const auto& r : server.requests()) {
        if (r["method"] != "POST") {
            CHECK(r["scheme"] == "http");
            continue;
        }
        // RFC 8058 3.1: the body and its content type, over HTTPS.
        CHECK(r["scheme"] == "https");
        CHECK(r["body"] == "List-Unsubscribe=One-Click");
        CHECK(r["content_type"] == "application/x-www-form-urlencoded");
        CHECK(r["host"] == "127.0.0.1:" + std::to_string(server.https_port));
    }
    // Each recipient's click went to one of its message's two links, entities decoded.
    for (const auto& r : server.requests()) {
        if (!r["path"].get<std::string>().starts_with("/c/")) continue;
        std::string path = r["path"];
        CHECK((path.ends_with("%2Fa&x=1") || path.ends_with("%2Fb")));
    }
    auto unsubscribed = simulator.unsubscribed();
    CHECK(unsubscribed.size() == n);
    std::map<std::string, int> per_recipient;
    for (const auto& u : unsubscribed)
        ++per_recipient[u.recipient];
    CHECK(per_recipient == std::map<std::string, int>{{"a@example.net", messages},
                                                      {"b@example.net", messages},
                                                      {"c@example.net", messages}});
    nlohmann::json json = simulator.to_json();
    CHECK(json["by_provider"]["gmail"]["opens"] == n / 2);
    CHECK(json["by_provider"]["none"]["opens"] == n / 2);
    CHECK(json["open_rate"] == 1.0);
}

TEST_CASE("nobody engages, a link scanner fetches everything; rejected mail is never seen",
          "[recipients]") {
    TempDir dir("recipients");
    RecordingServer server(dir);
    EngagementRates rates = never();
    rates.link_scanner = 1.0;
    RecipientSimulator simulator(config_for(server, rates));
    simulator.start();
    for (int i = 0; i < 10; ++i) {
        std::string id = "s" + std::to_string(i);
        MessageParts parts;
        parts.images = {server.http("/o/" + id)};
        parts.links = {server.http("/c/" + id + "/1"), server.http("/c/" + id + "/2")};
        parts.list_unsubscribe = "<" + server.https("/u/" + id) + ">";
        Placement placement = i < 5 ? Placement::spam : Placement::rejected;
        simulator.offer(
            DeliveredMessage{id, "yahoo", placement, {"r@example.net"}, make_message(id, parts)});
    }
    simulator.stop(drain);
    EngagementTruth truth = simulator.truth();
    INFO(simulator.to_json().dump(2));
    CHECK(truth.messages == 10);
    CHECK(truth.delivered == 5);
    CHECK(truth.scanned == 5);  // the spam-foldered ones; rejected mail reached no mailbox
    CHECK(truth.opens == 0);
    CHECK(truth.clicks == 0);
    CHECK(truth.unsubscribes == 0);
    CHECK(truth.requests_failed == 0);
    // The scanner's fetches look like an open and two clicks per message to a tracker.
    CHECK(server.count("GET", "/o/") == 5);
    CHECK(server.count("GET", "/c/") == 10);
    CHECK(server.count("POST", "/") == 0);
    CHECK(server.requests().size() == 15);
}

TEST_CASE("images blocked: opens the pixel never sees; no one-click offered: no POST",
          "[recipients]") {
    TempDir dir("recipients");
    RecordingServer server(dir);
    EngagementRates rates = always();
    rates.image_blocking = 1.0;
    rates.click_inbox = 0.0;
    RecipientSimulator simulator(config_for(server, rates));
    simulator.start();
    for (int i = 0; i < 6; ++i) {
        std::string id = "b" + std::to_string(i);
        MessageParts parts;
        parts.images = {server.http("/o/" + id)};
        parts.links = {server.http("/c/" + id)};
        // Half offer an http URI only, half have the https URI but no Post field.
        parts.list_unsubscribe =
            "<" + (i % 2 ? server.http("/u/" + id) : server.https("/u/" + id)) + ">";
        parts.one_click = i % 2 == 1;
        simulator.offer(
            DeliveredMessage{id, "", Placement::inbox, {"r@example.net"}, make_message(id, parts)});
    }
    simulator.stop(drain);
    EngagementTruth truth = simulator.truth();
    INFO(simulator.to_json().dump(2));
    CHECK(truth.opens == 6);
    CHECK(truth.image_loads == 0);
    CHECK(truth.clicks == 0);
    CHECK(truth.no_one_click == 6);
    CHECK(truth.unsubscribes == 0);
    CHECK(server.requests().empty());
}

TEST_CASE(
    "a stalled endpoint, a refused port, non-loopback URLs, an untrusted certificate: "
    "failures counted, nothing hangs",
    "[recipients]") {
    TempDir dir("recipients");
    RecordingServer server(dir);
    RecipientSimulatorConfig config = config_for(server, always());
    config.request_timeout = std::chrono::seconds(2);
    SECTION("stall, refused, not loopback, 404") {
        RecipientSimulator simulator(config);
        simulator.start();
        MessageParts parts;
        parts.images = {server.http("/stall/pixel"),
                        "http://192.0.2.1/o/x",
                        "https://example.com/o/y",
                        "http://127.0.0.1:1/o/refused",
                        "http://127.0.0.1.nip.io:" + std::to_string(server.http_port) + "/o/z",
                        server.http("/missing")};
        parts.links = {server.http("/c/fine")};
        parts.list_unsubscribe = "<" + server.https("/u/ok") + ">";
        simulator.offer(DeliveredMessage{
            "f1", "", Placement::inbox, {"r@example.net"}, make_message("f1", parts)});
        simulator.stop(drain);
        EngagementTruth truth = simulator.truth();
        INFO(simulator.to_json().dump(2));
        // Finished inside the drain: the stalled request ended at its 2 s deadline.
        CHECK(truth.abandoned == 0);
        CHECK(truth.requests == 8);
        CHECK(truth.requests_failed == 6);
        CHECK(truth.failure_reasons["not loopback"] == 3);
        CHECK(truth.failure_reasons["timed out waiting for the response"] == 1);
        CHECK(truth.failure_reasons["connection refused"] == 1);
        CHECK(truth.failure_reasons["HTTP 404"] == 1);
        CHECK(truth.clicks == 1);
        CHECK(truth.unsubscribes_done == 1);
        // Only loopback reached a server: the stall, the 404, the click, the POST.
        CHECK(server.requests().size() == 4);
    }
    SECTION("the one-click endpoint's certificate is not from the configured CA") {
        TempDir other("recipients-ca");
        config.ca_file = other.write("other-ca.pem", relaylab::net::make_test_ca().pem.certificate);
        RecipientSimulator simulator(config);
        simulator.start();
        MessageParts parts;
        parts.list_unsubscribe = "<" + server.https("/u/untrusted") + ">";
        simulator.offer(DeliveredMessage{
            "t1", "", Placement::inbox, {"r@example.net"}, make_message("t1", parts)});
        simulator.stop(drain);
        EngagementTruth truth = simulator.truth();
        INFO(simulator.to_json().dump(2));
        CHECK(truth.unsubscribes == 1);
        CHECK(truth.unsubscribes_done == 0);
        CHECK(truth.failure_reasons["TLS handshake failed"] == 1);
        CHECK(simulator.unsubscribed().empty());
        CHECK(server.count("POST", "/u/") == 0);
    }
}

TEST_CASE("offers before start and after stop are dropped, not lost silently", "[recipients]") {
    RecipientSimulatorConfig config;
    config.model.defaults = always();
    RecipientSimulator simulator(config);
    simulator.offer(DeliveredMessage{"early", "", Placement::inbox, {"a@x", "b@x"}, "x"});
    simulator.start();
    simulator.stop(std::chrono::seconds(5));
    simulator.offer(DeliveredMessage{"late", "", Placement::inbox, {"c@x"}, "x"});
    EngagementTruth truth = simulator.truth();
    CHECK(truth.dropped == 3);
    CHECK(truth.messages == 0);
}

TEST_CASE("a full queue drops instead of blocking the caller", "[recipients]") {
    TempDir dir("recipients");
    RecordingServer server(dir);
    RecipientSimulatorConfig config = config_for(server, always());
    config.max_queued = 2;
    config.max_parallel = 1;
    config.request_timeout = std::chrono::seconds(3);
    RecipientSimulator simulator(config);
    simulator.start();
    MessageParts parts;
    parts.images = {server.http("/stall/q")};
    // The first message occupies the only worker for 3 s; of the 50 offered at once, at most
    // the queue's 2 (plus the one being started) can wait.
    for (int i = 0; i < 50; ++i) {
        std::string id = "q" + std::to_string(i);
        simulator.offer(
            DeliveredMessage{id, "", Placement::inbox, {"r@example.net"}, make_message(id, parts)});
    }
    EngagementTruth during = simulator.truth();
    CHECK(during.dropped >= 47);
    simulator.stop(drain);
    EngagementTruth truth = simulator.truth();
    CHECK(truth.dropped + truth.messages == 50);
    CHECK(truth.abandoned == 0);
}

TEST_CASE("complaints: every inbox recipient at 1.0, none at 0.0, each told to on_complaint",
          "[recipients][complaints]") {
    auto run = [](double rate, std::vector<Complaint>& heard) {
        RecipientSimulatorConfig config;
        config.model.defaults = never();
        config.model.defaults.complaint = rate;
        auto mutex = std::make_shared<std::mutex>();
        config.on_complaint = [&heard, mutex](const Complaint& c) {
            std::lock_guard lock(*mutex);
            heard.push_back(c);
        };
        RecipientSimulator simulator(config);
        simulator.start();
        const std::vector<std::string> recipients = {"a@gmail.test", "b@gmail.test"};
        // No links or images: nothing to fetch, only the complaint draws.
        for (int i = 0; i < 6; ++i) {
            Placement placement = i < 4    ? Placement::inbox
                                  : i == 4 ? Placement::spam
                                           : Placement::rejected;
            DeliveredMessage message{"c" + std::to_string(i), "gmail", placement, recipients,
                                     "From: news@shop.test\r\n\r\nhello\r\n"};
            message.host = "mx.gmail.test";
            message.from_domain = "shop.test";
            simulator.offer(std::move(message));
        }
        simulator.offer(DeliveredMessage{"n", "", Placement::inbox, {"x@other.test"}, "x"});
        simulator.stop(drain);
        std::lock_guard lock(*mutex);
        return simulator.to_json();
    };
    SECTION("rate 1.0: the inbox recipients complain, spam and rejected mail draw none") {
        std::vector<Complaint> heard;
        nlohmann::json json = run(1.0, heard);
        INFO(json.dump(2));
        CHECK(json["complaints"] == 9);  // 4 messages x 2 recipients, and the one without host
        CHECK(json["by_provider"]["gmail"]["complaints"] == 8);
        CHECK(json["by_provider"]["none"]["complaints"] == 1);
        REQUIRE(heard.size() == 9);
        std::size_t gmail = 0;
        for (const auto& c : heard) {
            if (c.provider != "gmail") {
                CHECK(c.host.empty());
                CHECK(c.recipient == "x@other.test");
                continue;
            }
            ++gmail;
            CHECK(c.host == "mx.gmail.test");
            CHECK(c.from_domain == "shop.test");
            CHECK((c.recipient == "a@gmail.test" || c.recipient == "b@gmail.test"));
        }
        CHECK(gmail == 8);
    }
    SECTION("rate 0.0: nobody complains") {
        std::vector<Complaint> heard;
        nlohmann::json json = run(0.0, heard);
        CHECK(json["complaints"] == 0);
        CHECK(heard.empty());
    }
}
