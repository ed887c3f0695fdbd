// The verdict rules of smuggling_judge.hpp, one labelled row each: "got X, want Y".
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/smtp/reply.hpp"
#include "probes/policy/smuggling_judge.hpp"
#include "probes/policy/smuggling_variants.hpp"

using relaylab::probe::CheckResult;
using relaylab::probe::SmugglingArrival;
using relaylab::probe::SmugglingExchange;
using relaylab::probe::to_string;
using relaylab::probe::Verdict;
using relaylab::smtp::make_reply;

namespace {

const relaylab::probe::SmugglingVariant& variant(std::string_view name) {
    const auto* found = relaylab::probe::find_smuggling_variant(name);
    REQUIRE(found != nullptr);
    return *found;
}

SmugglingExchange accepted_exchange() {
    SmugglingExchange e;
    e.final_reply = make_reply(250, "2.0.0", "Ok: queued as X1");
    e.evidence = {"S: 220 mx.test", "C: DATA"};
    return e;
}

struct InboundRow {
    std::string label;
    SmugglingExchange exchange;
    Verdict want;
    std::string want_outcome;
    std::string want_in_explanation;
};

std::vector<InboundRow> inbound_rows() {
    std::vector<InboundRow> rows;
    {
        SmugglingExchange e;
        e.setup_problem = "RCPT TO refused: 550 5.1.1 no such user";
        rows.push_back({"setup refused", e, Verdict::error, "not-submitted", "RCPT TO refused"});
    }
    {
        SmugglingExchange e;
        e.early_reply = make_reply(250, "2.0.0", "Ok: queued");
        e.smuggled_reply = make_reply(250, "2.0.0", "Ok");
        rows.push_back({"ended data, ran the NOOP", e, Verdict::fail, "ends-data", "ran the NOOP"});
    }
    {
        SmugglingExchange e;
        e.early_reply = make_reply(250, "2.0.0", "Ok: queued");
        rows.push_back({"ended data, NOOP silent", e, Verdict::fail, "ends-data", "ends DATA at"});
    }
    {
        SmugglingExchange e;
        e.early_reply = make_reply(250, "2.0.0", "Ok: queued");
        e.closed_after_early_reply = true;
        rows.push_back({"accepted early then closed", e, Verdict::fail, "ends-data", "250"});
    }
    {
        SmugglingExchange e;
        e.early_reply = make_reply(521, "5.5.2", "Error: bare <LF> received");
        e.closed_after_early_reply = true;
        rows.push_back({"Postfix 3.8.4 forbid_bare_newline=yes", e, Verdict::pass,
                        "refused-and-closed", "521"});
    }
    {
        SmugglingExchange e;
        e.early_reply = make_reply(550, "5.5.2", "bare LF");
        e.smuggled_reply = make_reply(250, "2.0.0", "Ok");
        rows.push_back({"refused early but read on as commands", e, Verdict::fail, "ends-data",
                        "ran the NOOP"});
    }
    {
        SmugglingExchange e;
        e.closed_after_lookalike = true;
        rows.push_back({"closed silently", e, Verdict::error, "closed", "closed the connection"});
    }
    rows.push_back({"accepted at the real end", accepted_exchange(), Verdict::warn, "accepted",
                    "bare newlines"});
    {
        SmugglingExchange e;
        e.final_reply = make_reply(550, "5.5.2", "Error: bare <LF> or <CR> received");
        rows.push_back({"refused at the real end", e, Verdict::pass, "refused", "550 5.5.2"});
    }
    {
        SmugglingExchange e;
        e.final_reply = make_reply(451, "4.3.0", "try later");
        rows.push_back({"deferred at the real end", e, Verdict::error, "deferred", "451"});
    }
    {
        SmugglingExchange e;
        e.final_failure = "timed out waiting for a reply (after 300 ms)";
        rows.push_back({"no final reply", e, Verdict::error, "no-final-reply", "timed out"});
    }
    return rows;
}

}  // namespace

TEST_CASE("inbound smuggling verdicts", "[smuggling][judge]") {
    for (const auto& row : inbound_rows()) {
        CheckResult r = relaylab::probe::judge_smuggling(variant("lf-dot-lf"), row.exchange);
        INFO(row.label << ": got " << to_string(r.verdict) << " (" << r.explanation << "), want "
                       << to_string(row.want));
        CHECK(r.verdict == row.want);
        CHECK(r.name == "smuggling.lf-dot-lf");
        CHECK(r.details["outcome"] == row.want_outcome);
        CHECK(r.details["sequence"] == "<LF>.<LF>");
        CHECK_THAT(r.explanation, Catch::Contains(row.want_in_explanation));
        CHECK(r.explanation.find('\n') == std::string::npos);
        CHECK(r.evidence == row.exchange.evidence);
    }
}

TEST_CASE("NUL look-alikes: kept as content is a pass, with bare newlines a warn",
          "[smuggling][judge]") {
    CheckResult r =
        relaylab::probe::judge_smuggling(variant("crlf-dot-nul-crlf"), accepted_exchange());
    CHECK(r.verdict == Verdict::pass);
    CHECK(r.details["outcome"] == "accepted");
    CHECK(r.details["sequence"] == "<CR><LF>.<NUL><CR><LF>");
    CheckResult both =
        relaylab::probe::judge_smuggling(variant("cr-nul-lf-dot-crlf"), accepted_exchange());
    CHECK(both.verdict == Verdict::warn);
    CHECK_THAT(both.explanation, Catch::Contains("bare newlines and NULs"));
    SmugglingExchange refused;
    refused.final_reply = make_reply(550, "5.6.0", "NUL in message");
    CheckResult r2 = relaylab::probe::judge_smuggling(variant("crlf-dot-nul-crlf"), refused);
    CHECK(r2.verdict == Verdict::pass);
    CHECK_THAT(r2.explanation, Catch::Contains("it does not take NULs"));
}

