// The text/plain part of a DSN: what happened, in plain words, for the person who sent the
// mail. Wrapped prose (dsn_text::append_wrapped), one paragraph per recipient, with the remote
// server's reply quoted as received (made one line and cut when very long).
#include "harness/relay/bounce/dsn_parts.hpp"
#include "harness/relay/bounce/dsn_text.hpp"

namespace relaylab::relay::dsn_parts {
namespace {

using dsn_text::append_wrapped;
using dsn_text::max_diagnostic_octets;
using dsn_text::max_value_octets;
using dsn_text::one_line;

constexpr std::string_view continuation_indent = "    ";

// "dns;mx.example" -> "mx.example".
std::string_view host_of(std::string_view remote_mta) {
    if (auto semi = remote_mta.find(';'); semi != std::string_view::npos)
        remote_mta.remove_prefix(semi + 1);
    while (!remote_mta.empty() && remote_mta.front() == ' ')
        remote_mta.remove_prefix(1);
    return remote_mta;
}

void paragraph(std::string& text, std::string_view words) {
    append_wrapped(text, words, "", "");
    text += "\r\n";
}

// One recipient: what happened, where, and what the server said.
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

}  // namespace

bool reports(const DsnInput& input, DsnAction action) {
    for (const DsnRecipient& r : input.recipients)
        if (r.action == action) return true;
    return false;
}

bool reports_success(const DsnInput& input) {
    return reports(input, DsnAction::delivered) || reports(input, DsnAction::relayed) ||
           reports(input, DsnAction::expanded);
}

std::string notice(const DsnInput& input, const std::string& host,
                   const ReturnedContent& returned) {
    std::string text;
    paragraph(text, "This is the mail system at host " + host + ".");
    if (reports(input, DsnAction::failed))
        paragraph(text,
                  "Your message could not be delivered to one or more recipients. This is a "
                  "permanent error: it will not be retried for them.");
    if (reports(input, DsnAction::delayed))
        paragraph(text,
                  "Your message has not been delivered yet to one or more recipients. The mail "
                  "system keeps trying; you do not need to send it again.");
    if (reports_success(input))
        paragraph(text,
                  "Your message reached the recipients listed as delivered below; you asked to "
                  "be told (NOTIFY=SUCCESS).");
    for (const DsnRecipient& r : input.recipients) {
        append_wrapped(text, recipient_story(r), "", continuation_indent);
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

}  // namespace relaylab::relay::dsn_parts
