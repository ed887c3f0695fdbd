#include "harness/load/traffic_model_check.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <string_view>

#include "harness/load/message_parts.hpp"
#include "harness/smtp/address.hpp"

namespace relaylab::load {

namespace {

using Problem = std::optional<TrafficModelProblem>;

Problem problem(std::string field, std::string message) {
    return TrafficModelProblem{std::move(field), std::move(message)};
}

std::string indexed(std::string_view field, std::size_t index) {
    return std::string(field) + '[' + std::to_string(index) + ']';
}

// The longest a template gets once expanded: {n} and {i} up to 20 digits, {r} up to 4.
std::size_t expanded_length(std::string_view text) {
    std::size_t length = text.size();
    for (std::size_t at = text.find('{'); at != std::string_view::npos;
         at = text.find('{', at + 1)) {
        std::string_view rest = text.substr(at);
        if (rest.starts_with("{n}") || rest.starts_with("{i}")) length += 17;
        if (rest.starts_with("{r}")) length += 1;
    }
    return length;
}

bool printable_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](unsigned char c) { return (c >= 0x20 && c <= 0x7e) || c == '\t'; });
}

// RFC 2045 5.1 token: printable ASCII but space and tspecials.
bool mime_token(std::string_view text) {
    constexpr std::string_view tspecials = "()<>@,;:\\\"/[]?=";
    return !text.empty() && std::all_of(text.begin(), text.end(), [&](unsigned char c) {
        return c > 0x20 && c < 0x7f &&
               tspecials.find(static_cast<char>(c)) == std::string_view::npos;
    });
}

// The fields the factory writes itself: a second one would make the message invalid
// (RFC 5322 3.6 allows one of each) or contradict its structure.
bool written_by_factory(std::string_view name) {
    constexpr std::array<std::string_view, 9> own = {
        "from",         "to",           "subject",
        "date",         "message-id",   "x-relaylab-id",
        "mime-version", "content-type", "content-transfer-encoding"};
    return std::any_of(own.begin(), own.end(), [name](std::string_view field) {
        return std::equal(name.begin(), name.end(), field.begin(), field.end(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
        });
    });
}

Problem check_addresses(const std::vector<WeightedAddress>& list, std::string_view field) {
    if (list.empty()) return problem(std::string(field), "at least one address is needed");
    if (list.size() > max_weighted_addresses) {
        return problem(std::string(field),
                       "at most " + std::to_string(max_weighted_addresses) + " addresses");
    }
    constexpr std::uint64_t widest = std::numeric_limits<std::uint64_t>::max();
    double total = 0;
    for (std::size_t k = 0; k < list.size(); ++k) {
        const WeightedAddress& entry = list[k];
        total += entry.weight;
        // The picks divide by the total: it must stay a finite number too.
        if (!(entry.weight > 0) || !std::isfinite(entry.weight) || !std::isfinite(total)) {
            return problem(indexed(field, k) + ".weight",
                           "must be a number above 0 (and the "
                           "weights' sum finite)");
        }
        // The widest expansion must still be a path a server takes (RFC 5321 4.1.2, 4.5.3.1).
        std::string sample =
            expand_placeholders(entry.address, {widest, max_recipients_per_message, widest});
        auto parsed = smtp::parse_path('<' + sample + '>', smtp::PathOptions{});
        if (parsed.error != smtp::PathError::none || !parsed.rest.empty()) {
            return problem(indexed(field, k) + ".address",
                           "'" + entry.address.substr(0, 100) +
                               "' does not expand to a valid "
                               "address (" +
                               std::string(smtp::describe(parsed.error)) +
                               "); {n}, {r} and {i} may stand in it");
        }
    }
    return std::nullopt;
}

Problem check_text(std::string_view text, std::string_view field, std::size_t prefix) {
    if (!printable_ascii(text)) {
        return problem(std::string(field), "must be printable ASCII (messages are 7-bit)");
    }
    if (prefix + expanded_length(text) > max_header_line_octets) {
        return problem(std::string(field),
                       "too long: a line is at most 998 octets (RFC 5322 "
                       "2.1.1) once {n} is expanded");
    }
    return std::nullopt;
}

Problem check_body(std::string_view body) {
    if (body.size() > max_body_template_octets) {
        return problem("message.body",
                       "at most " + std::to_string(max_body_template_octets) + " octets");
    }
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find_first_of("\r\n", start);
        std::string_view line =
            body.substr(start, end == std::string_view::npos ? end : end - start);
        if (auto found = check_text(line, "message.body", 0)) return found;
        if (end == std::string_view::npos) break;
        start = end + (body.substr(end).starts_with("\r\n") ? 2 : 1);
    }
    return std::nullopt;
}

