// The SMTP smuggling end-of-DATA sequences collected in ../shared/testdata/smtp-smuggling
// (SEC Consult's SMTP-Smuggling-Tools, hannob/smtpsmug, Wang et al. USENIX Security 2025): under
// every bare-newline policy the decoder ends DATA only at a genuine <CRLF>.<CRLF>, and records
// the look-alike; the ServerSession never runs the smuggled commands.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness/smtp/data_decoder.hpp"
#include "tests/catch_main.hpp"
#include "tests/unit/smtp/session_driver.hpp"

using relaylab::smtp::BareNewlinePolicy;
using relaylab::smtp::DataDecoder;

namespace {

struct EodCase {
    std::string repr;
    std::string bytes;
};

const std::filesystem::path sequences_file =
    relaylab::test::testdata_dir(RELAYLAB_TESTDATA_DIR) / "smtp-smuggling" / "eod-sequences.json";

std::string from_hex(const std::string& hex) {
    std::istringstream in(hex);
    std::string out;
    std::string byte;
    while (in >> byte)
        out += static_cast<char>(std::stoi(byte, nullptr, 16));
    return out;
}

// nullopt when the test data is not there (the test then skips with a message).
std::optional<std::vector<EodCase>> load_cases() {
    std::ifstream in(sequences_file);
    if (!in) return std::nullopt;
    auto json = nlohmann::json::parse(in);
    std::vector<EodCase> cases;
    for (const auto& item : json.at("cases")) {
        cases.push_back({item.at("sequence_repr").get<std::string>(),
                         from_hex(item.at("hex").get<std::string>())});
    }
    return cases;
}

// Where a receiver conforming to RFC 5321 4.1.1.4 ends the data: just after the first
// <CRLF>.<CRLF>, where the start of the data counts as following a CRLF.
std::size_t genuine_end(const std::string& data) {
    std::string framed = "\r\n" + data;
    auto at = framed.find("\r\n.\r\n");
    REQUIRE(at != std::string::npos);
    return at + 5 - 2;
}

struct Outcome {
    bool done = false;
    std::size_t consumed = 0;
    relaylab::smtp::DataFindings findings;
};

Outcome run_decoder(const std::string& data, BareNewlinePolicy policy,
                    const std::vector<std::size_t>& cuts) {
    DataDecoder decoder(policy, 1000, 0, true);
    Outcome outcome;
    std::size_t start = 0;
    auto feed = [&](std::size_t end) {
        if (outcome.done) return;
        auto result = decoder.feed(std::string_view(data).substr(start, end - start));
        outcome.consumed += result.consumed;
        outcome.done = result.done;
        start = end;
    };
    for (std::size_t cut : cuts)
        feed(cut);
    feed(data.size());
    outcome.findings = decoder.findings();
    return outcome;
}

// A CR not followed by LF, or an LF not preceded by CR (RFC 5321 2.3.8).
bool has_bare_newline(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) return true;
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return true;
    }
    return false;
}

const std::vector<BareNewlinePolicy> policies = {
    BareNewlinePolicy::reject, BareNewlinePolicy::normalize, BareNewlinePolicy::accept};

// SEC Consult's layout: text, CRLF, the sequence, then a smuggled transaction, then a real end.
const std::string smuggled_tail =
    "mail FROM:<smuggled@evil.test>\r\nrcpt TO:<victim@x.test>\r\ndata\r\n"
    "Subject: smuggled\r\n\r\nsmuggled body\r\n.\r\n";

std::string sec_consult_payload(const std::string& sequence) {
    return "Subject: test\r\n\r\nTESTING as \"fake\" end-of-data sequence!\r\n" + sequence +
           smuggled_tail;
}

}  // namespace

