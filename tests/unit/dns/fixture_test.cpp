// The fixture's answers, judged by the resolver's own parser and by the raw header bits:
// AA, NXDOMAIN vs NODATA with the SOA, CNAME chains, wildcards, EDNS, truncation, REFUSED,
// FORMERR for malformed queries.
#include <algorithm>
#include <catch2/catch.hpp>

#include "fake-mx/dns-fixture/core/fixture.hpp"
#include "harness/dns/core/message.hpp"
#include "tests/unit/dns/test_zone.hpp"

using namespace relaylab::dns;
using namespace relaylab::dns::fixture;

namespace {

Fixture make_fixture(std::vector<FaultRule> rules = {}) {
    ZoneSet zones;
    zones.add(load_zone_text(test::zone_text, "test_zone"));
    return Fixture(std::move(zones), std::move(rules));
}

struct Exchange {
    Decision decision;
    ParsedResponse parsed;
};

Exchange ask(Fixture& fixture, const std::string& name, RrType type, std::uint16_t edns = 1232,
             Transport transport = Transport::udp) {
    Exchange out;
    auto query = build_query(0xbeef, name, type, edns);
    out.decision = fixture.handle_query(query, transport);
    if (out.decision.reply) out.parsed = parse_response(*out.decision.reply, 0xbeef, name, type);
    return out;
}

bool aa_bit(const std::vector<std::uint8_t>& wire) {
    return (wire[2] & 0x04) != 0;
}
bool tc_bit(const std::vector<std::uint8_t>& wire) {
    return (wire[2] & 0x02) != 0;
}
int rcode(const std::vector<std::uint8_t>& wire) {
    return wire[3] & 0x0f;
}
int count(const std::vector<std::uint8_t>& wire, int section) {
    return wire[4 + 2 * section] << 8 | wire[5 + 2 * section];
}

}  // namespace

TEST_CASE("every record type the issue lists is served, authoritative", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    struct Case {
        const char* label;
        std::string name;
        RrType type;
        std::size_t records;
    };
    auto c = GENERATE(values<Case>({
        {"MX", "fixture.test", RrType::mx, 3},
        {"A", "www.fixture.test", RrType::a, 1},
        {"AAAA", "v6only.fixture.test", RrType::aaaa, 1},
        {"TXT", "fixture.test", RrType::txt, 1},
        {"NS", "fixture.test", RrType::ns, 1},
        {"SOA", "fixture.test", RrType::soa, 1},
        {"PTR", "1.2.0.192.in-addr.fixture.test", RrType::ptr, 1},
        {"SRV", "_imap._tcp.fixture.test", RrType::srv, 1},
        {"CAA", "fixture.test", RrType::caa, 1},
        {"TLSA", "_25._tcp.mx-a.fixture.test", RrType::tlsa, 1},
        {"CNAME itself", "alias.fixture.test", RrType::cname, 1},
    }));
    INFO(c.label);
    auto got = ask(fixture, c.name, c.type);
    REQUIRE(got.decision.reply);
    CHECK(aa_bit(*got.decision.reply));
    REQUIRE(got.parsed.kind == ResponseKind::usable);
    CHECK(got.parsed.answer.status == Status::ok);
    CHECK(got.parsed.answer.records.size() == c.records);
}

TEST_CASE("typed records carry the zone's values", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    auto tlsa = ask(fixture, "_25._tcp.mx-a.fixture.test", RrType::tlsa).parsed.answer;
    REQUIRE(tlsa.records.size() == 1);
    const auto& t = std::get<TlsaData>(tlsa.records[0].data);
    CHECK(t.usage == 3);
    CHECK(t.selector == 1);
    CHECK(t.matching_type == 1);
    CHECK(t.data.size() == 32);
    CHECK(t.data[0] == 0x0c);

    auto srv = ask(fixture, "_imap._tcp.fixture.test", RrType::srv).parsed.answer;
    const auto& s = std::get<SrvData>(srv.records.at(0).data);
    CHECK(s.port == 143);
    CHECK(s.target == "mx-a.fixture.test");

    auto caa = ask(fixture, "fixture.test", RrType::caa).parsed.answer;
    const auto& a = std::get<CaaData>(caa.records.at(0).data);
    CHECK(a.tag == "issue");
    CHECK(a.value == "ca.example");

    auto soa = ask(fixture, "fixture.test", RrType::soa).parsed.answer;
    CHECK(std::get<SoaData>(soa.records.at(0).data).minimum == 30);
}

