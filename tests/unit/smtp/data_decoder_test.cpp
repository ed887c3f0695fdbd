// DataDecoder: end of data is <CRLF>.<CRLF> and nothing else (RFC 5321 4.1.1.4), dot-unstuffing
// (4.5.2), bare LF/CR policies (2.3.8), NUL, long lines (4.5.3.1.6) and the end-of-data
// look-alikes; every result must be the same however the bytes are split.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness/smtp/data_decoder.hpp"
#include "harness/smtp/limits.hpp"

using namespace std::string_literals;
using relaylab::smtp::BareNewlinePolicy;
using relaylab::smtp::DataDecoder;

namespace {

struct Decoded {
    std::string content;
    std::uint64_t size = 0;
    bool done = false;
    bool oversize = false;
    std::size_t consumed = 0;  // bytes used up to and including the end of data
    relaylab::smtp::DataFindings findings;
};

struct Settings {
    BareNewlinePolicy policy = BareNewlinePolicy::accept;
    std::size_t max_text_line = relaylab::smtp::limits::text_line;
    std::uint64_t max_size = 0;
    bool keep_content = true;
};

Decoded decode(std::string_view input, const std::vector<std::size_t>& cuts,
               const Settings& settings = {}) {
    DataDecoder decoder(settings.policy, settings.max_text_line, settings.max_size,
                        settings.keep_content);
    Decoded out;
    std::size_t start = 0;
    auto feed = [&](std::size_t end) {
        if (out.done) return;
        std::string_view piece = input.substr(start, end - start);
        auto result = decoder.feed(piece);
        REQUIRE(result.consumed <= piece.size());
        if (!result.done) REQUIRE(result.consumed == piece.size());
        out.consumed += result.consumed;
        out.done = result.done;
        start = end;
    };
    for (std::size_t cut : cuts)
        feed(cut);
    feed(input.size());
    out.content = decoder.content();
    out.size = decoder.size();
    out.oversize = decoder.oversize();
    out.findings = decoder.findings();
    return out;
}

Decoded decode_whole(std::string_view input, const Settings& settings = {}) {
    return decode(input, {}, settings);
}

void require_same(const Decoded& a, const Decoded& b) {
    REQUIRE(a.done == b.done);
    REQUIRE(a.consumed == b.consumed);
    REQUIRE(a.content == b.content);
    REQUIRE(a.size == b.size);
    REQUIRE(a.oversize == b.oversize);
    REQUIRE(a.findings.bare_lf == b.findings.bare_lf);
    REQUIRE(a.findings.bare_cr == b.findings.bare_cr);
    REQUIRE(a.findings.nul == b.findings.nul);
    REQUIRE(a.findings.long_lines == b.findings.long_lines);
    REQUIRE(a.findings.eod_lookalikes == b.findings.eod_lookalikes);
}

// One cut at every offset, two cuts, and byte by byte must all match a single feed.
void grind(std::string_view input, const Settings& settings = {}) {
    Decoded whole = decode_whole(input, settings);
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        INFO("split at offset " << cut);
        require_same(decode(input, {cut}, settings), whole);
        std::size_t second = cut + (input.size() - cut) / 3;
        require_same(decode(input, {cut, second}, settings), whole);
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i)
        every.push_back(i);
    require_same(decode(input, every, settings), whole);
}

const std::vector<BareNewlinePolicy> all_policies = {
    BareNewlinePolicy::reject, BareNewlinePolicy::normalize, BareNewlinePolicy::accept};

}  // namespace

TEST_CASE("DataDecoder decodes a plain message", "[data]") {
    std::string input = "Subject: hi\r\n\r\nHello\r\n.\r\n";
    auto decoded = decode_whole(input);
    CHECK(decoded.done);
    CHECK(decoded.consumed == input.size());
    CHECK(decoded.content == "Subject: hi\r\n\r\nHello\r\n");
    CHECK(decoded.size == decoded.content.size());
    CHECK_FALSE(decoded.findings.bare_newlines());
    CHECK(decoded.findings.eod_lookalikes == 0);
    grind(input);
}

TEST_CASE("DataDecoder takes an empty message", "[data]") {
    auto decoded = decode_whole(".\r\n");
    CHECK(decoded.done);
    CHECK(decoded.consumed == 3);
    CHECK(decoded.content.empty());
    CHECK(decoded.size == 0);
    // A message of one empty line.
    decoded = decode_whole("\r\n.\r\n");
    CHECK(decoded.done);
    CHECK(decoded.content == "\r\n");
}