Problem check_size(const SizeModel& size) {
    const std::string limit = std::to_string(max_generated_message_octets);
    switch (size.distribution) {
        case SizeDistribution::fixed:
            if (size.bytes > max_generated_message_octets) {
                return problem("message.size.bytes", "at most " + limit + " octets");
            }
            return std::nullopt;
        case SizeDistribution::lognormal:
            if (!(size.median > 0) || !std::isfinite(size.median)) {
                return problem("message.size.median", "must be a number above 0");
            }
            if (!(size.sigma >= 0) || !std::isfinite(size.sigma)) {
                return problem("message.size.sigma", "must be a number, 0 or more");
            }
            [[fallthrough]];
        case SizeDistribution::uniform:
            if (size.min > size.max) return problem("message.size.min", "must not exceed max");
            if (size.max > max_generated_message_octets) {
                return problem("message.size.max", "at most " + limit + " octets");
            }
            return std::nullopt;
    }
    return problem("message.size.distribution", "unknown distribution");
}

Problem check_attachments(const std::vector<Attachment>& attachments) {
    if (attachments.size() > max_attachments_per_message) {
        return problem("message.attachments",
                       "at most " + std::to_string(max_attachments_per_message));
    }
    std::size_t total = 0;
    for (std::size_t k = 0; k < attachments.size(); ++k) {
        const Attachment& attachment = attachments[k];
        std::string field = indexed("message.attachments", k);
        const std::string& name = attachment.filename;
        // It goes into quoted-strings (RFC 2045 5.1, RFC 2183 2.3): no quote or backslash.
        if (name.empty() || name.size() > max_attachment_name_octets || !printable_ascii(name) ||
            name.find_first_of("\"\\\t") != std::string::npos) {
            return problem(field + ".filename",
                           "must be 1 to 255 printable ASCII characters without '\"' or '\\'");
        }
        const std::string& type = attachment.content_type;
        auto slash = type.find('/');
        if (type.size() > max_attachment_name_octets || slash == std::string::npos ||
            !mime_token(std::string_view(type).substr(0, slash)) ||
            !mime_token(std::string_view(type).substr(slash + 1))) {
            return problem(field + ".content_type", "'" + type.substr(0, 100) +
                                                        "' is not a MIME type/subtype "
                                                        "(RFC 2045 5.1)");
        }
        total += attachment.bytes;  // each bounded below, so no overflow before the check
        if (attachment.bytes > max_generated_message_octets ||
            total / 3 * 4 > max_generated_message_octets) {
            return problem(field + ".bytes", "the attachments, base64-encoded, must fit in " +
                                                 std::to_string(max_generated_message_octets) +
                                                 " octets");
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<TrafficModelProblem> find_message_problem(const TrafficModel& model) {
    if (auto found = check_addresses(model.from, "from")) return found;
    if (auto found = check_addresses(model.to, "to")) return found;
    const std::string& run_id = model.run_id;
    bool run_id_ok = !run_id.empty() && run_id.size() <= max_run_id_octets &&
                     std::all_of(run_id.begin(), run_id.end(), [](unsigned char c) {
                         return std::isalnum(c) || c == '.' || c == '_' || c == '-';
                     });
    if (!run_id_ok) {
        return problem("run_id",
                       "must be 1 to 64 letters, digits, '.', '_' or '-' (it goes "
                       "into the X-Relaylab-Id and Message-ID fields)");
    }
    const MessageModel& message = model.message;
    if (auto found = check_text(message.subject, "message.subject", 9)) return found;
    if (auto found = check_body(message.body)) return found;
    if (message.headers.size() > max_extra_headers) {
        return problem("message.headers", "at most " + std::to_string(max_extra_headers));
    }
    for (std::size_t k = 0; k < message.headers.size(); ++k) {
        const std::string& header = message.headers[k];
        std::string field = indexed("message.headers", k);
        auto colon = header.find(':');
        std::string_view name = std::string_view(header).substr(0, colon);
        // RFC 5322 3.6.8: a field name is printable ASCII without the colon or space.
        bool name_ok = colon != std::string::npos && !name.empty() &&
                       std::all_of(name.begin(), name.end(),
                                   [](unsigned char c) { return c > 0x20 && c < 0x7f; });
        if (!name_ok) {
            return problem(field, "'" + header.substr(0, 100) + "' is not 'Name: value'");
        }
        if (written_by_factory(name)) {
            return problem(field, "'" + std::string(name) + "' is written by relaylab itself");
        }
        if (auto found = check_text(header, field, 0)) return found;
    }
    if (auto found = check_size(message.size)) return found;
    return check_attachments(message.attachments);
}

}  // namespace relaylab::load
