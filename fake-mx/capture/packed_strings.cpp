#include "fake-mx/capture/packed_strings.hpp"

#include <cstdint>
#include <cstring>

namespace relaylab::fakemx::capture {
namespace {

// LEB128-style varint: 7 bits a byte, high bit set on all but the last.
std::size_t varint_size(std::size_t value) {
    std::size_t n = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++n;
    }
    return n;
}

char* write_varint(char* p, std::size_t value) {
    while (value >= 0x80) {
        *p++ = static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    *p++ = static_cast<char>(value);
    return p;
}

std::size_t read_varint(const char*& p) {
    std::size_t value = 0;
    unsigned shift = 0;
    for (;;) {
        auto byte = static_cast<std::uint8_t>(*p++);
        value |= static_cast<std::size_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return value;
        shift += 7;
    }
}

}  // namespace

PackedStrings::PackedStrings(const std::vector<std::string_view>& fields) {
    std::size_t total = varint_size(fields.size());
    for (std::string_view field : fields)
        total += varint_size(field.size()) + field.size();
    data_ = std::make_unique_for_overwrite<char[]>(total);
    bytes_ = total;
    char* p = write_varint(data_.get(), fields.size());
    for (std::string_view field : fields) {
        p = write_varint(p, field.size());
        if (!field.empty()) std::memcpy(p, field.data(), field.size());
        p += field.size();
    }
}

std::size_t PackedStrings::size() const {
    if (!data_) return 0;
    const char* p = data_.get();
    return read_varint(p);
}

const char* PackedStrings::fields_begin() const {
    const char* p = data_.get();
    if (p) read_varint(p);
    return p;
}

std::string_view PackedStrings::read(const char*& p) {
    std::size_t length = read_varint(p);
    std::string_view field(p, length);
    p += length;
    return field;
}

std::string_view PackedStrings::at(std::size_t i) const {
    std::size_t n = size();
    if (i >= n) return {};
    const char* p = fields_begin();
    for (std::size_t k = 0; k < i; ++k)
        read(p);
    return read(p);
}

}  // namespace relaylab::fakemx::capture
