// From header domains (RFC 7489 6.6.1).
#include <catch2/catch.hpp>

#include "probes/auth/dmarc_from.hpp"

using namespace relaylab::auth;

TEST_CASE("From domains from header values", "[dmarc][from]") {
    using V = std::vector<std::string>;
    CHECK(from_header_domains("Joe <joe@Example.COM>") == V{"example.com"});
    CHECK(from_header_domains("\"a@b.example, c\" <joe@joe.example>") == V{"joe.example"});
    CHECK(from_header_domains("(comment (nested @x.example)) joe@joe.example") == V{"joe.example"});
    CHECK(from_header_domains("a@one.example, B <b@two.example.>") ==
          (V{"one.example", "two.example"}));
    CHECK(from_header_domains("undisclosed-recipients:;").empty());
    CHECK(from_header_domains("").empty());
    CHECK(from_header_domains("\"unterminated <x@y.example>").empty());
    CHECK(from_header_domains(std::string(kMaxFromValueLength + 1, 'a')).empty());
    std::string deep(100, '(');
    CHECK(from_header_domains(deep + "x@y.example").empty());
    std::string many;
    for (int i = 0; i < 200; ++i)
        many += "a@b.example,";
    CHECK(from_header_domains(many).size() == kMaxFromAddresses);
}
