#include "harness/load/message_factory.hpp"

#include <algorithm>

#include "harness/load/message_parts.hpp"
#include "harness/log/timestamp.hpp"

namespace relaylab::load {

std::string expand(std::string_view text, std::uint64_t n, std::uint64_t r) {
    return expand_placeholders(text, Placeholders{n, r, std::nullopt});
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
    return make_tracking_id(template_.run_id, n);
}

void TemplateMessageFactory::append_headers(std::string& out, std::uint64_t n,
                                            std::string_view from,
                                            const std::vector<std::string>& recipients,
                                            std::string_view id) const {
    std::string subject = expand(template_.subject, n);
    append_common_headers(out, {from, &recipients, subject, log::rfc5322_date_now(), id});
    out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
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
    // A one-octet body cannot end in CRLF: the octet goes into the header instead.
    if (!append_filler(*message, template_.size - header_size)) {
        widen_mime_version(*message, message->find("MIME-Version:"));
    }
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
