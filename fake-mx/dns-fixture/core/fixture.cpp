#include "fake-mx/dns-fixture/core/fixture.hpp"

#include "harness/dns/core/ldns_include.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "harness/dns/core/ldns_util.hpp"
#include "harness/dns/core/limits.hpp"
#include "harness/dns/core/types.hpp"

namespace relaylab::dns::fixture {

using relaylab::dns::detail::dname_key_absolute;
using relaylab::dns::detail::PktPtr;
using relaylab::dns::detail::RdfPtr;

namespace {

constexpr std::size_t header_octets = 12;   // RFC 1035 4.1.1
constexpr std::uint8_t rcode_badvers = 16;  // RFC 6891 9 (extended RCODE 1, header RCODE 0)

std::string_view rcode_name(unsigned rcode) {
    switch (rcode) {
        case 0:
            return "NOERROR";
        case 1:
            return "FORMERR";
        case 2:
            return "SERVFAIL";
        case 3:
            return "NXDOMAIN";
        case 4:
            return "NOTIMP";
        case 5:
            return "REFUSED";
        case rcode_badvers:
            return "BADVERS";
        default:
            return "RCODE";
    }
}

struct Query {
    PktPtr pkt;
    const ldns_rr* question = nullptr;
    std::string key;  // lower case, absolute
    std::uint16_t type = 0;
    std::uint16_t klass = 0;
    bool edns = false;
    std::uint16_t udp_size = 0;
};

// A reply made from the 12 header octets alone, for queries ldns cannot or should not parse:
// ID and opcode echoed, QR set, no sections (RFC 1035 4.1.1; RFC 6891 7 allows this).
std::vector<std::uint8_t> header_reply(std::span<const std::uint8_t> query, std::uint8_t rcode) {
    std::vector<std::uint8_t> out(query.begin(), query.begin() + header_octets);
    out[2] = static_cast<std::uint8_t>(0x80 | (query[2] & 0x79));  // QR, opcode, RD
    out[3] = static_cast<std::uint8_t>(rcode & 0x0f);
    std::fill(out.begin() + 4, out.end(), 0);
    return out;
}

std::vector<std::uint8_t> to_wire(const ldns_pkt* pkt) {
    std::uint8_t* wire = nullptr;
    std::size_t size = 0;
    if (ldns_pkt2wire(&wire, pkt, &size) != LDNS_STATUS_OK) return {};
    std::vector<std::uint8_t> out(wire, wire + size);
    std::free(wire);
    return out;
}

class Responder {
  public:
    Responder(const ZoneSet& zones, const FixtureOptions& options, const Query& query)
        : zones_(zones), options_(options), query_(query) {}

    // A reply shell: header, the question echoed, OPT when the query had one (RFC 6891 7).
    PktPtr reply(std::uint8_t rcode, bool aa) const {
        PktPtr pkt(ldns_pkt_new());
        ldns_pkt_set_id(pkt.get(), ldns_pkt_id(query_.pkt.get()));
        ldns_pkt_set_qr(pkt.get(), true);
        ldns_pkt_set_opcode(pkt.get(), LDNS_PACKET_QUERY);
        ldns_pkt_set_rd(pkt.get(), ldns_pkt_rd(query_.pkt.get()));
        ldns_pkt_set_aa(pkt.get(), aa);
        ldns_pkt_set_rcode(pkt.get(), static_cast<std::uint8_t>(rcode & 0x0f));
        ldns_pkt_push_rr(pkt.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(query_.question));
        if (query_.edns) {
            ldns_pkt_set_edns_udp_size(pkt.get(), options_.max_udp_payload);
            ldns_pkt_set_edns_extended_rcode(pkt.get(), static_cast<std::uint8_t>(rcode >> 4));
        }
        return pkt;
    }

    // RFC 2308 3: the SOA of a negative answer carries min(SOA TTL, SOA MINIMUM).
    static void add_negative_soa(ldns_pkt* pkt, const Zone& zone) {
        ldns_rr* soa = ldns_rr_clone(zone.soa());
        const ldns_rdf* minimum = ldns_rr_rdf(soa, 6);
        if (minimum != nullptr && ldns_rdf_size(minimum) == 4) {
            ldns_rr_set_ttl(soa, std::min(ldns_rr_ttl(soa), ldns_rdf2native_int32(minimum)));
        }
        ldns_pkt_push_rr(pkt, LDNS_SECTION_AUTHORITY, soa);
    }

