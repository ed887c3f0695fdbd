// Organisational domains over Debian's public suffix list (package "publicsuffix").
#include <catch2/catch.hpp>

#include <filesystem>

#include "probes/auth/org_domain.hpp"
#include "tests/catch_main.hpp"

using namespace relaylab::auth;

TEST_CASE("organisational domains from Debian's public suffix list", "[dmarc][psl]") {
    if (!std::filesystem::exists(kDebianPublicSuffixList)) {
        relaylab::test::skip_test(std::string(kDebianPublicSuffixList) +
                                  " is absent (install publicsuffix)");
        return;
    }
    std::string error;
    auto psl = PublicSuffixList::load(kDebianPublicSuffixList, &error);
    REQUIRE(psl);
    CHECK(psl->organizational_domain("mail.example.com") == "example.com");
    CHECK(psl->organizational_domain("a.b.example.co.uk") == "example.co.uk");
    CHECK(psl->organizational_domain("Example.CO.UK.") == "example.co.uk");
    CHECK(psl->organizational_domain("co.uk") == "co.uk");  // a public suffix is its own
    CHECK(psl->organizational_domain("x.y.example.k12.ak.us") == "example.k12.ak.us");
    CHECK(psl->organizational_domain("unlisted.tld-that-does-not-exist") ==
          "unlisted.tld-that-does-not-exist");
    CHECK_FALSE(psl->registrable_domain("co.uk"));
    CHECK(psl->is_public_suffix("co.uk"));
    CHECK_FALSE(psl->is_public_suffix("example.co.uk"));
    CHECK_FALSE(psl->organizational_domain(""));
    CHECK_FALSE(psl->organizational_domain("a..example.com"));
    CHECK_FALSE(psl->organizational_domain(".example.com"));
    CHECK_FALSE(psl->organizational_domain(std::string(64, 'a') + ".com"));
}

TEST_CASE("an unreadable list is an error, not a silent fallback", "[dmarc][psl]") {
    std::string error;
    CHECK_FALSE(PublicSuffixList::load("/nonexistent/public_suffix_list.dat", &error));
    CHECK_THAT(error, Catch::Contains("/nonexistent"));
}
