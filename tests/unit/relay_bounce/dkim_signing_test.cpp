// The relay's DKIM signing step (harness/relay/bounce/dkim_signing.hpp): key choice by the
// From: domain, both algorithms verified by the project's verifier, key file errors, and
// concurrent signing.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/relay/bounce/dkim_signing.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "probes/auth/memory_dns.hpp"
#include "tests/lib/temp_dir.hpp"

using relaylab::testing::TempDir;

namespace {

using namespace relaylab::relay;
namespace auth = relaylab::auth;
namespace fs = std::filesystem;

// Keys made once for the binary: RSA generation is the slow part of these tests.
struct Keys {
    auth::PrivateKey rsa, ed;
    static const Keys& get() {
        static const Keys keys = [] {
            std::string error;
            auto rsa = auth::PrivateKey::generate(auth::KeyType::rsa, 2048, error);
            auto ed = auth::PrivateKey::generate(auth::KeyType::ed25519, 0, error);
            REQUIRE(rsa.has_value());
            REQUIRE(ed.has_value());
            return Keys{*rsa, *ed};
        }();
        return keys;
    }
};

void publish(auth::MemoryDns& dns, const std::string& selector, const std::string& domain,
             const auth::PrivateKey& key) {
    dns.add(selector + "._domainkey." + domain, auth::RrType::txt,
            "v=DKIM1; k=" + std::string(auth::key_type_name(key.type())) +
                "; p=" + key.public_key_base64());
}

std::string message_from(const std::string& from) {
    return "From: " + from +
           "\r\nTo: bob@dest.example\r\nSubject: signed by the relay\r\n"
           "Date: Wed, 02 Dec 2026 07:00:00 +0000\r\nMessage-ID: <m1@relay.test>\r\n\r\n"
           "Hello,\r\nthe relay signs this.\r\n";
}

struct World {
    TempDir dir;
    auth::MemoryDns dns;
    std::vector<DkimSigning> config;
    World() {
        const Keys& keys = Keys::get();
        fs::path rsa = dir.write("example.org.pem", keys.rsa.to_pem());
        fs::path ed = dir.write("example.net.pem", keys.ed.to_pem());
        config = {{"example.org", "rsa2026", rsa},
                  {"Example.NET.", "ed2026", ed},
                  {"sub.example.org", "sub", ed}};
        publish(dns, "rsa2026", "example.org", keys.rsa);
        publish(dns, "ed2026", "example.net", keys.ed);
        publish(dns, "sub", "sub.example.org", keys.ed);
    }
};

auth::DkimVerdict verify(const std::string& signed_message, auth::MemoryDns& dns) {
    auto verdicts = auth::verify_dkim(signed_message, dns);
    REQUIRE(verdicts.size() == 1);
    return verdicts[0];
}

}  // namespace

TEST_CASE("rsa-sha256 and ed25519-sha256 signatures, relaxed/relaxed, verify", "[dkim_step]") {
    World w;
    DkimSigningStep step(w.config);
    CHECK(step.size() == 3);
    struct Case {
        std::string from, domain, selector, algorithm;
    };
    for (const Case& c : {Case{"Alice <alice@example.org>", "example.org", "rsa2026", "rsa-sha256"},
                          Case{"carol@EXAMPLE.net", "example.net", "ed2026", "ed25519-sha256"}}) {
        INFO("From: " << c.from);
        std::string message = message_from(c.from);
        DkimSkip why = DkimSkip::no_keys;
        auto field = step.sign(message, &why);
        REQUIRE(field.has_value());
        CHECK(why == DkimSkip::none);
        CHECK(field->rfind("DKIM-Signature: ", 0) == 0);
        CHECK(field->find("c=relaxed/relaxed") != std::string::npos);
        CHECK(field->substr(field->size() - 2) == "\r\n");
        auth::DkimVerdict v = verify(*field + message, w.dns);
        INFO(v.reason);
        CHECK(v.result == auth::DkimResult::pass);
        CHECK(v.domain == c.domain);
        CHECK(v.selector == c.selector);
        CHECK(v.algorithm == c.algorithm);
        // The signature covers the body: a changed body fails.
        CHECK(verify(*field + message + "P.S.\r\n", w.dns).result == auth::DkimResult::fail);
    }
}

