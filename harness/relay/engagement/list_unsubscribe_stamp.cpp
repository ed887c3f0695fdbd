#include "harness/relay/engagement/list_unsubscribe_stamp.hpp"

#include "probes/auth/message_headers.hpp"

namespace relaylab::relay {

namespace {

constexpr std::string_view list_unsubscribe = "List-Unsubscribe";
constexpr std::string_view list_unsubscribe_post = "List-Unsubscribe-Post";

}  // namespace

std::string_view to_string(StampOutcome outcome) {
    switch (outcome) {
        case StampOutcome::stamped:
            return "stamped";
        case StampOutcome::several_recipients:
            return "several recipients";
        case StampOutcome::has_list_unsubscribe:
            return "has its own List-Unsubscribe";
        case StampOutcome::no_header_section:
            return "no header section";
        case StampOutcome::url_too_long:
            return "URL too long for a header line";
    }
    return "unknown";
}

std::string list_unsubscribe_fields(std::string_view https_url) {
    std::string field(list_unsubscribe);
    field += ":";
    // "Name: <url>" on one line when it fits, else the URL alone on a continuation line.
    if (field.size() + 2 + https_url.size() + 1 > recommended_line_octets) {
        field += "\r\n";
    }
    field += " <";
    field += https_url;
    field += ">\r\n";
    field += list_unsubscribe_post;
    field += ": List-Unsubscribe=One-Click\r\n";  // RFC 8058 3.1: exactly this value
    return field;
}

bool has_header_field(std::string_view message, std::string_view name) {
    std::size_t position = 0;
    while (position < message.size()) {
        std::size_t end = message.find("\r\n", position);
        std::string_view line = message.substr(
            position, end == std::string_view::npos ? std::string_view::npos : end - position);
        if (line.empty()) return false;  // the blank line: the body starts
        // Continuation lines (RFC 5322 2.2.3) start with WSP and carry no name.
        if (line.front() != ' ' && line.front() != '\t') {
            auto colon = line.find(':');
            if (colon != std::string_view::npos &&
                auth::iequals(auth::trim_wsp(line.substr(0, colon)), name)) {
                return true;
            }
        }
        if (end == std::string_view::npos) return false;
        position = end + 2;
    }
    return false;
}

StampOutcome stamp_list_unsubscribe(std::string& message, std::size_t recipients,
                                    std::string_view https_url) {
    if (recipients != 1) return StampOutcome::several_recipients;
    // A message that starts with its blank line has no header section to add to, and one
    // without any line end is not a message.
    if (message.empty() || message.starts_with("\r\n") ||
        message.find("\r\n") == std::string::npos) {
        return StampOutcome::no_header_section;
    }
    if (has_header_field(message, list_unsubscribe) ||
        has_header_field(message, list_unsubscribe_post)) {
        return StampOutcome::has_list_unsubscribe;
    }
    if (https_url.size() + 3 > max_line_octets) return StampOutcome::url_too_long;
    message.insert(0, list_unsubscribe_fields(https_url));
    return StampOutcome::stamped;
}

}  // namespace relaylab::relay
