// libFuzzer: hostile bytes as the answer to a resolver query (ldns wire parsing, CNAME
// following, typed record extraction, negative TTL). Must never crash or hang.
#include <cstddef>
#include <cstdint>
#include <span>

#include "harness/dns/core/message.hpp"
#include "harness/dns/core/mx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace relaylab::dns;
    if (size < 2) return 0;
    // The ID the resolver expects is whatever the packet says, so parsing goes past the ID
    // check; the question is one of a few fixed ones so that it sometimes matches.
    std::uint16_t id = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
    static const struct {
        const char* name;
        RrType type;
    } questions[] = {
        // The questions of the seed corpus (answers of the interop zone), so mutations of
        // real answers get past the question check.
        {"interop.test", RrType::mx},           {"www.interop.test", RrType::a},
        {"alias.interop.test", RrType::a},      {"big.interop.test", RrType::a},
        {"long.interop.test", RrType::txt},     {"x.wild.interop.test", RrType::a},
        {"missing.interop.test", RrType::aaaa}, {"_25._tcp.mx1.interop.test", RrType::tlsa},
        {"interop.test", RrType::caa},
    };
    for (const auto& q : questions) {
        ParsedResponse parsed = parse_response(std::span(data, size), id, q.name, q.type);
        if (parsed.kind == ResponseKind::usable && q.type == RrType::mx) {
            (void)order_mx(parsed.answer, size);
        }
    }
    return 0;
}
