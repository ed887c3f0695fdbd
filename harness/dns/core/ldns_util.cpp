#include "harness/dns/core/ldns_util.hpp"

#include <cstdlib>

namespace relaylab::dns::detail {
namespace {

std::string rdf_text(const ldns_rdf* rdf) {
    char* text = ldns_rdf2str(rdf);
    if (text == nullptr) return {};
    std::string out(text);
    std::free(text);
    return out;
}

std::string strip_dot(std::string name) {
    if (!name.empty() && name.back() == '.') name.pop_back();
    return name;
}

std::string raw_bytes(const ldns_rdf* rdf, std::size_t skip) {
    const auto* data = ldns_rdf_data(rdf);
    std::size_t size = ldns_rdf_size(rdf);
    if (skip > size) return {};
    return std::string(reinterpret_cast<const char*>(data) + skip, size - skip);
}

// A <character-string>: one length octet then that many octets (RFC 1035 3.3).
bool character_string(const ldns_rdf* rdf, std::string& out) {
    std::size_t size = ldns_rdf_size(rdf);
    const auto* data = ldns_rdf_data(rdf);
    if (size == 0 || data[0] + 1u != size) return false;
    out.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
    return true;
}

std::uint16_t u16(const ldns_rdf* rdf) {
    return ldns_rdf_size(rdf) == 2 ? ldns_rdf2native_int16(rdf) : 0;
}
std::uint32_t u32(const ldns_rdf* rdf) {
    return ldns_rdf_size(rdf) == 4 ? ldns_rdf2native_int32(rdf) : 0;
}
std::uint8_t u8(const ldns_rdf* rdf) {
    return ldns_rdf_size(rdf) == 1 ? ldns_rdf_data(rdf)[0] : 0;
}

bool is_dname(const ldns_rdf* rdf) {
    return ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME;
}

std::optional<RecordData> typed(const ldns_rr* rr) {
    std::size_t n = ldns_rr_rd_count(rr);
    auto rd = [&](std::size_t i) { return ldns_rr_rdf(rr, i); };
    switch (static_cast<RrType>(ldns_rr_get_type(rr))) {
        case RrType::a:
        case RrType::aaaa:
            if (n != 1) return std::nullopt;
            return AddressData{rdf_text(rd(0))};
        case RrType::ns:
        case RrType::cname:
        case RrType::ptr:
            if (n != 1 || !is_dname(rd(0))) return std::nullopt;
            return NameData{dname_key(rd(0))};
        case RrType::mx:
            if (n != 2 || !is_dname(rd(1))) return std::nullopt;
            return MxData{u16(rd(0)), dname_key(rd(1))};
        case RrType::txt: {
            TxtData txt;
            for (std::size_t i = 0; i < n; ++i) {
                std::string part;
                if (!character_string(rd(i), part)) return std::nullopt;
                txt.strings.push_back(std::move(part));
            }
            return txt;
        }
        case RrType::soa:
            if (n != 7 || !is_dname(rd(0)) || !is_dname(rd(1))) return std::nullopt;
            return SoaData{dname_key(rd(0)), dname_key(rd(1)), u32(rd(2)), u32(rd(3)),
                           u32(rd(4)),       u32(rd(5)),       u32(rd(6))};
        case RrType::srv:
            if (n != 4 || !is_dname(rd(3))) return std::nullopt;
            return SrvData{u16(rd(0)), u16(rd(1)), u16(rd(2)), dname_key(rd(3))};
        case RrType::caa: {
            // flags, tag as <character-string>, value as the rest (RFC 8659 4.1).
            if (n != 3) return std::nullopt;
            CaaData caa;
            caa.flags = u8(rd(0));
            if (!character_string(rd(1), caa.tag)) return std::nullopt;
            caa.value = raw_bytes(rd(2), 0);
            return caa;
        }
        case RrType::tlsa: {
            if (n != 4) return std::nullopt;
            std::string bytes = raw_bytes(rd(3), 0);
            return TlsaData{u8(rd(0)), u8(rd(1)), u8(rd(2)),
                            std::vector<std::uint8_t>(bytes.begin(), bytes.end())};
        }
        default:
            return std::nullopt;
    }
}

}  // namespace

std::string dname_key_absolute(const ldns_rdf* dname) {
    std::string text = rdf_text(dname);
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
}

std::string dname_key(const ldns_rdf* dname) {
    return strip_dot(dname_key_absolute(dname));
}

Record to_record(const ldns_rr* rr) {
    Record record;
    char* owner = ldns_rdf2str(ldns_rr_owner(rr));
    if (owner != nullptr) {
        record.name = strip_dot(owner);
        std::free(owner);
    }
    record.type = static_cast<RrType>(ldns_rr_get_type(rr));
    record.ttl = ldns_rr_ttl(rr);
    if (auto data = typed(rr)) {
        record.data = std::move(*data);
    } else {
        std::string presentation;
        for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
            if (i > 0) presentation += ' ';
            presentation += rdf_text(ldns_rr_rdf(rr, i));
        }
        record.data = OtherData{std::move(presentation)};
    }
    return record;
}

}  // namespace relaylab::dns::detail
