#include "harness/dns/core/message.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <stdexcept>

#include "harness/dns/core/ldns_util.hpp"
#include "harness/dns/core/limits.hpp"

namespace relaylab::dns {

using detail::dname_key;
using detail::PktPtr;
using detail::RdfPtr;

std::string check_name(std::string_view name) {
    if (name.empty()) return "empty domain name";
    if (name.size() > 4 * max_name_octets) return "domain name longer than 255 octets";
    std::string text(name);
    ldns_rdf* rdf = nullptr;
    ldns_status status = ldns_str2rdf_dname(&rdf, text.c_str());
    RdfPtr owned(rdf);
    if (status != LDNS_STATUS_OK) return ldns_get_errorstr_by_id(status);
    return {};
}

std::string normalize_name(std::string_view name) {
    std::string out(name);
    if (!out.empty() && out.back() == '.') out.pop_back();
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string reverse_name(std::string_view ip) {
    std::string text(ip);
    std::array<unsigned char, 16> bytes{};
    static constexpr char hex[] = "0123456789abcdef";
    if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
        return std::to_string(bytes[3]) + '.' + std::to_string(bytes[2]) + '.' +
               std::to_string(bytes[1]) + '.' + std::to_string(bytes[0]) + ".in-addr.arpa";
    }
    if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
        std::string out;
        for (int i = 15; i >= 0; --i) {
            out += hex[bytes[static_cast<std::size_t>(i)] & 0x0f];
            out += '.';
            out += hex[bytes[static_cast<std::size_t>(i)] >> 4];
            out += '.';
        }
        return out + "ip6.arpa";
    }
    return {};
}

std::vector<std::uint8_t> build_query(std::uint16_t id, std::string_view name, RrType type,
                                      std::uint16_t edns_udp_size, bool request_ad) {
    if (auto problem = check_name(name); !problem.empty()) {
        throw std::invalid_argument("bad domain name '" + std::string(name) + "': " + problem);
    }
    std::string text(name);
    ldns_rdf* owner = nullptr;
    ldns_str2rdf_dname(&owner, text.c_str());
    // ldns_pkt_query_new takes ownership of the name.
    PktPtr pkt(
        ldns_pkt_query_new(owner, static_cast<ldns_rr_type>(type), LDNS_RR_CLASS_IN, LDNS_RD));
    if (!pkt) throw std::runtime_error("out of memory building a DNS query");
    ldns_pkt_set_id(pkt.get(), id);
    ldns_pkt_set_ad(pkt.get(), request_ad);
    if (edns_udp_size != 0) ldns_pkt_set_edns_udp_size(pkt.get(), edns_udp_size);
    std::uint8_t* wire = nullptr;
    std::size_t size = 0;
    if (ldns_pkt2wire(&wire, pkt.get(), &size) != LDNS_STATUS_OK) {
        throw std::runtime_error("cannot encode DNS query for '" + text + "'");
    }
    std::vector<std::uint8_t> out(wire, wire + size);
    std::free(wire);
    return out;
}

namespace {

// The rcode ldns reports, as the plain 4-bit header value we compare against.
std::uint8_t rcode_of(const ldns_pkt* pkt) {
    return static_cast<std::uint8_t>(ldns_pkt_get_rcode(pkt));
}

// RFC 2308 5: a negative answer is cached for min(SOA TTL, SOA MINIMUM); without an SOA in
// the authority section it must not be cached at all.
std::uint32_t negative_ttl(const ldns_pkt* pkt) {
    const ldns_rr_list* authority = ldns_pkt_authority(pkt);
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(authority); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(authority, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) != 7) continue;
        const ldns_rdf* minimum = ldns_rr_rdf(rr, 6);
        if (ldns_rdf_size(minimum) != 4) continue;
        return std::min(ldns_rr_ttl(rr), ldns_rdf2native_int32(minimum));
    }
    return 0;
}

}  // namespace

