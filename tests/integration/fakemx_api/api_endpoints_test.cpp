// Every endpoint of the capture API through Debian's curl: status codes, content types and
// JSON bodies, including the errors.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api_world.hpp"
#include "curl_client.hpp"

using namespace relaylab::fakemx::api;
using nlohmann::json;
using testing::ApiWorld;
using testing::curl;

namespace {

std::vector<std::uint64_t> ids_of(const json& page) {
    std::vector<std::uint64_t> ids;
    for (const auto& m : page["messages"])
        ids.push_back(m["id"].get<std::uint64_t>());
    return ids;
}

json get_json(const ApiWorld& world, const std::string& path, int want_status = 200) {
    auto r = curl({world.url(path)});
    INFO("GET " << path << ": curl exit " << r.exit_code << " " << r.stderr_text << ", body "
                << r.body);
    REQUIRE(r.exit_code == 0);
    CHECK(r.status == want_status);
    CHECK(r.header("Content-Type") == "application/json");
    return json::parse(r.body);
}

}  // namespace

TEST_CASE("GET /api/v1/messages lists newest first with the documented fields") {
    ApiWorld world;
    json page = get_json(world, "/api/v1/messages");
    CHECK(page["total"] == 4);
    CHECK(ids_of(page) == std::vector<std::uint64_t>{4, 3, 2, 1});
    const json& m2 = page["messages"][2];
    CHECK(m2["id"] == 2);
    CHECK(m2["from"] == "sender2@example.org");
    CHECK(m2["to"] == json::array({"rcpt@example.com"}));
    CHECK(m2["subject"] == "Message 2 even");
    CHECK(m2["tracking_id"] == "run-2");
    CHECK(m2["received_at"] == "2023-11-14T22:16:40.000Z");
    CHECK(m2["size"] == world.raw_of(2).size());
    CHECK(m2["tls"]["version"] == "TLSv1.3");
    CHECK(m2["auth"]["dkim"] == "pass");
    CHECK(page["messages"][3]["auth"].is_null());
    CHECK(page["messages"][3]["tls"].is_null());
    CHECK(page["messages"][3]["raw_available"] == false);
    CHECK(page["messages"][0]["host"] == "mx2.test");
}

TEST_CASE("GET /api/v1/messages filters and pages") {
    ApiWorld world;
    struct Case {
        const char* query;
        std::vector<std::uint64_t> want;
        int total;
    };
    auto c = GENERATE(Case{"to=other@example.com", {3}, 1},
                      Case{"from=SENDER1@example.org", {1}, 1}, Case{"subject=odd", {3, 1}, 2},
                      Case{"subject=message+4", {4}, 1},  // '+' is a space in a query
                      Case{"tracking_id=run-2", {2}, 1}, Case{"host=mx2.test", {4}, 1},
                      Case{"since=2023-11-14T22:18:20Z", {4, 3}, 2},
                      Case{"since=2023-11-14T23%3A18%3A20%2B01%3A00", {4, 3}, 2},
                      Case{"since=1700000300", {3, 4}, 2}, Case{"limit=2", {4, 3}, 4},
                      Case{"limit=2&offset=3", {1}, 4}, Case{"limit=0", {}, 4},
                      Case{"offset=10", {}, 4});
    INFO(c.query);
    json page = get_json(world, std::string("/api/v1/messages?") + c.query);
    auto ids = ids_of(page);
    if (std::string(c.query) == "since=1700000300") std::sort(ids.begin(), ids.end());
    CHECK(ids == c.want);
    CHECK(page["total"] == c.total);
}

TEST_CASE("bad parameters are 400 with a JSON error naming them") {
    ApiWorld world;
    struct Case {
        const char* path;
        const char* mentions;
    };
    auto c = GENERATE(
        Case{"/api/v1/messages?limit=1001", "limit"}, Case{"/api/v1/messages?limit=-1", "limit"},
        Case{"/api/v1/messages?offset=x", "offset"},
        Case{"/api/v1/messages?since=yesterday", "since"}, Case{"/api/v1/messages?too=a@b", "too"},
        Case{"/api/v1/messages?to=a&to=b", "more than once"},
        Case{"/api/v1/messages?to=%zz", "percent"},
        Case{"/api/v1/messages/abc", "positive integer"},
        Case{"/api/v1/messages/0", "positive integer"},
        Case{"/api/v1/sessions?limit=5000", "limit"},
        Case{"/api/v1/sessions?client_ip=bad", "client_ip"},
        Case{"/api/v1/sessions?client_ip=127.0.0.1.5", "client_ip"},
        Case{"/api/v1/stats?x=1", "unknown parameter"});
    INFO(c.path);
    json error = get_json(world, c.path, 400);
    CHECK_THAT(error["error"].get<std::string>(), Catch::Contains(c.mentions));
}

