// The message/delivery-status part (RFC 3464 2): per-message fields, then a group per
// recipient. Each value passes through dsn_text::one_line() and each field through
// dsn_text::append_field(), so no reply or address can add a field or a blank line.
#include <optional>

#include "harness/relay/bounce/dsn_parts.hpp"
#include "harness/relay/bounce/dsn_text.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::relay::dsn_parts {
namespace {

using dsn_text::append_field;
using dsn_text::max_diagnostic_octets;
using dsn_text::max_value_octets;
using dsn_text::one_line;

// RFC 3461 4.4: ENVID is at most 100 characters.
constexpr std::size_t max_envid_octets = 100;

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

// The code of a text that starts like an SMTP reply line ("550 ...", "451-..."), else nullopt:
// a diagnostic that is no reply (connection refused, DNS) has none.
std::optional<int> reply_code(std::string_view text) {
    if (text.size() < 3 || text[0] < '2' || text[0] > '5' || text[1] < '0' || text[1] > '9' ||
        text[2] < '0' || text[2] > '9')
        return std::nullopt;
    if (text.size() > 3 && text[3] != ' ' && text[3] != '-') return std::nullopt;
    return (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
}

// The status a recipient's group gets: the one given, else the reply's, else the action's class.
std::string status_of(const DsnRecipient& recipient, std::string_view reply) {
    std::string given = one_line(recipient.status, false, max_value_octets);
    if (is_status(given)) return given;
    if (auto code = reply_code(reply)) {
        std::string_view rest = reply.size() > 4 ? reply.substr(4) : std::string_view{};
        return dsn_status_for_reply(*code, rest.substr(0, rest.find(' ')));
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

// An address-type;address value (RFC 3464 2.3.2): rfc822 for ASCII, utf-8 otherwise
// (RFC 6533 3).
std::string typed_address(std::string_view address, bool& utf8) {
    std::string clean = one_line(address, true, max_value_octets);
    bool ascii = dsn_text::is_7bit(clean);
    utf8 = utf8 || !ascii;
    return (ascii ? "rfc822;" : "utf-8;") + clean;
}

// RFC 3461 ORCPT "type;address" (already xtext-decoded: xtext exists for the SMTP command
// line only, and a DSN shows the address as the sender wrote it, as Postfix does).
std::string original_recipient(std::string_view orcpt, bool& utf8) {
    std::string_view type = "rfc822";
    std::string_view value = orcpt;
    if (auto semi = orcpt.find(';'); semi != std::string_view::npos) {
        type = orcpt.substr(0, semi);
        value = orcpt.substr(semi + 1);
    }
    std::string address = one_line(value, true, max_value_octets);
    utf8 = utf8 || !dsn_text::is_7bit(address);
    return one_line(type, false, max_value_octets) + ";" + address;
}

void append_recipient(std::string& fields, const DsnRecipient& r, bool& utf8) {
    fields += "\r\n";  // RFC 3464 2.1: a blank line before each per-recipient group
    // RFC 3464 2.3: Original-Recipient, then Final-Recipient, Action, Status, ...
    if (!r.orcpt.empty())
        append_field(fields, "Original-Recipient", original_recipient(r.orcpt, utf8));
    append_field(fields, "Final-Recipient", typed_address(r.final_recipient, utf8));
    append_field(fields, "Action", action_name(r.action));
    const std::string reply = one_line(r.diagnostic, false, max_diagnostic_octets);
    append_field(fields, "Status", status_of(r, reply));
    if (!r.remote_mta.empty()) {
        std::string mta = one_line(r.remote_mta, false, max_value_octets);
        if (mta.find(';') == std::string::npos) mta = "dns; " + mta;
        append_field(fields, "Remote-MTA", mta);
    }
    // "smtp;" only for an SMTP reply (RFC 3464 2.3.6); other failures are ours to name.
    if (!reply.empty())
        append_field(fields, "Diagnostic-Code",
                     (reply_code(reply) ? "smtp; " : "X-Relaylab; ") + reply);
    if (r.last_attempt_ms)
        append_field(fields, "Last-Attempt-Date", dsn_text::rfc5322_date(*r.last_attempt_ms));
    if (r.action == DsnAction::delayed && r.will_retry_until_ms)
        append_field(fields, "Will-Retry-Until", dsn_text::rfc5322_date(*r.will_retry_until_ms));
}

}  // namespace

std::string status_fields(const DsnInput& input, const std::string& host, bool& utf8) {
    std::string fields;
    append_field(fields, "Reporting-MTA", "dns; " + host);
    // An extension field (RFC 3464 2.4, as Postfix's X-Postfix-Queue-ID): ties the report to
    // the queue entry in the admin API and the event log.
    if (!input.queue_id.empty())
        append_field(fields, "X-Relaylab-Queue-ID",
                     one_line(input.queue_id, false, max_value_octets));
    if (!input.original_envid.empty())
        append_field(fields, "Original-Envelope-Id",
                     one_line(input.original_envid, false, max_envid_octets));
    append_field(fields, "Arrival-Date", dsn_text::rfc5322_date(input.arrival_ms));
    for (const DsnRecipient& r : input.recipients)
        append_recipient(fields, r, utf8);
    return fields;
}

}  // namespace relaylab::relay::dsn_parts
