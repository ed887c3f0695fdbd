// The DSN writer: a multipart/report (RFC 6522) of three parts, the notice for people
// (dsn_notice.cpp), the message/delivery-status for programs (dsn_status_fields.cpp), and the
// returned content (returned_content.hpp). Every value from outside (addresses, the remote
// reply, ids) goes through dsn_text::one_line() before it is written, and every field is folded
// by dsn_text::append_field(): no input can add a header, a boundary or a line over 998 octets.
#include "harness/relay/bounce/dsn.hpp"

#include <atomic>
#include <cstdio>
#include <random>

#include "harness/relay/bounce/dsn_parts.hpp"
#include "harness/relay/bounce/dsn_text.hpp"
#include "harness/relay/bounce/returned_content.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::relay {
namespace {

using dsn_parts::reports;
using dsn_text::append_field;
using dsn_text::max_value_octets;
using dsn_text::one_line;

// RFC 2046 5.1.1: a boundary is at most 70 characters.
constexpr std::size_t max_boundary_chars = 70;
constexpr std::size_t max_seed_chars = 32;
// A boundary that collides with the content is replaced by a random one: a sender cannot
// guess it, so a second collision is not seen in practice; the bound keeps the loop finite.
constexpr int max_boundary_attempts = 8;

// The worst news first: a failure outweighs a delay, a delay outweighs a delivery.
std::string_view subject_of(const DsnInput& input) {
    if (reports(input, DsnAction::failed)) return "Undelivered Mail Returned to Sender";
    if (reports(input, DsnAction::delayed)) return "Delayed Mail (still being retried)";
    return "Successful Mail Delivery Report";
}

std::string reporting_host(const DsnInput& input) {
    std::string host = one_line(input.reporting_mta, false, max_value_octets);
    for (char& c : host)
        if (c == ' ' || c == '<' || c == '>' || c == '@' || c == '"') c = '-';
    return host.empty() ? "localhost" : host;
}

// Letters and digits of the seed: safe in a boundary and in a Message-ID's left part.
std::string seed_chars(std::string_view seed) {
    std::string out;
    for (char c : seed) {
        if (out.size() == max_seed_chars) break;
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) out += c;
    }
    return out;
}

std::string hex(std::uint64_t value) {
    char text[17];
    std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(value));
    return text;
}

// Unique even for two DSNs of one message in one millisecond (delay, then failure): the seed
// (the queue id), the time and a process-wide count.
std::string message_id(const DsnInput& input, const std::string& host) {
    static std::atomic<std::uint64_t> made{0};
    std::string seed = seed_chars(input.boundary_seed);
    return "<" + hex(static_cast<std::uint64_t>(input.now_ms)) + "." +
           (seed.empty() ? std::string("dsn") : seed) + "." + hex(made.fetch_add(1)) + "@" + host +
           ">";
}

// A boundary that occurs in no part (RFC 2046 5.1.1: it must not appear in the encapsulated
// text). The first try is made from the seed, so a run is reproducible; a collision (a sender
// who quotes our boundary style back at us) is answered with a random one.
std::optional<std::string> choose_boundary(const DsnInput& input,
                                           std::initializer_list<std::string_view> parts) {
    std::string boundary = "=_relaylab_dsn_" + seed_chars(input.boundary_seed) + "_" +
                           hex(static_cast<std::uint64_t>(input.now_ms));
    std::random_device entropy;
    for (int attempt = 0; attempt < max_boundary_attempts; ++attempt) {
        bool collides = false;
        for (std::string_view part : parts)
            collides = collides || part.find(boundary) != std::string_view::npos;
        if (!collides) return boundary.substr(0, max_boundary_chars);
        boundary = "=_relaylab_dsn_" + hex((std::uint64_t{entropy()} << 32) | entropy()) + "_" +
                   hex((std::uint64_t{entropy()} << 32) | entropy());
    }
    return std::nullopt;
}

DsnMessage refused(DsnError problem) {
    DsnMessage out;
    out.problem = problem;
    out.error = std::string(describe(problem));
    return out;
}

void open_part(std::string& m, const std::string& boundary, std::string_view description,
               std::string_view content_type, bool eight_bit) {
    // The CRLF before "--" belongs to the delimiter (RFC 2046 5.1.1): each part keeps its own
    // final line end.
    m += "\r\n--" + boundary + "\r\n";
    append_field(m, "Content-Description", description);
    append_field(m, "Content-Type", content_type);
    if (eight_bit) append_field(m, "Content-Transfer-Encoding", "8bit");
    m += "\r\n";
}

}  // namespace