    static void add(ldns_pkt* pkt, ldns_pkt_section section, const ldns_rr* rr,
                    const ldns_rdf* owner) {
        ldns_rr* copy = ldns_rr_clone(rr);
        if (owner != nullptr) {
            ldns_rdf_deep_free(ldns_rr_owner(copy));
            ldns_rr_set_owner(copy, ldns_rdf_clone(owner));
        }
        ldns_pkt_push_rr(pkt, section, copy);
    }

    // The topmost zone cut strictly below the apex on the way to `key` (RFC 1034 4.3.2 3b).
    static std::string find_cut(const Zone& zone, const std::string& key) {
        std::string cut;
        for (std::string name = key; !name.empty() && name != zone.apex();
             name = parent_key(name)) {
            const auto* node = zone.find(name);
            if (node == nullptr) continue;
            for (const auto& rr : *node) {
                if (ldns_rr_get_type(rr.get()) == LDNS_RR_TYPE_NS) cut = name;
            }
        }
        return cut;
    }

    void add_referral(ldns_pkt* pkt, const Zone& zone, const std::string& cut) const {
        for (const auto& rr : *zone.find(cut)) {
            if (ldns_rr_get_type(rr.get()) != LDNS_RR_TYPE_NS) continue;
            add(pkt, LDNS_SECTION_AUTHORITY, rr.get(), nullptr);
            // Glue: addresses of name servers inside the zone (RFC 1034 4.2.1).
            std::string target = dname_key_absolute(ldns_rr_rdf(rr.get(), 0));
            if (const auto* glue = zone.find(target)) {
                for (const auto& g : *glue) {
                    auto type = ldns_rr_get_type(g.get());
                    if (type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_AAAA) {
                        add(pkt, LDNS_SECTION_ADDITIONAL, g.get(), nullptr);
                    }
                }
            }
        }
    }

    // RFC 1034 4.3.2 for authoritative data, with wildcards as RFC 4592 4 says.
    PktPtr answer() const {
        const Zone* zone = zones_.find_zone(query_.key);
        if (zone == nullptr) return reply(LDNS_RCODE_REFUSED, false);
        PktPtr pkt = reply(LDNS_RCODE_NOERROR, true);
        std::string current = query_.key;
        std::vector<std::string> visited{current};
        RdfPtr owner_holder;
        const ldns_rdf* owner = ldns_rr_owner(query_.question);  // keeps the asker's case
        for (std::size_t hops = 0;; ++hops) {
            if (std::string cut = find_cut(*zone, current); !cut.empty()) {
                if (hops == 0) ldns_pkt_set_aa(pkt.get(), false);
                add_referral(pkt.get(), *zone, cut);
                return pkt;
            }
            const std::vector<OwnedRr>* node = zone->find(current);
            const ldns_rdf* synth_owner = nullptr;
            if (node == nullptr) {
                if (zone->name_exists(current)) {  // empty non-terminal: NODATA
                    add_negative_soa(pkt.get(), *zone);
                    return pkt;
                }
                // The closest encloser is the nearest existing ancestor; only "*." under it
                // may synthesise (RFC 4592 3.3.1).
                std::string encloser = parent_key(current);
                while (!encloser.empty() && !zone->name_exists(encloser)) {
                    encloser = parent_key(encloser);
                }
                node = encloser.empty() ? nullptr : zone->find("*." + encloser);
                if (node == nullptr) {
                    ldns_pkt_set_rcode(pkt.get(), LDNS_RCODE_NXDOMAIN);
                    add_negative_soa(pkt.get(), *zone);
                    return pkt;
                }
                synth_owner = owner;
            }
            const ldns_rr* cname = nullptr;
            bool found = false;
            for (const auto& rr : *node) {
                auto type = ldns_rr_get_type(rr.get());
                if (type == query_.type || query_.type == LDNS_RR_TYPE_ANY) {
                    add(pkt.get(), LDNS_SECTION_ANSWER, rr.get(), synth_owner);
                    found = true;
                } else if (type == LDNS_RR_TYPE_CNAME) {
                    cname = rr.get();
                }
            }
            if (found) return pkt;
            if (cname == nullptr) {
                add_negative_soa(pkt.get(), *zone);
                return pkt;
            }
            add(pkt.get(), LDNS_SECTION_ANSWER, cname, synth_owner);
            // Follow the chain while it stays in our zones (RFC 1034 4.3.2 3a); a resolver
            // asks elsewhere for the rest.
            std::string target = dname_key_absolute(ldns_rr_rdf(cname, 0));
            const Zone* next = zones_.find_zone(target);
            if (next == nullptr || hops + 1 >= max_cname_hops ||
                std::find(visited.begin(), visited.end(), target) != visited.end()) {
                return pkt;
            }
            visited.push_back(target);
            zone = next;
            current = target;
            owner = ldns_rr_rdf(cname, 0);
        }
    }

