#include <catch2/catch.hpp>

#include <cstddef>
#include <string>

#include "reports/utf8.hpp"

namespace relaylab::reports {
namespace {

// The edges of each RFC 3629 section 4 range, where an off-by-one would let an overlong form,
// a surrogate or a code point past U+10FFFF through (or reject a real character).
TEST_CASE("utf8_sequence_length: RFC 3629 range edges", "[reports_html][utf8]") {
    struct Case {
        const char* label;
        std::string text;
        std::size_t at;
        std::size_t want;
    };
    const Case cases[] = {
        {"ASCII is no multi-byte sequence", "a", 0, 0},
        {"C1 lead (overlong of U+0041)", "\xC1\x81", 0, 0},
        {"C2 80, U+0080", "\xC2\x80", 0, 2},
        {"DF BF, U+07FF", "\xDF\xBF", 0, 2},
        {"E0 9F 80 overlong", "\xE0\x9F\x80", 0, 0},
        {"E0 A0 80, U+0800", "\xE0\xA0\x80", 0, 3},
        {"ED 9F BF, U+D7FF", "\xED\x9F\xBF", 0, 3},
        {"ED A0 80, surrogate U+D800", "\xED\xA0\x80", 0, 0},
        {"EF BF BF, U+FFFF", "\xEF\xBF\xBF", 0, 3},
        {"F0 8F BF BF overlong", "\xF0\x8F\xBF\xBF", 0, 0},
        {"F0 90 80 80, U+10000", "\xF0\x90\x80\x80", 0, 4},
        {"F4 8F BF BF, U+10FFFF", "\xF4\x8F\xBF\xBF", 0, 4},
        {"F4 90 80 80, past U+10FFFF", "\xF4\x90\x80\x80", 0, 0},
        {"F5 lead", "\xF5\x80\x80\x80", 0, 0},
        {"lone continuation byte", "\x80", 0, 0},
        {"bad third byte", "\xE2\x9C\x41", 0, 0},
        {"cut short by the end", "\xF0\x9F\x93", 0, 0},
        {"sequence after ASCII", "ok\xC3\xBC", 2, 2},
    };
    for (const Case& c : cases) {
        INFO(c.label << ": got " << utf8_sequence_length(c.text, c.at) << ", want " << c.want);
        CHECK(utf8_sequence_length(c.text, c.at) == c.want);
    }
}

}  // namespace
}  // namespace relaylab::reports
