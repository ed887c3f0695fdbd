// The fixture's query log: one JSON object per line, so reports and tests can read it back.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace relaylab::dns::fixture {

struct QueryLogEntry {
    std::chrono::system_clock::time_point time;
    std::string client;     // "127.0.0.1:40123"
    std::string transport;  // "udp" or "tcp"
    std::uint16_t id = 0;
    std::string name;         // lower case, no trailing dot; "" when the query could not be read
    std::string type;         // "MX", "TYPE65", "" when unreadable
    std::string rcode;        // "NOERROR", "NXDOMAIN", ..., "DROPPED" when nothing was sent
    std::size_t answers = 0;  // records in the answer section
    bool truncated = false;   // TC was set
    std::string fault;        // the rule's action ("servfail", "drop", ...), "" when none
    std::string fault_rule;   // the rule's label
    std::uint32_t delay_ms = 0;
};

// {"time":"2026-11-26T23:18:02.123Z","client":...,"fault":null,...} without a newline.
std::string to_json_line(const QueryLogEntry& entry);

}  // namespace relaylab::dns::fixture
