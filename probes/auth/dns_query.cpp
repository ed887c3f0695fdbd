#include "probes/auth/dns_query.hpp"

namespace relaylab::auth {

std::string_view to_string(DnsStatus status) {
    switch (status) {
        case DnsStatus::ok:
            return "ok";
        case DnsStatus::nxdomain:
            return "NXDOMAIN";
        case DnsStatus::nodata:
            return "no records";
        case DnsStatus::servfail:
            return "SERVFAIL";
        case DnsStatus::timeout:
            return "timeout";
        case DnsStatus::refused:
            return "REFUSED";
    }
    return "?";
}

}  // namespace relaylab::auth
