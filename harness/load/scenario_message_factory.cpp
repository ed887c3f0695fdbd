#include "harness/load/scenario_message_factory.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <stdexcept>
#include <unordered_set>

#include "harness/load/message_parts.hpp"
#include "harness/load/traffic_model_check.hpp"
#include "harness/log/timestamp.hpp"
#include "harness/smtp/sasl.hpp"

namespace relaylab::load {

namespace {

// RFC 2045 6.8: base64 lines of at most 76 characters.
constexpr std::size_t base64_line_chars = 76;
constexpr std::string_view mixed_boundary_prefix = "=_relaylab_";
constexpr std::string_view alternative_boundary_prefix = "=_relaylab_alt_";

std::vector<double> cumulative_weights(const std::vector<WeightedAddress>& list) {
    double total = 0;
    for (const auto& entry : list)
        total += entry.weight;
    std::vector<double> cumulative;
    double running = 0;
    for (const auto& entry : list) {
        running += entry.weight;
        cumulative.push_back(running / total);
    }
    if (!cumulative.empty()) cumulative.back() = 1.0;  // no gap at the top from rounding
    return cumulative;
}

// Lines ending in CRLF whatever the template used (LF, CR or CRLF), so no bare CR or LF is
// ever sent (RFC 5322 2.3).
std::string crlf_lines(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32 + 2);
    for (std::size_t k = 0; k < text.size(); ++k) {
        char c = text[k];
        if (c == '\r' || c == '\n') {
            out += "\r\n";
            if (c == '\r' && k + 1 < text.size() && text[k + 1] == '\n') ++k;
        } else {
            out += c;
        }
    }
    if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
    return out;
}

// Appends exactly `budget` octets of the text part: the text (cut to the budget: whole lines,
// then the start of the next) and filler after it. Returns false when one octet is left that
// no line can hold.
bool append_text_part(std::string& out, std::string_view text, std::size_t budget) {
    if (text.size() <= budget) {
        out.append(text);
        return append_filler(out, budget - text.size());
    }
    std::size_t kept = 0;
    for (;;) {
        std::size_t line_end = text.find("\r\n", kept) + 2;  // text ends in CRLF
        if (line_end > budget) break;
        kept = line_end;
    }
    out.append(text.substr(0, kept));
    std::size_t rest = budget - kept;
    if (rest == 1) return false;
    if (rest >= 2) {
        // The next line did not fit whole, so it has more than rest - 2 characters.
        out.append(text.substr(kept, rest - 2));
        out += "\r\n";
    }
    return true;
}

// The HTML alternative: as it is when 7bit can carry it, else quoted-printable (8-bit text or
// lines over 998 octets). UTF-8 is what HTML templates are written in; us-ascii when it is all
// ASCII.
void append_html_part(std::string& out, const std::string& html) {
    bool ascii = std::all_of(html.begin(), html.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    out += "Content-Type: text/html; charset=";
    out += ascii ? "us-ascii" : "utf-8";
    if (is_7bit_text(html)) {
        out += "\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";
        out += html;
    } else {
        out += "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
        out += encode_quoted_printable(html);
    }
}

void add_subaddress(std::string& address, std::uint64_t r) {
    auto at = address.rfind('@');
    if (at == std::string::npos) at = address.size();
    // "quoted local"@domain: the tag goes inside the quotes.
    if (at > 0 && address[at - 1] == '"') --at;
    address.insert(at, '+' + std::to_string(r));
}

}  // namespace

ScenarioMessageFactory::ScenarioMessageFactory(TrafficModel model, DateSource date)
    : model_(std::move(model)), date_(std::move(date)) {
    if (auto problem = find_message_problem(model_)) {
        throw std::invalid_argument("traffic model: " + problem->field + ": " + problem->message);
    }
    from_cumulative_ = cumulative_weights(model_.from);
    to_cumulative_ = cumulative_weights(model_.to);
    body_ = crlf_lines(model_.message.body);
    html_ = crlf_lines(model_.message.html);
}

std::size_t ScenarioMessageFactory::pick(const std::vector<double>& cumulative, DrawPurpose purpose,
                                         std::uint64_t n, std::uint64_t r) const {
    double draw = unit_closed_open(counter_hash(model_.seed, purpose, n, r));
    auto found = std::upper_bound(cumulative.begin(), cumulative.end(), draw);
    return std::min<std::size_t>(static_cast<std::size_t>(found - cumulative.begin()),
                                 cumulative.size() - 1);
}

std::string ScenarioMessageFactory::expand_address(const WeightedAddress& entry, std::uint64_t n,
                                                   std::uint64_t r) const {
    std::uint64_t mailbox =
        entry.pool == 0 ? n
                        : 1 + counter_hash(model_.seed, DrawPurpose::mailbox, n, r) % entry.pool;
    return expand_placeholders(entry.address, {n, r, mailbox});
}

std::string ScenarioMessageFactory::mail_from(std::uint64_t n) const {
    // The sender has no recipient index: {r} stays as written (the check refuses nothing for
    // it: '{' and '}' are atext, RFC 5322 3.2.3).
    return expand_address(model_.from[pick(from_cumulative_, DrawPurpose::sender, n, 0)], n, 0);
}

std::vector<std::string> ScenarioMessageFactory::recipients(std::uint64_t n) const {
    std::size_t count = model_.recipients.pick(n);
    std::vector<std::string> out;
    out.reserve(count);
    std::unordered_set<std::string> seen;
    for (std::uint64_t r = 1; r <= count; ++r) {
        const WeightedAddress& entry =
            model_.to[pick(to_cumulative_, DrawPurpose::recipient, n, r)];
        std::string address = expand_address(entry, n, r);
        // A repeated RCPT would be delivered once or twice depending on the relay: never sent.
        while (seen.contains(address))
            add_subaddress(address, r);
        seen.insert(address);
        out.push_back(std::move(address));
    }
    return out;
}

std::string ScenarioMessageFactory::tracking_id(std::uint64_t n) const {
    return make_tracking_id(model_.run_id, n);
}

std::size_t ScenarioMessageFactory::drawn_size(std::uint64_t n) const {
    const SizeModel& size = model_.message.size;
    switch (size.distribution) {
        case SizeDistribution::fixed:
            return size.bytes;
        case SizeDistribution::uniform:
            return size.min +
                   counter_hash(model_.seed, DrawPurpose::size, n) % (size.max - size.min + 1);
        case SizeDistribution::lognormal: {
            // Box-Muller: a standard normal from two independent uniforms; ln(size) is then
            // normal with mean ln(median) and deviation sigma.
            double u1 = unit_open_closed(counter_hash(model_.seed, DrawPurpose::size, n));
            double u2 = unit_closed_open(counter_hash(model_.seed, DrawPurpose::size_normal, n));
            double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
            double drawn = size.median * std::exp(size.sigma * z);
            double clamped =
                std::clamp(drawn, static_cast<double>(size.min), static_cast<double>(size.max));
            return static_cast<std::size_t>(std::llround(clamped));
        }
    }
    return size.bytes;
}

std::string ScenarioMessageFactory::boundary(std::uint64_t n, std::string_view prefix,
                                             std::string_view text, std::string_view html) const {
    // "=_" never occurs in base64, quoted-printable or the filler; the text, the HTML and the
    // file names are the user's, so checked (RFC 2046 5.1.1: the delimiter must not occur in
    // any part).
    static constexpr char hex[] = "0123456789abcdef";
    std::uint64_t bits = counter_hash(model_.seed, DrawPurpose::mime_boundary, n);
    std::string out(prefix);
    for (int shift = 60; shift >= 0; shift -= 4)
        out += hex[(bits >> shift) & 0xf];
    auto occurs = [&](const std::string& delimiter) {
        if (text.find(delimiter) != std::string_view::npos) return true;
        if (html.find(delimiter) != std::string_view::npos) return true;
        return std::any_of(model_.message.attachments.begin(), model_.message.attachments.end(),
                           [&](const Attachment& attachment) {
                               return attachment.filename.find(delimiter) != std::string::npos;
                           });
    };
    while (occurs("--" + out))
        out += '_';
    return out;
}

std::string ScenarioMessageFactory::attachment_part(std::uint64_t n, std::size_t index) const {
    const Attachment& attachment = model_.message.attachments[index];
    std::string bytes(attachment.bytes, '\0');
    for (std::size_t at = 0; at < bytes.size(); at += 8) {
        std::uint64_t word = counter_hash(model_.seed, DrawPurpose::attachment_bytes, n,
                                          (std::uint64_t{index} << 32) | (at / 8));
        std::memcpy(bytes.data() + at, &word, std::min<std::size_t>(8, bytes.size() - at));
    }
    std::string encoded = smtp::base64_encode(bytes);
    std::string part;
    part.reserve(encoded.size() + encoded.size() / base64_line_chars * 2 + 300);
    part += "Content-Type: " + attachment.content_type + "; name=\"" + attachment.filename +
            "\"\r\nContent-Disposition: attachment; filename=\"" + attachment.filename +
            "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    for (std::size_t at = 0; at < encoded.size(); at += base64_line_chars) {
        part.append(encoded, at, base64_line_chars);
        part += "\r\n";
    }
    return part;
}

