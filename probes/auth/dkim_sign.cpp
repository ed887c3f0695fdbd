#include "probes/auth/dkim_sign.hpp"

#include <algorithm>
#include <chrono>

#include "probes/auth/dkim_base64.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::auth {
namespace {

constexpr std::size_t fold_column = 78;

std::size_t current_line_length(const std::string& text) {
    std::size_t nl = text.rfind('\n');
    return nl == std::string::npos ? text.size() : text.size() - nl - 1;
}

}  // namespace

// RFC 8058 4: a one-click unsubscribe counts only when the signature covers both
// List-Unsubscribe and List-Unsubscribe-Post.
const std::vector<std::string>& default_signed_headers() {
    static const std::vector<std::string> names = {"from",
                                                   "reply-to",
                                                   "subject",
                                                   "date",
                                                   "to",
                                                   "cc",
                                                   "resent-date",
                                                   "resent-from",
                                                   "resent-to",
                                                   "resent-cc",
                                                   "in-reply-to",
                                                   "references",
                                                   "list-id",
                                                   "list-help",
                                                   "list-unsubscribe",
                                                   "list-unsubscribe-post",
                                                   "list-subscribe",
                                                   "list-post",
                                                   "list-owner",
                                                   "list-archive",
                                                   "message-id",
                                                   "mime-version",
                                                   "content-type",
                                                   "content-transfer-encoding"};
    return names;
}

const std::vector<std::string>& default_oversigned_headers() {
    static const std::vector<std::string> names = {"from", "to",       "cc",        "subject",
                                                   "date", "reply-to", "message-id"};
    return names;
}

std::string fold_tag_field(std::string_view name, const std::vector<std::string>& tags) {
    std::string field(name);
    field += ":";
    for (std::size_t i = 0; i < tags.size(); ++i) {
        const std::string& tag = tags[i];
        bool last = i + 1 == tags.size();
        std::size_t need = 1 + tag.size() + (last ? 0 : 1);
        if (i > 0 && current_line_length(field) + need > fold_column && !tag.starts_with("b=")) {
            field += "\r\n\t";
        } else if (i > 0 && tag.starts_with("b=") && current_line_length(field) + 4 > fold_column) {
            field += "\r\n\t";
        } else {
            field += " ";
        }
        field += tag;
        if (!last) field += ";";
    }
    return field;
}

void append_folded_base64(std::string& field, std::string_view base64) {
    std::size_t pos = 0;
    while (pos < base64.size()) {
        std::size_t room =
            fold_column > current_line_length(field) ? fold_column - current_line_length(field) : 0;
        if (room < 8) {
            field += "\r\n\t";
            continue;
        }
        std::size_t take = std::min(room, base64.size() - pos);
        field.append(base64.substr(pos, take));
        pos += take;
    }
}

DkimSignResult dkim_sign(std::string_view message, const PrivateKey& key,
                         const DkimSignOptions& options) {
    DkimSignResult result;
    MessageParseResult parsed = parse_message(message);
    if (!parsed.message) {
        result.error = "message is malformed: " + parsed.error;
        return result;
    }
    if (options.domain.empty() || options.selector.empty()) {
        result.error = "a domain (d=) and a selector (s=) are required";
        return result;
    }
    if (key.type() == KeyType::rsa && key.bits() < min_rsa_bits) {
        result.error = "RSA key of " + std::to_string(key.bits()) +
                       " bits is too small (RFC 8301 3.2: at least 1024)";
        return result;
    }
    const ParsedMessage& msg = *parsed.message;

    std::vector<std::string> names;
    if (options.headers.empty()) {
        for (const std::string& name : default_signed_headers()) {
            std::size_t present = 0;
            for (const HeaderField& field : msg.headers)
                present += iequals(field.name(), name);
            bool over = options.oversign && std::find(default_oversigned_headers().begin(),
                                                      default_oversigned_headers().end(),
                                                      name) != default_oversigned_headers().end();
            std::size_t count = present + (over && (present > 0 || name == "from") ? 1 : 0);
            if (name == "from" && count == 0) count = 1;
            for (std::size_t i = 0; i < count; ++i)
                names.push_back(name);
        }
    } else {
        names = options.headers;
        bool has_from = false;
        for (const std::string& name : names)
            has_from |= iequals(name, "from");
        if (!has_from) names.insert(names.begin(), "from");  // RFC 6376 5.4: MUST
    }

    std::string canonical_body = canon_body(options.body_canon, msg.body);
    SigAlgorithm algorithm =
        key.type() == KeyType::ed25519 ? SigAlgorithm::ed25519_sha256 : SigAlgorithm::rsa_sha256;

    std::vector<std::string> tags;
    tags.push_back("v=1");
    tags.push_back("a=" + std::string(algorithm_name(algorithm)));
    tags.push_back("c=" + std::string(canon_name(options.header_canon)) + "/" +
                   std::string(canon_name(options.body_canon)));
    tags.push_back("d=" + options.domain);
    tags.push_back("s=" + options.selector);
    if (options.identity) tags.push_back("i=" + *options.identity);
    std::int64_t timestamp =
        options.timestamp.value_or(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    if (timestamp >= 0) tags.push_back("t=" + std::to_string(timestamp));
    if (options.expiration) tags.push_back("x=" + std::to_string(*options.expiration));
    if (options.body_length) tags.push_back("l=" + std::to_string(canonical_body.size()));
    std::string h = "h=";
    for (std::size_t i = 0; i < names.size(); ++i)
        h += (i ? ":" : "") + names[i];
    tags.push_back(h);
    tags.push_back("bh=" + base64_encode(sha256(canonical_body)));
    tags.push_back("b=");

    std::string field = fold_tag_field("DKIM-Signature", tags);
    std::string data = signed_header_data(msg.headers, names, options.header_canon, field);
    std::string signature = key.sign(data);
    if (signature.empty()) {
        result.error = "signing failed (OpenSSL)";
        return result;
    }
    append_folded_base64(field, base64_encode(signature));
    result.field = field + "\r\n";
    return result;
}

}  // namespace relaylab::auth
