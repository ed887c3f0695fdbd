// The relaxed body canonicalisation has a fast path (lines copied whole after an eight-byte
// scan): it must agree with the rule of RFC 6376 3.4.4 written the plain way, byte by byte,
// on bodies made to hit every boundary (runs of WSP across eight-byte words, tabs, bare CR
// and LF, lines with and without CRLF, trailing empty lines).
#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "probes/auth/dkim_canon.hpp"

namespace {

using relaylab::auth::Canon;
using relaylab::auth::canon_body;

// RFC 6376 3.4.4 as written: per CRLF line, WSP at the end removed, WSP runs become one SP;
// then 3.4.4's last rule, trailing empty lines removed (and a non-empty body ends in CRLF).
std::string reference_relaxed(const std::string& body) {
    std::string out;
    std::string line;
    auto flush_line = [&](bool crlf) {
        std::string canon;
        bool pending = false;
        for (const char c : line) {
            if (c == ' ' || c == '\t') {
                pending = true;
                continue;
            }
            if (pending) canon += ' ';
            pending = false;
            canon += c;
        }
        if (crlf || !canon.empty()) canon += "\r\n";
        out += canon;
        line.clear();
    };
    std::size_t i = 0;
    while (i < body.size()) {
        if (body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
            flush_line(true);
            i += 2;
        } else {
            line += body[i++];
        }
    }
    if (!line.empty()) flush_line(false);
    while (out.size() >= 4 && out.ends_with("\r\n\r\n"))
        out.resize(out.size() - 2);
    if (out == "\r\n") out.clear();
    return out;
}

}  // namespace

TEST_CASE("relaxed body canonicalisation agrees with the RFC rule on random bodies", "[dkim]") {
    std::mt19937 random(20261202);
    // Mostly letters and spaces (the fast path), with tabs, CR and LF mixed in.
    const std::string alphabet = "abcdefgh      \t\r\n";
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<int> length(0, 200);
    for (int round = 0; round < 20000; ++round) {
        std::string body;
        const int n = length(random);
        for (int i = 0; i < n; ++i) {
            body += alphabet[pick(random)];
            if (i % 17 == 16) body += "\r\n";
        }
        INFO("round " << round << ", body of " << body.size() << " octets");
        REQUIRE(canon_body(Canon::relaxed, body) == reference_relaxed(body));
    }
}

TEST_CASE("a double space straddling an eight-byte word is found", "[dkim]") {
    for (std::size_t at = 0; at < 24; ++at) {
        std::string line(32, 'x');
        line[at] = ' ';
        line[at + 1] = ' ';
        const std::string body = line + "\r\n";
        std::string want = line;
        want.erase(at, 1);
        CHECK(canon_body(Canon::relaxed, body) == want + "\r\n");
    }
}