std::shared_ptr<const std::string> ScenarioMessageFactory::content(
    std::uint64_t n, const std::string& from, const std::vector<std::string>& recipients,
    const std::string& id) const {
    const MessageModel& model = model_.message;
    std::size_t target = drawn_size(n);
    std::string text = expand_placeholders(body_, {n});
    std::string subject = expand_placeholders(model.subject, {n});
    std::string date = date_ ? date_() : log::rfc5322_date_now();

    auto message = std::make_shared<std::string>();
    std::string& out = *message;
    std::string header_from =
        model.header_from.empty() ? from : expand_placeholders(model.header_from, {n});
    append_common_headers(out, {header_from, &recipients, subject, date, id});
    for (const std::string& header : model.headers) {
        out += expand_placeholders(header, {n});
        out += "\r\n";
    }
    std::size_t mime_version_at = out.size();
    out += "MIME-Version: 1.0\r\n";

    // What follows the text part (multipart only): the HTML alternative, the attachments and
    // the close delimiters. The text's last CRLF doubles as the CRLF before each delimiter
    // (RFC 2046 5.1.1).
    std::string html;
    if (!model.html.empty()) html = expand_placeholders(html_, {n});
    std::string tail;
    std::string mixed;
    if (!model.attachments.empty()) {
        mixed = "--" + boundary(n, mixed_boundary_prefix, text, html);
        out += "Content-Type: multipart/mixed; boundary=\"" + mixed.substr(2) + "\"\r\n\r\n";
        out += mixed + "\r\n";
    }
    if (html.empty()) {
        out += "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    } else {
        // The mixed and alternative delimiters differ before either ends ("alt_" is no hex),
        // so neither is a prefix of the other's lines.
        std::string alternative = "--" + boundary(n, alternative_boundary_prefix, text, html);
        out += "Content-Type: multipart/alternative; boundary=\"" + alternative.substr(2) +
               "\"\r\n\r\n";
        out += alternative + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
        tail += alternative + "\r\n";
        append_html_part(tail, html);
        tail += alternative + "--\r\n";
    }
    if (!mixed.empty()) {
        for (std::size_t k = 0; k < model.attachments.size(); ++k) {
            tail += mixed + "\r\n";
            tail += attachment_part(n, k);
        }
        tail += mixed + "--\r\n";
    }
    std::size_t fixed = out.size() + tail.size();
    out.reserve(std::max(target, fixed) + 2);
    if (!append_text_part(out, text, target > fixed ? target - fixed : 0)) {
        widen_mime_version(out, mime_version_at);
    }
    out += tail;
    return message;
}

GeneratedMessage ScenarioMessageFactory::message(std::uint64_t n) const {
    GeneratedMessage generated;
    generated.mail_from = mail_from(n);
    generated.recipients = recipients(n);
    generated.tracking_id = tracking_id(n);
    generated.content =
        content(n, generated.mail_from, generated.recipients, generated.tracking_id);
    return generated;
}

GeneratedMessage ScenarioMessageFactory::make(std::uint64_t n) {
    return message(n);
}

}  // namespace relaylab::load
