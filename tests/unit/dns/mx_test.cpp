// RFC 5321 5.1 routing from MX answers: preference order, seeded shuffle of equals, null MX
// (RFC 7505), implicit MX.
#include <catch2/catch.hpp>
#include <set>

#include "harness/dns/core/mx.hpp"

using namespace relaylab::dns;

namespace {

Answer mx_answer(std::vector<std::pair<int, std::string>> records) {
    Answer answer;
    answer.status = Status::ok;
    for (auto& [pref, host] : records) {
        answer.records.push_back(
            {"d.test", RrType::mx, 300, MxData{static_cast<std::uint16_t>(pref), host}});
    }
    return answer;
}

std::vector<std::string> order(const MxResult& result) {
    std::vector<std::string> names;
    for (const auto& host : result.hosts)
        names.push_back(host.exchange);
    return names;
}

}  // namespace

TEST_CASE("lower preference first, whatever order the server sent", "[dns][mx]") {
    auto result = order_mx(mx_answer({{30, "c"}, {10, "a"}, {20, "b"}}), 1);
    CHECK(result.status == Status::ok);
    CHECK(order(result) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("equal preferences are shuffled by the seed: repeatable, and every order occurs",
          "[dns][mx]") {
    auto answer = mx_answer({{10, "a"}, {10, "b"}, {10, "c"}, {20, "z"}});
    CHECK(order(order_mx(answer, 42)) == order(order_mx(answer, 42)));
    std::set<std::vector<std::string>> seen;
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
        auto names = order(order_mx(answer, seed));
        CHECK(names.back() == "z");  // never crosses a preference boundary
        seen.insert(names);
    }
    CHECK(seen.size() == 6);  // all 3! orders of the equal hosts
    // The order the server sent does not matter, only the seed.
    auto reversed = mx_answer({{20, "z"}, {10, "c"}, {10, "b"}, {10, "a"}});
    CHECK(order(order_mx(answer, 9)) == order(order_mx(reversed, 9)));
}

TEST_CASE("null MX: a single '0 .' record means no mail (RFC 7505)", "[dns][mx]") {
    auto result = order_mx(mx_answer({{0, ""}}), 0);
    CHECK(result.status == Status::ok);
    CHECK(result.null_mx);
    CHECK(result.hosts.empty());
    SECTION("a '.' among real MX records is skipped, the rest used") {
        auto mixed = order_mx(mx_answer({{0, ""}, {10, "mx"}}), 0);
        CHECK_FALSE(mixed.null_mx);
        CHECK(order(mixed) == std::vector<std::string>{"mx"});
    }
}

TEST_CASE("negative and failed MX answers pass their status through", "[dns][mx]") {
    Answer answer;
    answer.status = Status::timeout;
    CHECK(order_mx(answer, 0).status == Status::timeout);
    answer.status = Status::nxdomain;
    CHECK(order_mx(answer, 0).status == Status::nxdomain);
}

TEST_CASE("implicit MX is the domain itself at preference 0", "[dns][mx]") {
    auto result = implicit_mx("d.test", true);
    CHECK(result.implicit);
    REQUIRE(result.hosts.size() == 1);
    CHECK(result.hosts[0].exchange == "d.test");
    CHECK(implicit_mx("d.test", false).status == Status::nodata);
}
