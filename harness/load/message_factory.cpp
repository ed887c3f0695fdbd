#include "harness/load/message_factory.hpp"

#include <algorithm>

#include "harness/log/timestamp.hpp"

namespace relaylab::load {

namespace {

// Body lines of 76 characters: under RFC 5322 2.1.1's 78-character advice.
constexpr std::size_t body_line_chars = 76;
constexpr std::size_t body_line_octets = body_line_chars + 2;

const std::string& body_line() {
    static const std::string line = [] {
        std::string text;
        for (std::size_t i = 0; i < body_line_chars; ++i)
            text += static_cast<char>('a' + i % 26);
        return text + "\r\n";
    }();
    return line;
}

// Appends exactly `octets` of body made of CRLF-terminated lines of at most 78 characters
// (`octets` != 1: a line needs its CRLF).
void append_body(std::string& out, std::size_t octets) {
    const std::string& line = body_line();
    std::size_t full = octets / body_line_octets;
    std::size_t rest = octets % body_line_octets;
    if (rest == 1) {  // one octet cannot be a line: one full line becomes 77 characters
        --full;
        out.append(line, 0, body_line_chars);
        out += "z\r\n";
        rest = 0;
    }
    for (std::size_t i = 0; i < full; ++i)
        out += line;
    if (rest >= 2) {
        out.append(rest - 2, 'z');
        out += "\r\n";
    }
}

}  // namespace

std::string expand(std::string_view text, std::uint64_t n, std::uint64_t r) {
    std::string out;
    out.reserve(text.size() + 16);
    std::size_t start = 0;
    while (start < text.size()) {
        auto found = text.find('{', start);
        if (found == std::string_view::npos) break;
        std::string_view rest = text.substr(found);
        if (rest.starts_with("{n}")) {
            out.append(text.substr(start, found - start));
            out += std::to_string(n);
            start = found + 3;
        } else if (r != 0 && rest.starts_with("{r}")) {
            out.append(text.substr(start, found - start));
            out += std::to_string(r);
            start = found + 3;
        } else {
            out.append(text.substr(start, found + 1 - start));
            start = found + 1;
        }
    }
    out.append(text.substr(std::min(start, text.size())));
    return out;
}

TemplateMessageFactory::TemplateMessageFactory(MessageTemplate tmpl)
    : template_(std::move(tmpl)), to_has_r_(template_.to.find("{r}") != std::string::npos) {}

std::string TemplateMessageFactory::rcpt_to(std::uint64_t n, std::uint64_t r) const {
    std::string address = expand(template_.to, n, r);
    if (!to_has_r_ && r > 1) {
        auto at = address.rfind('@');
        address.insert(at == std::string::npos ? address.size() : at, '+' + std::to_string(r));
    }
    return address;
}

std::string TemplateMessageFactory::tracking_id(std::uint64_t n) const {
    return template_.run_id + '-' + std::to_string(n);
}

void TemplateMessageFactory::append_headers(std::string& out, std::uint64_t n,
                                            std::string_view from,
                                            const std::vector<std::string>& recipients,
                                            std::string_view id) const {
    auto add = [&out](std::initializer_list<std::string_view> parts) {
        for (std::string_view part : parts)
            out.append(part);
    };
    add({"From: <", from, ">\r\n"});
    // One recipient per line (folded, RFC 5322 2.2.3): no header line grows past 998 octets.
    out += "To: ";
    for (std::size_t i = 0; i < recipients.size(); ++i) {
        if (i > 0) out += ",\r\n ";
        add({"<", recipients[i], ">"});
    }
    add({"\r\nSubject: ", expand(template_.subject, n), "\r\nDate: ", log::rfc5322_date_now(),
         "\r\nMessage-ID: <", id, "@relaylab.test>\r\nX-Relaylab-Id: ", id,
         "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"});
}

std::string TemplateMessageFactory::headers(std::uint64_t n,
                                            const std::vector<std::string>& recipients) const {
    std::string out;
    append_headers(out, n, mail_from(n), recipients, tracking_id(n));
    return out;
}

std::shared_ptr<const std::string> TemplateMessageFactory::build(
    std::uint64_t n, std::string_view from, const std::vector<std::string>& recipients,
    std::string_view id) const {
    auto message = std::make_shared<std::string>();
    message->reserve(std::max<std::size_t>(template_.size, 320 + recipients.size() * 40));
    append_headers(*message, n, from, recipients, id);
    std::size_t header_size = message->size();
    if (template_.size <= header_size) return message;
    std::size_t body = template_.size - header_size;
    if (body == 1) {
        // A one-octet body cannot end in CRLF: the octet goes into the header instead, as a
        // second space after "MIME-Version:" (folding white space, RFC 5322 3.2.2).
        message->insert(message->find("MIME-Version:") + 13, 1, ' ');
        return message;
    }
    append_body(*message, body);
    return message;
}

std::shared_ptr<const std::string> TemplateMessageFactory::content(std::uint64_t n) const {
    std::vector<std::string> recipients;
    std::size_t count = template_.recipients.pick(n);
    for (std::size_t r = 1; r <= count; ++r)
        recipients.push_back(rcpt_to(n, r));
    return build(n, mail_from(n), recipients, tracking_id(n));
}

GeneratedMessage TemplateMessageFactory::make(std::uint64_t n) {
    GeneratedMessage message;
    message.mail_from = mail_from(n);
    std::size_t count = template_.recipients.pick(n);
    message.recipients.reserve(count);
    for (std::size_t r = 1; r <= count; ++r)
        message.recipients.push_back(rcpt_to(n, r));
    message.tracking_id = tracking_id(n);
    message.content = build(n, message.mail_from, message.recipients, message.tracking_id);
    return message;
}

}  // namespace relaylab::load
