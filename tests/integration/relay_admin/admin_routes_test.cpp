// Every route of the admin API through Debian's curl: status, content type, JSON body, and what
// reached the backend (a refused request must not reach it at all).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "admin_world.hpp"
#include "tests/integration/fakemx_api/curl_client.hpp"

using namespace relaylab::relay;
using nlohmann::json;
using relaylab::fakemx::api::testing::curl;
using relaylab::fakemx::api::testing::CurlResult;
using testing::AdminWorld;
using testing::have_curl;

namespace {

CurlResult request(const AdminWorld& world, const std::string& method, const std::string& path) {
    auto r = curl({"-X", method, world.url(path)});
    INFO(method << " " << path << ": curl exit " << r.exit_code << " " << r.stderr_text);
    REQUIRE(r.exit_code == 0);
    return r;
}

json json_answer(const AdminWorld& world, const std::string& method, const std::string& path,
                 int want_status) {
    CurlResult r = request(world, method, path);
    INFO(method << " " << path << " answered " << r.status << ": " << r.body);
    CHECK(r.status == want_status);
    CHECK(r.header("Content-Type") == "application/json");
    return json::parse(r.body);
}

std::vector<std::string> ids_of(const json& list) {
    std::vector<std::string> ids;
    for (const auto& m : list["messages"])
        ids.push_back(m["id"]);
    return ids;
}

}  // namespace

TEST_CASE("GET /healthz answers 200 ok as plain text") {
    if (!have_curl()) return;
    AdminWorld world;
    CurlResult r = request(world, "GET", "/healthz");
    CHECK(r.status == 200);
    CHECK(r.body == "ok");
    CHECK_THAT(r.header("Content-Type"), Catch::StartsWith("text/plain"));
    CHECK(r.header("Server") == "relaylab-relay");
    CHECK(r.header("Cache-Control") == "no-store");
}

TEST_CASE("GET /queue lists through the backend with the domain and limit given") {
    if (!have_curl()) return;
    AdminWorld world;
    json all = json_answer(world, "GET", "/queue", 200);
    CHECK(all["total"] == 3);
    CHECK(ids_of(all) ==
          std::vector<std::string>{"00000000000000A1", "00000000000000B2", "00000000000000C3"});

    // The domain reaches the backend in canonical form (lower case, no root dot).
    json com = json_answer(world, "GET", "/queue?domain=EXAMPLE.com.&limit=1", 200);
    CHECK(com["total"] == 2);
    CHECK(ids_of(com) == std::vector<std::string>{"00000000000000A1"});

    auto calls = world.backend.list_calls();
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].domain.empty());
    CHECK(calls[0].limit == QueueQuery{}.limit);
    CHECK(calls[1].domain == "example.com");
    CHECK(calls[1].limit == 1);
}

TEST_CASE("GET /queue refuses bad parameters before the backend sees them") {
    if (!have_curl()) return;
    AdminWorld world;
    struct Case {
        const char* label;
        std::string path;
        const char* error_part;
    };
    const Case cases[] = {
        {"limit not a number", "/queue?limit=ten", "'limit'"},
        {"limit over the maximum", "/queue?limit=10001", "'limit'"},
        {"negative limit", "/queue?limit=-1", "'limit'"},
        {"domain with a space", "/queue?domain=exa%20mple.com", "'domain'"},
        {"domain with an empty label", "/queue?domain=example..com", "'domain'"},
        {"domain with a shell character", "/queue?domain=example.com;rm", "'domain'"},
        {"empty domain", "/queue?domain=", "'domain'"},
        {"label over 63 octets", "/queue?domain=" + std::string(64, 'a') + ".com", "'domain'"},
        {"unknown parameter (a typo)", "/queue?domian=example.com", "unknown parameter"},
        {"repeated parameter", "/queue?limit=1&limit=2", "more than once"},
        {"bad percent-encoding", "/queue?domain=%zz", "percent-encoding"},
    };
    for (const Case& c : cases) {
        INFO(c.label);
        json answer = json_answer(world, "GET", c.path, 400);
        CHECK_THAT(answer["error"].get<std::string>(), Catch::Contains(c.error_part));
    }
    CHECK(world.backend.calls() == 0);
}

TEST_CASE("GET /queue/<id> shows one message, 404 when not queued, 400 for a bad id") {
    if (!have_curl()) return;
    AdminWorld world;
    json message = json_answer(world, "GET", "/queue/00000000000000A1", 200);
    CHECK(message["id"] == "00000000000000A1");
    CHECK(message["headers"].get<std::string>().starts_with("From: "));
    // Lower-case hex is the same id: the backend sees the spool's upper-case form.
    json lower = json_answer(world, "GET", "/queue/00000000000000b2", 200);
    CHECK(lower["id"] == "00000000000000B2");

    json missing = json_answer(world, "GET", "/queue/00000000000000FF", 404);
    CHECK_THAT(missing["error"].get<std::string>(), Catch::Contains("00000000000000FF"));
    CHECK(world.backend.lookups() ==
          std::vector<std::string>{"00000000000000A1", "00000000000000B2", "00000000000000FF"});

    for (std::string bad : std::vector<std::string>{
             "not-hex", "00000000000000G1", std::string(33, 'A'), "%2e%2e", "A1%00", "A1;ls"}) {
        INFO("id " << bad);
        json answer = json_answer(world, "GET", "/queue/" + bad, 400);
        CHECK(answer.contains("error"));
    }
    CHECK(world.backend.lookups().size() == 3);
}