TEST_CASE("TXT over 255 octets comes back as several strings, joined in order", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    auto got = ask(fixture, "long.fixture.test", RrType::txt).parsed.answer;
    REQUIRE(got.records.size() == 1);
    const auto& txt = std::get<TxtData>(got.records[0].data);
    REQUIRE(txt.strings.size() == 2);
    CHECK(txt.joined() == std::string(250, 'a') + std::string(250, 'b'));
}

TEST_CASE("NXDOMAIN and NODATA both carry the SOA with the negative TTL", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    SECTION("NXDOMAIN: the name does not exist") {
        auto got = ask(fixture, "missing.fixture.test", RrType::a);
        CHECK(rcode(*got.decision.reply) == 3);
        CHECK(aa_bit(*got.decision.reply));
        CHECK(count(*got.decision.reply, 2) == 1);  // authority: the SOA
        CHECK(got.parsed.answer.status == Status::nxdomain);
        CHECK(got.parsed.answer.ttl == 30);  // min(SOA TTL 300, MINIMUM 30), RFC 2308 5
    }
    SECTION("NODATA: the name exists, not the type") {
        auto got = ask(fixture, "www.fixture.test", RrType::mx);
        CHECK(rcode(*got.decision.reply) == 0);
        CHECK(count(*got.decision.reply, 1) == 0);
        CHECK(count(*got.decision.reply, 2) == 1);
        CHECK(got.parsed.answer.status == Status::nodata);
        CHECK(got.parsed.answer.ttl == 30);
    }
    SECTION("an empty non-terminal is NODATA, not NXDOMAIN (RFC 4592 2.2.2)") {
        auto got = ask(fixture, "b.c.deep.fixture.test", RrType::a);
        CHECK(got.parsed.answer.status == Status::nodata);
    }
}

TEST_CASE("CNAME chains are followed inside the zone", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    auto got = ask(fixture, "alias.fixture.test", RrType::a);
    CHECK(count(*got.decision.reply, 1) == 3);  // two CNAMEs and the A
    const auto& answer = got.parsed.answer;
    CHECK(answer.status == Status::ok);
    CHECK(answer.canonical_name == "www.fixture.test");
    CHECK(answer.cname_chain ==
          std::vector<std::string>{"alias2.fixture.test", "www.fixture.test"});
    CHECK(std::get<AddressData>(answer.records.at(0).data).address == "192.0.2.80");

    SECTION("a loop ends without hanging; the parser calls it servfail") {
        auto loop = ask(fixture, "loop1.fixture.test", RrType::a);
        REQUIRE(loop.decision.reply);
        CHECK(loop.parsed.answer.status == Status::servfail);
    }
    SECTION("a CNAME to a missing name gives NXDOMAIN for the target (RFC 6604)") {
        auto dangling = ask(fixture, "dangling.fixture.test", RrType::a);
        CHECK(rcode(*dangling.decision.reply) == 3);
        CHECK(dangling.parsed.answer.status == Status::nxdomain);
        CHECK(dangling.parsed.answer.canonical_name == "nowhere.fixture.test");
    }
}

TEST_CASE("wildcards synthesise answers (RFC 4592)", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    auto got = ask(fixture, "Anything.Wild.fixture.test", RrType::a);
    REQUIRE(got.parsed.answer.status == Status::ok);
    CHECK(got.parsed.answer.records.at(0).name == "Anything.Wild.fixture.test");  // asker's case
    CHECK(ask(fixture, "x.y.wild.fixture.test", RrType::txt).parsed.answer.status == Status::ok);
    SECTION("no wildcard for an existing name: host.wild has MX only") {
        CHECK(ask(fixture, "host.wild.fixture.test", RrType::a).parsed.answer.status ==
              Status::nodata);
    }
    SECTION("a wildcard name without the type is NODATA") {
        CHECK(ask(fixture, "q.wild.fixture.test", RrType::mx).parsed.answer.status ==
              Status::nodata);
    }
}

TEST_CASE("a delegation is a referral without AA", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    auto got = ask(fixture, "www.sub.fixture.test", RrType::a);
    CHECK_FALSE(aa_bit(*got.decision.reply));
    CHECK(count(*got.decision.reply, 1) == 0);
    CHECK(count(*got.decision.reply, 2) == 1);  // NS
    CHECK(count(*got.decision.reply, 3) == 2);  // glue A + OPT
}

