#include "harness/load/message_factory.hpp"

#include <ctime>

namespace relaylab::load {

namespace {

constexpr std::size_t body_line_length = 76;  // well under RFC 5322's 78-character advice

std::string rfc5322_date() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return text;
}

}  // namespace

std::string expand(std::string_view text, std::uint64_t n) {
    std::string out;
    std::string number = std::to_string(n);
    std::size_t start = 0;
    while (true) {
        auto found = text.find("{n}", start);
        out.append(text.substr(start, found - start));
        if (found == std::string_view::npos) break;
        out.append(number);
        start = found + 3;
    }
    return out;
}

MessageFactory::MessageFactory(MessageTemplate tmpl) : template_(std::move(tmpl)) {
    // Headers take roughly 300 octets; the body makes up the rest.
    std::size_t body_size = template_.size > 300 ? template_.size - 300 : 0;
    std::string line;
    for (std::size_t i = 0; i < body_line_length; ++i) {
        line += static_cast<char>('a' + i % 26);
    }
    while (body_.size() + body_line_length + 2 <= body_size) {
        body_ += line;
        body_ += "\r\n";
    }
    if (body_.size() < body_size) {
        body_.append(body_size - body_.size() > 2 ? body_size - body_.size() - 2 : 0, 'z');
        body_ += "\r\n";
    }
    if (body_.empty()) body_ = "relaylab\r\n";
}

std::string MessageFactory::tracking_id(std::uint64_t n) const {
    return template_.run_id + '-' + std::to_string(n);
}

std::shared_ptr<const std::string> MessageFactory::content(std::uint64_t n) const {
    auto message = std::make_shared<std::string>();
    std::string id = tracking_id(n);
    message->reserve(body_.size() + 400);
    *message += "From: <" + mail_from(n) + ">\r\n";
    *message += "To: <" + rcpt_to(n) + ">\r\n";
    *message += "Subject: " + expand(template_.subject, n) + "\r\n";
    *message += "Date: " + rfc5322_date() + "\r\n";
    *message += "Message-ID: <" + id + "@relaylab.test>\r\n";
    *message += "X-Relaylab-Id: " + id + "\r\n";
    *message += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
    *message += body_;
    return message;
}

}  // namespace relaylab::load
