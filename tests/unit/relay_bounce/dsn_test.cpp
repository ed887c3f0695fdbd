// The DSN writer (harness/relay/bounce/dsn.hpp): structure of failed, delayed and delivered
// reports, what is returned (RET=FULL / HDRS), ORCPT and ENVID carried, refusals, and hostile
// input (boundary look-alikes, endless or multi-line replies, 8-bit content).
#include <catch2/catch.hpp>
#include <set>

#include "harness/relay/bounce/dsn.hpp"
#include "tests/unit/relay_bounce/report_parts.hpp"

namespace {

using namespace relaylab::relay;
using relaylab::relay::test::lines_ok;
using relaylab::relay::test::Part;
using relaylab::relay::test::split_report;
using relaylab::relay::test::status_groups;

constexpr std::int64_t arrival = 1796198305000;  // Wed, 02 Dec 2026 07:58:25 +0000
constexpr std::int64_t now = arrival + 3600 * 1000;

const std::string original =
    "From: Alice <alice@sender.example>\r\n"
    "To: bob@dest.example\r\n"
    "Subject: quarterly numbers\r\n"
    "Message-ID: <orig-1@sender.example>\r\n"
    "X-Relaylab-Id: run1-42\r\n"
    "\r\n"
    "Body line one.\r\n"
    "Body line two.\r\n";

DsnRecipient failed_recipient() {
    DsnRecipient r;
    r.final_recipient = "bob@dest.example";
    r.action = DsnAction::failed;
    r.remote_mta = "dns;mx1.dest.example";
    r.diagnostic = "550 5.1.1 <bob@dest.example>: Recipient address rejected: no such user";
    r.last_attempt_ms = now - 1000;
    return r;
}

DsnInput base_input() {
    DsnInput in;
    in.reporting_mta = "relay.relaylab.test";
    in.postmaster = "MAILER-DAEMON@relay.relaylab.test";
    in.original_sender = "alice@sender.example";
    in.arrival_ms = arrival;
    in.now_ms = now;
    in.queue_id = "Q0001ABC";
    in.boundary_seed = "Q0001ABC";
    in.original_message = original;
    in.recipients.push_back(failed_recipient());
    return in;
}

// The text part as prose: its wrapped lines joined with single spaces.
std::string prose(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\r') continue;
        if (c == '\n' || c == ' ') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

struct Checked {
    DsnMessage dsn;
    relaylab::relay::test::Report report;
    std::vector<Part> groups;
};

// Makes the DSN and checks what every DSN must be: CRLF lines within 998 octets, the RFC 3464 /
// RFC 6522 shape, the fixed header fields.
Checked make_checked(const DsnInput& in) {
    Checked c;
    c.dsn = make_dsn(in);
    REQUIRE(c.dsn.ok());
    std::string why;
    INFO("line check: " << why);
    CHECK(lines_ok(c.dsn.content, &why));
    c.report = split_report(c.dsn.content);
    const Part& top = c.report.top;
    CHECK(top.field("From") == "Mail Delivery System <" + in.postmaster + ">");
    CHECK(top.field("To") == "<" + in.original_sender + ">");
    CHECK(top.field("Date") == "Wed, 02 Dec 2026 08:58:25 +0000");
    CHECK(top.field("MIME-Version") == "1.0");
    CHECK(top.field("Auto-Submitted") == "auto-replied");
    CHECK(top.count("Message-ID") == 1);
    CHECK(top.field("Message-ID").value_or("").find("Q0001ABC") != std::string::npos);
    std::string type = top.field("Content-Type").value_or("");
    CHECK(type.rfind("multipart/report;", 0) == 0);
    CHECK(type.find("report-type=delivery-status") != std::string::npos);
    REQUIRE(c.report.parts.size() == 3);
    CHECK(c.report.closed);
    CHECK(c.report.parts[0].field("Content-Type").value_or("").rfind("text/plain", 0) == 0);
    CHECK(c.report.parts[1].field("Content-Type") == "message/delivery-status");
    c.groups = status_groups(c.report.parts[1].body);
    REQUIRE(c.groups.size() == 1 + in.recipients.size());
    CHECK(c.groups[0].field("Reporting-MTA") == "dns; relay.relaylab.test");
    CHECK(c.groups[0].field("Arrival-Date") == "Wed, 02 Dec 2026 07:58:25 +0000");
    return c;
}

}  // namespace

TEST_CASE("failed: the report says who, why and where, and returns the headers", "[dsn]") {
    Checked c = make_checked(base_input());
    CHECK(c.report.top.field("Subject") == "Undelivered Mail Returned to Sender");
    const Part& rcpt = c.groups[1];
    CHECK(rcpt.field("Final-Recipient") == "rfc822;bob@dest.example");
    CHECK(rcpt.field("Action") == "failed");
    CHECK(rcpt.field("Status") == "5.1.1");  // derived from the reply
    CHECK(rcpt.field("Remote-MTA") == "dns;mx1.dest.example");
    CHECK(rcpt.field("Diagnostic-Code") ==
          "smtp; 550 5.1.1 <bob@dest.example>: Recipient address rejected: no such user");
    CHECK(rcpt.field("Last-Attempt-Date") == "Wed, 02 Dec 2026 08:58:24 +0000");
    CHECK_FALSE(rcpt.field("Will-Retry-Until"));
    CHECK_FALSE(rcpt.field("Original-Recipient"));
    CHECK_FALSE(c.groups[0].field("Original-Envelope-Id"));
    CHECK(c.groups[0].field("X-Relaylab-Queue-ID") == "Q0001ABC");

    // The text for people: the recipient, the host and its reply, in plain words.
    const std::string text = prose(c.report.parts[0].body);
    CHECK(text.find("could not be delivered") != std::string::npos);
    CHECK(text.find("<bob@dest.example>: delivery failed; the mail server mx1.dest.example "
                    "answered: 550 5.1.1") != std::string::npos);
    CHECK(text.find("Q0001ABC") != std::string::npos);

    // RET not given: headers only (RFC 3461 4.3), as text/rfc822-headers.
    const Part& returned = c.report.parts[2];
    CHECK(returned.field("Content-Type") == "text/rfc822-headers");
    CHECK(returned.body.find("Subject: quarterly numbers\r\n") != std::string::npos);
    CHECK(returned.body.find("X-Relaylab-Id: run1-42\r\n") != std::string::npos);
    CHECK(returned.body.find("Body line") == std::string::npos);
    CHECK_FALSE(c.dsn.eight_bit);
    CHECK_FALSE(c.dsn.smtputf8);
}

TEST_CASE("delayed: subject, action, status class and Will-Retry-Until", "[dsn]") {
    DsnInput in = base_input();
    DsnRecipient& r = in.recipients[0];
    r.action = DsnAction::delayed;
    r.diagnostic = "451 4.7.1 Greylisted, try again later";
    r.will_retry_until_ms = arrival + 5LL * 24 * 3600 * 1000;
    Checked c = make_checked(in);
    CHECK(c.report.top.field("Subject") == "Delayed Mail (still being retried)");
    CHECK(c.groups[1].field("Action") == "delayed");
    CHECK(c.groups[1].field("Status") == "4.7.1");
    CHECK(c.groups[1].field("Will-Retry-Until") == "Mon, 07 Dec 2026 07:58:25 +0000");
    CHECK(prose(c.report.parts[0].body).find("not delivered yet") != std::string::npos);
    CHECK(prose(c.report.parts[0].body).find("Greylisted") != std::string::npos);
}

TEST_CASE("delivered (NOTIFY=SUCCESS): a success report", "[dsn]") {
    DsnInput in = base_input();
    DsnRecipient& r = in.recipients[0];
    r.action = DsnAction::delivered;
    r.diagnostic = "250 2.0.0 Ok: queued as 4F2A";
    Checked c = make_checked(in);
    CHECK(c.report.top.field("Subject") == "Successful Mail Delivery Report");
    CHECK(c.groups[1].field("Action") == "delivered");
    CHECK(c.groups[1].field("Status") == "2.0.0");
    CHECK_FALSE(c.groups[1].field("Will-Retry-Until"));
}

TEST_CASE("several recipients, mixed outcomes: one group each, worst news in the subject",
          "[dsn]") {
    DsnInput in = base_input();
    DsnRecipient delayed = failed_recipient();
    delayed.final_recipient = "carol@dest.example";
    delayed.action = DsnAction::delayed;
    delayed.diagnostic = "421 4.4.2 mx1 busy";
    delayed.will_retry_until_ms = now + 1000;
    DsnRecipient no_reply;  // never reached a server: no Remote-MTA, our own diagnostic
    no_reply.final_recipient = "dave@gone.example";
    no_reply.action = DsnAction::failed;
    no_reply.diagnostic = "connect to mx.gone.example: Connection refused";
    in.recipients.push_back(delayed);
    in.recipients.push_back(no_reply);
    Checked c = make_checked(in);
    CHECK(c.report.top.field("Subject") == "Undelivered Mail Returned to Sender");
    CHECK(c.groups[2].field("Final-Recipient") == "rfc822;carol@dest.example");
    CHECK(c.groups[2].field("Status") == "4.4.2");
    CHECK(c.groups[3].field("Status") == "5.0.0");
    CHECK_FALSE(c.groups[3].field("Remote-MTA"));
    CHECK(c.groups[3].field("Diagnostic-Code") ==
          "X-Relaylab; connect to mx.gone.example: Connection refused");
}

TEST_CASE("an explicit status wins over the reply's; a malformed one is derived", "[dsn]") {
    DsnInput in = base_input();
    in.recipients[0].status = "5.4.7";  // expired
    CHECK(make_checked(in).groups[1].field("Status") == "5.4.7");
    in.recipients[0].status = "5.1.10";  // null MX (RFC 7505 4.2): a two-digit detail
    CHECK(make_checked(in).groups[1].field("Status") == "5.1.10");
    in.recipients[0].status = "9.9.9\r\nX: y";
    CHECK(make_checked(in).groups[1].field("Status") == "5.1.1");
}

TEST_CASE("RET=FULL returns the message as message/rfc822, byte for byte", "[dsn]") {
    DsnInput in = base_input();
    in.ret = DsnReturnContent::full;
    Checked c = make_checked(in);
    const Part& returned = c.report.parts[2];
    CHECK(returned.field("Content-Type") == "message/rfc822");
    CHECK_FALSE(returned.field("Content-Transfer-Encoding"));
    CHECK(c.report.raw_parts[2].substr(c.report.raw_parts[2].find("\r\n\r\n") + 4) == original);
    CHECK(prose(c.report.parts[0].body).find("Your message is attached") != std::string::npos);
}

TEST_CASE("RET=FULL over max_returned_bytes returns the headers, and says why", "[dsn]") {
    DsnInput in = base_input();
    in.ret = DsnReturnContent::full;
    in.max_returned_bytes = 64;
    Checked c = make_checked(in);
    CHECK(c.report.parts[2].field("Content-Type") == "text/rfc822-headers");
    CHECK(prose(c.report.parts[0].body).find("larger than the limit") != std::string::npos);
}

TEST_CASE("RET=FULL in a delay or success report returns the headers (RFC 3461 4.3)", "[dsn]") {
    DsnInput in = base_input();
    in.ret = DsnReturnContent::full;
    for (DsnAction action : {DsnAction::delayed, DsnAction::delivered}) {
        in.recipients[0].action = action;
        Checked c = make_checked(in);
        CHECK(c.report.parts[2].field("Content-Type") == "text/rfc822-headers");
        CHECK(prose(c.report.parts[0].body).find("without a failure") != std::string::npos);
    }
}

TEST_CASE("RET=HDRS returns the header section only", "[dsn]") {
    DsnInput in = base_input();
    in.ret = DsnReturnContent::headers;
    Checked c = make_checked(in);
    CHECK(c.report.parts[2].field("Content-Type") == "text/rfc822-headers");
    CHECK(c.report.parts[2].body.find("Body line") == std::string::npos);
    CHECK(
        prose(c.report.parts[0].body).find("only the headers are returned (RET=HDRS, or no RET") !=
        std::string::npos);
}

TEST_CASE("ORCPT is carried as Original-Recipient, as given (decoded)", "[dsn]") {
    DsnInput in = base_input();
    // "+12" would be an xtext escape: the value is decoded already and must not be decoded again.
    in.recipients[0].orcpt = "rfc822;bob+12@dest.example";
    Checked c = make_checked(in);
    CHECK(c.groups[1].field("Original-Recipient") == "rfc822;bob+12@dest.example");
    // RFC 3464 2.3.1: Original-Recipient comes before Final-Recipient.
    CHECK(c.report.parts[1].body.find("Original-Recipient:") <
          c.report.parts[1].body.find("Final-Recipient:"));
}

TEST_CASE("ENVID is carried as Original-Envelope-Id, as given (decoded)", "[dsn]") {
    DsnInput in = base_input();
    in.original_envid = "QQ314159+2B";
    Checked c = make_checked(in);
    CHECK(c.groups[0].field("Original-Envelope-Id") == "QQ314159+2B");
}

TEST_CASE("no DSN for the null sender, nor without recipients", "[dsn]") {
    DsnInput in = base_input();
    for (const char* sender : {"", "<>", "  "}) {
        in.original_sender = sender;
        DsnMessage dsn = make_dsn(in);
        INFO("sender \"" << sender << "\"");
        CHECK_FALSE(dsn.ok());
        CHECK(dsn.problem == DsnError::null_sender);
        CHECK(dsn.content.empty());
    }
    in = base_input();
    in.recipients.clear();
    DsnMessage dsn = make_dsn(in);
    CHECK_FALSE(dsn.ok());
    CHECK(dsn.problem == DsnError::no_recipients);
}

TEST_CASE("a boundary found in the returned content is replaced", "[dsn]") {
    DsnInput in = base_input();
    in.ret = DsnReturnContent::full;
    const std::string first = split_report(make_dsn(in).content).boundary;
    REQUIRE_FALSE(first.empty());
    // A sender who knows our boundary style puts the exact boundary into the message.
    const std::string hostile = "From: x@sender.example\r\nSubject: trap\r\n\r\n--" + first +
                                "\r\nContent-Type: text/plain\r\n\r\nfake part\r\n--" + first +
                                "--\r\n";
    in.original_message = hostile;
    Checked c = make_checked(in);
    CHECK(c.report.boundary != first);
    CHECK(c.report.parts[2].field("Content-Type") == "message/rfc822");
    CHECK(c.report.raw_parts[2].substr(c.report.raw_parts[2].find("\r\n\r\n") + 4) == hostile);
}

TEST_CASE("a boundary found in the remote reply is replaced too", "[dsn]") {
    DsnInput in = base_input();
    const std::string first = split_report(make_dsn(in).content).boundary;
    in.recipients[0].diagnostic = "550 5.7.1 --" + first + "--";
    Checked c = make_checked(in);
    CHECK(c.report.boundary != first);
}

TEST_CASE("long and multi-line diagnostics stay within 998 octets and inject nothing", "[dsn]") {
    DsnInput in = base_input();
    // A reply that tries to end the field and add one, then a blank line and a boundary.
    std::string reply =
        "550-5.7.1 first line\r\nBcc: victim@else.example\r\n\r\n--boundary\r\n550-5.7.1 ";
    for (int i = 0; i < 300; ++i)
        reply += "word" + std::to_string(i) + " ";
    reply += std::string(3000, 'x');  // one word longer than any line
    reply += "\r\n550 5.7.1 end";
    in.recipients[0].diagnostic = reply;
    Checked c = make_checked(in);  // checks every line <= 998
    const std::string diag = c.groups[1].field("Diagnostic-Code").value_or("");
    CHECK(diag.rfind("smtp; 550-5.7.1 first line Bcc: victim@else.example --boundary 550-5.7.1 "
                     "word0 word1",
                     0) == 0);
    CHECK(diag.size() <= 4096 + 16);
    CHECK(diag.find("[...]") != std::string::npos);  // cut, and says so
    CHECK(c.report.top.count("Bcc") == 0);
    CHECK(c.dsn.content.find("\r\nBcc:") == std::string::npos);
    CHECK(c.groups[1].count("Bcc") == 0);
    CHECK(c.groups[1].field("Status") == "5.7.1");
}

TEST_CASE("8-bit content goes back as message/global(-headers) with 8bit encoding", "[dsn]") {
    const std::string utf8 =
        "From: =?utf-8?q?J=C3=BCrgen?= <juergen@sender.example>\r\n"
        "To: bob@dest.example\r\nSubject: Gr\xC3\xBC\xC3\x9F"
        "e\r\n\r\n"
        "Sch\xC3\xB6ne Gr\xC3\xBC\xC3\x9F"
        "e aus K\xC3\xB6ln.\r\n";
    DsnInput in = base_input();
    in.original_message = utf8;
    in.ret = DsnReturnContent::full;
    Checked full = make_checked(in);
    CHECK(full.report.parts[2].field("Content-Type") == "message/global");
    CHECK(full.report.parts[2].field("Content-Transfer-Encoding") == "8bit");
    CHECK(full.dsn.eight_bit);
    CHECK(full.report.raw_parts[2].find("K\xC3\xB6ln") != std::string::npos);

    in.ret = DsnReturnContent::headers;
    Checked headers = make_checked(in);
    CHECK(headers.report.parts[2].field("Content-Type") == "message/global-headers");
    CHECK(headers.report.parts[2].field("Content-Transfer-Encoding") == "8bit");

    // 8-bit only in the body, headers asked: the headers are 7-bit, so text/rfc822-headers.
    const std::string eight_bit_body = original + "caf\xC3\xA9\r\n";
    in.original_message = eight_bit_body;
    Checked body_only = make_checked(in);
    CHECK(body_only.report.parts[2].field("Content-Type") == "text/rfc822-headers");
    CHECK_FALSE(body_only.dsn.eight_bit);
}

TEST_CASE("UTF-8 addresses: utf-8 address type and the global report (RFC 6533)", "[dsn]") {
    DsnInput in = base_input();
    in.original_sender = "j\xC3\xBCrgen@sender.example";
    in.recipients[0].final_recipient =
        "b\xC3\xB6"
        "b@dest.example";
    DsnMessage dsn = make_dsn(in);
    REQUIRE(dsn.ok());
    CHECK(dsn.smtputf8);
    CHECK(dsn.eight_bit);
    auto report = split_report(dsn.content);
    REQUIRE(report.parts.size() == 3);
    CHECK(report.parts[1].field("Content-Type") == "message/global-delivery-status");
    CHECK(report.parts[1].body.find("Final-Recipient: utf-8;b\xC3\xB6"
                                    "b@dest.example") != std::string::npos);
    CHECK(report.top.field("To") == "<j\xC3\xBCrgen@sender.example>");
    // Not well-formed UTF-8: never copied as is.
    in.recipients[0].final_recipient = "b\xFF\xFE@dest.example";
    dsn = make_dsn(in);
    CHECK(dsn.content.find('\xFF') == std::string::npos);
}

TEST_CASE("Message-IDs differ between DSNs of one message made at the same instant", "[dsn]") {
    std::set<std::string> ids;
    for (int i = 0; i < 20; ++i)
        ids.insert(split_report(make_dsn(base_input()).content).top.field("Message-ID").value());
    CHECK(ids.size() == 20);
}

TEST_CASE("dsn_status_for_reply", "[dsn]") {
    struct Case {
        int code;
        const char* enhanced;
        const char* want;
    };
    const Case cases[] = {
        {550, "5.1.1", "5.1.1"},   {550, "", "5.0.0"},      {451, "4.7.1", "4.7.1"},
        {421, "", "4.0.0"},        {250, "2.6.0", "2.6.0"}, {250, "", "2.0.0"},
        {550, "4.1.1", "5.0.0"},  // class disagrees with the code: RFC 3463 2
        {554, " 5.7.1 ", "5.7.1"}, {550, "5.1", "5.0.0"},   {550, "5.1234.1", "5.0.0"},
        {556, "5.1.10", "5.1.10"}, {354, "", "5.5.0"},      {0, "", "5.5.0"},
        {700, "7.0.0", "5.5.0"},
    };
    for (const Case& c : cases) {
        INFO(c.code << " \"" << c.enhanced << "\": want " << c.want);
        CHECK(dsn_status_for_reply(c.code, c.enhanced) == c.want);
    }
}
