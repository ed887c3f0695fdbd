#include "probes/auth/async/resolver_lookup.hpp"

#include <variant>

namespace relaylab::auth {
namespace {

DnsStatus to_auth_status(dns::Status status) {
    switch (status) {
        case dns::Status::ok:
            return DnsStatus::ok;
        case dns::Status::nxdomain:
            return DnsStatus::nxdomain;
        case dns::Status::nodata:
            return DnsStatus::nodata;
        case dns::Status::servfail:
            return DnsStatus::servfail;
        case dns::Status::timeout:
            return DnsStatus::timeout;
        case dns::Status::refused:
            return DnsStatus::refused;
    }
    return DnsStatus::servfail;
}

}  // namespace

dns::RrType to_dns_type(RrType type) {
    // The evaluators' RrType values are the RFC 1035 type codes, as are the resolver's.
    return static_cast<dns::RrType>(static_cast<std::uint16_t>(type));
}

DnsAnswer to_auth_answer(const dns::Answer& answer) {
    DnsAnswer out;
    out.status = to_auth_status(answer.status);
    for (const auto& record : answer.records) {
        if (const auto* txt = std::get_if<dns::TxtData>(&record.data)) {
            out.records.push_back(txt->joined());
        } else if (const auto* address = std::get_if<dns::AddressData>(&record.data)) {
            out.records.push_back(address->address);
        } else if (const auto* mx = std::get_if<dns::MxData>(&record.data)) {
            out.records.push_back(mx->exchange);
        } else if (const auto* name = std::get_if<dns::NameData>(&record.data)) {
            out.records.push_back(name->name);
        }
    }
    return out;
}

DnsAnswer SyncResolverLookup::lookup(const DnsQuery& query) {
    return to_auth_answer(resolver_.lookup(query.name, to_dns_type(query.type)));
}

}  // namespace relaylab::auth