std::string_view describe(DsnError error) {
    switch (error) {
        case DsnError::none:
            return "";
        case DsnError::null_sender:
            return "the original sender is the null reverse-path <>: no DSN for a DSN "
                   "(RFC 5321 6.1)";
        case DsnError::no_recipients:
            return "no recipients to report on";
        case DsnError::no_boundary:
            return "no MIME boundary absent from the content could be found";
    }
    return "unknown DSN error";
}

DsnMessage make_dsn(const DsnInput& input) {
    std::string sender = one_line(input.original_sender, true, max_value_octets);
    if (sender.empty() || sender == "<>") return refused(DsnError::null_sender);
    if (input.recipients.empty()) return refused(DsnError::no_recipients);

    const std::string host = reporting_host(input);
    ReturnRequest request = ReturnRequest::headers;
    if (input.ret == DsnReturnContent::full)
        request = reports(input, DsnAction::failed) ? ReturnRequest::full
                                                    : ReturnRequest::full_without_failure;
    const ReturnedContent returned =
        returned_content(input.original_message, request, input.max_returned_bytes);
    bool utf8_status = false;
    const std::string status = dsn_parts::status_fields(input, host, utf8_status);
    const std::string text = dsn_parts::notice(input, host, returned);
    auto boundary = choose_boundary(input, {text, status, returned.body});
    if (!boundary) return refused(DsnError::no_boundary);

    std::string postmaster = one_line(input.postmaster, true, max_value_octets);
    if (postmaster.empty()) postmaster = "MAILER-DAEMON@" + host;

    DsnMessage out;
    const bool text_ascii = dsn_text::is_7bit(text);
    out.smtputf8 = !dsn_text::is_7bit(sender) || !dsn_text::is_7bit(postmaster);
    out.eight_bit = returned.eight_bit || utf8_status || !text_ascii || out.smtputf8;

    std::string& m = out.content;
    m.reserve(text.size() + status.size() + returned.body.size() + 2048);
    append_field(m, "From", "Mail Delivery System <" + postmaster + ">");
    append_field(m, "To", "<" + sender + ">");
    append_field(m, "Subject", subject_of(input));
    append_field(m, "Date", dsn_text::rfc5322_date(input.now_ms));
    append_field(m, "Message-ID", message_id(input, host));
    append_field(m, "MIME-Version", "1.0");
    append_field(m, "Auto-Submitted", "auto-replied");  // RFC 3834 5: no auto-reply to this
    append_field(m, "Content-Type",
                 "multipart/report; report-type=delivery-status; boundary=\"" + *boundary + "\"");
    m += "\r\nThis is a MIME-encapsulated message.\r\n";

    open_part(m, *boundary, "Notification",
              text_ascii ? "text/plain; charset=us-ascii" : "text/plain; charset=utf-8",
              !text_ascii);
    m += text;
    // RFC 6533 3: UTF-8 addresses need the global form of the report.
    open_part(m, *boundary, "Delivery report",
              utf8_status ? "message/global-delivery-status" : "message/delivery-status",
              utf8_status);
    m += status;
    const bool success_only =
        !reports(input, DsnAction::failed) && !reports(input, DsnAction::delayed);
    std::string description = success_only ? "Delivered message" : "Undelivered message";
    open_part(m, *boundary, returned.full() ? description : description + " headers",
              returned.content_type, returned.eight_bit);
    m += returned.body;
    m += "\r\n--" + *boundary + "--\r\n";
    return out;
}

std::string dsn_status_for_reply(int code, std::string_view enhanced) {
    const int kind = code / 100;
    if (code < 200 || code > 599 || kind == 3) return "5.5.0";
    while (!enhanced.empty() && (enhanced.front() == ' ' || enhanced.front() == '\t'))
        enhanced.remove_prefix(1);
    while (!enhanced.empty() && (enhanced.back() == ' ' || enhanced.back() == '\t'))
        enhanced.remove_suffix(1);
    auto [valid, rest] = smtp::split_enhanced_code(code, enhanced);
    if (!valid.empty() && rest.empty()) return std::string(valid);
    return std::to_string(kind) + ".0.0";
}

}  // namespace relaylab::relay