TEST_CASE("DataDecoder stops at the end of data and leaves the rest", "[data]") {
    std::string message = "a\r\n.\r\n";
    std::string input = message + "MAIL FROM:<next@x.test>\r\n";
    auto decoded = decode_whole(input);
    CHECK(decoded.done);
    CHECK(decoded.consumed == message.size());
    CHECK(decoded.content == "a\r\n");
    grind(input);
    // Incomplete: no end yet, everything consumed.
    auto partial = decode_whole("a\r\n.\r");
    CHECK_FALSE(partial.done);
    CHECK(partial.consumed == 5);
}

TEST_CASE("DataDecoder removes dot-stuffing", "[data]") {
    struct Case {
        const char* label;
        std::string input;
        std::string content;
    };
    auto c = GENERATE(values<Case>({
        {"stuffed first line", "..leading\r\n.\r\n", ".leading\r\n"},
        {"stuffed dot line", "a\r\n..\r\n.\r\n", "a\r\n.\r\n"},
        {"stuffed double dot", "a\r\n...\r\n.\r\n", "a\r\n..\r\n"},
        {"unstuffed leading dot is dropped", "a\r\n.b\r\n.\r\n", "a\r\nb\r\n"},
        {"dot inside a line stays", "a.b\r\nc.\r\n.\r\n", "a.b\r\nc.\r\n"},
        {"stuffed CRLF.CRLF inside", "x\r\n..\r\ny\r\n.\r\n", "x\r\n.\r\ny\r\n"},
    }));
    INFO(c.label);
    auto decoded = decode_whole(c.input);
    CHECK(decoded.done);
    CHECK(decoded.content == c.content);
    CHECK(decoded.findings.eod_lookalikes == 0);
    grind(c.input);
}

TEST_CASE("DataDecoder bare LF and CR under each policy", "[data]") {
    std::string input = "a\nb\rc\r\n.\r\n";
    auto reject = decode_whole(input, {.policy = BareNewlinePolicy::reject});
    auto normalize = decode_whole(input, {.policy = BareNewlinePolicy::normalize});
    auto accept = decode_whole(input, {.policy = BareNewlinePolicy::accept});
    for (const auto* decoded : {&reject, &normalize, &accept}) {
        CHECK(decoded->done);
        CHECK(decoded->consumed == input.size());
        CHECK(decoded->findings.bare_lf == 1);
        CHECK(decoded->findings.bare_cr == 1);
        CHECK(decoded->findings.bare_newlines());
    }
    // reject keeps the bytes (the session refuses the message); accept stores them as sent.
    CHECK(reject.content == "a\nb\rc\r\n");
    CHECK(accept.content == "a\nb\rc\r\n");
    CHECK(normalize.content == "a\r\nb\r\nc\r\n");
    CHECK(normalize.size == normalize.content.size());
    for (auto policy : all_policies) {
        INFO(relaylab::smtp::to_string(policy));
        grind(input, {.policy = policy});
    }
}

TEST_CASE("DataDecoder CR runs and CR before CRLF", "[data]") {
    std::string input = "a\r\r\nb\r\r\r\n.\r\n";
    auto decoded = decode_whole(input, {.policy = BareNewlinePolicy::normalize});
    CHECK(decoded.done);
    CHECK(decoded.findings.bare_cr == 3);
    CHECK(decoded.content == "a\r\n\r\nb\r\n\r\n\r\n");
    grind(input, {.policy = BareNewlinePolicy::normalize});
}

TEST_CASE("DataDecoder counts NUL and keeps it", "[data]") {
    std::string input = "a\0b\r\n\0\r\n.\r\n"s;
    auto decoded = decode_whole(input);
    CHECK(decoded.done);
    CHECK(decoded.findings.nul == 2);
    CHECK(decoded.content == "a\0b\r\n\0\r\n"s);
    grind(input);
}

