// libFuzzer: the DKIM-Signature tag parser and field checks (RFC 6376 3.2, 3.5), the same
// bytes as an ARC-Seal/ARC-Message-Signature, as a key record, and as Authentication-Results.
// Invariants: no crash, no hang, and parsed tag offsets lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "probes/auth/authres.hpp"
#include "probes/auth/dkim_key_record.hpp"
#include "probes/auth/dkim_signature.hpp"
#include "probes/auth/dkim_tags.hpp"

using namespace relaylab::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    TagListResult tags = parse_tag_list(input);
    if (tags.ok()) {
        for (const Tag& tag : tags.list.tags) {
            if (tag.value_begin > tag.value_end || tag.value_end > input.size() ||
                tag.equals >= tag.value_begin)
                std::abort();
        }
    }
    HeaderField field{"DKIM-Signature:" + std::string(input), 14};
    SignatureParseResult dkim = parse_signature(field, SignatureKind::dkim);
    if (dkim.signature) {
        // The b= value was cut out of the field: the rest must still be a prefix/suffix of it.
        if (dkim.signature->raw_field_without_b.size() > field.raw.size()) std::abort();
    } else if (dkim.error.empty()) {
        std::abort();
    }
    parse_signature(HeaderField{"ARC-Seal:" + std::string(input), 8}, SignatureKind::arc_seal);
    parse_signature(HeaderField{"ARC-Message-Signature:" + std::string(input), 21},
                    SignatureKind::arc_message);
    parse_key_record(input);
    AuthResParseResult authres = parse_authentication_results(input);
    if (authres.header) format_authentication_results(*authres.header);
    split_authres_raw(input);
    return 0;
}
