// What a DSN returns of the original (harness/relay/bounce/returned_content.hpp).
#include <catch2/catch.hpp>

#include "harness/relay/bounce/returned_content.hpp"
#include "tests/unit/relay_bounce/report_parts.hpp"

using namespace relaylab::relay;
using relaylab::relay::test::lines_ok;

TEST_CASE("full content: line ends made CRLF, NUL replaced", "[returned]") {
    std::string message =
        "From: a@b.example\nSubject: lf only\n\nbody\rline" + std::string(1, '\0') + "end";
    ReturnedContent r = returned_content(message, ReturnRequest::full, 1 << 20);
    CHECK(r.full());
    CHECK(r.content_type == "message/rfc822");
    CHECK(r.body == "From: a@b.example\r\nSubject: lf only\r\n\r\nbody\r\nline?end\r\n");
    CHECK(lines_ok(r.body));
}

TEST_CASE("a line over 998 octets: only the headers go back, cut to fit", "[returned]") {
    std::string message = "From: a@b.example\r\nX-Long: " + std::string(1500, 'h') + "\r\n\r\n" +
                          std::string(1200, 'b') + "\r\n";
    ReturnedContent r = returned_content(message, ReturnRequest::full, 1 << 20);
    CHECK(r.headers_only == HeadersOnlyReason::long_lines);
    CHECK(r.content_type == "text/rfc822-headers");
    CHECK(r.headers_cut);
    CHECK(lines_ok(r.body));
    CHECK(r.body.find('b', r.body.find("X-Long")) == std::string::npos);
}

TEST_CASE("a header section over the limit is cut after a whole field", "[returned]") {
    std::string message;
    for (int i = 0; i < 20000; ++i)
        message += "Received: from host" + std::to_string(i) + " by relay\r\n\tfolded\r\n";
    message += "\r\nbody\r\n";
    ReturnedContent r = returned_content(message, ReturnRequest::headers, 1 << 20);
    CHECK(r.headers_only == HeadersOnlyReason::not_requested);
    CHECK(r.headers_cut);
    CHECK(r.body.size() <= max_returned_header_octets);
    CHECK(r.body.size() > max_returned_header_octets / 2);
    // Whole fields only: the last line is a continuation, and the next would start a field.
    CHECK(r.body.substr(r.body.size() - 9) == "\tfolded\r\n");
}

TEST_CASE("no header section, or no body: still well-formed", "[returned]") {
    CHECK(returned_content("\r\nbody only\r\n", ReturnRequest::headers, 1 << 20).body.empty());
    ReturnedContent headers_only =
        returned_content("Subject: x\r\n", ReturnRequest::headers, 1 << 20);
    CHECK(headers_only.body == "Subject: x\r\n");
    ReturnedContent empty = returned_content("", ReturnRequest::full, 1 << 20);
    CHECK(empty.full());
    CHECK(empty.body.empty());
}
