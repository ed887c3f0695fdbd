// ReplyParser fed arbitrary server output, once whole and once in pieces cut where the input
// says: both must agree (replies, error), never consume more than given, and every reply must
// respect the limits (codes 200-559, at most limits::reply_lines lines).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/smtp/reply.hpp"

namespace {

using relaylab::smtp::Reply;
using relaylab::smtp::ReplyParseError;
using relaylab::smtp::ReplyParser;

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

struct Outcome {
    std::vector<Reply> replies;
    ReplyParseError error = ReplyParseError::none;
    bool mid_reply = false;
};

Outcome parse(std::string_view wire, const std::vector<std::size_t>& piece_sizes) {
    Outcome outcome;
    ReplyParser parser;
    std::size_t start = 0;
    auto feed = [&](std::size_t length) {
        std::string_view piece = wire.substr(start, length);
        std::size_t used = parser.feed(piece);
        check(used <= piece.size(), "feed consumed more than given");
        if (parser.error() == ReplyParseError::none) {
            check(used == piece.size(), "feed stopped without an error");
        }
        start += piece.size();
        while (auto reply = parser.next()) {
            check(reply->code >= 200 && reply->code <= 559, "reply code out of range");
            check(!reply->lines.empty(), "reply without lines");
            check(reply->lines.size() <= relaylab::smtp::limits::reply_lines, "too many lines");
            (void)reply->summary();
            outcome.replies.push_back(std::move(*reply));
        }
    };
    for (std::size_t length : piece_sizes) {
        if (start >= wire.size()) break;
        feed(length);
    }
    if (start < wire.size()) feed(wire.size() - start);
    outcome.error = parser.error();
    outcome.mid_reply = parser.mid_reply();
    return outcome;
}

bool same(const Reply& a, const Reply& b) {
    return a.code == b.code && a.enhanced == b.enhanced && a.lines == b.lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    std::vector<std::size_t> pieces;
    auto count = in.ConsumeIntegralInRange<std::size_t>(0, 16);
    for (std::size_t i = 0; i < count; ++i)
        pieces.push_back(in.ConsumeIntegralInRange<std::size_t>(0, 600));
    std::string wire = in.ConsumeRemainingBytesAsString();

    Outcome whole = parse(wire, {});
    Outcome split = parse(wire, pieces);
    check(whole.error == split.error, "error depends on the split");
    if (whole.error == ReplyParseError::none) {
        check(whole.mid_reply == split.mid_reply, "mid_reply depends on the split");
    }
    check(whole.replies.size() == split.replies.size(), "reply count depends on the split");
    for (std::size_t i = 0; i < whole.replies.size(); ++i) {
        check(same(whole.replies[i], split.replies[i]), "reply depends on the split");
    }
    // Formatting what was parsed gives wire text the parser takes again.
    std::string again;
    for (const auto& reply : whole.replies)
        relaylab::smtp::append_reply(again, reply);
    Outcome reparsed = parse(again, {});
    check(reparsed.replies.size() == whole.replies.size(), "formatted replies do not parse back");
    return 0;
}
