// Input checks without sockets: the listen address rule (loopback unless allow_remote), queue
// ids and domains in canonical form. Table cases, each labelled.
#include <catch2/catch.hpp>

#include "harness/relay/admin/admin_api.hpp"
#include "harness/relay/admin/admin_router.hpp"

using namespace relaylab::relay;

TEST_CASE("the admin API binds loopback only, unless allow_remote") {
    struct Case {
        const char* address;
        bool allow_remote;
        AdminAddressError want;
    };
    const Case cases[] = {
        {"127.0.0.1", false, AdminAddressError::none},
        {"127.9.8.7", false, AdminAddressError::none},
        {"::1", false, AdminAddressError::none},
        {"::ffff:127.0.0.1", false, AdminAddressError::none},
        {"0.0.0.0", false, AdminAddressError::not_loopback},
        {"::", false, AdminAddressError::not_loopback},
        {"192.0.2.10", false, AdminAddressError::not_loopback},
        {"::ffff:192.0.2.10", false, AdminAddressError::not_loopback},
        {"2001:db8::1", false, AdminAddressError::not_loopback},
        {"128.0.0.1", false, AdminAddressError::not_loopback},
        {"0.0.0.0", true, AdminAddressError::none},
        {"2001:db8::1", true, AdminAddressError::none},
        {"localhost", false, AdminAddressError::not_an_ip_address},
        {"localhost", true, AdminAddressError::not_an_ip_address},
        {"127.0.0.1:8080", false, AdminAddressError::not_an_ip_address},
        {"", false, AdminAddressError::not_an_ip_address},
    };
    for (const Case& c : cases) {
        INFO(c.address << (c.allow_remote ? " with allow_remote" : ""));
        CHECK(check_admin_address({.address = c.address, .allow_remote = c.allow_remote}) ==
              c.want);
    }
}

TEST_CASE("AdminApi refuses a non-loopback address before binding, naming it") {
    struct NoBackend : AdminBackend {
        nlohmann::json queue_list(const QueueQuery&) override { return {}; }
        std::optional<nlohmann::json> queue_message(const std::string&) override { return {}; }
        std::size_t flush(const std::string&, const std::string&) override { return 0; }
        bool remove(const std::string&) override { return false; }
        std::string metrics() override { return {}; }
    } backend;
    try {
        AdminApi api({.address = "192.0.2.10"}, backend);
        FAIL("constructed on a remote address");
    } catch (const AdminAddressRefused& e) {
        CHECK(e.error() == AdminAddressError::not_loopback);
        CHECK_THAT(e.what(), Catch::Contains("192.0.2.10") && Catch::Contains("allow_remote"));
    }
    CHECK_THROWS_AS(AdminApi({.address = "admin.example"}, backend), AdminAddressRefused);
}

TEST_CASE("queue ids: hex of bounded length, upper-cased") {
    CHECK(canonical_queue_id("0123456789ABCDEF") == "0123456789ABCDEF");
    CHECK(canonical_queue_id("0123456789abcdef") == "0123456789ABCDEF");
    CHECK(canonical_queue_id("A") == "A");
    CHECK(canonical_queue_id(std::string(max_queue_id_length, 'f')) ==
          std::string(max_queue_id_length, 'F'));
    for (std::string bad : {std::string(), std::string(max_queue_id_length + 1, 'A'),
                            std::string("0x1F"), std::string("12 34"), std::string("../x"),
                            std::string("AB\0CD", 5), std::string("ABCG")}) {
        INFO("'" << bad << "'");
        CHECK_FALSE(canonical_queue_id(bad));
    }
}

TEST_CASE("domains: host names of bounded length, lower-cased") {
    CHECK(canonical_domain("Example.COM") == "example.com");
    CHECK(canonical_domain("example.com.") == "example.com");
    CHECK(canonical_domain("xn--bcher-kva.example") == "xn--bcher-kva.example");
    CHECK(canonical_domain("localhost") == "localhost");
    std::string label63(63, 'a');
    CHECK(canonical_domain(label63 + ".com") == label63 + ".com");
    // 255 octets in all: four labels of 63 and three dots.
    std::string longest = label63 + "." + label63 + "." + label63 + "." + label63;
    REQUIRE(longest.size() == max_domain_length);
    CHECK(canonical_domain(longest) == longest);
    for (std::string bad :
         {std::string(), std::string("."), std::string(".example.com"), std::string("example..com"),
          std::string("exa mple.com"), std::string("example.com/x"), std::string("bücher.example"),
          std::string("under_score.example"), std::string("a\nb"), std::string(64, 'a') + ".com",
          longest + "x", std::string("[127.0.0.1]")}) {
        INFO("'" << bad << "'");
        CHECK_FALSE(canonical_domain(bad));
    }
}
