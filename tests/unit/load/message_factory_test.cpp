// TemplateMessageFactory: messages exactly --size octets (headers and CRLFs included, before
// dot-stuffing) whenever that is at least the headers' size, well-formed lines, tracking ids.
#include <catch2/catch.hpp>

#include <string>

#include "harness/load/message_factory.hpp"

using namespace relaylab::load;

namespace {

MessageTemplate sized(std::size_t size, std::size_t recipients = 1) {
    MessageTemplate tmpl;
    tmpl.from = "sender{n}@relaylab.test";
    tmpl.to = "rcpt{n}@example.test";
    tmpl.size = size;
    tmpl.recipients = RecipientCount::fixed(recipients);
    return tmpl;
}

// Every line ends in CRLF, none has a bare CR or LF, none is over 78 characters, no body line
// starts with a dot (dot-stuffing would change the octets on the wire).
void check_lines(const std::string& message) {
    REQUIRE(message.size() >= 2);
    REQUIRE(message.ends_with("\r\n"));
    std::size_t start = 0;
    while (start < message.size()) {
        std::size_t end = message.find("\r\n", start);
        REQUIRE(end != std::string::npos);
        std::string_view line(message.data() + start, end - start);
        INFO("line: " << line);
        CHECK(line.size() <= 78);
        CHECK(line.find_first_of("\r\n") == std::string_view::npos);
        CHECK_FALSE(line.starts_with("."));
        start = end + 2;
    }
}

}  // namespace

TEST_CASE("every size from the headers' size up is exact", "[load][factory]") {
    std::uint64_t n = GENERATE(1u, 9u, 10u, 12345678u);
    std::size_t recipients = GENERATE(1u, 3u);
    TemplateMessageFactory probe(sized(0, recipients));
    GeneratedMessage bare = probe.make(n);
    std::size_t header_size = bare.content->size();
    REQUIRE(bare.content->ends_with("\r\n\r\n"));  // headers alone: no body at all
    for (std::size_t size = header_size; size < header_size + 400; ++size) {
        TemplateMessageFactory factory(sized(size, recipients));
        GeneratedMessage message = factory.make(n);
        INFO("n " << n << ", size " << size << ", headers " << header_size);
        REQUIRE(message.content->size() == size);
        check_lines(*message.content);
    }
}

TEST_CASE("large sizes are exact and made of short lines", "[load][factory]") {
    std::size_t size = GENERATE(1024u, 1180u, 4096u, 65'537u, 1'000'001u);
    TemplateMessageFactory factory(sized(size));
    auto message = factory.make(777);
    CHECK(message.content->size() == size);
    check_lines(*message.content);
}

TEST_CASE("a size below the headers' gives the headers alone", "[load][factory]") {
    TemplateMessageFactory factory(sized(1));
    auto message = factory.make(1);
    CHECK(message.content->size() > 100);
    CHECK(message.content->ends_with("\r\n\r\n"));
    check_lines(*message.content);
}

TEST_CASE("one octet over the headers goes into the header as folding white space",
          "[load][factory]") {
    TemplateMessageFactory probe(sized(0));
    std::size_t header_size = probe.make(5).content->size();
    TemplateMessageFactory factory(sized(header_size + 1));
    auto content = *factory.make(5).content;
    CHECK(content.size() == header_size + 1);
    CHECK(content.find("MIME-Version:  1.0\r\n") != std::string::npos);
    CHECK(content.ends_with("\r\n\r\n"));
}

TEST_CASE("headers carry the tracking id and every recipient", "[load][factory]") {
    MessageTemplate tmpl = sized(2000, 3);
    tmpl.run_id = "r7";
    TemplateMessageFactory factory(tmpl);
    GeneratedMessage message = factory.make(42);
    CHECK(message.tracking_id == "r7-42");
    CHECK(message.mail_from == "sender42@relaylab.test");
    REQUIRE(message.recipients.size() == 3);
    CHECK(message.recipients[0] == "rcpt42@example.test");
    CHECK(message.recipients[1] == "rcpt42+2@example.test");  // distinct without {r}
    CHECK(message.recipients[2] == "rcpt42+3@example.test");
    const std::string& content = *message.content;
    CHECK(content.find("\r\nX-Relaylab-Id: r7-42\r\n") != std::string::npos);
    CHECK(content.find("\r\nMessage-ID: <r7-42@relaylab.test>\r\n") != std::string::npos);
    CHECK(content.find("To: <rcpt42@example.test>,\r\n <rcpt42+2@example.test>,\r\n "
                       "<rcpt42+3@example.test>\r\n") != std::string::npos);
    CHECK(content.starts_with("From: <sender42@relaylab.test>\r\n"));
    CHECK(content.find("\r\nDate: ") != std::string::npos);
}

TEST_CASE("{r} numbers the recipients; {n} the message; other braces stay", "[load][factory]") {
    CHECK(expand("a{n}b{n}", 12) == "a12b12");
    CHECK(expand("u{r}.{n}@x", 3, 2) == "u2.3@x");
    CHECK(expand("u{r}@x", 3) == "u{r}@x");  // r == 0: not expanded
    CHECK(expand("{x}{n", 1) == "{x}{n");
    CHECK(expand("", 1).empty());
    MessageTemplate tmpl = sized(500, 2);
    tmpl.to = "user{r}-{n}@example.test";
    TemplateMessageFactory factory(tmpl);
    auto message = factory.make(8);
    REQUIRE(message.recipients.size() == 2);
    CHECK(message.recipients[0] == "user1-8@example.test");
    CHECK(message.recipients[1] == "user2-8@example.test");
}

TEST_CASE("the same number gives the same envelope and size", "[load][factory]") {
    MessageTemplate tmpl = sized(3000);
    tmpl.recipients = *RecipientCount::parse("1-4");
    TemplateMessageFactory a(tmpl), b(tmpl);
    for (std::uint64_t n = 1; n <= 50; ++n) {
        auto x = a.make(n), y = b.make(n);
        CHECK(x.recipients == y.recipients);
        CHECK(x.content->size() == 3000);
        CHECK(y.content->size() == 3000);
    }
}
