// tls.certificate: trust, expiry, self-signed and host names, with real certificates from the
// test CA, and the facts read from them.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "cert_fixtures.hpp"
#include "probes/transport/tls_judge.hpp"

using namespace relaylab;
using namespace relaylab::probe;
using namespace relaylab::probe::test;

namespace relaylab::probe::test {

CertificateFacts facts_of(const net::CertificatePem& pem) {
    auto facts = certificate_facts(der_from_pem(pem.certificate));
    REQUIRE(facts);
    return *facts;
}

const CertFixtures& fixtures() {
    static const CertFixtures built = [] {
        CertFixtures f;
        f.ca = net::make_test_ca();
        f.other_ca = net::make_test_ca();
        f.ca_file = "/tmp/relaylab_unit_probe_tls_ca_" + std::to_string(::getpid()) + ".pem";
        std::ofstream(f.ca_file) << f.ca.pem.certificate;
        f.ca_facts = facts_of(f.ca.pem);
        f.other_ca_facts = facts_of(f.other_ca.pem);
        f.leaf = facts_of(net::issue_certificate(f.ca, "mx.example.test", net::valid_for_days(90)));
        f.other_leaf = facts_of(
            net::issue_certificate(f.other_ca, "mx.example.test", net::valid_for_days(90)));
        return f;
    }();
    return built;
}

}  // namespace relaylab::probe::test

namespace {

std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

CertificateCheckFacts check_of(std::vector<CertificateFacts> chain, const std::string& host,
                               bool host_is_name = true) {
    CertificateCheckFacts facts;
    facts.chain = std::move(chain);
    facts.verification = verify_chain(facts.chain, fixtures().ca_file);
    facts.host = host;
    facts.host_is_name = host_is_name;
    facts.name_matches = certificate_names_host(facts.chain.front(), host);
    facts.now = now();
    return facts;
}

struct RemoveCaFile {
    ~RemoveCaFile() { std::remove(fixtures().ca_file.c_str()); }
} remove_ca_file_at_exit;

}  // namespace

TEST_CASE("certificate facts read from DER", "[probe][tls][certificate]") {
    const auto& leaf = fixtures().leaf;
    CHECK(leaf.subject == "CN=mx.example.test");
    CHECK(leaf.issuer == fixtures().ca_facts.subject);
    CHECK(leaf.dns_names == std::vector<std::string>{"mx.example.test"});
    CHECK(leaf.ip_addresses == std::vector<std::string>{"127.0.0.1"});
    CHECK_FALSE(leaf.self_signed);
    CHECK(fixtures().ca_facts.self_signed);
    CHECK(leaf.sha256_hex.size() == 64);
    CHECK(leaf.spki_sha256_hex != leaf.sha256_hex);
    const auto days = (leaf.not_after - now()) / 86400;
    CHECK(days >= 89);
    CHECK(days <= 90);
    CHECK_FALSE(certificate_facts("not a certificate"));
    CHECK(der_from_pem("garbage").empty());
}

TEST_CASE("host names and addresses against the certificate", "[probe][tls][certificate]") {
    const auto& leaf = fixtures().leaf;
    CHECK(certificate_names_host(leaf, "mx.example.test"));
    CHECK(certificate_names_host(leaf, "MX.Example.Test"));
    CHECK(certificate_names_host(leaf, "127.0.0.1"));
    CHECK_FALSE(certificate_names_host(leaf, "mx2.example.test"));
    CHECK_FALSE(certificate_names_host(leaf, "example.test"));
    CHECK_FALSE(certificate_names_host(leaf, "127.0.0.2"));
}

TEST_CASE("chain verification against --ca, dates aside", "[probe][tls][certificate]") {
    CHECK(verify_chain({fixtures().leaf}, fixtures().ca_file).verified);
    auto other = verify_chain({fixtures().other_leaf}, fixtures().ca_file);
    CHECK_FALSE(other.verified);
    CHECK_FALSE(other.error.empty());
    CHECK(other.trust_anchors == "--ca " + fixtures().ca_file);
    CHECK_FALSE(verify_chain({}, fixtures().ca_file).verified);
    CHECK_FALSE(verify_chain({fixtures().leaf}, "/nonexistent/ca.pem").verified);
    // Expired but from the trusted CA: trusted; the expiry is judged by itself.
    auto t = std::chrono::system_clock::now();
    auto expired = facts_of(
        net::issue_certificate(fixtures().ca, "mx.example.test",
                               {t - std::chrono::hours(24 * 40), t - std::chrono::hours(24)}));
    CHECK(verify_chain({expired}, fixtures().ca_file).verified);
}