TEST_CASE("names outside the zones are REFUSED", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    auto got = ask(fixture, "example.com", RrType::a);
    CHECK(rcode(*got.decision.reply) == 5);
    CHECK_FALSE(aa_bit(*got.decision.reply));
    CHECK(got.parsed.answer.status == Status::refused);
    CHECK(got.decision.log.rcode == "REFUSED");
}

TEST_CASE("answers over the UDP limit are truncated; TCP gets them whole", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    SECTION("no EDNS: 512 octets") {
        auto got = ask(fixture, "long.fixture.test", RrType::txt, 0);
        REQUIRE(got.decision.reply);
        CHECK(tc_bit(*got.decision.reply));
        CHECK(got.decision.reply->size() <= 512);
        CHECK(got.parsed.kind == ResponseKind::truncated);
        CHECK(got.decision.log.truncated);
    }
    SECTION("EDNS 1232 fits it") {
        auto got = ask(fixture, "long.fixture.test", RrType::txt, 1232);
        CHECK_FALSE(tc_bit(*got.decision.reply));
        CHECK(got.parsed.answer.status == Status::ok);
    }
    SECTION("TCP without EDNS is not truncated") {
        auto got = ask(fixture, "long.fixture.test", RrType::txt, 0, Transport::tcp);
        CHECK_FALSE(tc_bit(*got.decision.reply));
        CHECK(got.parsed.answer.status == Status::ok);
    }
    SECTION("EDNS sizes below 512 count as 512 (RFC 6891 6.2.5)") {
        auto got = ask(fixture, "fixture.test", RrType::mx, 100);
        CHECK_FALSE(tc_bit(*got.decision.reply));
    }
}

TEST_CASE("malformed queries get FORMERR or nothing, never a crash", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    auto query = build_query(0x4242, "www.fixture.test", RrType::a, 0);
    auto run = [&](std::vector<std::uint8_t> bytes) {
        return fixture.handle_query(bytes, Transport::udp);
    };
    SECTION("shorter than a header: dropped") {
        CHECK_FALSE(run({1, 2, 3}).reply);
    }
    SECTION("a response (QR set): dropped, never answered") {
        auto bytes = query;
        bytes[2] |= 0x80;
        CHECK_FALSE(run(bytes).reply);
    }
    SECTION("truncated question: FORMERR with the ID echoed") {
        auto bytes = query;
        bytes.resize(bytes.size() - 3);
        auto d = run(bytes);
        REQUIRE(d.reply);
        CHECK(rcode(*d.reply) == 1);
        CHECK((*d.reply)[0] == 0x42);
        CHECK(d.log.rcode == "FORMERR");
    }
    SECTION("QDCOUNT 2 with one question: FORMERR") {
        auto bytes = query;
        bytes[5] = 2;
        CHECK(rcode(*run(bytes).reply) == 1);
    }
    SECTION("ANCOUNT claims records that are not there: FORMERR") {
        auto bytes = query;
        bytes[7] = 5;
        CHECK(rcode(*run(bytes).reply) == 1);
    }
    SECTION("a compression pointer loop: FORMERR") {
        std::vector<std::uint8_t> bytes(query.begin(), query.begin() + 12);
        bytes.insert(bytes.end(), {0xc0, 12, 0, 1, 0, 1});  // name points at itself
        CHECK(rcode(*run(bytes).reply) == 1);
    }
    SECTION("a label over 63 octets: FORMERR") {
        std::vector<std::uint8_t> bytes(query.begin(), query.begin() + 12);
        bytes.push_back(64);
        bytes.insert(bytes.end(), 64, 'a');
        bytes.insert(bytes.end(), {0, 0, 1, 0, 1});
        CHECK(rcode(*run(bytes).reply) == 1);
    }
    SECTION("a name over 255 octets: FORMERR") {
        std::vector<std::uint8_t> bytes(query.begin(), query.begin() + 12);
        for (int i = 0; i < 5; ++i) {
            bytes.push_back(60);
            bytes.insert(bytes.end(), 60, 'b');
        }
        bytes.insert(bytes.end(), {0, 0, 1, 0, 1});
        CHECK(rcode(*run(bytes).reply) == 1);
    }
    SECTION("an opcode other than QUERY: NOTIMP") {
        auto bytes = query;
        bytes[2] = static_cast<std::uint8_t>((bytes[2] & 0x87) | (2 << 3));  // STATUS
        CHECK(rcode(*run(bytes).reply) == 4);
    }
    SECTION("EDNS version 1: BADVERS (RFC 6891 6.1.3)") {
        auto bytes = build_query(0x4242, "www.fixture.test", RrType::a, 1232);
        // OPT TTL field: extended RCODE, VERSION, flags; the version octet is 4 from the end
        // of the fixed part: ... type(2) class(2) ttl(4) rdlen(2).
        bytes[bytes.size() - 5] = 1;
        auto d = run(bytes);
        REQUIRE(d.reply);
        CHECK(d.log.rcode == "BADVERS");
    }
}

