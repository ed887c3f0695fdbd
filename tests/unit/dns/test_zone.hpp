// A zone with one of everything the fixture must serve, shared by the DNS unit tests.
#pragma once

#include <string_view>

namespace relaylab::dns::test {

inline constexpr std::string_view zone_text = R"zone($ORIGIN fixture.test.
$TTL 300
@           IN SOA  ns1 hostmaster 1 3600 600 86400 30
            IN NS   ns1
            IN MX   10 mx-a
            IN MX   10 mx-b
            IN MX   20 mx-c
            IN A    192.0.2.1
            IN TXT  "v=spf1 ip4:192.0.2.0/24 -all"
ns1         IN A    192.0.2.53
mx-a        IN A    192.0.2.10
mx-b        IN A    192.0.2.11
mx-c        IN AAAA 2001:db8::25
v6only      IN AAAA 2001:db8::1
long        IN TXT  ( "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" )
alias       IN CNAME alias2
alias2      IN CNAME www
www         IN A    192.0.2.80
loop1       IN CNAME loop2
loop2       IN CNAME loop1
dangling    IN CNAME nowhere
*.wild      IN A    192.0.2.99
*.wild      IN TXT  "wildcard"
host.wild   IN MX   5 mx-a
a.b.c.deep  IN A    192.0.2.7
1.2.0.192.in-addr IN PTR www.fixture.test.
_25._tcp.mx-a IN TLSA 3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6
_imap._tcp  IN SRV  0 1 143 mx-a
@           IN CAA  0 issue "ca.example"
nullmx      IN MX   0 .
short       60 IN A 192.0.2.60
ttl1        1 IN A  192.0.2.61
sub         IN NS   ns.sub
ns.sub      IN A    192.0.2.54
)zone";

}  // namespace relaylab::dns::test