TEST_CASE("tls.certificate verdicts", "[probe][tls][certificate]") {
    const auto& f = fixtures();
    auto t = std::chrono::system_clock::now();
    SECTION("valid, trusted, named: pass with days left") {
        auto result = judge_certificate(check_of({f.leaf}, "mx.example.test"));
        CHECK(result.verdict == Verdict::pass);
        CHECK(result.details["days_left"].get<int>() >= 89);
        CHECK(result.details["name_matches"] == true);
        CHECK(result.details["chain_verified"] == true);
        CHECK(result.evidence.size() == 1);
    }
    SECTION("expired: fail") {
        auto expired = facts_of(
            net::issue_certificate(f.ca, "mx.example.test",
                                   {t - std::chrono::hours(24 * 31), t - std::chrono::hours(24)}));
        auto result = judge_certificate(check_of({expired}, "mx.example.test"));
        CHECK(result.verdict == Verdict::fail);
        CHECK(result.explanation.find("expired") != std::string::npos);
        CHECK(result.details["days_left"].get<int>() == -1);
    }
    SECTION("not yet valid: fail") {
        auto early = facts_of(
            net::issue_certificate(f.ca, "mx.example.test",
                                   {t + std::chrono::hours(24), t + std::chrono::hours(24 * 90)}));
        CHECK(judge_certificate(check_of({early}, "mx.example.test")).verdict == Verdict::fail);
    }
    SECTION("expires within 14 days: warn") {
        auto soon =
            facts_of(net::issue_certificate(f.ca, "mx.example.test", net::valid_for_days(5)));
        auto result = judge_certificate(check_of({soon}, "mx.example.test"));
        CHECK(result.verdict == Verdict::warn);
        INFO(result.explanation);
        // Whole seconds: the five days may not have begun to run down yet.
        const int days_left = result.details["days_left"].get<int>();
        CHECK((days_left == 4 || days_left == 5));
        CHECK(result.explanation.find("expires in " + std::to_string(days_left) + " days") !=
              std::string::npos);
    }
    SECTION("15 days left: pass") {
        auto later =
            facts_of(net::issue_certificate(f.ca, "mx.example.test", net::valid_for_days(16)));
        CHECK(judge_certificate(check_of({later}, "mx.example.test")).verdict == Verdict::pass);
    }
    SECTION("self-signed: fail") {
        auto self = facts_of(net::make_self_signed_certificate("mx.example.test", 90));
        auto result = judge_certificate(check_of({self}, "mx.example.test"));
        CHECK(result.verdict == Verdict::fail);
        CHECK(result.explanation.find("self-signed") != std::string::npos);
    }
    SECTION("unknown CA: fail") {
        auto result = judge_certificate(check_of({f.other_leaf}, "mx.example.test"));
        CHECK(result.verdict == Verdict::fail);
        CHECK(result.explanation.find("not trusted") != std::string::npos);
    }
    SECTION("wrong host name: fail naming both") {
        auto result = judge_certificate(check_of({f.leaf}, "mail.other.test"));
        CHECK(result.verdict == Verdict::fail);
        CHECK(result.explanation.find("does not name mail.other.test") != std::string::npos);
        CHECK(result.explanation.find("mx.example.test") != std::string::npos);
    }
    SECTION("target given as an address: name not checked, said so") {
        auto result = judge_certificate(check_of({f.leaf}, "192.0.2.1", false));
        CHECK(result.verdict == Verdict::pass);
        CHECK(result.explanation.find("name not checked") != std::string::npos);
        CHECK_FALSE(result.details.contains("name_matches"));
    }
    SECTION("no certificate: fail") {
        CertificateCheckFacts none;
        CHECK(judge_certificate(none).verdict == Verdict::fail);
    }
}