TEST_CASE("outbound smuggling verdicts", "[smuggling][judge]") {
    using namespace std::chrono_literals;
    struct Row {
        std::string label;
        std::string variant;
        SmugglingExchange exchange;
        SmugglingArrival arrival;
        Verdict want;
        std::string want_outcome;
    };
    auto arrived = [](std::optional<std::string> forwarded) {
        SmugglingArrival a;
        a.arrived = true;
        a.forwarded = std::move(forwarded);
        a.evidence = {"sink: connection 1: X-Relaylab-Smuggling: v t"};
        return a;
    };
    SmugglingExchange refused;
    refused.final_reply = make_reply(550, "5.5.2", "Error: bare <LF> or <CR> received");
    SmugglingExchange early;
    early.early_reply = make_reply(250, "2.0.0", "Ok");
    std::vector<Row> rows = {
        {"refused at submission", "lf-dot-lf", refused, {}, Verdict::pass, "refused"},
        {"relay itself ends data", "lf-dot-lf", early, {}, Verdict::fail, "ends-data"},
        {"not arrived", "lf-dot-lf", accepted_exchange(), {}, Verdict::error, "not-arrived"},
        {"markers lost", "lf-dot-lf", accepted_exchange(), arrived(std::nullopt), Verdict::error,
         "markers-lost"},
        {"forwarded unchanged", "lf-dot-lf", accepted_exchange(), arrived("\n.\n"), Verdict::fail,
         "forwarded-unchanged"},
        {"NUL forwarded unchanged", "crlf-nul-dot-crlf", accepted_exchange(),
         arrived(std::string("\r\n\0.\r\n", 6)), Verdict::fail, "forwarded-unchanged"},
        {"made a real end", "lf-dot-lf", accepted_exchange(), arrived("\r\n.\r\n"), Verdict::fail,
         "made-real-end"},
        {"normalized and stuffed", "lf-dot-lf", accepted_exchange(), arrived("\r\n..\r\n"),
         Verdict::pass, "normalized"},
        {"NUL dropped, stuffed", "crlf-dot-nul-crlf", accepted_exchange(), arrived("\r\n..\r\n"),
         Verdict::pass, "normalized"},
        {"dot unstuffed away, NUL kept", "crlf-dot-nul-crlf", accepted_exchange(),
         arrived(std::string("\r\n\0\r\n", 5)), Verdict::pass, "dot-removed"},
        {"stuffed but still bare", "lf-dot-lf", accepted_exchange(), arrived("\n..\n"),
         Verdict::warn, "forwarded-altered"},
    };
    for (const auto& row : rows) {
        CheckResult r = relaylab::probe::judge_outbound_smuggling(
            variant(row.variant), row.exchange, row.arrival, 2000ms);
        INFO(row.label << ": got " << to_string(r.verdict) << " (" << r.explanation << "), want "
                       << to_string(row.want));
        CHECK(r.verdict == row.want);
        CHECK(r.name == "smuggling-outbound." + row.variant);
        CHECK(r.details["outcome"] == row.want_outcome);
        CHECK(r.explanation.find('\n') == std::string::npos);
    }
}

TEST_CASE("the summary carries the worst verdict and names the variants", "[smuggling][judge]") {
    using relaylab::probe::make_result;
    std::vector<CheckResult> results = {
        make_result("smuggling.lf-dot-lf", Verdict::fail, "ends DATA"),
        make_result("smuggling.cr-dot-cr", Verdict::warn, "accepted"),
        make_result("smuggling.lf-dot-cr", Verdict::pass, "refused"),
    };
    SECTION("a failure wins and is named") {
        auto s = relaylab::probe::summarize_smuggling("smuggling", results, {}, "");
        CHECK(s.name == "smuggling");
        CHECK(s.verdict == Verdict::fail);
        CHECK_THAT(s.explanation, Catch::StartsWith("ends DATA at 1 of 3 look-alikes: lf-dot-lf"));
        CHECK(s.details["variants"]["cr-dot-cr"] == "warn");
        CHECK(s.evidence.size() == 3);
    }
    SECTION("warnings only") {
        results.erase(results.begin());
        auto s = relaylab::probe::summarize_smuggling("smuggling", results, {}, "");
        CHECK(s.verdict == Verdict::warn);
        CHECK_THAT(s.explanation, Catch::Contains("accepts 1 of 2 look-alikes"));
    }
    SECTION("all refused") {
        auto s = relaylab::probe::summarize_smuggling(
            "smuggling", {make_result("smuggling.lf-dot-lf", Verdict::pass, "refused")}, {}, "");
        CHECK(s.verdict == Verdict::pass);
        CHECK(s.explanation == "refuses every one of 1 end-of-data look-alikes");
    }
    SECTION("stopped after a setup failure is an error naming the reason") {
        auto s = relaylab::probe::summarize_smuggling(
            "smuggling-outbound",
            {make_result("smuggling-outbound.lf-dot-lf", Verdict::error, "could not submit")},
            {"lf-dot-crlf"}, "connect: connection refused");
        CHECK(s.verdict == Verdict::error);
        CHECK_THAT(s.explanation, Catch::Contains("connection refused"));
        CHECK(s.details["not_tried"] == nlohmann::json::array({"lf-dot-crlf"}));
    }
}