TEST_CASE("smuggling end-of-DATA sequences never end DATA early", "[data][smuggling]") {
    auto cases = load_cases();
    if (!cases) {
        relaylab::test::skip_test(sequences_file.string() +
                                  " is absent (../shared/testdata not checked out)");
        return;
    }
    REQUIRE(cases->size() == 17);
    for (const auto& c : *cases) {
        for (const auto& payload :
             {sec_consult_payload(c.bytes), "no newline before" + c.bytes + smuggled_tail}) {
            const std::size_t want = genuine_end(payload);
            const bool layout_after_crlf = payload.rfind("Subject: test", 0) == 0;
            const std::size_t sequence_at = payload.find(c.bytes);
            const bool ends_in_sequence = want <= sequence_at + c.bytes.size();
            for (auto policy : policies) {
                INFO("sequence " << c.repr << " under " << relaylab::smtp::to_string(policy)
                                 << (layout_after_crlf ? " after CRLF" : " after text"));
                Outcome whole = run_decoder(payload, policy, {});
                INFO("got end at " << whole.consumed << ", want " << want);
                REQUIRE(whole.done);
                REQUIRE(whole.consumed == want);
                // Split anywhere, the end stays where it is.
                for (std::size_t cut = 0; cut <= payload.size(); ++cut) {
                    Outcome split = run_decoder(payload, policy, {cut});
                    REQUIRE(split.done);
                    REQUIRE(split.consumed == want);
                    REQUIRE(split.findings.eod_lookalikes == whole.findings.eod_lookalikes);
                }
                if (!layout_after_crlf || ends_in_sequence) continue;
                // Not an end to us: the look-alike must be on record for the report.
                const auto& f = whole.findings;
                bool has_nul = c.bytes.find('\0') != std::string::npos;
                bool has_bare = has_bare_newline(c.bytes + "m");  // "mail FROM" follows
                if (has_nul) CHECK(f.nul > 0);
                if (!has_nul && has_bare) CHECK(f.eod_lookalikes > 0);
                CHECK(f.eod_lookalikes + f.nul > 0);
            }
        }
    }
}

TEST_CASE("smuggling sequences through ServerSession run no smuggled command",
          "[session][smuggling]") {
    auto cases = load_cases();
    if (!cases) {
        relaylab::test::skip_test(sequences_file.string() +
                                  " is absent (../shared/testdata not checked out)");
        return;
    }
    for (const auto& c : *cases) {
        std::string payload = sec_consult_payload(c.bytes);
        std::size_t want = genuine_end(payload);
        if (want != payload.size()) continue;  // holds a genuine end: the client ended it itself
        for (auto policy : policies) {
            INFO("sequence " << c.repr << " under " << relaylab::smtp::to_string(policy));
            auto config = relaylab::smtp::test::test_config();
            config.bare_newline = policy;
            relaylab::smtp::test::Driver driver(config);
            driver.start();
            std::string out =
                driver.feed("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n" +
                            payload + "QUIT\r\n");
            // One MAIL accepted, one end-of-data reply, then the 221: nothing was smuggled.
            auto count = [&](std::string_view what) {
                std::size_t n = 0;
                for (auto at = out.find(what); at != std::string::npos; at = out.find(what, at + 1))
                    ++n;
                return n;
            };
            CHECK(count("250 2.1.0") == 1);
            CHECK(count("354 ") == 1);
            CHECK(out.size() > 4);
            CHECK(out.substr(out.size() - 15) == "221 2.0.0 Bye\r\n");
            if (policy == BareNewlinePolicy::reject && has_bare_newline(payload)) {
                CHECK(driver.messages.empty());
                CHECK(out.find("550 5.5.2 Error: bare <LF> or <CR>") != std::string::npos);
            } else if (policy == BareNewlinePolicy::reject &&
                       payload.find('\0') != std::string::npos) {
                // A NUL look-alike ("<CRLF><NUL>.<CRLF>") is refused too: a receiver that
                // drops NULs would end DATA there.
                CHECK(driver.messages.empty());
                CHECK(out.find("550 5.6.0 Error: end-of-data look-alike") != std::string::npos);
            } else {
                REQUIRE(driver.messages.size() == 1);
                // The smuggled commands are message content.
                CHECK(driver.messages[0].content.find("smuggled@evil.test") != std::string::npos);
            }
        }
    }
}
