// _mta-sts and _smtp._tls TXT records (RFC 8461 3.1, RFC 8460 3): valid ones, the selection of
// candidates among other TXT records, and malformed ones with their reason.
#include <catch2/catch.hpp>

#include "probes/transport/mta_sts_record.hpp"

using namespace relaylab::probe;

TEST_CASE("STSv1 records: valid and malformed", "[mta-sts][record]") {
    struct Case {
        const char* label;
        const char* text;
        const char* want_id;     // nullptr: refused
        const char* want_error;  // a part of the reason
    };
    auto c = GENERATE(values<Case>({
        {"RFC 8461 3.1 example", "v=STSv1; id=20160831085700Z;", "20160831085700Z", ""},
        {"no trailing separator", "v=STSv1; id=abc123", "abc123", ""},
        {"no spaces", "v=STSv1;id=1", "1", ""},
        {"tabs and spaces around ;", "v=STSv1 \t;\t id=1 ; ", "1", ""},
        {"an extension", "v=STSv1; id=1; ext-a.b=value", "1", ""},
        {"32-octet id", "v=STSv1; id=01234567890123456789012345678901",
         "01234567890123456789012345678901", ""},
        {"33-octet id", "v=STSv1; id=012345678901234567890123456789012", nullptr, "1-32"},
        {"id with a hyphen", "v=STSv1; id=2016-08-31", nullptr, "1-32"},
        {"no id", "v=STSv1;", nullptr, "id missing"},
        {"version only", "v=STSv1", nullptr, "id missing"},
        {"id twice", "v=STSv1; id=1; id=2", nullptr, "twice"},
        {"version not first", "id=1; v=STSv1", nullptr, "v=STSv1"},
        {"lower-case version", "v=stsv1; id=1", nullptr, "v=STSv1"},
        {"empty field", "v=STSv1;; id=1", nullptr, "empty field"},
        {"field without =", "v=STSv1; id", nullptr, "no '='"},
        {"empty id", "v=STSv1; id=", nullptr, "empty value"},
        {"space in name", "v=STSv1; i d=1", nullptr, "not valid"},
        {"empty", "", nullptr, "empty record"},
        {"extension value with =", "v=STSv1; id=1; x=a=b", nullptr, "grammar"},
    }));
    INFO(c.label << ": " << c.text);
    std::string error;
    auto record = parse_sts_record(c.text, error);
    if (c.want_id == nullptr) {
        CHECK_FALSE(record);
        CHECK_THAT(error, Catch::Contains(c.want_error));
    } else {
        REQUIRE(record);
        CHECK(record->id == c.want_id);
        CHECK(error.empty());
    }
}

TEST_CASE("STSv1 candidates: records not beginning v=STSv1 are discarded", "[mta-sts][record]") {
    std::vector<std::string> txt = {"v=spf1 -all", "v=STSv1; id=1", "v=STSv10; id=2",
                                    "v=STSv1;id=3", "xv=STSv1; id=4"};
    auto found = sts_candidates(txt);
    REQUIRE(found.size() == 2);
    CHECK(found[0] == "v=STSv1; id=1");
    CHECK(found[1] == "v=STSv1;id=3");
}

TEST_CASE("TLSRPTv1 records: valid and malformed", "[tls-rpt][record]") {
    struct Case {
        const char* label;
        const char* text;
        std::size_t want_uris;  // 0: refused
        const char* want_error;
    };
    auto c = GENERATE(values<Case>({
        {"RFC 8460 3.1 mailto", "v=TLSRPTv1; rua=mailto:reports@example.com", 1, ""},
        {"RFC 8460 3.1 https", "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", 1, ""},
        {"two URIs with spaces", "v=TLSRPTv1; rua=mailto:a@example.net , https://r.example/x;", 2,
         ""},
        {"an extension", "v=TLSRPTv1; rua=mailto:a@example.net; ext=1", 1, ""},
        {"no rua", "v=TLSRPTv1;", 0, "rua missing"},
        {"http is not allowed", "v=TLSRPTv1; rua=http://r.example/", 0, "neither"},
        {"mailto without address", "v=TLSRPTv1; rua=mailto:", 0, "neither"},
        {"mailto without domain", "v=TLSRPTv1; rua=mailto:a@", 0, "neither"},
        {"https without host", "v=TLSRPTv1; rua=https:///path", 0, "neither"},
        {"empty URI in the list", "v=TLSRPTv1; rua=mailto:a@b.example,", 0, "neither"},
        {"rua twice", "v=TLSRPTv1; rua=mailto:a@b.example; rua=mailto:c@d.example", 0, "twice"},
        {"wrong version", "v=TLSRPTv2; rua=mailto:a@b.example", 0, "v=TLSRPTv1"},
        {"garbage", "\x01\x02", 0, "no '='"},
    }));
    INFO(c.label << ": " << c.text);
    std::string error;
    auto record = parse_tls_rpt_record(c.text, error);
    if (c.want_uris == 0) {
        CHECK_FALSE(record);
        CHECK_THAT(error, Catch::Contains(c.want_error));
    } else {
        REQUIRE(record);
        CHECK(record->rua.size() == c.want_uris);
    }
}

TEST_CASE("TLSRPTv1 candidates ignore other TXT records", "[tls-rpt][record]") {
    auto found = tls_rpt_candidates(
        {"v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@b.example", "v=TLSRPTv1x; rua=mailto:c@d"});
    REQUIRE(found.size() == 1);
    CHECK(found[0] == "v=TLSRPTv1; rua=mailto:a@b.example");
}
