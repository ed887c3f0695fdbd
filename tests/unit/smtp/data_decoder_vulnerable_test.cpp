// The deliberately vulnerable DataDecoder of the smuggling tests (ServerConfig::
// vulnerable_end_of_data, the fake MX's "end_of_data"): each of the 17 look-alike shapes ends
// DATA when, and only when, it is in the set; the end is at the same octet however the input
// is split; the dot line and its closing delimiter are no content; and a session so configured
// answers right after the look-alike and reads on as commands, as old Postfix/Exim/Sendmail did.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness/smtp/data_decoder.hpp"
#include "tests/unit/smtp/session_driver.hpp"

using namespace std::string_literals;
using relaylab::smtp::BareNewlinePolicy;
using relaylab::smtp::DataDecoder;
using relaylab::smtp::EodLookalike;
using relaylab::smtp::EodLookalikeSet;
using relaylab::smtp::Newline;

namespace {

std::vector<EodLookalike> all_shapes() {
    std::vector<EodLookalike> shapes;
    for (Newline before : {Newline::crlf, Newline::lf, Newline::cr}) {
        for (bool nul : {false, true}) {
            for (Newline after : {Newline::crlf, Newline::lf, Newline::cr}) {
                EodLookalike shape{before, nul, after};
                if (!shape.real_end()) shapes.push_back(shape);
            }
        }
    }
    return shapes;
}

std::string octets(Newline newline) {
    switch (newline) {
        case Newline::crlf:
            return "\r\n";
        case Newline::lf:
            return "\n";
        case Newline::cr:
            return "\r";
    }
    return "";
}

std::string lookalike_bytes(const EodLookalike& shape) {
    return octets(shape.before) + "." + (shape.nul ? "\0"s : ""s) + octets(shape.after);
}

const std::string content_before = "Subject: t\r\n\r\nsome text";
const std::string after_lookalike = "NOOP\r\nmore\r\n.\r\n";

struct Run {
    bool done = false;
    std::size_t consumed = 0;
    std::string content;
    relaylab::smtp::DataFindings findings;
};

// Feeds `input` cut at `cut` (0: whole) into a decoder vulnerable to `set`.
Run run(const std::string& input, EodLookalikeSet set, std::size_t cut,
        BareNewlinePolicy policy = BareNewlinePolicy::accept) {
    DataDecoder decoder(policy, 1000, 0, true, set);
    Run out;
    auto feed = [&](std::string_view piece) {
        if (out.done) return;
        auto result = decoder.feed(piece);
        out.consumed += result.consumed;
        out.done = result.done;
    };
    if (cut == 0) {
        feed(input);
    } else {
        feed(std::string_view(input).substr(0, cut));
        feed(std::string_view(input).substr(cut));
    }
    out.content = decoder.content();
    out.findings = decoder.findings();
    return out;
}

}  // namespace

TEST_CASE("look-alike names and wire forms parse back, the real end does not",
          "[data][smuggling]") {
    auto shapes = all_shapes();
    REQUIRE(shapes.size() == 17);
    for (const auto& shape : shapes) {
        INFO(shape.name() << " / " << shape.wire());
        CHECK(relaylab::smtp::parse_eod_lookalike(shape.name()) == shape);
        CHECK(relaylab::smtp::parse_eod_lookalike(shape.wire()) == shape);
    }
    CHECK(EodLookalike{Newline::lf, false, Newline::lf}.name() == "lf-dot-lf");
    CHECK(EodLookalike{Newline::crlf, true, Newline::crlf}.wire() == "<CR><LF>.<NUL><CR><LF>");
    CHECK(relaylab::smtp::parse_eod_lookalike("<lf>.<lf>") ==
          EodLookalike{Newline::lf, false, Newline::lf});
    CHECK(relaylab::smtp::parse_eod_lookalike("LF-DOT-CR") ==
          EodLookalike{Newline::lf, false, Newline::cr});
    CHECK_FALSE(relaylab::smtp::parse_eod_lookalike("<CR><LF>.<CR><LF>"));
    CHECK_FALSE(relaylab::smtp::parse_eod_lookalike("crlf-dot-crlf"));
    CHECK_FALSE(relaylab::smtp::parse_eod_lookalike("<LF>..<LF>"));
    CHECK_FALSE(relaylab::smtp::parse_eod_lookalike(""));
}

