// DANE: TLSA records (usage, selector, matching type) matched against presented chains, with
// the digests computed independently by OpenSSL's X509_digest / X509_pubkey_digest; and the
// "dane" verdicts from lookups with and without the AD bit.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>

#include "cert_fixtures.hpp"
#include "probes/transport/dane_match.hpp"
#include "probes/transport/tls_judge.hpp"

using namespace relaylab;
using namespace relaylab::probe;
using namespace relaylab::probe::test;

namespace {

// The reference digests, by a path that shares no code with dane_match.cpp.
std::string reference_digest(const CertificateFacts& c, int selector, const EVP_MD* md) {
    const auto* p = reinterpret_cast<const unsigned char*>(c.der.data());
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(c.der.size()));
    REQUIRE(cert != nullptr);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    int ok = 0;
    if (selector == 0) {
        ok = X509_digest(cert, md, out, &length);
    } else {
        // The SubjectPublicKeyInfo re-encoded from the key (i2d_PUBKEY), not the certificate's
        // bytes (X509_pubkey_digest would hash the key bits alone, which TLSA does not use).
        unsigned char* spki = nullptr;
        int spki_length = i2d_PUBKEY(X509_get0_pubkey(cert), &spki);
        ok = spki_length > 0 && EVP_Digest(spki, static_cast<std::size_t>(spki_length), out,
                                           &length, md, nullptr) == 1;
        OPENSSL_free(spki);
    }
    X509_free(cert);
    REQUIRE(ok == 1);
    return std::string(reinterpret_cast<const char*>(out), length);
}

net::TlsaRecord record(int usage, int selector, int matching, std::string data) {
    return {static_cast<std::uint8_t>(usage), static_cast<std::uint8_t>(selector),
            static_cast<std::uint8_t>(matching), std::move(data)};
}

}  // namespace

TEST_CASE("TLSA association data equals OpenSSL's digests", "[probe][dane]") {
    const auto& leaf = fixtures().leaf;
    CHECK(tlsa_association(leaf, 0, 1) == reference_digest(leaf, 0, EVP_sha256()));
    CHECK(tlsa_association(leaf, 1, 1) == reference_digest(leaf, 1, EVP_sha256()));
    CHECK(tlsa_association(leaf, 0, 2) == reference_digest(leaf, 0, EVP_sha512()));
    CHECK(tlsa_association(leaf, 1, 2) == reference_digest(leaf, 1, EVP_sha512()));
    CHECK(tlsa_association(leaf, 0, 0) == leaf.der);
    CHECK(tlsa_association(leaf, 2, 1).empty());
    CHECK(tlsa_association(leaf, 0, 3).empty());
    CHECK(to_hex(tlsa_association(leaf, 0, 1)) == leaf.sha256_hex);
    CHECK(to_hex(tlsa_association(leaf, 1, 1)) == leaf.spki_sha256_hex);
}

TEST_CASE("TLSA records matched against chains", "[probe][dane]") {
    const auto& f = fixtures();
    const std::vector<CertificateFacts> with_anchor{f.leaf, f.ca_facts};
    const std::vector<CertificateFacts> leaf_only{f.leaf};
    const std::vector<CertificateFacts> wrong_anchor{f.leaf, f.other_ca_facts};
    const std::string leaf_cert = reference_digest(f.leaf, 0, EVP_sha256());
    const std::string leaf_spki = reference_digest(f.leaf, 1, EVP_sha256());
    const std::string ca_cert = reference_digest(f.ca_facts, 0, EVP_sha256());
    const std::string ca_spki512 = reference_digest(f.ca_facts, 1, EVP_sha512());
    const std::string other_leaf = reference_digest(f.other_leaf, 1, EVP_sha256());
    struct Case {
        const char* label;
        net::TlsaRecord record;
        const std::vector<CertificateFacts>* chain;
        bool usable;
        std::optional<std::size_t> matched_at;
    };
    const Case cases[] = {
        {"3 0 1 leaf", record(3, 0, 1, leaf_cert), &leaf_only, true, 0},
        {"3 1 1 leaf", record(3, 1, 1, leaf_spki), &leaf_only, true, 0},
        {"3 1 2 leaf", record(3, 1, 2, reference_digest(f.leaf, 1, EVP_sha512())), &leaf_only, true,
         0},
        {"3 0 0 leaf", record(3, 0, 0, f.leaf.der), &with_anchor, true, 0},
        {"3 1 1 another key", record(3, 1, 1, other_leaf), &leaf_only, true, std::nullopt},
        {"3 0 1 of the CA does not match a leaf", record(3, 0, 1, ca_cert), &with_anchor, true,
         std::nullopt},
        {"2 0 1 CA sent", record(2, 0, 1, ca_cert), &with_anchor, true, 1},
        {"2 1 2 CA sent", record(2, 1, 2, ca_spki512), &with_anchor, true, 1},
        {"2 0 1 CA not sent", record(2, 0, 1, ca_cert), &leaf_only, true, std::nullopt},
        {"2 0 1 of a CA that did not issue the leaf",
         record(2, 0, 1, reference_digest(f.other_ca_facts, 0, EVP_sha256())), &wrong_anchor, true,
         std::nullopt},
        {"2 0 1 of the leaf itself is no anchor", record(2, 0, 1, leaf_cert), &leaf_only, true,
         std::nullopt},
        {"1 0 1 PKIX-EE unusable", record(1, 0, 1, leaf_cert), &leaf_only, false, std::nullopt},
        {"0 0 1 PKIX-TA unusable", record(0, 0, 1, ca_cert), &with_anchor, false, std::nullopt},
        {"3 2 1 unknown selector", record(3, 2, 1, leaf_cert), &leaf_only, false, std::nullopt},
        {"3 1 1 empty chain", record(3, 1, 1, leaf_spki), nullptr, true, std::nullopt},
    };
    const std::vector<CertificateFacts> empty;
    for (const auto& c : cases) {
        TlsaFinding finding = match_tlsa(c.record, c.chain ? *c.chain : empty);
        INFO(c.label << ": " << finding.note);
        CHECK(finding.usable == c.usable);
        CHECK(finding.matched_at == c.matched_at);
        CHECK_FALSE(finding.note.empty());
    }
}

