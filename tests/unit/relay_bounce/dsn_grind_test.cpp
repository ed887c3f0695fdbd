// The DSN writer against random hostile input (seeded, so a failure reproduces): replies with
// line breaks, NULs, 8-bit junk and boundary look-alikes, messages with bare CR/LF and endless
// lines, addresses with control characters. Whatever comes in, the DSN keeps its shape: CRLF
// lines within 998 octets, exactly the header fields and parts we write, one status group per
// recipient with only RFC 3464 fields.
#include <catch2/catch.hpp>
#include <random>
#include <set>

#include "harness/relay/bounce/dsn.hpp"
#include "tests/unit/relay_bounce/report_parts.hpp"

namespace {

using namespace relaylab::relay;
using relaylab::relay::test::lines_ok;
using relaylab::relay::test::split_report;
using relaylab::relay::test::status_groups;

constexpr int iterations = 1000;
constexpr std::uint32_t seed = 20261202;

const std::vector<std::string> pieces = {"a",
                                         "Z",
                                         "5",
                                         " ",
                                         "\t",
                                         "\r",
                                         "\n",
                                         "\r\n",
                                         "\r\n\r\n",
                                         "--",
                                         ":",
                                         ";",
                                         "@",
                                         "<",
                                         ">",
                                         "\"",
                                         std::string(1, '\0'),
                                         "\x7f",
                                         "\xff",
                                         "\xc3\xa9",
                                         "\xe2\x82",
                                         "=_relaylab_dsn_",
                                         "boundary=",
                                         "Bcc: x@y",
                                         "550 ",
                                         "5.1.1 ",
                                         "\r\n.\r\n",
                                         "From: evil@x\r\n",
                                         "Content-Type: text/html"};

std::string junk(std::mt19937& rng, std::size_t max_pieces) {
    std::uniform_int_distribution<std::size_t> count(0, max_pieces);
    std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
    std::uniform_int_distribution<int> long_run(0, 20);
    std::string out;
    for (std::size_t i = 0, n = count(rng); i < n; ++i) {
        if (long_run(rng) == 0) out += std::string(1500, 'x');  // longer than a line
        out += pieces[pick(rng)];
    }
    return out;
}

}  // namespace

TEST_CASE("hostile input never breaks the DSN's shape", "[dsn][grind]") {
    std::mt19937 rng(seed);
    const std::set<std::string> top_fields = {"From",           "To",          "Subject",
                                              "Date",           "Message-ID",  "MIME-Version",
                                              "Auto-Submitted", "Content-Type"};
    const std::set<std::string> recipient_fields = {
        "Original-Recipient", "Final-Recipient",   "Action",          "Status", "Remote-MTA",
        "Diagnostic-Code",    "Last-Attempt-Date", "Will-Retry-Until"};
    for (int i = 0; i < iterations; ++i) {
        DsnInput in;
        in.reporting_mta = i % 7 == 0 ? junk(rng, 8) : "relay.relaylab.test";
        in.postmaster = i % 5 == 0 ? junk(rng, 8) : "MAILER-DAEMON@relay.relaylab.test";
        in.original_sender = "s" + junk(rng, 6) + "@sender.example";
        in.original_envid = junk(rng, 6);
        in.queue_id = junk(rng, 4);
        in.boundary_seed = junk(rng, 4);
        in.arrival_ms = static_cast<std::int64_t>(rng());
        in.now_ms = in.arrival_ms + 1000;
        in.ret = i % 2 ? DsnReturnContent::full : DsnReturnContent::headers;
        in.max_returned_bytes = i % 3 == 0 ? 200 : 1 << 20;
        const std::string message = junk(rng, 60);
        in.original_message = message;
        std::uniform_int_distribution<int> recipients(1, 4);
        for (int r = 0, n = recipients(rng); r < n; ++r) {
            DsnRecipient rcpt;
            rcpt.final_recipient = junk(rng, 6);
            rcpt.orcpt = r % 2 ? "rfc822;" + junk(rng, 6) : "";
            rcpt.action = static_cast<DsnAction>(rng() % 5);
            rcpt.status = r % 3 == 0 ? junk(rng, 3) : "";
            rcpt.remote_mta = junk(rng, 4);
            rcpt.diagnostic = junk(rng, 40);
            if (rng() % 2) rcpt.last_attempt_ms = static_cast<std::int64_t>(rng());
            if (rng() % 2) rcpt.will_retry_until_ms = static_cast<std::int64_t>(rng());
            in.recipients.push_back(rcpt);
        }

        INFO("iteration " << i << " (seed " << seed << ")");
        DsnMessage dsn = make_dsn(in);
        REQUIRE(dsn.ok());
        std::string why;
        INFO(why);
        REQUIRE(lines_ok(dsn.content, &why));
        auto report = split_report(dsn.content);
        REQUIRE(report.parts.size() == 3);
        REQUIRE(report.closed);
        for (const auto& field : report.top.headers)
            CHECK(top_fields.count(std::string(field.name())) == 1);
        for (const auto& name : top_fields)
            CHECK(report.top.count(name) == 1);
        for (const auto& part : report.raw_parts)
            CHECK(part.find(report.boundary) == std::string::npos);
        auto groups = status_groups(report.parts[1].body);
        REQUIRE(groups.size() == 1 + in.recipients.size());
        for (std::size_t g = 1; g < groups.size(); ++g) {
            for (const auto& field : groups[g].headers)
                CHECK(recipient_fields.count(std::string(field.name())) == 1);
            CHECK(groups[g].count("Final-Recipient") == 1);
            CHECK(groups[g].count("Status") == 1);
        }
    }
}