TEST_CASE("DataDecoder counts long lines once each", "[data]") {
    const std::size_t limit = relaylab::smtp::limits::text_line;
    std::string fits(limit - 2, 'f');  // 998 + CRLF = 1000
    std::string over(limit - 1, 'o');  // 999 + CRLF = 1001
    std::string input =
        fits + "\r\n" + over + "\r\n" + std::string(5000, 'x') + "\r\n" + fits + "\r\n.\r\n";
    auto decoded = decode_whole(input);
    CHECK(decoded.done);
    CHECK(decoded.findings.long_lines == 2);
    // The leading dot of a stuffed line is not content and does not count.
    auto stuffed = decode_whole("." + fits + "\r\n.\r\n");
    CHECK(stuffed.findings.long_lines == 0);
    // No limit.
    auto unlimited = decode_whole(input, {.max_text_line = 0});
    CHECK(unlimited.findings.long_lines == 0);
    // Grinding 8 KB at every offset is slow under sanitizers: grind a small limit instead.
    std::string small = "12345678\r\n123456789\r\n1234567890123\r\n.\r\n";
    auto decoded_small = decode_whole(small, {.max_text_line = 10});
    CHECK(decoded_small.findings.long_lines == 2);
    grind(small, {.max_text_line = 10});
}

TEST_CASE("DataDecoder: a bare LF ends a line for the long-line limit", "[data]") {
    // Lines of 8 octets separated by bare LFs are no 26-octet line.
    std::string input = "12345678\n12345678\n12345678\r\n.\r\n";
    for (auto policy :
         {BareNewlinePolicy::accept, BareNewlinePolicy::normalize, BareNewlinePolicy::reject}) {
        INFO("policy " << relaylab::smtp::to_string(policy));
        auto decoded = decode_whole(input, {.policy = policy, .max_text_line = 10});
        CHECK(decoded.findings.bare_lf == 2);
        CHECK(decoded.findings.long_lines == 0);
        grind(input, {.policy = policy, .max_text_line = 10});
    }
    // A long line after a bare LF is still counted, once.
    auto over = decode_whole("12\n123456789012\r\n.\r\n", {.max_text_line = 10});
    CHECK(over.findings.long_lines == 1);
    // A bare CR kept as it came stays inside its line; normalised, it ends one.
    std::string cr = "123456\r123456\r\n.\r\n";
    CHECK(decode_whole(cr, {.max_text_line = 10}).findings.long_lines == 1);
    CHECK(decode_whole(cr, {.policy = BareNewlinePolicy::normalize, .max_text_line = 10})
              .findings.long_lines == 0);
}

TEST_CASE("DataDecoder bounds stored content by max_size", "[data]") {
    std::string input = "0123456789\r\nabcdef\r\n.\r\n";
    auto decoded = decode_whole(input, {.max_size = 12});
    CHECK(decoded.done);
    CHECK(decoded.oversize);
    CHECK(decoded.size == 20);
    CHECK(decoded.content.size() <= 12);
    auto fits = decode_whole(input, {.max_size = 20});
    CHECK_FALSE(fits.oversize);
    CHECK(fits.content.size() == 20);
    grind(input, {.max_size = 12});
}

TEST_CASE("DataDecoder without keep_content only counts", "[data]") {
    std::string input = "a\r\n..b\r\n.\r\n";
    auto decoded = decode_whole(input, {.keep_content = false});
    CHECK(decoded.done);
    CHECK(decoded.content.empty());
    CHECK(decoded.size == 7);  // "a\r\n.b\r\n"
}

TEST_CASE("DataDecoder reset starts a new message", "[data]") {
    DataDecoder decoder(BareNewlinePolicy::accept, 1000, 0, true);
    auto first = decoder.feed("x\ny\r\n.\r\n");
    CHECK(first.done);
    CHECK(decoder.findings().bare_lf == 1);
    decoder.reset();
    CHECK(decoder.content().empty());
    CHECK(decoder.size() == 0);
    CHECK(decoder.findings().bare_lf == 0);
    // After reset a leading "." is again at the start of a line.
    auto second = decoder.feed(".\r\n");
    CHECK(second.done);
    CHECK(decoder.content().empty());
}