TEST_CASE("GET /api/v1/messages/{id} shows every fact, headers while the raw is readable") {
    ApiWorld world;
    json m = get_json(world, "/api/v1/messages/3");
    CHECK(m["id"] == 3);
    CHECK(m["session_id"] == "S3");
    CHECK(m["queue_id"] == "Q3");
    CHECK(m["client"]["ip"] == "127.0.0.1");
    CHECK(m["client"]["helo"] == "relay.test");
    CHECK(m["envelope"]["mail_from"]["address"] == "sender3@example.org");
    CHECK(m["envelope"]["recipients"][0]["params"]["notify"] == json::array({"FAILURE"}));
    CHECK(m["envelope"]["recipients"].size() == 2);
    CHECK(m["findings"]["bare_lf"] == 0);
    CHECK(m["header_summary"]["message_id"] == "<run-3@example.org>");
    REQUIRE(m["headers"].is_array());
    CHECK(m["headers"][4] == json{{"name", "X-Relaylab-Id"}, {"value", "run-3"}});

    json old = get_json(world, "/api/v1/messages/1");
    CHECK(old["headers"].is_null());  // the raw was dropped; the summary stays
    CHECK(old["header_summary"]["subject"] == "Message 1 odd");

    json missing = get_json(world, "/api/v1/messages/99", 404);
    CHECK_THAT(missing["error"].get<std::string>(), Catch::Contains("99"));
}

TEST_CASE("GET /api/v1/messages/{id}/raw gives the message, 410 when dropped, 404 when unknown") {
    ApiWorld world;
    auto r = curl({world.url("/api/v1/messages/4/raw")});
    REQUIRE(r.exit_code == 0);
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "message/rfc822");
    CHECK(r.body == world.raw_of(4));

    json gone = get_json(world, "/api/v1/messages/1/raw", 410);
    CHECK_THAT(gone["error"].get<std::string>(), Catch::Contains("dropped"));
    get_json(world, "/api/v1/messages/77/raw", 404);
    get_json(world, "/api/v1/messages/1/raw/more", 404);
}

TEST_CASE("GET /api/v1/sessions lists transcripts, filtered by client and host") {
    ApiWorld world;
    json page = get_json(world, "/api/v1/sessions");
    CHECK(page["total"] == 2);
    const json& newest = page["sessions"][0];
    CHECK(newest["session_id"] == "S2");
    CHECK(newest["transcript"][2] ==
          json{{"at_ms", 4}, {"side", "server"}, {"text", "451 4.7.1 try later"}});
    CHECK(get_json(world, "/api/v1/sessions?client_ip=127.0.0.1")["total"] == 1);
    CHECK(get_json(world, "/api/v1/sessions?client_ip=::1")["total"] == 0);
    CHECK(get_json(world, "/api/v1/sessions?host=mx9.test")["total"] == 0);
    CHECK(get_json(world, "/api/v1/sessions?limit=1&offset=1")["sessions"][0]["session_id"] ==
          "S1");
}

TEST_CASE("GET /api/v1/stats merges the server's stats with the store counts") {
    ApiWorld world;
    json stats = get_json(world, "/api/v1/stats");
    CHECK(stats["smtp"]["connections"] == 7);
    CHECK(stats["store"]["messages_total"] == 4);
    CHECK(stats["store"]["sessions_total"] == 2);
    CHECK(stats["store"]["raw_dropped"] == 1);
    CHECK(stats["store"]["raw_in_memory"] == 3);
}

