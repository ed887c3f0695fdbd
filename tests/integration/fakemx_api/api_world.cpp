#include "api_world.hpp"

namespace relaylab::fakemx::api::testing {
namespace {

using namespace std::chrono;

constexpr std::size_t body_bytes = 1000;

std::string make_raw(int n) {
    std::string id = "run-" + std::to_string(n);
    std::string raw = "From: <sender" + std::to_string(n) +
                      "@example.org>\r\nTo: <rcpt@example.com>\r\n"
                      "Subject: Message " +
                      std::to_string(n) + (n % 2 ? " odd" : " even") + "\r\nMessage-ID: <" + id +
                      "@example.org>\r\nX-Relaylab-Id: " + id + "\r\n\r\n";
    raw.append(body_bytes, 'b');
    raw += "\r\n";
    raw.shrink_to_fit();
    return raw;
}

capture::CapturedMessage make_message(int n, std::uint64_t size) {
    capture::CapturedMessage m;
    m.session_id = "S" + std::to_string(n);
    m.queue_id = "Q" + std::to_string(n);
    m.host = n == 4 ? "mx2.test" : "mx1.test";
    m.client_ip = "127.0.0.1";
    m.client_port = static_cast<std::uint16_t>(40000 + n);
    m.helo = "relay.test";
    m.esmtp = true;
    m.mail_from = "sender" + std::to_string(n) + "@example.org";
    m.recipients.push_back({"rcpt@example.com", {.notify_failure = true}});
    if (n == 3) m.recipients.push_back({"other@example.com", {}});
    if (n == 2) {
        m.tls = {.active = true,
                 .version = "TLSv1.3",
                 .cipher = "TLS_AES_128_GCM_SHA256",
                 .sni = "mx1.test"};
        m.auth_verdicts = R"({"spf":"pass","dkim":"pass","dmarc":"pass"})";
    }
    m.connected_at = system_clock::time_point(seconds(1'700'000'000 + n * 100 - 1));
    m.received_at = system_clock::time_point(seconds(1'700'000'000 + n * 100));
    m.size = size;
    return m;
}

}  // namespace

ApiWorld::ApiWorld(ApiConfig config)
    // Room for the raw content of the three newest messages: the oldest one's is dropped.
    : store({.memory_limit =
                 make_raw(2).capacity() + make_raw(3).capacity() + make_raw(4).capacity()}) {
    for (int n = 1; n <= 4; ++n) {
        std::string raw = make_raw(n);
        store.add(make_message(n, raw.size()), std::move(raw));
    }
    for (int n = 1; n <= 2; ++n) {
        capture::SessionRecord s{.session_id = "S" + std::to_string(n),
                                 .host = "mx1.test",
                                 .client_ip = n == 1 ? "127.0.0.1" : "127.0.0.2",
                                 .client_port = 40000};
        s.lines.push_back(
            {.at_ms = 0, .side = capture::TranscriptSide::server, .text = "220 mx1.test ESMTP"});
        s.lines.push_back(
            {.at_ms = 3, .side = capture::TranscriptSide::client, .text = "EHLO relay.test"});
        s.lines.push_back(
            {.at_ms = 4, .side = capture::TranscriptSide::server, .text = "451 4.7.1 try later"});
        store.add_session(std::move(s));
    }
    server = std::make_unique<ApiServer>(config, store, [] {
        return nlohmann::json{
            {"smtp", {{"connections", 7}, {"active", 1}}},
            {"tls", true},
            {"name", "mx1"},
            // The fake MX's per-host stats are an array of objects like these.
            {"hosts",
             {{{"host", "a.test"}, {"messages", 5}, {"replies", {{"rcpt 451", 2}}}},
              {{"host", "b\"q.test"}, {"messages", 6}},
              {{"messages", 9}}}}};
    });
    server->start();
}

std::string ApiWorld::url(const std::string& path) const {
    return "http://" + server->endpoint() + path;
}

std::string ApiWorld::raw_of(int n) const {
    return make_raw(n);
}

}  // namespace relaylab::fakemx::api::testing
