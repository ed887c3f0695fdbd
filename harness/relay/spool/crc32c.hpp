// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected: 0x82F63B78), the checksum of every spool
// record. Why not zlib's crc32: CRC-32C detects more error patterns at these lengths (it is what
// iSCSI, ext4 metadata and LevelDB/RocksDB logs use), and the spool header promises it. Nothing
// in the tree or in the Debian packages we link provides it, so this is a small one: the SSE 4.2
// crc32 instruction where the CPU has it (several GB/s: a 50 MB body is checksummed on the
// caller's thread in milliseconds), else table-driven slicing-by-8 (about 1-2 GB/s).
#pragma once

#include <cstdint>
#include <string_view>

namespace relaylab::relay {

// Extends `crc` (0 for a fresh checksum) over `bytes`: crc32c(a + b) ==
// crc32c_extend(crc32c_extend(0, a), b).
std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view bytes);

// The table-driven path alone (tests compare it with the hardware path).
std::uint32_t crc32c_extend_portable(std::uint32_t crc, std::string_view bytes);

inline std::uint32_t crc32c(std::string_view bytes) {
    return crc32c_extend(0, bytes);
}

}  // namespace relaylab::relay
