// The tracking endpoint's routes called directly (no sockets): the GIF, the redirect only to
// the URL the token binds, the 404s and 405s, and the counts, total and unique.
#include <catch2/catch.hpp>

#include <memory>

#include "harness/relay/engagement/tracking_endpoint.hpp"

using namespace relaylab::relay;
using relaylab::http::HttpRequest;

namespace {

constexpr const char* base = "http://127.0.0.1:9";

std::shared_ptr<const EngagementKey> test_key() {
    return std::make_shared<const EngagementKey>(std::string(32, 'k'));
}

// The path and query of a URL the endpoint made.
std::string target_of(const std::string& url) {
    REQUIRE(url.starts_with(base));
    return url.substr(std::string(base).size());
}

HttpRequest get(const std::string& target) {
    return HttpRequest{.method = "GET", .target = target};
}

}  // namespace

TEST_CASE("the pixel: a 43-octet GIF, counted total and unique", "[tracking][routes]") {
    TrackingEndpoint endpoint(test_key());
    std::string pixel = endpoint.pixel_url(base, "id1", "ann@rcpt.test");
    for (int i = 0; i < 3; ++i) {
        auto answer = endpoint.handle(get(target_of(pixel)));
        CHECK(answer.status == 200);
        CHECK(answer.content_type == "image/gif");
        CHECK(answer.body.size() == 43);
        CHECK(answer.body.starts_with("GIF89a"));
    }
    endpoint.handle(get(target_of(endpoint.pixel_url(base, "id2", "bob@other.test"))));
    auto stats = endpoint.stats();
    CHECK(stats["opens"] == 4);
    CHECK(stats["unique_opens"] == 2);
    CHECK(stats["by_domain"]["rcpt.test"]["opens"] == 3);
    CHECK(stats["by_domain"]["other.test"]["opens"] == 1);
    CHECK(stats["bad_requests"] == 0);
}

TEST_CASE("a click redirects to the URL its token binds, and nowhere else", "[tracking][routes]") {
    TrackingEndpoint endpoint(test_key());
    const std::string original = "https://shop.test/sale?a=1&b=%C3%A9+x";
    std::string click = endpoint.click_url(base, "id1", "ann@rcpt.test", original);
    CHECK(click.find("?u=https%3A%2F%2Fshop.test%2Fsale%3Fa%3D1%26b%3D%25C3%25A9%2Bx") !=
          std::string::npos);
    auto answer = endpoint.handle(get(target_of(click)));
    CHECK(answer.status == 302);
    CHECK(answer.location == original);

    std::string target = target_of(click);
    std::string token_part = target.substr(0, target.find('?'));
    SECTION("another u= is refused") {
        auto other = endpoint.handle(get(token_part + "?u=https%3A%2F%2Fevil.test%2F"));
        CHECK(other.status == 404);
        CHECK(other.location.empty());
    }
    SECTION("a tampered token is refused") {
        std::string tampered = target;
        auto dot = tampered.find('.');
        tampered[dot + 1] = tampered[dot + 1] == 'A' ? 'B' : 'A';
        CHECK(endpoint.handle(get(tampered)).status == 404);
    }
    SECTION("an open token on the click route, and the reverse") {
        std::string pixel = target_of(endpoint.pixel_url(base, "id1", "ann@rcpt.test"));
        CHECK(endpoint
                  .handle(
                      get("/c/" + pixel.substr(3) + "?u=" + target.substr(target.find("?u=") + 3)))
                  .status == 404);
        CHECK(endpoint.handle(get("/o/" + token_part.substr(3))).status == 404);
    }
    SECTION("no u=, two parameters, a repeated u=") {
        CHECK(endpoint.handle(get(token_part)).status == 404);
        CHECK(endpoint.handle(get(target + "&x=1")).status == 404);
        CHECK(endpoint.handle(get(target + "&u=https%3A%2F%2Fevil.test%2F")).status == 404);
    }
    SECTION("a URL with a newline never becomes a Location field") {
        std::string bad = "https://a.test/\r\nSet-Cookie: x=1";
        std::string made = target_of(endpoint.click_url(base, "id1", "ann@rcpt.test", bad));
        auto refused = endpoint.handle(get(made));
        CHECK(refused.status == 404);
        CHECK(refused.location.empty());
    }
    CHECK(endpoint.stats()["bad_requests"].get<int>() >= 1);
}

TEST_CASE("unique clicks are per message and recipient", "[tracking][routes]") {
    TrackingEndpoint endpoint(test_key());
    auto click = [&](const char* id, const char* rcpt, const char* url) {
        auto answer = endpoint.handle(get(target_of(endpoint.click_url(base, id, rcpt, url))));
        CHECK(answer.status == 302);
    };
    click("m1", "ann@a.test", "https://x.test/1");
    click("m1", "ann@a.test", "https://x.test/1");
    click("m1", "ann@a.test", "https://x.test/2");  // another link of the same message
    click("m2", "bob@b.test", "https://x.test/1");
    auto stats = endpoint.stats();
    CHECK(stats["clicks"] == 4);
    CHECK(stats["unique_clicks"] == 2);
    CHECK(stats["opens"] == 0);
}

TEST_CASE("other paths and methods", "[tracking][routes]") {
    TrackingEndpoint endpoint(test_key());
    std::string pixel = target_of(endpoint.pixel_url(base, "id1", "ann@rcpt.test"));
    CHECK(endpoint.handle(get("/")).status == 404);
    CHECK(endpoint.handle(get("/o/")).status == 404);
    CHECK(endpoint.handle(get("/o/%zz")).status == 404);
    CHECK(endpoint.handle(get("/o/" + std::string(5000, 'a'))).status == 404);
    CHECK(endpoint.handle(get(pixel + "?x=1")).status == 404);
    auto post = endpoint.handle(HttpRequest{.method = "POST", .target = pixel});
    CHECK(post.status == 405);
    CHECK(post.allow == "GET");
    auto stats = endpoint.stats();
    CHECK(stats["bad_requests"] == 6);
    CHECK(stats["opens"] == 0);
}

TEST_CASE("messages tracked and untracked by reason", "[tracking][routes]") {
    TrackingEndpoint endpoint(test_key());
    endpoint.count_tracked();
    endpoint.count_untracked("no_html");
    endpoint.count_untracked("no_html");
    endpoint.count_untracked("multiple_recipients");
    auto stats = endpoint.stats();
    CHECK(stats["messages_tracked"] == 1);
    CHECK(stats["messages_untracked"] ==
          nlohmann::json({{"no_html", 2}, {"multiple_recipients", 1}}));
}
