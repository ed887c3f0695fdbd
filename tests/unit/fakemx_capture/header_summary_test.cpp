#include <catch2/catch.hpp>
#include <string>

#include "fake-mx/capture/header_summary.hpp"

using namespace relaylab::fakemx::capture;

TEST_CASE("the summary takes the first of each field, names in any case, folded values") {
    std::string raw =
        "Received: from a\r\n by b\r\n"
        "subject: Hello\r\n\tfolded  world \r\n"
        "FROM: Alice <alice@example.org>\r\n"
        "To: bob@example.com\r\n"
        "Message-Id: <1@example.org>\r\n"
        "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
        "X-RELAYLAB-ID: run-42\r\n"
        "Subject: second subject is ignored\r\n"
        "\r\n"
        "Subject: in the body, not a header\r\n";
    HeaderSummary s = summarize_headers(raw);
    CHECK(s.subject == "Hello\tfolded  world");
    CHECK(s.from == "Alice <alice@example.org>");
    CHECK(s.to == "bob@example.com");
    CHECK(s.message_id == "<1@example.org>");
    CHECK(s.date == "Tue, 14 Nov 2023 22:13:20 +0000");
    CHECK(s.tracking_id == "run-42");
}

TEST_CASE("the header block ends at the first empty line, CRLF or bare LF") {
    CHECK(header_block("A: 1\r\nB: 2\r\n\r\nbody") == "A: 1\r\nB: 2\r\n\r\n");
    CHECK(header_block("A: 1\nB: 2\n\nbody") == "A: 1\nB: 2\n\n");
    CHECK(header_block("A: 1\r\nno blank line") == "A: 1\r\nno blank line");
    CHECK(header_block("").empty());
}

TEST_CASE("the header block is cut at its bound, so a hostile header cannot cost unbounded work") {
    std::string raw = "X-Big: " + std::string(max_header_block * 2, 'a') + "\r\n\r\n";
    CHECK(header_block(raw).size() == max_header_block);
    CHECK(summarize_headers("Subject: " + std::string(5000, 's') + "\r\n\r\n").subject.size() ==
          max_summary_value);
}

TEST_CASE("fields are listed in order; lines that are no field are skipped") {
    auto fields = parse_header_fields("A: 1\r\nnot a field\r\n: no name\r\nB :  two\r\n\r\nC: 3");
    REQUIRE(fields.size() == 2);
    CHECK(fields[0].name == "A");
    CHECK(fields[0].value == "1");
    CHECK(fields[1].name == "B");
    CHECK(fields[1].value == "two");
    CHECK(parse_header_fields("A: 1\r\nB: 2\r\nC: 3\r\n", 2).size() == 2);
}

TEST_CASE("a message without headers has an empty summary") {
    HeaderSummary s = summarize_headers("\r\nbody only\r\n");
    CHECK(s.subject.empty());
    CHECK(s.tracking_id.empty());
}