TEST_CASE("DELETE /queue/<id> removes once, then 404") {
    if (!have_curl()) return;
    AdminWorld world;
    json removed = json_answer(world, "DELETE", "/queue/00000000000000C3", 200);
    CHECK(removed == json{{"id", "00000000000000C3"}, {"removed", true}});
    json again = json_answer(world, "DELETE", "/queue/00000000000000C3", 404);
    CHECK(again.contains("error"));
    CHECK(json_answer(world, "GET", "/queue", 200)["total"] == 2);
    json_answer(world, "DELETE", "/queue/xyz", 400);
}

TEST_CASE("POST /queue/<id>/flush and POST /flush make deferred mail due") {
    if (!have_curl()) return;
    AdminWorld world;
    json one = json_answer(world, "POST", "/queue/00000000000000A1/flush", 200);
    CHECK(one == json{{"id", "00000000000000A1"}, {"flushed", 1}});
    // Queued but already due: 0 flushed, not a 404.
    json due = json_answer(world, "POST", "/queue/00000000000000B2/flush", 200);
    CHECK(due["flushed"] == 0);
    json_answer(world, "POST", "/queue/00000000000000FF/flush", 404);

    json domain = json_answer(world, "POST", "/flush?domain=Example.COM", 200);
    CHECK(domain == json{{"flushed", 1}, {"domain", "example.com"}});  // C3; A1 was due already
    json all = json_answer(world, "POST", "/flush", 200);
    CHECK(all["flushed"] == 0);
    CHECK(all["domain"].is_null());
    json_answer(world, "POST", "/flush?domain=bad_domain", 400);
    json_answer(world, "POST", "/flush?all=1", 400);

    auto calls = world.backend.flush_calls();
    REQUIRE(calls.size() == 5);
    CHECK((calls[0].id == "00000000000000A1" && calls[0].domain.empty()));
    CHECK((calls[3].id.empty() && calls[3].domain == "example.com"));
    CHECK((calls[4].id.empty() && calls[4].domain.empty()));
}

TEST_CASE("a method a path does not take is 405 with Allow") {
    if (!have_curl()) return;
    AdminWorld world;
    struct Case {
        const char* method;
        const char* path;
        const char* allow;
    };
    const Case cases[] = {
        {"POST", "/queue", "GET"},
        {"DELETE", "/queue", "GET"},
        {"PUT", "/queue/00000000000000A1", "GET, DELETE"},
        {"POST", "/queue/00000000000000A1", "GET, DELETE"},
        {"GET", "/queue/00000000000000A1/flush", "POST"},
        {"DELETE", "/queue/00000000000000A1/flush", "POST"},
        {"GET", "/flush", "POST"},
        {"POST", "/healthz", "GET"},
        {"DELETE", "/metrics", "GET"},
    };
    for (const Case& c : cases) {
        INFO(c.method << " " << c.path);
        CurlResult r = request(world, c.method, c.path);
        CHECK(r.status == 405);
        CHECK(r.header("Allow") == c.allow);
        CHECK_THAT(json::parse(r.body)["error"].get<std::string>(), Catch::Contains(c.method));
    }
    CHECK(world.backend.calls() == 0);
}

TEST_CASE("an unknown path is 404 naming the endpoints") {
    if (!have_curl()) return;
    AdminWorld world;
    for (const char* path :
         {"/", "/queues", "/queue/00000000000000A1/other", "/queue/", "/metrics/extra"}) {
        INFO(path);
        json answer = json_answer(world, "GET", path, 404);
        CHECK_THAT(answer["error"].get<std::string>(), Catch::Contains("/healthz"));
    }
    CHECK(world.backend.calls() == 0);
}

TEST_CASE("GET /metrics passes the backend's text with the Prometheus content type") {
    if (!have_curl()) return;
    AdminWorld world;
    world.backend.set_metrics(
        "# TYPE relaylab_relay_queue_depth gauge\nrelaylab_relay_queue_depth 7\n");
    CurlResult r = request(world, "GET", "/metrics");
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(r.body == "# TYPE relaylab_relay_queue_depth gauge\nrelaylab_relay_queue_depth 7\n");
}

TEST_CASE("oversized header fields get 431 and an oversized body 413, through curl") {
    if (!have_curl()) return;
    AdminWorld world;
    std::string big(AdminApiConfig{}.limits.max_header_bytes + 1, 'x');
    CurlResult headers = curl({"-H", "X-Big: " + big, world.url("/healthz")});
    CHECK(headers.status == 431);
    std::string body(AdminApiConfig{}.limits.max_body_bytes + 1, 'y');
    CurlResult posted = curl({"-X", "POST", "--data-binary", body, world.url("/flush")});
    CHECK(posted.status == 413);
    CHECK(world.backend.calls() == 0);
    // The server is still there for the next client.
    CHECK(curl({world.url("/healthz")}).status == 200);
}

TEST_CASE("curl reuses one keep-alive connection for several requests") {
    if (!have_curl()) return;
    AdminWorld world;
    // Three URLs in one curl run: curl keeps the connection when the server allows it, and
    // says so on stderr with -v.
    CurlResult r = curl({"-v", world.url("/healthz"), world.url("/queue?limit=1"),
                         world.url("/queue/00000000000000A1")});
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    auto count = [&](const std::string& what) {
        std::size_t n = 0;
        for (auto at = r.stderr_text.find(what); at != std::string::npos;
             at = r.stderr_text.find(what, at + 1))
            ++n;
        return n;
    };
    CHECK(count("< HTTP/1.1 200") == 3);
    CHECK(count("Re-using existing connection") == 2);
    CHECK(count("Connected to") == 1);
    CHECK(world.api->server().evicted_connections() == 0);
}
