// The TTL cache: positive and negative answers expire with their TTL; failures are not kept.
#include <catch2/catch.hpp>

#include "harness/dns/core/answer_cache.hpp"

using namespace relaylab::dns;
using namespace std::chrono_literals;

namespace {

Answer with(Status status, std::uint32_t ttl) {
    Answer answer;
    answer.status = status;
    answer.ttl = ttl;
    if (status == Status::ok)
        answer.records.push_back({"n.test", RrType::a, ttl, AddressData{"192.0.2.1"}});
    return answer;
}

}  // namespace

TEST_CASE("entries live for their TTL and count it down", "[dns][cache]") {
    AnswerCache cache(10);
    auto t0 = AnswerCache::Clock::time_point{} + 1000s;
    cache.put("N.test.", RrType::a, with(Status::ok, 60), t0);
    auto hit = cache.get("n.test", RrType::a, t0 + 10s);
    REQUIRE(hit);
    CHECK(hit->from_cache);
    CHECK(hit->ttl == 50);
    CHECK(hit->records[0].ttl == 50);
    CHECK_FALSE(cache.get("n.test", RrType::aaaa, t0));  // the type is part of the key
    CHECK_FALSE(cache.get("n.test", RrType::a, t0 + 60s));
    CHECK(cache.size() == 0);  // expired entries go on lookup
}

TEST_CASE("negative answers are cached, failures and TTL 0 are not", "[dns][cache]") {
    AnswerCache cache(10);
    auto t0 = AnswerCache::Clock::time_point{} + 1000s;
    cache.put("nx.test", RrType::a, with(Status::nxdomain, 30), t0);
    cache.put("nd.test", RrType::a, with(Status::nodata, 30), t0);
    cache.put("sf.test", RrType::a, with(Status::servfail, 30), t0);
    cache.put("to.test", RrType::a, with(Status::timeout, 30), t0);
    cache.put("zero.test", RrType::a, with(Status::ok, 0), t0);
    CHECK(cache.get("nx.test", RrType::a, t0)->status == Status::nxdomain);
    CHECK(cache.get("nd.test", RrType::a, t0)->status == Status::nodata);
    CHECK_FALSE(cache.get("sf.test", RrType::a, t0));
    CHECK_FALSE(cache.get("to.test", RrType::a, t0));
    CHECK_FALSE(cache.get("zero.test", RrType::a, t0));
}

TEST_CASE("a full cache drops expired entries first, then the soonest to expire", "[dns][cache]") {
    AnswerCache cache(2);
    auto t0 = AnswerCache::Clock::time_point{} + 1000s;
    cache.put("a.test", RrType::a, with(Status::ok, 10), t0);
    cache.put("b.test", RrType::a, with(Status::ok, 100), t0);
    cache.put("c.test", RrType::a, with(Status::ok, 100), t0);
    CHECK(cache.size() == 2);
    CHECK_FALSE(cache.get("a.test", RrType::a, t0));
    CHECK(cache.get("b.test", RrType::a, t0));
    CHECK(cache.get("c.test", RrType::a, t0));
}

TEST_CASE("TTLs above a day are capped", "[dns][cache]") {
    AnswerCache cache(2);
    auto t0 = AnswerCache::Clock::time_point{} + 1000s;
    cache.put("a.test", RrType::a, with(Status::ok, 0x7fffffff), t0);
    CHECK_FALSE(cache.get("a.test", RrType::a, t0 + std::chrono::seconds(max_cache_ttl_s)));
}
