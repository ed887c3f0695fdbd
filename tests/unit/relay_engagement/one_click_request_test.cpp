// Reading requests to the unsubscribe endpoint (harness/relay/engagement/one_click_request.hpp):
// only a POST with the RFC 8058 body unsubscribes; a GET shows a form and nothing more.
#include <catch2/catch.hpp>
#include <string>

#include "harness/relay/engagement/one_click_request.hpp"

using namespace relaylab::relay;
using relaylab::http::HttpRequest;

namespace {

const EngagementKey& key() {
    static const EngagementKey k(std::string(32, 'k'));
    return k;
}

std::string path_for(const std::string& recipient, const std::string& kind = "u") {
    return "/u/" + key().make({kind, "MSG1", recipient});
}

HttpRequest request(std::string method, std::string target, std::string content_type = "",
                    std::string body = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
}

const std::string urlencoded = "application/x-www-form-urlencoded";

}  // namespace

TEST_CASE("the RFC 8058 POST unsubscribes the token's recipient", "[engagement][one-click]") {
    auto reading = read_one_click_request(key(), request("POST", path_for("alice@example.test"),
                                                         urlencoded, "List-Unsubscribe=One-Click"));
    CHECK(reading.action == OneClickAction::unsubscribe);
    CHECK(reading.fields.recipient == "alice@example.test");
    CHECK(reading.fields.message_id == "MSG1");
}

TEST_CASE("GET and HEAD show the form and never unsubscribe", "[engagement][one-click]") {
    auto method = GENERATE(as<std::string>{}, "GET", "HEAD");
    // Even with the one-click key in the query: a scanner that follows links must not count.
    auto target = GENERATE(as<std::string>{}, "", "?List-Unsubscribe=One-Click");
    auto reading = read_one_click_request(key(), request(method, path_for("a@x.test") + target));
    CHECK(reading.action == OneClickAction::show_form);
    auto page = one_click_form_page(path_for("a@x.test"), reading.fields);
    CHECK(page.status == 200);
    CHECK_THAT(page.body, Catch::Contains("method=\"post\""));
    CHECK_THAT(page.body, Catch::Contains("name=\"List-Unsubscribe\" value=\"One-Click\""));
}

TEST_CASE("the form page escapes the recipient", "[engagement][one-click]") {
    EngagementTokenFields fields{"u", "m", "\"<script>\"@x.test"};
    auto page = one_click_form_page("/u/t", fields);
    CHECK_THAT(page.body, !Catch::Contains("<script>"));
    CHECK_THAT(page.body, Catch::Contains("&lt;script&gt;"));
}

TEST_CASE("bodies in both encodings RFC 8058 names", "[engagement][one-click]") {
    auto [label, type, body, expected] =
        GENERATE(table<std::string, std::string, std::string, bool>({
            {"urlencoded", urlencoded, "List-Unsubscribe=One-Click", true},
            {"urlencoded with charset", urlencoded + "; charset=utf-8",
             "List-Unsubscribe=One-Click", true},
            {"urlencoded, trailing newline", urlencoded, "List-Unsubscribe=One-Click\r\n", true},
            {"urlencoded among others", urlencoded, "a=1&List-Unsubscribe=One-Click&b=2", true},
            {"no content type", "", "List-Unsubscribe=One-Click", true},
            {"percent-encoded", urlencoded, "List-Unsubscribe=One%2DClick", true},
            {"wrong value", urlencoded, "List-Unsubscribe=Yes", false},
            {"wrong case of value", urlencoded, "List-Unsubscribe=one-click", false},
            {"empty", urlencoded, "", false},
            {"bad percent", urlencoded, "List-Unsubscribe=%ZZ", false},
            {"json", "application/json", "{\"List-Unsubscribe\":\"One-Click\"}", false},
            {"multipart (curl -F)", "multipart/form-data; boundary=------------------------abc123",
             "--------------------------abc123\r\n"
             "Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
             "One-Click\r\n"
             "--------------------------abc123--\r\n",
             true},
            {"multipart, quoted boundary, second part", "multipart/form-data; boundary=\"b;1\"",
             "--b;1\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny\r\n"
             "--b;1\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
             "Content-Type: text/plain\r\n\r\nOne-Click\r\n--b;1--\r\n",
             true},
            {"multipart, other name", "multipart/form-data; boundary=b",
             "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe-X\"\r\n\r\n"
             "One-Click\r\n--b--\r\n",
             false},
            {"multipart, no boundary", "multipart/form-data",
             "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n"
             "--b--\r\n",
             false},
            {"multipart, unterminated", "multipart/form-data; boundary=b",
             "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click",
             false},
        }));
    INFO(label);
    CHECK(is_one_click_body(type, body) == expected);
}

TEST_CASE("a POST without the one-click key is 400 and unsubscribes nobody",
          "[engagement][one-click]") {
    auto reading = read_one_click_request(
        key(), request("POST", path_for("a@x.test"), urlencoded, "unsubscribe=yes"));
    CHECK(reading.action == OneClickAction::refuse);
    CHECK(reading.refusal.status == 400);
    CHECK_FALSE(reading.bad_token);
}

TEST_CASE("tokens that do not open are 404", "[engagement][one-click]") {
    std::string good = path_for("a@x.test");
    auto [label, target] = GENERATE_COPY(table<std::string, std::string>({
        {"forged", "/u/" + EngagementKey(std::string(32, 'f')).make({"u", "M", "a@x.test"})},
        {"edited", good.substr(0, good.size() - 3) + "AAA"},
        {"empty", "/u/"},
        {"open-tracking token", path_for("a@x.test", "o")},
        {"huge", "/u/" + std::string(100000, 'A')},
    }));
    INFO(label);
    auto reading = read_one_click_request(
        key(), request("POST", target, urlencoded, "List-Unsubscribe=One-Click"));
    CHECK(reading.action == OneClickAction::refuse);
    CHECK(reading.refusal.status == 404);
    CHECK(reading.bad_token);
}

TEST_CASE("other paths are 404 and other methods 405 with Allow", "[engagement][one-click]") {
    auto elsewhere = read_one_click_request(key(), request("GET", "/"));
    CHECK(elsewhere.refusal.status == 404);
    CHECK_FALSE(elsewhere.bad_token);
    auto method = GENERATE(as<std::string>{}, "PUT", "DELETE", "OPTIONS", "get");
    auto reading = read_one_click_request(key(), request(method, path_for("a@x.test")));
    INFO(method);
    CHECK(reading.action == OneClickAction::refuse);
    CHECK(reading.refusal.status == 405);
    CHECK(reading.refusal.allow == "GET, HEAD, POST");
}