TEST_CASE("key choice: exact domain, else the nearest parent, never a look-alike", "[dkim_step]") {
    World w;
    DkimSigningStep step(w.config);
    struct Case {
        const char* from;
        const char* want;  // d=, or "" for no signature
    };
    const Case cases[] = {
        {"a@example.org", "example.org"},
        {"a@sub.example.org", "sub.example.org"},       // its own key over the parent's
        {"a@deep.sub.example.org", "sub.example.org"},  // nearest parent
        {"a@news.example.org", "example.org"},
        {"a@badexample.org", ""},  // not a subdomain of example.org
        {"a@example.org.evil.test", ""},
        {"a@other.test", ""},
        {"\"a@example.org\" <x@other.test>", ""},  // the address counts, not the name
        {"a@example.org.", "example.org"},
    };
    for (const Case& c : cases) {
        INFO("From: " << c.from << ", want d=" << c.want);
        const DkimSigningStep::Key* key =
            step.key_for(std::string_view(c.from).substr(std::string_view(c.from).rfind('@') + 1));
        std::string message = message_from(c.from);
        DkimSkip why = DkimSkip::none;
        auto field = step.sign(message, &why);
        if (std::string(c.want).empty()) {
            CHECK_FALSE(field.has_value());
            CHECK(why == DkimSkip::no_key);
        } else {
            REQUIRE(field.has_value());
            REQUIRE(key != nullptr);
            CHECK(key->domain == c.want);
            CHECK(field->find("d=" + std::string(c.want) + ";") != std::string::npos);
            CHECK(verify(*field + message, w.dns).result == auth::DkimResult::pass);
        }
    }
}

TEST_CASE("no signature without a usable From:", "[dkim_step]") {
    World w;
    DkimSigningStep step(w.config);
    DkimSkip why = DkimSkip::none;
    CHECK_FALSE(step.sign("To: bob@dest.example\r\nSubject: no from\r\n\r\nbody\r\n", &why));
    CHECK(why == DkimSkip::no_from_domain);
    CHECK_FALSE(step.sign("From: a@example.org\r\nFrom: b@example.org\r\n\r\nbody\r\n", &why));
    CHECK(why == DkimSkip::no_from_domain);
    CHECK_FALSE(step.sign("From: undisclosed\r\n\r\nbody\r\n", &why));
    CHECK(why == DkimSkip::no_from_domain);
    DkimSigningStep none({});
    CHECK_FALSE(none.sign(message_from("a@example.org"), &why));
    CHECK(why == DkimSkip::no_keys);
}

TEST_CASE("key file problems are errors naming the file", "[dkim_step]") {
    TempDir dir;
    const Keys& keys = Keys::get();
    fs::path good = dir.write("good.pem", keys.ed.to_pem());
    fs::path junk = dir.write("junk.pem", "-----BEGIN PRIVATE KEY-----\nnot a key\n");
    fs::path huge = dir.write("huge.pem", std::string(max_dkim_key_file_bytes + 1, 'A'));
    std::string error;
    auto small_rsa = auth::PrivateKey::generate(auth::KeyType::rsa, 512, error);
    fs::path small;
    if (small_rsa) small = dir.write("small.pem", small_rsa->to_pem());
    struct Case {
        std::vector<DkimSigning> config;
        DkimKeyProblem want;
        std::string named;  // what the message must mention
    };
    std::vector<Case> cases = {
        {{{"example.org", "s1", dir.path / "missing.pem"}},
         DkimKeyProblem::unreadable,
         (dir.path / "missing.pem").string()},
        {{{"example.org", "s1", dir.path}}, DkimKeyProblem::unreadable, dir.path.string()},
        {{{"example.org", "s1", junk}}, DkimKeyProblem::not_a_key, junk.string()},
        {{{"example.org", "s1", huge}}, DkimKeyProblem::too_large, huge.string()},
        {{{"exa mple.org", "s1", good}}, DkimKeyProblem::bad_domain, "exa mple.org"},
        {{{"example.org", "s1;x=y", good}}, DkimKeyProblem::bad_selector, "s1;x=y"},
        {{{"example.org", "s1", good}, {"EXAMPLE.org", "s2", good}},
         DkimKeyProblem::duplicate_domain,
         good.string()},
    };
    if (small_rsa)
        cases.push_back(
            {{{"example.org", "s1", small}}, DkimKeyProblem::key_too_small, small.string()});
    for (const Case& c : cases) {
        INFO("want " << describe(c.want));
        try {
            DkimSigningStep step(c.config);
            FAIL("no error");
        } catch (const DkimKeyError& e) {
            INFO(e.what());
            CHECK(e.problem() == c.want);
            CHECK(std::string(e.what()).find(c.named) != std::string::npos);
        }
    }
}

TEST_CASE("concurrent sign() calls all produce valid signatures", "[dkim_step]") {
    World w;
    const DkimSigningStep step(w.config);
    constexpr int threads = 4;
    constexpr int per_thread = 25;
    std::vector<std::vector<std::string>> signed_messages(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                std::string from = (i % 2 ? "a@example.org" : "b@example.net");
                std::string message =
                    message_from(from) + "n=" + std::to_string(t * 1000 + i) + "\r\n";
                auto field = step.sign(message);
                signed_messages[t].push_back(field ? *field + message : std::string());
            }
        });
    }
    for (auto& worker : workers)
        worker.join();
    int passed = 0;
    for (const auto& list : signed_messages)
        for (const auto& message : list)
            passed += !message.empty() && verify(message, w.dns).result == auth::DkimResult::pass;
    CHECK(passed == threads * per_thread);
}
