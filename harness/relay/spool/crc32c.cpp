#include "harness/relay/spool/crc32c.hpp"

#include <array>
#include <cstring>

namespace relaylab::relay {
namespace {

constexpr std::uint32_t castagnoli_reflected = 0x82F63B78u;
constexpr std::size_t slices = 8;

using Tables = std::array<std::array<std::uint32_t, 256>, slices>;

constexpr Tables make_tables() {
    Tables tables{};
    for (std::uint32_t byte = 0; byte < 256; ++byte) {
        std::uint32_t crc = byte;
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 1u) != 0 ? (crc >> 1) ^ castagnoli_reflected : crc >> 1;
        }
        tables[0][byte] = crc;
    }
    for (std::size_t slice = 1; slice < slices; ++slice) {
        for (std::size_t byte = 0; byte < 256; ++byte) {
            const std::uint32_t previous = tables[slice - 1][byte];
            tables[slice][byte] = (previous >> 8) ^ tables[0][previous & 0xFFu];
        }
    }
    return tables;
}

constexpr Tables tables = make_tables();

std::uint32_t load_le32(const unsigned char* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
           std::uint32_t(p[3]) << 24;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_extend_sse42(std::uint32_t crc,
                                                                    std::string_view bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t left = bytes.size();
    std::uint64_t state = ~crc;
    while (left >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, sizeof word);
        state = __builtin_ia32_crc32di(state, word);
        p += 8;
        left -= 8;
    }
    auto narrow = static_cast<std::uint32_t>(state);
    while (left-- > 0)
        narrow = __builtin_ia32_crc32qi(narrow, *p++);
    return ~narrow;
}

// __builtin_cpu_init() first: this runs as a static initializer, possibly before the one that
// fills in the CPU model __builtin_cpu_supports reads (GCC manual, x86 built-in functions).
bool detect_sse42() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}

const bool has_sse42 = detect_sse42();
#endif

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view bytes) {
#if defined(__x86_64__)
    if (has_sse42) return crc32c_extend_sse42(crc, bytes);
#endif
    return crc32c_extend_portable(crc, bytes);
}

std::uint32_t crc32c_extend_portable(std::uint32_t crc, std::string_view bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t left = bytes.size();
    crc = ~crc;
    while (left >= slices) {
        const std::uint32_t low = load_le32(p) ^ crc;
        const std::uint32_t high = load_le32(p + 4);
        crc = tables[7][low & 0xFFu] ^ tables[6][(low >> 8) & 0xFFu] ^
              tables[5][(low >> 16) & 0xFFu] ^ tables[4][low >> 24] ^ tables[3][high & 0xFFu] ^
              tables[2][(high >> 8) & 0xFFu] ^ tables[1][(high >> 16) & 0xFFu] ^
              tables[0][high >> 24];
        p += slices;
        left -= slices;
    }
    while (left-- > 0)
        crc = (crc >> 8) ^ tables[0][(crc ^ *p++) & 0xFFu];
    return ~crc;
}

}  // namespace relaylab::relay
