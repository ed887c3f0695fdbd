// QuotaGate (harness/relay/engagement/quota_gate.hpp) on an injected clock: the 451 4.7.1 at the
// limit, release after the window, globs per sender, the null sender never limited.
#include <catch2/catch.hpp>

#include "harness/relay/engagement/quota_gate.hpp"

using namespace relaylab::relay;
using namespace std::chrono_literals;

namespace {

struct Gate {
    explicit Gate(std::vector<SenderQuota> quotas) {
        RelayConfig config;
        config.quotas = std::move(quotas);
        gate = QuotaGate::create(config, [this] { return now; });
    }
    // One accepted message: MAIL passes, then it is stored.
    bool send(const std::string& sender) {
        if (gate->check_sender(sender)) return false;
        SpoolMessage meta;
        meta.mail_from = sender;
        gate->stored(meta);
        return true;
    }
    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point{} + 1000h;
    std::shared_ptr<QuotaGate> gate;
};

}  // namespace

TEST_CASE("the message after the limit gets 451 4.7.1 naming the limit and the wait",
          "[engagement][quota]") {
    Gate g({{"*@shop.test", 3, 1h}});
    for (int i = 0; i < 3; ++i) {
        CHECK(g.send("news@shop.test"));
        g.now += 1min;
    }
    auto refusal = g.gate->check_sender("news@shop.test");
    REQUIRE(refusal);
    CHECK(refusal->code == 451);
    CHECK(refusal->summary() ==
          "451 4.7.1 news@shop.test: sending quota of 3 messages per 1h reached; try again in "
          "3480s");
    CHECK(g.gate->stats()["refused"] == 1);
    CHECK(g.gate->stats()["by_sender"]["news@shop.test"] == 1);
}

TEST_CASE("the quota frees up when the window has passed", "[engagement][quota]") {
    Gate g({{"*", 2, 1h}});
    CHECK(g.send("a@x.test"));
    CHECK(g.send("a@x.test"));
    CHECK_FALSE(g.send("a@x.test"));
    g.now += 1h;
    CHECK_FALSE(g.send("a@x.test"));  // strict by at most a bucket (a minute for 1h)
    g.now += 1min;
    CHECK(g.send("a@x.test"));
}

TEST_CASE("a refused MAIL costs nothing; only stored messages count", "[engagement][quota]") {
    Gate g({{"*", 1, 1h}});
    CHECK_FALSE(g.gate->check_sender("a@x.test"));  // MAIL passes, transaction abandoned
    CHECK_FALSE(g.gate->check_sender("a@x.test"));
    CHECK(g.send("a@x.test"));
    CHECK(g.gate->check_sender("a@x.test"));
}

TEST_CASE("each sender has its own count under one glob", "[engagement][quota]") {
    Gate g({{"*@shop.test", 1, 1h}});
    CHECK(g.send("a@shop.test"));
    CHECK(g.send("b@shop.test"));
    CHECK_FALSE(g.send("a@shop.test"));
    CHECK_FALSE(g.send("A@SHOP.TEST"));  // the same sender spelled otherwise
    // Not matched by the glob: never limited.
    for (int i = 0; i < 10; ++i)
        CHECK(g.send("a@other.test"));
}

TEST_CASE("every matching entry applies", "[engagement][quota]") {
    Gate g({{"*@shop.test", 5, 1h}, {"*", 2, 24h}});
    CHECK(g.send("a@shop.test"));
    CHECK(g.send("a@shop.test"));
    auto refusal = g.gate->check_sender("a@shop.test");
    REQUIRE(refusal);
    CHECK_THAT(refusal->summary(), Catch::Contains("2 messages per 1d"));
}

TEST_CASE("the null sender is never limited", "[engagement][quota]") {
    Gate g({{"*", 1, 1h}});
    for (int i = 0; i < 5; ++i)
        CHECK(g.send(""));
    CHECK(g.gate->stats()["refused"] == 0);
}

TEST_CASE("stats show the 20 senders refused most", "[engagement][quota]") {
    Gate g({{"*", 1, 1h}});
    for (int s = 0; s < 30; ++s) {
        std::string sender = "s" + std::to_string(s) + "@x.test";
        g.send(sender);
        for (int i = 0; i <= s; ++i)
            g.send(sender);  // refused s+1 times
    }
    auto stats = g.gate->stats();
    CHECK(stats["by_sender"].size() == 20);
    CHECK(stats["by_sender"]["s29@x.test"] == 30);
    CHECK_FALSE(stats["by_sender"].contains("s0@x.test"));
}
