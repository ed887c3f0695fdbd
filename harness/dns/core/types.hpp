// The vocabulary every DNS user in relaylab shares: record types, lookup outcomes and typed
// records. Sans-I/O (no Asio, no ldns in this header), so SPF/DKIM/DMARC code can use it too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace relaylab::dns {

// RR TYPE codes (RFC 1035 3.2.2, RFC 3596, RFC 2782, RFC 6698, RFC 8659, RFC 6891).
enum class RrType : std::uint16_t {
    a = 1,
    ns = 2,
    cname = 5,
    soa = 6,
    ptr = 12,
    mx = 15,
    txt = 16,
    aaaa = 28,
    srv = 33,
    opt = 41,
    tlsa = 52,
    any = 255,
    caa = 257,
};

// "MX", "TYPE65" for types without a mnemonic (RFC 3597 section 5).
std::string to_string(RrType type);
// Accepts mnemonics case-insensitively and "TYPEnnn"; nullopt otherwise.
std::optional<RrType> rr_type_from_string(std::string_view text);

// What a lookup came to. SPF (RFC 7208 4.3, 5) and the relay (RFC 5321 5.1) treat each
// differently, so they are never folded together.
enum class Status {
    ok,        // records of the asked type exist
    nxdomain,  // RCODE 3: the name does not exist
    nodata,    // NOERROR with no records of the asked type (RFC 2308 2.2)
    servfail,  // SERVFAIL, FORMERR, NOTIMP from every server, or unusable answers
    timeout,   // no server answered within the deadline
    // REFUSED from every server (RCODE 5): the server will not answer this client or name
    // (not authoritative, no recursion for us). A different fault from a broken zone, so
    // reported apart; consumers that only know "temporary DNS error" treat it as servfail.
    refused,
};
std::string_view to_string(Status status);

struct MxData {
    std::uint16_t preference = 0;
    std::string exchange;  // no trailing dot; "" is the root (null MX, RFC 7505)
};
struct TxtData {
    std::vector<std::string> strings;  // the character-strings, each at most 255 octets
    std::string joined() const;        // concatenated without separators (RFC 7208 3.3)
};
struct SoaData {
    std::string mname, rname;
    std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};
struct SrvData {
    std::uint16_t priority = 0, weight = 0, port = 0;
    std::string target;
};
struct CaaData {
    std::uint8_t flags = 0;
    std::string tag, value;
};
struct TlsaData {
    std::uint8_t usage = 0, selector = 0, matching_type = 0;
    std::vector<std::uint8_t> data;
};
// A, AAAA: the address in text form; NS, CNAME, PTR: the target name without trailing dot.
struct AddressData {
    std::string address;
};
struct NameData {
    std::string name;
};
// Any other type: the rdata in presentation form.
struct OtherData {
    std::string presentation;
};

using RecordData = std::variant<AddressData, NameData, MxData, TxtData, SoaData, SrvData, CaaData,
                                TlsaData, OtherData>;

struct Record {
    std::string name;  // owner, no trailing dot, as the server spelled it
    RrType type = RrType::a;
    std::uint32_t ttl = 0;
    RecordData data;
};

// The result of one lookup (name, type) after following CNAMEs inside the answer.
struct Answer {
    Status status = Status::servfail;
    std::uint8_t rcode = 0;                // the last RCODE seen (0 when timed out)
    std::vector<Record> records;           // RRs of the asked type, owned by canonical_name
    std::vector<std::string> cname_chain;  // names followed, in order (no trailing dots)
    std::string canonical_name;            // the name the records belong to (no trailing dot)
    std::uint32_t ttl = 0;         // how long this answer may be cached (RFC 2308 for negatives)
    bool authoritative = false;    // AA bit of the answer used
    bool truncated_retry = false;  // the UDP answer was truncated and TCP was used
    bool from_cache = false;
    std::string server;  // "127.0.0.1:5353" that gave the answer, if any
    std::string detail;  // human-readable reason for servfail/timeout
    // AD bit of the answer used: a validating resolver vouches that DNSSEC validated it (RFC
    // 4035 3.2.3). Meaningful only from a trusted resolver over a trusted path; DANE (RFC 7672
    // 2.2) uses TLSA records only when it is set.
    bool authenticated_data = false;
};

}  // namespace relaylab::dns
