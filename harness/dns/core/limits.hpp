// Named limits of the DNS wire format and of our own defences against hostile packets.
#pragma once

#include <cstddef>
#include <cstdint>

namespace relaylab::dns {

inline constexpr std::size_t max_label_octets = 63;       // RFC 1035 2.3.4
inline constexpr std::size_t max_name_octets = 255;       // RFC 1035 2.3.4 (wire form)
inline constexpr std::size_t max_udp_plain = 512;         // RFC 1035 4.2.1 without EDNS
inline constexpr std::uint16_t default_edns_udp = 1232;   // DNS flag day 2020 recommendation
inline constexpr std::size_t max_message_octets = 65535;  // RFC 1035 4.2.2 TCP length prefix
inline constexpr std::size_t max_cname_hops = 8;          // chains longer than this are a loop
inline constexpr std::size_t max_answer_records = 1024;   // per section we accept from a server

}  // namespace relaylab::dns
