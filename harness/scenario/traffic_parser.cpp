// traffic: who sends to whom (address_templates.cpp), what the messages look like, and how they
// arrive: count or duration, closed loop (concurrency) or open loop (rate, constant or Poisson).
#include <array>
#include <cctype>

#include "harness/load/recipient_count.hpp"
#include "harness/scenario/address_templates.hpp"
#include "harness/scenario/durations.hpp"
#include "harness/scenario/parse_context.hpp"

namespace relaylab::scenario::detail {

namespace {

constexpr std::uint64_t default_count = 100;
constexpr std::uint64_t max_count = 100'000'000;
constexpr std::uint64_t max_concurrency = 10'000;
constexpr double max_rate = 1'000'000;
constexpr std::uint64_t max_messages_per_connection = 10'000'000;
constexpr std::size_t max_message_bytes = 64u << 20;
constexpr std::size_t max_subject_length = 998;  // RFC 5322 2.1.1: a line's hard limit
constexpr std::size_t max_body_length = 1u << 20;
constexpr std::size_t max_attachments = 100;
constexpr std::size_t max_headers = 100;
constexpr double max_sigma = 10;

// Header fields the message factory writes itself: a second one would make the message
// ambiguous (RFC 5322 3.6 allows one each) or break the tracking that ties arrivals to
// submissions.
constexpr std::array<std::string_view, 10> generated_headers = {
    "from",          "to",           "subject",      "date",
    "message-id",    "mime-version", "content-type", "content-transfer-encoding",
    "x-relaylab-id", "sender"};

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::size_t get_size(const nlohmann::json& value, const Where& where) {
    return static_cast<std::size_t>(get_unsigned(value, where, 1, max_message_bytes));
}

load::SizeModel parse_size(const nlohmann::json& value, const Where& where) {
    load::SizeModel size;
    if (value.is_number()) {
        size.distribution = load::SizeDistribution::fixed;
        size.bytes = get_size(value, where);
        return size;
    }
    if (!value.is_object()) {
        where.fail(
            "must be a size in bytes or {\"distribution\": \"fixed\" | \"uniform\" | "
            "\"lognormal\", ...}, got " +
            json::type_name(value));
    }
    if (!value.contains("distribution")) {
        where.fail(
            "needs \"distribution\": \"fixed\" (bytes), \"uniform\" (min, max) or "
            "\"lognormal\" (median, sigma, min, max)");
    }
    auto distribution = get_string(value["distribution"], where / "distribution", max_text);
    if (distribution == "fixed") {
        expect_object(value, where, {"distribution", "bytes"});
        if (!value.contains("bytes")) where.fail("needs \"bytes\": the size of every message");
        size.distribution = load::SizeDistribution::fixed;
        size.bytes = get_size(value["bytes"], where / "bytes");
        return size;
    }
    if (distribution == "uniform") {
        expect_object(value, where, {"distribution", "min", "max"});
        for (auto key : {"min", "max"}) {
            if (!value.contains(key)) where.fail(std::string("needs \"") + key + "\" (bytes)");
        }
        size.distribution = load::SizeDistribution::uniform;
    } else if (distribution == "lognormal") {
        expect_object(value, where, {"distribution", "median", "sigma", "min", "max"});
        for (auto key : {"median", "sigma"}) {
            if (!value.contains(key)) where.fail(std::string("needs \"") + key + "\"");
        }
        size.distribution = load::SizeDistribution::lognormal;
        size.median = get_number(value["median"], where / "median", 1,
                                 static_cast<double>(max_message_bytes));
        size.sigma = get_number(value["sigma"], where / "sigma", 0, max_sigma);
        if (size.sigma <= 0) {
            (where / "sigma").fail("must be more than 0 (for one size, use \"fixed\")");
        }
    } else {
        (where / "distribution")
            .fail(show(value["distribution"]) + " is not one of fixed, uniform, lognormal");
    }
    if (value.contains("min")) size.min = get_size(value["min"], where / "min");
    if (value.contains("max")) size.max = get_size(value["max"], where / "max");
    if (size.min > size.max) {
        auto at = value.contains("max") ? where / "max" : where / "min";
        at.fail("min (" + std::to_string(size.min) + ") must not be more than max (" +
                std::to_string(size.max) + ")");
    }
    if (size.distribution == load::SizeDistribution::lognormal &&
        (size.median < static_cast<double>(size.min) ||
         size.median > static_cast<double>(size.max))) {
        (where / "median")
            .fail(show(value["median"]) + " is outside min to max (" + std::to_string(size.min) +
                  " to " + std::to_string(size.max) + "): set \"min\" and \"max\" around it");
    }
    return size;
}

load::Attachment parse_attachment(const nlohmann::json& value, const Where& where) {
    expect_object(value, where, {"filename", "content_type", "bytes"});
    if (!value.contains("filename")) where.fail("needs \"filename\", e.g. \"invoice.pdf\"");
    load::Attachment attachment;
    attachment.filename = get_line(value["filename"], where / "filename", 255);
    // It goes into a quoted MIME parameter (RFC 2183): no quote, backslash or path.
    if (attachment.filename.empty() ||
        attachment.filename.find_first_of("\"\\/") != std::string::npos) {
        (where / "filename")
            .fail(show(value["filename"]) +
                  " must be a plain file name (no quotes, slashes or "
                  "backslashes)");
    }
    if (value.contains("content_type")) {
        auto type = get_line(value["content_type"], where / "content_type", 255);
        auto slash = type.find('/');
        bool token = !type.empty() && type.find_first_of(" ;\"()<>@,:\\[]?=") == std::string::npos;
        if (!token || slash == std::string::npos || slash == 0 || slash + 1 == type.size() ||
            type.find('/', slash + 1) != std::string::npos) {
            (where / "content_type")
                .fail(show(value["content_type"]) +
                      " is not a MIME type such as \"application/pdf\"");
        }
        attachment.content_type = type;
    }
    if (value.contains("bytes")) {
        attachment.bytes = static_cast<std::size_t>(
            get_unsigned(value["bytes"], where / "bytes", 0, max_message_bytes));
    }
    return attachment;
}

std::string parse_header(const nlohmann::json& value, const Where& where) {
    auto header = get_line(value, where, max_subject_length);
    auto colon = header.find(':');
    bool name_ok = colon != std::string::npos && colon > 0;
    // RFC 5322 3.6.8: a field name is printable ASCII but ':' (and no space).
    for (std::size_t i = 0; name_ok && i < colon; ++i) {
        auto c = static_cast<unsigned char>(header[i]);
        if (c <= 32 || c >= 127) name_ok = false;
    }
    if (!name_ok) {
        where.fail(show(value) + " is not a header field \"Name: value\"");
    }
    auto name = lower(header.substr(0, colon));
    for (auto generated : generated_headers) {
        if (name == generated) {
            where.fail(show(value) +
                       ": the generator writes this field itself (From, To, Subject, Date, "
                       "Message-ID, MIME headers, Sender, X-Relaylab-Id); use \"from\", \"to\" "
                       "and \"subject\"");
        }
    }
    return header;
}

load::MessageModel parse_message(const nlohmann::json& value, const Where& where) {
    expect_object(value, where,
                  {"subject", "body", "html", "size", "attachments", "headers", "header_from"});
    load::MessageModel message;
    if (value.contains("header_from")) {
        if (!value["header_from"].is_string())
            (where / "header_from").fail("must be an address such as \"news@shop.test\"");
        auto parsed =
            parse_addresses(value["header_from"], where / "header_from", AddressRole::sender);
        message.header_from = parsed.front().address;
    }
    if (value.contains("subject"))
        message.subject = get_line(value["subject"], where / "subject", max_subject_length);
    if (value.contains("body"))
        message.body = get_string(value["body"], where / "body", max_body_length);
    if (value.contains("html")) {
        message.html = get_string(value["html"], where / "html", max_body_length);
        // Empty means "no HTML part" in the model: refuse it rather than drop it silently.
        if (message.html.empty())
            (where / "html").fail("is empty: leave \"html\" out for a text-only message");
    }
    if (value.contains("size")) message.size = parse_size(value["size"], where / "size");
    if (value.contains("attachments")) {
        const auto& list = value["attachments"];
        auto at = where / "attachments";
        if (!list.is_array())
            at.fail("must be an array of {\"filename\", \"content_type\", \"bytes\"}");
        if (list.size() > max_attachments)
            at.fail("has more than " + std::to_string(max_attachments) + " attachments");
        for (std::size_t i = 0; i < list.size(); ++i)
            message.attachments.push_back(parse_attachment(list[i], at / i));
    }
    if (value.contains("headers")) {
        const auto& list = value["headers"];
        auto at = where / "headers";
        if (!list.is_array()) at.fail("must be an array of \"Name: value\" strings");
        if (list.size() > max_headers)
            at.fail("has more than " + std::to_string(max_headers) + " header fields");
        for (std::size_t i = 0; i < list.size(); ++i)
            message.headers.push_back(parse_header(list[i], at / i));
    }
    return message;
}

load::RecipientCount parse_recipients(const nlohmann::json& value, const Where& where) {
    if (value.is_number()) {
        auto count = get_unsigned(value, where, 1, load::max_recipients_per_message);
        return load::RecipientCount::fixed(static_cast<std::size_t>(count));
    }
    if (!value.is_string()) {
        where.fail(
            "must be a number of recipients or a string such as \"1-5\" or "
            "\"1:70,2:20,10:10\", got " +
            json::type_name(value));
    }
    std::string error;
    auto count = load::RecipientCount::parse(get_string(value, where, max_text), &error);
    if (!count) where.fail(error);  // the error quotes the text itself
    return *count;
}

}  // namespace

load::TrafficModel parse_traffic(const nlohmann::json& value, const Where& where) {
    expect_object(value, where,
                  {"from", "to", "recipients", "message", "count", "duration", "concurrency",
                   "rate", "arrivals", "messages_per_connection", "ramp_up"});
    load::TrafficModel traffic;
    if (!value.contains("from")) {
        where.fail("needs \"from\": the sender address, e.g. \"news@example.test\"");
    }
    if (!value.contains("to")) {
        where.fail(
            "needs \"to\": the recipients, e.g. \"user{n}@gmail.test\" or an array of "
            "{\"address\", \"weight\", \"pool\"}");
    }
    traffic.from = parse_addresses(value["from"], where / "from", AddressRole::sender);
    traffic.to = parse_addresses(value["to"], where / "to", AddressRole::recipient);
    if (value.contains("recipients"))
        traffic.recipients = parse_recipients(value["recipients"], where / "recipients");
    if (value.contains("message"))
        traffic.message = parse_message(value["message"], where / "message");

    if (value.contains("count") && value.contains("duration")) {
        (where / "duration")
            .fail(
                "and \"count\" are both given: a run sends a number of messages or for a "
                "time, give one of them");
    }
    if (value.contains("duration")) {
        traffic.duration = get_duration(value["duration"], where / "duration",
                                        std::chrono::milliseconds(1), max_duration);
    } else if (value.contains("count")) {
        traffic.count = get_unsigned(value["count"], where / "count", 1, max_count);
    } else {
        traffic.count = default_count;
    }
    if (value.contains("concurrency")) {
        traffic.concurrency = static_cast<std::size_t>(
            get_unsigned(value["concurrency"], where / "concurrency", 1, max_concurrency));
    }
    if (value.contains("rate")) {
        traffic.rate = get_number(value["rate"], where / "rate", 0, max_rate);
        if (traffic.rate <= 0) {
            (where / "rate")
                .fail(
                    "must be more than 0 messages a second (leave \"rate\" out "
                    "for a closed loop)");
        }
        traffic.arrivals = load::Arrivals::constant;
    }
    if (value.contains("arrivals")) {
        auto at = where / "arrivals";
        auto arrivals = get_string(value["arrivals"], at, max_text);
        if (!value.contains("rate")) {
            at.fail(
                "needs \"rate\": arrivals are for an open loop; without a rate, "
                "\"concurrency\" sessions send as fast as replies allow");
        }
        if (arrivals == "poisson") {
            traffic.arrivals = load::Arrivals::poisson;
        } else if (arrivals != "constant") {
            at.fail(show(value["arrivals"]) + " is not one of constant, poisson");
        }
    }
    if (value.contains("messages_per_connection")) {
        traffic.messages_per_connection = static_cast<std::size_t>(
            get_unsigned(value["messages_per_connection"], where / "messages_per_connection", 0,
                         max_messages_per_connection));
    }
    if (value.contains("ramp_up")) {
        traffic.ramp_up = get_duration(value["ramp_up"], where / "ramp_up",
                                       std::chrono::milliseconds(0), max_duration);
        if (traffic.duration && traffic.ramp_up > *traffic.duration) {
            (where / "ramp_up")
                .fail(format_duration_ms(traffic.ramp_up) + " is longer than the run's duration (" +
                      format_duration_ms(*traffic.duration) + ")");
        }
    }
    return traffic;
}

}  // namespace relaylab::scenario::detail