ParsedResponse parse_response(std::span<const std::uint8_t> wire, std::uint16_t id,
                              std::string_view name, RrType type) {
    ParsedResponse result;
    if (wire.size() < LDNS_HEADER_SIZE) {
        result.error = "message shorter than a DNS header";
        return result;
    }
    if (wire.size() > max_message_octets) {
        result.error = "message longer than 65535 octets";
        return result;
    }
    // The ID is checked before anything else: a packet for another query is not an error of
    // this one (RFC 5452 9.1), it is simply not our answer.
    if (LDNS_ID_WIRE(wire.data()) != id || !LDNS_QR_WIRE(wire.data())) {
        result.kind = ResponseKind::mismatch;
        result.error = "not a response to this query (ID or QR)";
        return result;
    }
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK) {
        result.error = "unparseable DNS message";
        return result;
    }
    PktPtr pkt(raw);
    std::uint8_t rcode = rcode_of(pkt.get());
    const ldns_rr_list* question = ldns_pkt_question(pkt.get());
    std::string wanted = normalize_name(name);
    if (ldns_rr_list_rr_count(question) == 1) {
        const ldns_rr* q = ldns_rr_list_rr(question, 0);
        if (dname_key(ldns_rr_owner(q)) != wanted ||
            ldns_rr_get_type(q) != static_cast<ldns_rr_type>(type)) {
            result.kind = ResponseKind::mismatch;
            result.error = "response question differs from the query";
            return result;
        }
    } else if (!(ldns_rr_list_rr_count(question) == 0 && rcode != LDNS_RCODE_NOERROR)) {
        // Only an error reply (FORMERR, for one) may leave the question out.
        result.kind = ResponseKind::mismatch;
        result.error = "response without the query's question";
        return result;
    }
    if (ldns_pkt_tc(pkt.get())) {
        result.kind = ResponseKind::truncated;
        return result;
    }

    result.kind = ResponseKind::usable;
    Answer& answer = result.answer;
    answer.rcode = rcode;
    answer.authoritative = ldns_pkt_aa(pkt.get());
    answer.authenticated_data = ldns_pkt_ad(pkt.get());
    if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
        answer.status = rcode == LDNS_RCODE_REFUSED ? Status::refused : Status::servfail;
        char* text = ldns_pkt_rcode2str(static_cast<ldns_pkt_rcode>(rcode));
        answer.detail = std::string("server answered ") + (text ? text : "an error");
        std::free(text);
        return result;
    }

    const ldns_rr_list* section = ldns_pkt_answer(pkt.get());
    std::size_t count = ldns_rr_list_rr_count(section);
    if (count > max_answer_records) {
        answer.status = Status::servfail;
        answer.detail =
            "answer section with more than " + std::to_string(max_answer_records) + " records";
        return result;
    }
    // Follow CNAMEs from the query name (RFC 1034 3.6.2, 5.3.3); each owner compared in
    // lower case because DNS names are case-insensitive (RFC 4343).
    std::string current = wanted;
    std::uint32_t ttl = UINT32_MAX;
    for (std::size_t hops = 0;; ++hops) {
        const ldns_rr* cname = nullptr;
        for (std::size_t i = 0; i < count; ++i) {
            const ldns_rr* rr = ldns_rr_list_rr(section, i);
            if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) continue;
            if (dname_key(ldns_rr_owner(rr)) != current) continue;
            if (ldns_rr_get_type(rr) == static_cast<ldns_rr_type>(type) || type == RrType::any) {
                answer.records.push_back(detail::to_record(rr));
                ttl = std::min(ttl, ldns_rr_ttl(rr));
            } else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && cname == nullptr &&
                       ldns_rr_rd_count(rr) == 1) {
                cname = rr;
            }
        }
        if (!answer.records.empty() || cname == nullptr) break;
        if (hops >= max_cname_hops) {
            answer.status = Status::servfail;
            answer.detail = "CNAME chain longer than " + std::to_string(max_cname_hops) +
                            " links (a loop?) at " + current;
            answer.records.clear();
            return result;
        }
        ttl = std::min(ttl, ldns_rr_ttl(cname));
        current = dname_key(ldns_rr_rdf(cname, 0));
        if (std::find(answer.cname_chain.begin(), answer.cname_chain.end(), current) !=
                answer.cname_chain.end() ||
            current == wanted) {
            answer.status = Status::servfail;
            answer.detail = "CNAME loop at " + current;
            return result;
        }
        answer.cname_chain.push_back(current);
    }
    answer.canonical_name = current;
    if (!answer.records.empty()) {
        answer.status = Status::ok;
        answer.ttl = ttl;
    } else {
        // RFC 6604 3: after a CNAME, the RCODE describes the last name of the chain.
        answer.status = rcode == LDNS_RCODE_NXDOMAIN ? Status::nxdomain : Status::nodata;
        answer.ttl = negative_ttl(pkt.get());
    }
    return result;
}

}  // namespace relaylab::dns