    // RFC 2181 9 / RFC 1035 4.2.1: what does not fit goes out empty with TC set, and the
    // client asks again over TCP.
    std::vector<std::uint8_t> fit(const PktPtr& pkt, Transport transport, bool& truncated) const {
        std::vector<std::uint8_t> wire = to_wire(pkt.get());
        std::size_t limit = transport == Transport::tcp ? max_message_octets : udp_limit();
        truncated = false;
        if (wire.size() <= limit) return wire;
        truncated = true;
        return truncated_reply(ldns_pkt_get_rcode(pkt.get()), ldns_pkt_aa(pkt.get()));
    }

    std::vector<std::uint8_t> truncated_reply(std::uint8_t rcode, bool aa) const {
        PktPtr pkt = reply(rcode, aa);
        ldns_pkt_set_tc(pkt.get(), true);
        return to_wire(pkt.get());
    }

    std::size_t udp_limit() const {
        if (!query_.edns) return max_udp_plain;
        // RFC 6891 6.2.5: values below 512 are treated as 512.
        return std::clamp<std::size_t>(query_.udp_size, max_udp_plain, options_.max_udp_payload);
    }

  private:
    const ZoneSet& zones_;
    const FixtureOptions& options_;
    const Query& query_;
};

}  // namespace

Fixture::Fixture(ZoneSet zones, std::vector<FaultRule> faults, FixtureOptions options)
    : zones_(std::move(zones)), faults_(std::move(faults)), options_(options) {}

Decision Fixture::handle_query(std::span<const std::uint8_t> bytes, Transport transport) {
    Decision decision;
    QueryLogEntry& log = decision.log;
    log.transport = transport == Transport::udp ? "udp" : "tcp";
    log.rcode = "DROPPED";
    // Too short to echo an ID, or a response (answering responses invites loops): silence.
    if (bytes.size() < header_octets || bytes.size() > max_message_octets ||
        LDNS_QR_WIRE(bytes.data())) {
        return decision;
    }
    log.id = LDNS_ID_WIRE(bytes.data());
    auto refuse = [&](std::uint8_t rcode) {
        decision.reply = header_reply(bytes, rcode);
        log.rcode = rcode_name(rcode);
        return decision;
    };
    if (LDNS_OPCODE_WIRE(bytes.data()) != LDNS_PACKET_QUERY) return refuse(LDNS_RCODE_NOTIMPL);
    // One question, nothing in answer and authority (RFC 1035 4.1.2; as NSD checks).
    if (LDNS_QDCOUNT(bytes.data()) != 1 || LDNS_ANCOUNT(bytes.data()) != 0 ||
        LDNS_NSCOUNT(bytes.data()) != 0) {
        return refuse(LDNS_RCODE_FORMERR);
    }
    const char cache_tag = transport == Transport::udp ? 'u' : 't';
    bool fault_checked = false;
    std::optional<AppliedFault> fault;
    if (const CachedReply* hit = cache_.find(cache_tag, bytes)) {
        if (!faults_.empty()) {
            fault = faults_.match(hit->name, hit->type_code);
            fault_checked = true;
        }
        if (!fault) {
            decision.reply = hit->wire;
            std::copy(bytes.begin(), bytes.begin() + 2, decision.reply->begin());  // the ID
            log.name = hit->name;
            log.type = hit->type;
            log.rcode = hit->rcode;
            log.answers = hit->answers;
            log.truncated = hit->truncated;
            return decision;
        }
    }
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, bytes.data(), bytes.size()) != LDNS_STATUS_OK) {
        return refuse(LDNS_RCODE_FORMERR);
    }
    Query query;
    query.pkt.reset(raw);
    query.question = ldns_rr_list_rr(ldns_pkt_question(raw), 0);
    if (query.question == nullptr) return refuse(LDNS_RCODE_FORMERR);
    // ldns lifts one OPT out of the additional section; a second one is an error (RFC 6891
    // 6.1.1).
    if (ldns_pkt_edns(raw) && LDNS_ARCOUNT(bytes.data()) != ldns_pkt_arcount(raw) + 1) {
        return refuse(LDNS_RCODE_FORMERR);
    }
    query.key = dname_key_absolute(ldns_rr_owner(query.question));
    query.type = static_cast<std::uint16_t>(ldns_rr_get_type(query.question));
    query.klass = static_cast<std::uint16_t>(ldns_rr_get_class(query.question));
    query.edns = ldns_pkt_edns(raw);
    query.udp_size = ldns_pkt_edns_udp_size(raw);
    {
        std::string shown = query.key;
        if (shown.size() > 1) shown.pop_back();
        log.name = shown;
        log.type = to_string(static_cast<RrType>(query.type));
    }

    Responder responder(zones_, options_, query);
    bool truncated = false;
    auto send = [&](const PktPtr& pkt) {
        decision.reply = responder.fit(pkt, transport, truncated);
        log.truncated = truncated;
        unsigned rcode = ldns_pkt_get_rcode(pkt.get());
        log.rcode = rcode_name(rcode);
        log.answers = truncated ? 0 : ldns_pkt_ancount(pkt.get());
        return decision;
    };

    if (query.edns && ldns_pkt_edns_version(raw) != 0) {
        // RFC 6891 6.1.3: only version 0 exists.
        PktPtr pkt = responder.reply(rcode_badvers, false);
        decision.reply = to_wire(pkt.get());
        log.rcode = rcode_name(rcode_badvers);
        return decision;
    }
    if (query.type == static_cast<std::uint16_t>(RrType::opt)) return refuse(LDNS_RCODE_FORMERR);
    // No zone transfers and no classes but IN: an authoritative-only fixture refuses them.
    if (query.type == LDNS_RR_TYPE_AXFR || query.type == LDNS_RR_TYPE_IXFR ||
        (query.klass != LDNS_RR_CLASS_IN && query.klass != LDNS_RR_CLASS_ANY)) {
        return send(responder.reply(LDNS_RCODE_REFUSED, false));
    }

    if (!fault_checked) fault = faults_.match(log.name, query.type);
    if (fault) {
        log.fault = std::string(to_string(fault->action));
        log.fault_rule = fault->label;
        switch (fault->action) {
            case FaultAction::servfail:
                return send(responder.reply(LDNS_RCODE_SERVFAIL, false));
            case FaultAction::refused:
                return send(responder.reply(LDNS_RCODE_REFUSED, false));
            case FaultAction::nxdomain: {
                const Zone* zone = zones_.find_zone(query.key);
                PktPtr pkt = responder.reply(LDNS_RCODE_NXDOMAIN, zone != nullptr);
                if (zone != nullptr) Responder::add_negative_soa(pkt.get(), *zone);
                return send(pkt);
            }
            case FaultAction::drop:
                return decision;
            case FaultAction::delay:
                decision.delay = std::chrono::milliseconds(fault->delay_ms);
                log.delay_ms = fault->delay_ms;
                break;
            case FaultAction::truncate:
                if (transport == Transport::udp) {
                    decision.reply = responder.truncated_reply(LDNS_RCODE_NOERROR, true);
                    log.rcode = rcode_name(LDNS_RCODE_NOERROR);
                    log.truncated = true;
                    return decision;
                }
                break;  // over TCP the full answer goes out: that is the point of the retry
        }
    }
    send(responder.answer());
    if (!fault && decision.reply) {
        cache_.insert(cache_tag, bytes,
                      CachedReply{*decision.reply, log.name, query.type, log.type, log.rcode,
                                  log.answers, log.truncated});
    }
    return decision;
}

}  // namespace relaylab::dns::fixture
