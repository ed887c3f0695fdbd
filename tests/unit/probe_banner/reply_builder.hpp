// Replies for judge tables: "250-a|250 b" style text, parsed by the real reply parser so that a
// test reply is exactly what a server's bytes would give.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "harness/smtp/reply.hpp"

namespace relaylab::probe::test {

// `wire` without line ends; lines separated by '|'.
inline smtp::Reply reply(std::string_view wire) {
    std::string bytes;
    for (char c : wire)
        bytes += c == '|' ? std::string("\r\n") : std::string(1, c);
    bytes += "\r\n";
    smtp::ReplyParser parser(smtp::limits::reply_line_tolerated);
    parser.feed(bytes);
    INFO("reply text: " << wire);
    REQUIRE(parser.error() == smtp::ReplyParseError::none);
    auto out = parser.next();
    REQUIRE(out);
    return *out;
}

}  // namespace relaylab::probe::test