TEST_CASE("GET /metrics is Prometheus text with store and server numbers") {
    ApiWorld world;
    auto r = curl({world.url("/metrics")});
    REQUIRE(r.exit_code == 0);
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK_THAT(r.body, Catch::Contains("# TYPE relaylab_fakemx_messages_total counter\n"
                                       "relaylab_fakemx_messages_total 4\n"));
    CHECK_THAT(r.body, Catch::Contains("\nrelaylab_fakemx_bytes_total " +
                                       std::to_string(world.store.counts().bytes_total) + "\n"));
    CHECK_THAT(r.body, Catch::Contains("\nrelaylab_fakemx_sessions_total 2\n"));
    CHECK_THAT(r.body, Catch::Contains("\nrelaylab_fakemx_raw_dropped_total 1\n"));
    CHECK_THAT(r.body, Catch::Contains("\nrelaylab_fakemx_raw_in_memory 3\n"));
    CHECK_THAT(r.body, Catch::Contains("\nrelaylab_fakemx_server_smtp_connections 7\n"));
    CHECK_THAT(r.body, Catch::Contains("\nrelaylab_fakemx_server_tls 1\n"));
    CHECK_THAT(r.body, !Catch::Contains("mx1"));  // strings carry no sample
    // Per-host stats (an array of objects): one series, one sample per host, labelled.
    CHECK_THAT(r.body,
               Catch::Contains("# TYPE relaylab_fakemx_server_hosts_messages untyped\n"
                               "relaylab_fakemx_server_hosts_messages{host=\"a.test\"} 5\n"
                               "relaylab_fakemx_server_hosts_messages{host=\"b\\\"q.test\"} 6\n"
                               "relaylab_fakemx_server_hosts_messages{index=\"2\"} 9\n"));
    CHECK_THAT(r.body, Catch::Contains(
                           "\nrelaylab_fakemx_server_hosts_replies_rcpt_451{host=\"a.test\"} 2\n"));
}

TEST_CASE("GET / is a self-contained inbox page") {
    ApiWorld world;
    auto r = curl({world.url("/")});
    REQUIRE(r.exit_code == 0);
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
    CHECK_THAT(r.body, Catch::Contains("<table>"));
    CHECK_THAT(r.body, Catch::Contains("/api/v1/messages"));
    CHECK_THAT(r.body, !Catch::Contains("http://") && !Catch::Contains("https://") &&
                           !Catch::Contains("src="));
}

TEST_CASE("wrong methods are 405 with Allow; unknown paths are 404") {
    ApiWorld world;
    auto post = curl({"-X", "POST", world.url("/api/v1/messages")});
    CHECK(post.status == 405);
    CHECK(post.header("Allow") == "GET, DELETE");
    CHECK_THAT(json::parse(post.body)["error"].get<std::string>(), Catch::Contains("POST"));
    auto put = curl({"-X", "PUT", world.url("/metrics")});
    CHECK(put.status == 405);
    CHECK(put.header("Allow") == "GET");
    CHECK(curl({"-X", "DELETE", world.url("/api/v1/messages/1")}).status == 405);
    get_json(world, "/api/v2/messages", 404);
}

TEST_CASE("DELETE /api/v1/messages clears and answers the count") {
    ApiWorld world;
    auto r = curl({"-X", "DELETE", world.url("/api/v1/messages")});
    REQUIRE(r.exit_code == 0);
    CHECK(r.status == 200);
    json answer = json::parse(r.body);
    CHECK(answer["deleted"] == 4);
    CHECK(answer["sessions_deleted"] == 2);
    CHECK(get_json(world, "/api/v1/messages")["total"] == 0);
    get_json(world, "/api/v1/messages/4", 404);
}

TEST_CASE("oversized requests are refused: 431 for header fields, 413 for a body") {
    ApiWorld world;
    auto big_header = curl({"-H", "X-Filler: " + std::string(20'000, 'a'), world.url("/metrics")});
    CHECK(big_header.status == 431);
    CHECK(json::parse(big_header.body).contains("error"));

    auto big_url = curl({world.url("/api/v1/messages?subject=" + std::string(20'000, 's'))});
    CHECK(big_url.status == 431);

    auto big_body = curl({"-X", "DELETE", "--data-binary", std::string(100'000, 'x'),
                          world.url("/api/v1/messages")});
    CHECK(big_body.status == 413);
    CHECK(world.store.counts().messages_stored == 4);  // the DELETE never ran
}

TEST_CASE("one connection serves several requests (keep-alive)") {
    ApiWorld world;
    auto r = curl({"-v", world.url("/api/v1/stats"), world.url("/api/v1/messages?limit=1")});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.stderr_text, Catch::Contains("Re-using existing connection"));
}