TEST_CASE("a vulnerable decoder ends DATA at its look-alikes only, at every split",
          "[data][smuggling]") {
    const auto shapes = all_shapes();
    for (const auto& vulnerable : shapes) {
        EodLookalikeSet set;
        set.add(vulnerable);
        for (const auto& sent : shapes) {
            const std::string input = content_before + lookalike_bytes(sent) + after_lookalike;
            const bool ends = sent == vulnerable;
            INFO("vulnerable to " << vulnerable.name() << ", sent " << sent.name());
            const std::size_t want =
                ends ? content_before.size() + lookalike_bytes(sent).size() : input.size();
            for (std::size_t cut = 0; cut < input.size(); ++cut) {
                Run r = run(input, set, cut);
                INFO("cut at " << cut << ": got end at " << r.consumed << ", want " << want);
                REQUIRE(r.done);
                REQUIRE(r.consumed == want);
                REQUIRE(r.findings.ended_at_lookalike == ends);
                if (ends) {
                    // The delimiter before the dot ends the last content line; the rest is gone.
                    REQUIRE(r.content == content_before + octets(sent.before));
                    REQUIRE(r.findings.eod_lookalikes == 0);
                    REQUIRE(r.findings.nul == 0);
                    REQUIRE(r.findings.bare_lf == (sent.before == Newline::lf ? 1u : 0u));
                    REQUIRE(r.findings.bare_cr == (sent.before == Newline::cr ? 1u : 0u));
                } else {
                    REQUIRE(r.findings.eod_lookalikes == 1);
                }
            }
        }
    }
}

TEST_CASE("an empty set is the strict decoder", "[data][smuggling]") {
    for (const auto& shape : all_shapes()) {
        const std::string input = content_before + lookalike_bytes(shape) + after_lookalike;
        Run r = run(input, {}, 0);
        INFO(shape.name());
        CHECK(r.done);
        CHECK(r.consumed == input.size());
        CHECK_FALSE(r.findings.ended_at_lookalike);
    }
}

TEST_CASE("a vulnerable decoder starts over after its look-alike", "[data][smuggling]") {
    EodLookalikeSet set;
    set.add({Newline::lf, false, Newline::lf});
    DataDecoder decoder(BareNewlinePolicy::normalize, 1000, 0, true, set);
    auto first = decoder.feed("a\n.\n");
    CHECK(first.done);
    CHECK(first.consumed == 4);
    CHECK(decoder.content() == "a\r\n");  // normalized: the LF before the dot became CRLF
    decoder.reset();
    auto second = decoder.feed(".\nb\r\n.\r\n");  // DATA's CRLF comes before: <CRLF>.<LF>
    CHECK(second.done);
    CHECK(second.consumed == 8);
    CHECK(decoder.findings().eod_lookalikes == 1);
}

TEST_CASE("a session vulnerable to <LF>.<LF> answers after it and runs what follows",
          "[session][smuggling]") {
    auto config = relaylab::smtp::test::test_config();
    config.vulnerable_end_of_data.add({Newline::lf, false, Newline::lf});
    const std::string envelope = "EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n";
    SECTION("bare newlines accepted: the message up to the look-alike is queued") {
        config.bare_newline = BareNewlinePolicy::accept;
        relaylab::smtp::test::Driver driver(config);
        driver.start();
        std::string out = driver.feed(envelope + "Subject: t\r\n\r\nhello\n.\nNOOP\r\nQUIT\r\n");
        CHECK_THAT(out, Catch::Contains("250 2.0.0 Ok: queued"));
        CHECK_THAT(out, Catch::Contains("250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n"));
        REQUIRE(driver.messages.size() == 1);
        CHECK(driver.messages[0].content == "Subject: t\r\n\r\nhello\n");
        CHECK(driver.messages[0].findings.ended_at_lookalike);
    }
    SECTION("bare newlines refused: 550 at the look-alike, then the NOOP runs") {
        config.bare_newline = BareNewlinePolicy::reject;
        relaylab::smtp::test::Driver driver(config);
        driver.start();
        std::string out = driver.feed(envelope + "Subject: t\r\n\r\nhello\n.\nNOOP\r\nQUIT\r\n");
        CHECK_THAT(out, Catch::Contains("550 5.5.2 Error: bare <LF> or <CR> received"));
        CHECK_THAT(out, Catch::Contains("250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n"));
        CHECK(driver.messages.empty());
    }
    SECTION("a <CRLF>.<LF> ends nothing and nothing is smuggled") {
        config.bare_newline = BareNewlinePolicy::accept;
        relaylab::smtp::test::Driver driver(config);
        driver.start();
        std::string out =
            driver.feed(envelope + "Subject: t\r\n\r\nhello\r\n.\nNOOP\r\n.\r\nQUIT\r\n");
        REQUIRE(driver.messages.size() == 1);
        CHECK_THAT(driver.messages[0].content, Catch::Contains("NOOP"));
        CHECK(out.find("250 2.0.0 Ok\r\n") == std::string::npos);
    }
}
