// harness/http/http_fetch.hpp's URL parser and loopback rule: what a message's URL may make the
// harness contact.
#include <catch2/catch.hpp>

#include "harness/http/http_fetch.hpp"

using relaylab::http::is_loopback_host;
using relaylab::http::parse_http_url;

TEST_CASE("http(s) URLs parsed into host, port, target and Host field", "[http_url]") {
    struct Case {
        const char* url;
        bool tls;
        const char* host;
        unsigned port;
        const char* target;
        const char* host_field;
    };
    auto c = GENERATE(values<Case>({
        {"http://127.0.0.1:8080/o/T1", false, "127.0.0.1", 8080, "/o/T1", "127.0.0.1:8080"},
        {"HTTPS://LocalHost/u/T?x=1#frag", true, "localhost", 443, "/u/T?x=1", "localhost"},
        {"http://[::1]:81", false, "::1", 81, "/", "[::1]:81"},
        {"https://127.0.0.1:443?q", true, "127.0.0.1", 443, "/?q", "127.0.0.1"},
        {"http://127.0.0.1:80/c/T?u=https%3A%2F%2Fa.example%2F&x=1", false, "127.0.0.1", 80,
         "/c/T?u=https%3A%2F%2Fa.example%2F&x=1", "127.0.0.1"},
    }));
    auto got = parse_http_url(c.url);
    INFO(c.url << ": " << got.error);
    REQUIRE(got.url);
    CHECK(got.url->tls == c.tls);
    CHECK(got.url->host == c.host);
    CHECK(got.url->port == c.port);
    CHECK(got.url->target == c.target);
    CHECK(got.url->host_field == c.host_field);
}

TEST_CASE("unusable URLs are refused with a reason", "[http_url]") {
    auto c = GENERATE(as<std::string>{}, "ftp://127.0.0.1/", "mailto:a@b", "http://", "http://:80/",
                      "http://127.0.0.1:0/", "http://127.0.0.1:65536/", "http://127.0.0.1:8x/",
                      "http://127.0.0.1@example.com/", "http://user:pw@127.0.0.1/", "http://[::1/",
                      "http://[127.0.0.1]/", "http://127.0.0.1/a b",
                      "http://127.0.0.1/\r\nX-Injected: 1",
                      "http://127.0.0.1/" + std::string(9000, 'a'));
    auto got = parse_http_url(c);
    INFO(c);
    CHECK_FALSE(got.url);
    CHECK_FALSE(got.error.empty());
}

TEST_CASE("only loopback hosts", "[http_url]") {
    for (const char* host :
         {"127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST", "::ffff:127.0.0.1"})
        CHECK(is_loopback_host(host));
    for (const char* host :
         {"192.0.2.1", "10.0.0.1", "0.0.0.0", "::", "example.com", "127.0.0.1.nip.io",
          "localhost.example", "2130706433", "0x7f000001", "::ffff:192.0.2.1", ""})
        CHECK_FALSE(is_loopback_host(host));
}
