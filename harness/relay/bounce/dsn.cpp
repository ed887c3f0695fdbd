// The DSN writer: a multipart/report (RFC 6522) of three parts, a text for people, the
// message/delivery-status for programs (RFC 3464 2), and the returned content
// (returned_content.hpp). Every value from outside (addresses, the remote reply, ids) goes
// through dsn_text::one_line() before it is written, and every field is folded by
// dsn_text::append_field(): no input can add a header, a boundary or a line over 998 octets.
#include "harness/relay/bounce/dsn.hpp"

#include <atomic>
#include <cstdio>
#include <random>

#include "harness/relay/bounce/dsn_text.hpp"
#include "harness/relay/bounce/returned_content.hpp"
#include "harness/smtp/command.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::relay {
namespace {

using dsn_text::append_field;
using dsn_text::append_wrapped;
using dsn_text::max_diagnostic_octets;
using dsn_text::max_value_octets;
using dsn_text::one_line;

// RFC 2046 5.1.1: a boundary is at most 70 characters.
constexpr std::size_t max_boundary_chars = 70;
constexpr std::size_t max_seed_chars = 32;
// A boundary that collides with the content is replaced by a random one: a sender cannot
// guess it, so a second collision is not seen in practice; the bound keeps the loop finite.
constexpr int max_boundary_attempts = 8;
// RFC 3461 4.4: ENVID is at most 100 characters; some slack for a decoded value cut by us.
constexpr std::size_t max_envid_octets = 100;
constexpr std::string_view indent = "    ";

std::string_view action_name(DsnAction action) {
    switch (action) {
        case DsnAction::failed:
            return "failed";
        case DsnAction::delayed:
            return "delayed";
        case DsnAction::delivered:
            return "delivered";
        case DsnAction::relayed:
            return "relayed";
        case DsnAction::expanded:
            return "expanded";
    }
    return "failed";
}

// "5.1.1": class 2, 4 or 5, subject and detail of 1-3 digits (RFC 3463 2).
bool is_status(std::string_view status) {
    if (status.empty()) return false;
    auto [code, rest] = smtp::split_enhanced_code((status.front() - '0') * 100, status);
    return !code.empty() && rest.empty();
}

// The status a recipient's line gets: the one given, else the reply's, else the action's class.
std::string status_of(const DsnRecipient& recipient) {
    std::string given = one_line(recipient.status, false, max_value_octets);
    if (is_status(given)) return given;
    std::string_view reply = recipient.diagnostic;
    while (!reply.empty() && (reply.front() == ' ' || reply.front() == '\t'))
        reply.remove_prefix(1);
    if (reply.size() >= 3 && reply[0] >= '2' && reply[0] <= '5' && reply[1] >= '0' &&
        reply[1] <= '9' && reply[2] >= '0' && reply[2] <= '9' &&
        (reply.size() == 3 || reply[3] == ' ' || reply[3] == '-')) {
        int code = (reply[0] - '0') * 100 + (reply[1] - '0') * 10 + (reply[2] - '0');
        std::string_view rest = reply.size() > 4 ? reply.substr(4) : std::string_view{};
        std::string_view enhanced = rest.substr(0, rest.find_first_of(" \r\n\t"));
        return dsn_status_for_reply(code, enhanced);
    }
    switch (recipient.action) {
        case DsnAction::failed:
            return "5.0.0";
        case DsnAction::delayed:
            return "4.0.0";
        default:
            return "2.0.0";
    }
}

// A diagnostic is "smtp;" only when it is an SMTP reply (RFC 3464 2.3.6); other failures
// (connection refused, DNS) are ours to name.
bool is_smtp_reply(std::string_view text) {
    return text.size() >= 3 && text[0] >= '2' && text[0] <= '5' && text[1] >= '0' &&
           text[1] <= '9' && text[2] >= '0' && text[2] <= '9' &&
           (text.size() == 3 || text[3] == ' ' || text[3] == '-');
}

// An address-type;address value (RFC 3464 2.3.2): rfc822 for ASCII, utf-8 otherwise
// (RFC 6533 3).
std::string typed_address(std::string_view address, bool& utf8) {
    std::string clean = one_line(address, true, max_value_octets);
    bool ascii = dsn_text::is_7bit(clean);
    utf8 = utf8 || !ascii;
    return (ascii ? "rfc822;" : "utf-8;") + clean;
}

// RFC 3461 ORCPT "type;xtext" as the DSN shows it: type and the address decoded (the xtext
// encoding exists for the SMTP command line only).
std::string original_recipient(std::string_view orcpt, bool& utf8) {
    std::string_view type = "rfc822";
    std::string_view value = orcpt;
    if (auto semi = orcpt.find(';'); semi != std::string_view::npos) {
        type = orcpt.substr(0, semi);
        value = orcpt.substr(semi + 1);
    }
    std::optional<std::string> decoded = smtp::decode_xtext(value);
    std::string address = one_line(decoded ? *decoded : value, true, max_value_octets);
    utf8 = utf8 || !dsn_text::is_7bit(address);
    return one_line(type, false, max_value_octets) + ";" + address;
}

// "dns;mx.example" -> "mx.example", for the text part.
std::string_view host_of(std::string_view remote_mta) {
    if (auto semi = remote_mta.find(';'); semi != std::string_view::npos)
        remote_mta.remove_prefix(semi + 1);
    while (!remote_mta.empty() && remote_mta.front() == ' ')
        remote_mta.remove_prefix(1);
    return remote_mta;
}

bool any(const DsnInput& input, DsnAction action) {
    for (const DsnRecipient& r : input.recipients)
        if (r.action == action) return true;
    return false;
}

bool any_success(const DsnInput& input) {
    return any(input, DsnAction::delivered) || any(input, DsnAction::relayed) ||
           any(input, DsnAction::expanded);
}

// The worst news first: a failure outweighs a delay, a delay outweighs a delivery.
std::string_view subject_of(const DsnInput& input) {
    if (any(input, DsnAction::failed)) return "Undelivered Mail Returned to Sender";
    if (any(input, DsnAction::delayed)) return "Delayed Mail (still being retried)";
    return "Successful Mail Delivery Report";
}

std::string reporting_host(const DsnInput& input) {
    std::string host = one_line(input.reporting_mta, false, max_value_octets);
    for (char& c : host)
        if (c == ' ' || c == '<' || c == '>' || c == '@') c = '-';
    return host.empty() ? "localhost" : host;
}

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

void append_intro(std::string& text, const DsnInput& input, const std::string& host) {
    append_wrapped(text, "This is the mail system at host " + host + ".", "", "");
    text += "\r\n";
    if (any(input, DsnAction::failed)) {
        append_wrapped(text,
                       "Your message could not be delivered to one or more recipients. This is "
                       "a permanent error: it will not be retried for them.",
                       "", "");
        text += "\r\n";
    }
    if (any(input, DsnAction::delayed)) {
        append_wrapped(text,
                       "Your message has not been delivered yet to one or more recipients. "
                       "The mail system keeps trying; you do not need to send it again.",
                       "", "");
        text += "\r\n";
    }
    if (any_success(input)) {
        append_wrapped(text,
                       "Your message reached the recipients listed as delivered below; you asked "
                       "to be told (NOTIFY=SUCCESS).",
                       "", "");
        text += "\r\n";
    }
}

// One recipient in plain words: what happened, where, and what the server said.
std::string recipient_story(const DsnRecipient& r) {
    std::string host = one_line(host_of(r.remote_mta), false, max_value_octets);
    std::string reply = one_line(r.diagnostic, false, max_diagnostic_octets);
    std::string story = "<" + one_line(r.final_recipient, true, max_value_octets) + ">: ";
    switch (r.action) {
        case DsnAction::failed:
            story += "delivery failed";
            if (!host.empty())
                story += "; the mail server " + host + " answered: " + reply;
            else if (!reply.empty())
                story += ": " + reply;
            break;
        case DsnAction::delayed:
            story += "not delivered yet";
            if (r.will_retry_until_ms)
                story +=
                    "; retries continue until " + dsn_text::rfc5322_date(*r.will_retry_until_ms);
            if (!reply.empty())
                story +=
                    "; the last attempt" + (host.empty() ? "" : " at " + host) + " got: " + reply;
            break;
        case DsnAction::delivered:
            story += "delivered";
            if (!host.empty()) story += " to the mail server " + host;
            if (!reply.empty()) story += ", which answered: " + reply;
            break;
        case DsnAction::relayed:
            story += "relayed";
            if (!host.empty()) story += " to " + host;
            story += ", a system that sends no further delivery notifications";
            break;
        case DsnAction::expanded:
            story += "delivered, and forwarded on to further recipients";
            break;
    }
    if (story.back() != '.') story += '.';  // replies often end in a full stop already
    return story;
}

std::string human_part(const DsnInput& input, const std::string& host,
                       const ReturnedContent& returned) {
    std::string text;
    append_intro(text, input, host);
    for (const DsnRecipient& r : input.recipients) {
        append_wrapped(text, recipient_story(r), "", indent);
        text += "\r\n";
    }
    std::string details = "Queue id " + one_line(input.queue_id, false, max_value_octets) +
                          ", received " + dsn_text::rfc5322_date(input.arrival_ms) + ".";
    if (returned.full()) {
        details += " Your message is attached.";
    } else {
        details += " The headers of your message are attached (" +
                   std::string(describe(returned.headers_only)) +
                   (returned.headers_cut ? "; they were cut at the size limit" : "") + ").";
    }
    append_wrapped(text, details, "", "");
    return text;
}

std::string status_part(const DsnInput& input, const std::string& host, bool& utf8) {
    std::string fields;
    append_field(fields, "Reporting-MTA", "dns; " + host);
    if (!input.queue_id.empty())
        append_field(fields, "X-Relaylab-Queue-ID",
                     one_line(input.queue_id, false, max_value_octets));
    if (!input.original_envid.empty()) {
        std::optional<std::string> envid = smtp::decode_xtext(input.original_envid);
        append_field(fields, "Original-Envelope-Id",
                     one_line(envid ? *envid : input.original_envid, false, max_envid_octets));
    }
    append_field(fields, "Arrival-Date", dsn_text::rfc5322_date(input.arrival_ms));
    for (const DsnRecipient& r : input.recipients) {
        fields += "\r\n";  // RFC 3464 2.1: a blank line before each per-recipient group
        if (!r.orcpt.empty())
            append_field(fields, "Original-Recipient", original_recipient(r.orcpt, utf8));
        append_field(fields, "Final-Recipient", typed_address(r.final_recipient, utf8));
        append_field(fields, "Action", action_name(r.action));
        append_field(fields, "Status", status_of(r));
        if (!r.remote_mta.empty()) {
            std::string mta = one_line(r.remote_mta, false, max_value_octets);
            if (mta.find(';') == std::string::npos) mta = "dns; " + mta;
            append_field(fields, "Remote-MTA", mta);
        }
        std::string reply = one_line(r.diagnostic, false, max_diagnostic_octets);
        if (!reply.empty())
            append_field(fields, "Diagnostic-Code",
                         (is_smtp_reply(reply) ? "smtp; " : "X-Relaylab; ") + reply);
        if (r.last_attempt_ms)
            append_field(fields, "Last-Attempt-Date", dsn_text::rfc5322_date(*r.last_attempt_ms));
        if (r.action == DsnAction::delayed && r.will_retry_until_ms)
            append_field(fields, "Will-Retry-Until",
                         dsn_text::rfc5322_date(*r.will_retry_until_ms));
    }
    return fields;
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
    const ReturnedContent returned = returned_content(
        input.original_message, input.ret == DsnReturnContent::full, input.max_returned_bytes);
    bool utf8_status = false;
    const std::string status = status_part(input, host, utf8_status);
    const std::string text = human_part(input, host, returned);
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
    m += "\r\nThis is a MIME-encapsulated message.\r\n\r\n";

    const std::string delimiter = "--" + *boundary + "\r\n";
    m += delimiter;
    append_field(m, "Content-Description", "Notification");
    append_field(m, "Content-Type",
                 text_ascii ? "text/plain; charset=us-ascii" : "text/plain; charset=utf-8");
    if (!text_ascii) append_field(m, "Content-Transfer-Encoding", "8bit");
    m += "\r\n";
    m += text;

    m += "\r\n" + delimiter;
    append_field(m, "Content-Description", "Delivery report");
    // RFC 6533 3: UTF-8 addresses need the global form of the report.
    append_field(m, "Content-Type",
                 utf8_status ? "message/global-delivery-status" : "message/delivery-status");
    if (utf8_status) append_field(m, "Content-Transfer-Encoding", "8bit");
    m += "\r\n";
    m += status;

    m += "\r\n" + delimiter;
    const bool success_only = !any(input, DsnAction::failed) && !any(input, DsnAction::delayed);
    std::string description = success_only ? "Delivered message" : "Undelivered message";
    append_field(m, "Content-Description",
                 returned.full() ? description : description + " headers");
    append_field(m, "Content-Type", returned.content_type);
    if (returned.eight_bit) append_field(m, "Content-Transfer-Encoding", "8bit");
    m += "\r\n";
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