TEST_CASE("chains_up_to checks names and signatures", "[probe][dane]") {
    const auto& f = fixtures();
    CHECK(chains_up_to({f.leaf, f.ca_facts}, 1));
    CHECK(chains_up_to({f.leaf}, 0));
    CHECK_FALSE(chains_up_to({f.leaf, f.other_ca_facts}, 1));
    CHECK_FALSE(chains_up_to({f.leaf}, 1));
}

TEST_CASE("dane verdicts", "[probe][dane]") {
    const auto& f = fixtures();
    DaneFacts facts;
    facts.owner = "_25._tcp.mx.example.test";
    facts.lookup = TlsaLookup::found;
    facts.chain = {f.leaf};
    const auto matching = record(3, 1, 1, reference_digest(f.leaf, 1, EVP_sha256()));
    const auto other = record(3, 1, 1, reference_digest(f.other_leaf, 1, EVP_sha256()));
    SECTION("no TLSA: warn, not deployed") {
        facts.lookup = TlsaLookup::none;
        auto result = judge_dane(facts);
        CHECK(result.verdict == Verdict::warn);
        CHECK(result.explanation.find("DANE not deployed") != std::string::npos);
    }
    SECTION("lookup failed: error") {
        facts.lookup = TlsaLookup::failed;
        facts.lookup_error = "servfail";
        CHECK(judge_dane(facts).verdict == Verdict::error);
    }
    SECTION("match with AD: pass") {
        facts.records = {other, matching};
        facts.authenticated = true;
        auto result = judge_dane(facts);
        CHECK(result.verdict == Verdict::pass);
        CHECK(result.explanation.find("DNSSEC-validated") != std::string::npos);
        CHECK(result.details["records"].size() == 2);
        CHECK(result.details["records"][1]["matched"] == true);
        // Evidence: the records as text and the certificate digests.
        bool record_line = false, digest_line = false;
        for (const auto& line : result.evidence) {
            record_line |= line.find("TLSA 3 1 1 " + f.leaf.spki_sha256_hex) != std::string::npos;
            digest_line |= line.find("spki_sha256=" + f.leaf.spki_sha256_hex) != std::string::npos;
        }
        CHECK(record_line);
        CHECK(digest_line);
    }
    SECTION("match without AD: warn, not DNSSEC-validated") {
        facts.records = {matching};
        auto result = judge_dane(facts);
        CHECK(result.verdict == Verdict::warn);
        CHECK(result.explanation.find("not DNSSEC-validated") != std::string::npos);
    }
    SECTION("records but no match: fail") {
        facts.records = {other};
        auto result = judge_dane(facts);
        CHECK(result.verdict == Verdict::fail);
        CHECK(result.explanation.find("matches the presented") != std::string::npos);
    }
    SECTION("only unusable records: fail") {
        facts.records = {record(1, 1, 1, reference_digest(f.leaf, 1, EVP_sha256()))};
        auto result = judge_dane(facts);
        CHECK(result.verdict == Verdict::fail);
        CHECK(result.explanation.find("no usable TLSA") != std::string::npos);
    }
    SECTION("records but no chain: error") {
        facts.records = {matching};
        facts.chain.clear();
        facts.chain_error = "STARTTLS is not offered";
        auto result = judge_dane(facts);
        CHECK(result.verdict == Verdict::error);
        CHECK(result.explanation.find("STARTTLS is not offered") != std::string::npos);
    }
}
