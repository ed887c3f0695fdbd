// The decoded public key cache (probes/auth/dkim_key_cache.hpp): a key record seen again is
// not decoded again, the cache stays bounded, and keys from it verify from several threads.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "probes/auth/dkim_base64.hpp"
#include "probes/auth/dkim_crypto.hpp"
#include "probes/auth/dkim_key_cache.hpp"
#include "probes/auth/dkim_key_record.hpp"

using namespace relaylab::auth;

namespace {

const PrivateKey& rsa_key() {
    static const PrivateKey key = [] {
        std::string error;
        return *PrivateKey::generate(KeyType::rsa, 1024, error);
    }();
    return key;
}

}  // namespace

TEST_CASE("a key record seen again comes from the cache", "[dkim][unit][cache]") {
    clear_public_key_cache();
    const std::string record = "v=DKIM1; k=rsa; p=" + rsa_key().public_key_base64();
    auto first = parse_key_record(record);
    REQUIRE(first.record);
    CHECK(public_key_cache_stats().misses == 1);
    CHECK(public_key_cache_stats().hits == 0);
    for (int i = 0; i < 5; ++i) {
        auto again = parse_key_record(record);
        REQUIRE(again.record);
        CHECK(again.record->key->bits() == 1024);
    }
    CHECK(public_key_cache_stats().hits == 5);
    CHECK(public_key_cache_stats().size == 1);
    // A bogus key is not cached (nothing to reuse) and still fails.
    CHECK_FALSE(parse_key_record("v=DKIM1; k=rsa; p=AAAA").record);
    CHECK(public_key_cache_stats().size == 1);
    // The same octets read as another key type are another entry, decoded on their own.
    CHECK_FALSE(parse_key_record("v=DKIM1; k=ed25519; p=" + rsa_key().public_key_base64()).record);
}

TEST_CASE("the key cache is bounded, least recently used out first", "[dkim][unit][cache]") {
    clear_public_key_cache();
    std::string error;
    auto ed = PrivateKey::generate(KeyType::ed25519, 0, error);
    REQUIRE(ed);
    const std::string keep = *base64_decode(ed->public_key_base64());
    REQUIRE(PublicKey::from_ed25519_raw(keep));
    for (std::size_t i = 0; i < max_cached_public_keys + 10; ++i) {
        std::string raw(32, '\0');
        raw[0] = static_cast<char>(i & 0xff);
        raw[1] = static_cast<char>((i >> 8) & 0xff);
        raw[2] = 1;
        PublicKey::from_ed25519_raw(raw);
        if (i % 100 == 0) REQUIRE(PublicKey::from_ed25519_raw(keep));  // kept recent
    }
    CHECK(public_key_cache_stats().size == max_cached_public_keys);
    const auto hits = public_key_cache_stats().hits;
    REQUIRE(PublicKey::from_ed25519_raw(keep));
    CHECK(public_key_cache_stats().hits == hits + 1);
}

TEST_CASE("one cached RSA key verifies from several threads at once", "[dkim][unit][cache]") {
    clear_public_key_cache();
    const std::string der = *base64_decode(rsa_key().public_key_base64());
    const std::string data = "from:a@example.test\r\nsubject:hi\r\ndkim-signature:v=1; b=";
    const std::string signature = rsa_key().sign(data);
    REQUIRE_FALSE(signature.empty());
    constexpr int threads = 4;
    constexpr int rounds = 200;
    std::vector<int> good(threads, 0);
    std::vector<int> rejected(threads, 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < rounds; ++i) {
                auto key = PublicKey::from_rsa_der(der);
                if (key && key->verify(data, signature)) ++good[t];
                if (key && !key->verify(data + "x", signature)) ++rejected[t];
            }
        });
    }
    for (auto& worker : workers)
        worker.join();
    for (int t = 0; t < threads; ++t) {
        CHECK(good[t] == rounds);
        CHECK(rejected[t] == rounds);
    }
    CHECK(public_key_cache_stats().size == 1);
}