TEST_CASE("the query log entry describes the exchange", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    auto got = ask(fixture, "WWW.fixture.test", RrType::a);
    CHECK(got.decision.log.name == "www.fixture.test");
    CHECK(got.decision.log.type == "A");
    CHECK(got.decision.log.rcode == "NOERROR");
    CHECK(got.decision.log.answers == 1);
    CHECK(got.decision.log.id == 0xbeef);
    CHECK(got.decision.log.fault.empty());
    auto line = to_json_line(got.decision.log);
    CHECK(line.find("\"fault\":null") != std::string::npos);
    CHECK(line.rfind("{\"time\":", 0) == 0);
}

TEST_CASE("repeated questions come from the reply cache with the asker's ID", "[dns][fixture]") {
    Fixture fixture = make_fixture();
    auto first =
        fixture.handle_query(build_query(0x1111, "fixture.test", RrType::mx, 1232), Transport::udp);
    auto second =
        fixture.handle_query(build_query(0x2222, "fixture.test", RrType::mx, 1232), Transport::udp);
    REQUIRE(first.reply);
    REQUIRE(second.reply);
    CHECK((*second.reply)[0] == 0x22);
    CHECK((*second.reply)[1] == 0x22);
    CHECK(std::equal(first.reply->begin() + 2, first.reply->end(), second.reply->begin() + 2,
                     second.reply->end()));
    CHECK(parse_response(*second.reply, 0x2222, "fixture.test", RrType::mx).answer.status ==
          Status::ok);
    CHECK(second.log.name == "fixture.test");
    CHECK(second.log.type == "MX");
    CHECK(second.log.rcode == "NOERROR");
    CHECK(second.log.id == 0x2222);
    CHECK(second.log.answers == first.log.answers);

    SECTION("UDP and TCP answers are kept apart (truncation differs)") {
        auto udp = ask(fixture, "long.fixture.test", RrType::txt, 0);
        auto tcp = ask(fixture, "long.fixture.test", RrType::txt, 0, Transport::tcp);
        auto udp_again = ask(fixture, "long.fixture.test", RrType::txt, 0);
        CHECK(tc_bit(*udp.decision.reply));
        CHECK_FALSE(tc_bit(*tcp.decision.reply));
        CHECK(tc_bit(*udp_again.decision.reply));
    }
}

TEST_CASE("fault rules still apply to questions whose answer is cached", "[dns][fixture]") {
    FaultRule rule;
    rule.name = "fixture.test";
    rule.action = FaultAction::servfail;
    rule.first = 2;
    Fixture fixture = make_fixture({rule});
    // Warm the cache with a question the rule does not match, then ask the matching one.
    CHECK(rcode(*ask(fixture, "www.fixture.test", RrType::a).decision.reply) == 0);
    CHECK(rcode(*ask(fixture, "fixture.test", RrType::mx).decision.reply) == 2);
    CHECK(rcode(*ask(fixture, "fixture.test", RrType::mx).decision.reply) == 2);
    auto third = ask(fixture, "fixture.test", RrType::mx);  // budget spent: the real answer
    CHECK(rcode(*third.decision.reply) == 0);
    CHECK(third.decision.log.fault.empty());
    auto fourth = ask(fixture, "fixture.test", RrType::mx);  // now from the cache
    CHECK(rcode(*fourth.decision.reply) == 0);
    CHECK(third.parsed.answer.records.size() == fourth.parsed.answer.records.size());
}