TEST_CASE("DataDecoder end-of-data look-alikes", "[data]") {
    struct Case {
        const char* label;
        std::string input;  // ends with a genuine <CRLF>.<CRLF>
        std::uint64_t lookalikes;
    };
    auto c = GENERATE(values<Case>({
        {"<LF>.<LF>", "a\n.\nb\r\n.\r\n", 1},
        {"<LF>.<CRLF>", "a\n.\r\nb\r\n.\r\n", 1},
        {"<CRLF>.<LF>", "a\r\n.\nb\r\n.\r\n", 1},
        {"<CR>.<CR>", "a\r.\rb\r\n.\r\n", 1},
        {"<CR>.<CRLF>", "a\r.\r\nb\r\n.\r\n", 1},
        {"<CRLF>.<CR>", "a\r\n.\rb\r\n.\r\n", 1},
        {"<CRLF>.<CR><CR><LF>", "a\r\n.\r\r\nb\r\n.\r\n", 1},
        {"<LF>.<CR>", "a\n.\rb\r\n.\r\n", 1},
        {"<CR>.<LF>", "a\r.\nb\r\n.\r\n", 1},
        {"at the start: .<LF>", ".\nb\r\n.\r\n", 1},
        {"at the start: .<CR>x", ".\rb\r\n.\r\n", 1},
        {"two look-alikes", "a\n.\nb\n.\nc\r\n.\r\n", 2},
        {"stuffed dot is no look-alike", "a\r\n..\r\n.\r\n", 0},
        {"dot after text is no look-alike", "a.\nb\r\n.\r\n", 0},
        {"two dots after LF is no look-alike", "a\n..\nb\r\n.\r\n", 0},
        // Receivers that drop NULs read these as <CRLF>.<CRLF>.
        {"<CRLF>.<NUL><CRLF>", "a\r\n.\0\r\nb\r\n.\r\n"s, 1},
        {"<CRLF><NUL>.<CRLF>", "a\r\n\0.\r\nb\r\n.\r\n"s, 1},
        {"<CRLF>.<NUL><NUL><LF>", "a\r\n.\0\0\nb\r\n.\r\n"s, 1},
        {"at the start: .<NUL><CRLF>", ".\0\r\nb\r\n.\r\n"s, 1},
        {"NUL beside text is no look-alike", "a\r\n.\0x\r\n.\r\n"s, 0},
        {"NUL beside two dots is no look-alike", "a\r\n..\0\r\n.\r\n"s, 0},
    }));
    for (auto policy : all_policies) {
        INFO(c.label << " under " << relaylab::smtp::to_string(policy));
        Settings settings{.policy = policy};
        auto decoded = decode_whole(c.input, settings);
        CHECK(decoded.done);
        CHECK(decoded.consumed == c.input.size());  // only the final <CRLF>.<CRLF> ends it
        CHECK(decoded.findings.eod_lookalikes == c.lookalikes);
        grind(c.input, settings);
    }
}

TEST_CASE("append_dot_stuffed", "[data]") {
    struct Case {
        std::string content;
        std::string wire;
    };
    auto c = GENERATE(values<Case>({
        {"", ".\r\n"},
        {"a", "a\r\n.\r\n"},
        {"a\r\n", "a\r\n.\r\n"},
        {".a\r\n", "..a\r\n.\r\n"},
        {"a\r\n.\r\n", "a\r\n..\r\n.\r\n"},
        {"a\r\n.", "a\r\n..\r\n.\r\n"},
        {"a\n.b", "a\n..b\r\n.\r\n"},
        {"..\r\n..\r\n", "...\r\n...\r\n.\r\n"},
    }));
    std::string out = "DATA prefix:";
    relaylab::smtp::append_dot_stuffed(out, c.content);
    CHECK(out == "DATA prefix:" + c.wire);
}

TEST_CASE("append_dot_stuffed then DataDecoder gives the content back", "[data]") {
    std::vector<std::string> contents = {
        "",
        "Subject: x\r\n\r\nbody\r\n",
        ".\r\n",
        "a\r\n.\r\n.\r\nb\r\n",
        "..\r\n...\r\n",
        "line\r\n.leading\r\n",
    };
    for (const auto& content : contents) {
        std::string wire;
        relaylab::smtp::append_dot_stuffed(wire, content);
        INFO("content \"" << content << "\" wire \"" << wire << "\"");
        auto decoded = decode_whole(wire + "QUIT\r\n");
        CHECK(decoded.done);
        CHECK(decoded.consumed == wire.size());
        CHECK(decoded.content == content);
        CHECK(decoded.findings.eod_lookalikes == 0);
    }
}

TEST_CASE("BareNewlinePolicy names", "[data]") {
    CHECK(relaylab::smtp::to_string(BareNewlinePolicy::reject) == "reject");
    CHECK(relaylab::smtp::to_string(BareNewlinePolicy::normalize) == "normalize");
    CHECK(relaylab::smtp::to_string(BareNewlinePolicy::accept) == "accept");
}
