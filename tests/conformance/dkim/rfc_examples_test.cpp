// DKIM examples of RFC 8463 Appendix A and RFC 6376 Appendix A/C (../shared/testdata/
// dkim-rfc-examples, read in place; see its SOURCE.txt).
#include <catch2/catch.hpp>
#include <filesystem>

#include "probes/auth/dkim_base64.hpp"
#include "probes/auth/dkim_sign.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "tests/catch_main.hpp"
#include "tests/conformance/dkim/dkim_test_support.hpp"

namespace {

using namespace relaylab::auth;
using relaylab::auth::test::MapDns;
using relaylab::auth::test::read_file;
namespace fs = std::filesystem;

const fs::path examples = relaylab::test::testdata_dir(RELAYLAB_TESTDATA_DIR) / "dkim-rfc-examples";

std::string example(const std::string& name) {
    auto text = read_file(examples / name);
    REQUIRE(text.has_value());
    return *text;
}

// Zone-file lines: `name. IN TXT "part" "part"`.
void load_zone(MapDns& dns, const std::string& text, const std::string& rename_from = "",
               const std::string& rename_to = "") {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        std::string line =
            text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        pos = eol == std::string::npos ? text.size() : eol + 1;
        std::size_t space = line.find_first_of(" \t");
        if (line.empty() || space == std::string::npos) continue;
        std::string name = line.substr(0, space);
        if (!name.empty() && name.back() == '.') name.pop_back();
        if (!rename_from.empty() && name.ends_with(rename_from))
            name = name.substr(0, name.size() - rename_from.size()) + rename_to;
        std::string record;
        bool in_quotes = false;
        for (std::size_t i = space; i < line.size(); ++i) {
            if (line[i] == '"') {
                in_quotes = !in_quotes;
            } else if (in_quotes) {
                record.push_back(line[i]);
            }
        }
        dns.add(name, record);
    }
}

bool skip_if_absent() {
    if (fs::exists(examples)) return false;
    relaylab::test::skip_test(examples.string() + " is absent (../shared/testdata not available)");
    return true;
}

}  // namespace

TEST_CASE("RFC 8463 A.3: both signatures of the example verify", "[dkim][conformance]") {
    if (skip_if_absent()) return;
    MapDns dns;
    load_zone(dns, example("rfc8463-A2-dns.txt"));
    auto verdicts = verify_dkim(example("rfc8463-A3-signed.eml"), dns);
    REQUIRE(verdicts.size() == 2);
    CHECK(verdicts[0].algorithm == "ed25519-sha256");
    CHECK(verdicts[1].algorithm == "rsa-sha256");
    for (const DkimVerdict& verdict : verdicts) {
        INFO(verdict.algorithm << ": " << verdict.reason);
        CHECK(verdict.result == DkimResult::pass);
    }
}

TEST_CASE("RFC 8463 A.1 keys sign the A.1 message so that A.2 verifies it", "[dkim][conformance]") {
    if (skip_if_absent()) return;
    MapDns dns;
    load_zone(dns, example("rfc8463-A2-dns.txt"));
    std::string message = example("rfc8463-A1-unsigned.eml");
    std::string error;
    auto seed = base64_decode(example("rfc8463-A1-ed25519-private-seed.b64"));
    REQUIRE(seed.has_value());
    auto ed_key = PrivateKey::from_ed25519_seed(*seed);
    auto rsa_key = PrivateKey::from_text(example("rfc8463-A1-rsa-private.pem"), error);
    REQUIRE(ed_key.has_value());
    REQUIRE(rsa_key.has_value());
    DkimSignOptions options;
    options.domain = "football.example.com";
    options.timestamp = 1528637909;
    options.selector = "brisbane";
    auto ed = dkim_sign(message, *ed_key, options);
    options.selector = "test";
    auto rsa = dkim_sign(message, *rsa_key, options);
    REQUIRE(ed.ok());
    REQUIRE(rsa.ok());
    // RFC 8463 A.3 body hash: the same body canonicalised relaxed.
    CHECK(ed.field.find("bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=") != std::string::npos);
    auto verdicts = verify_dkim(ed.field + rsa.field + message, dns);
    REQUIRE(verdicts.size() == 2);
    for (const DkimVerdict& verdict : verdicts) {
        INFO(verdict.algorithm << ": " << verdict.reason);
        CHECK(verdict.result == DkimResult::pass);
    }
}

TEST_CASE("RFC 6376 A.2 does not verify as printed (negative vector)", "[dkim][conformance]") {
    if (skip_if_absent()) return;
    std::string signed_message = example("rfc6376-A2-signed.eml");
    SECTION("key published under example.org, d=example.com: key not found") {
        MapDns dns;
        load_zone(dns, example("rfc6376-C-dns.txt"));
        auto verdicts = verify_dkim(signed_message, dns);
        REQUIRE(verdicts.size() == 1);
        CHECK(verdicts[0].result == DkimResult::permerror);
        CHECK(verdicts[0].reason.find("key not found") != std::string::npos);
    }
    SECTION("key moved to example.com: the simple body hash does not match") {
        MapDns dns;
        load_zone(dns, example("rfc6376-C-dns.txt"), "example.org", "example.com");
        auto verdicts = verify_dkim(signed_message, dns);
        REQUIRE(verdicts.size() == 1);
        CHECK(verdicts[0].result == DkimResult::fail);
        CHECK(verdicts[0].reason.find("body hash mismatch") != std::string::npos);
    }
    SECTION("the Appendix C key signs the A.1 message and verifies") {
        MapDns dns;
        load_zone(dns, example("rfc6376-C-dns.txt"));
        std::string error;
        auto key = PrivateKey::from_text(example("rfc6376-C-rsa-private.pem"), error);
        REQUIRE(key.has_value());
        DkimSignOptions options;
        options.domain = "example.org";
        options.selector = "brisbane";
        options.header_canon = Canon::simple;
        options.body_canon = Canon::simple;
        std::string message = example("rfc6376-A1-unsigned.eml");
        auto field = dkim_sign(message, *key, options);
        REQUIRE(field.ok());
        // Appendix SOURCE.txt: the simple body hash of this body.
        CHECK(field.field.find("bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=") !=
              std::string::npos);
        auto verdicts = verify_dkim(field.field + message, dns);
        REQUIRE(verdicts.size() == 1);
        INFO(verdicts[0].reason);
        CHECK(verdicts[0].result == DkimResult::pass);
    }
}
