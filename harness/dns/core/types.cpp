#include "harness/dns/core/types.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace relaylab::dns {
namespace {

constexpr std::array<std::pair<RrType, std::string_view>, 13> type_names = {{
    {RrType::a, "A"},
    {RrType::ns, "NS"},
    {RrType::cname, "CNAME"},
    {RrType::soa, "SOA"},
    {RrType::ptr, "PTR"},
    {RrType::mx, "MX"},
    {RrType::txt, "TXT"},
    {RrType::aaaa, "AAAA"},
    {RrType::srv, "SRV"},
    {RrType::opt, "OPT"},
    {RrType::tlsa, "TLSA"},
    {RrType::any, "ANY"},
    {RrType::caa, "CAA"},
}};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 32) : a[i];
        char y = b[i] >= 'a' && b[i] <= 'z' ? static_cast<char>(b[i] - 32) : b[i];
        if (x != y) return false;
    }
    return true;
}

}  // namespace

std::string to_string(RrType type) {
    for (const auto& [value, name] : type_names) {
        if (value == type) return std::string(name);
    }
    return "TYPE" + std::to_string(static_cast<unsigned>(type));
}

std::optional<RrType> rr_type_from_string(std::string_view text) {
    for (const auto& [value, name] : type_names) {
        if (iequals(text, name)) return value;
    }
    // RFC 3597 5: "TYPE" followed by the decimal code.
    if (text.size() > 4 && iequals(text.substr(0, 4), "TYPE")) {
        unsigned code = 0;
        auto digits = text.substr(4);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
        if (ec == std::errc() && end == digits.data() + digits.size() && code <= 65535) {
            return static_cast<RrType>(code);
        }
    }
    return std::nullopt;
}

std::string_view to_string(Status status) {
    switch (status) {
        case Status::ok:
            return "ok";
        case Status::nxdomain:
            return "nxdomain";
        case Status::nodata:
            return "nodata";
        case Status::servfail:
            return "servfail";
        case Status::timeout:
            return "timeout";
        case Status::refused:
            return "refused";
    }
    return "unknown";
}

std::string TxtData::joined() const {
    std::string out;
    for (const auto& part : strings)
        out += part;
    return out;
}

}  // namespace relaylab::dns
