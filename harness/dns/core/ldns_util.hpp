// Small RAII and conversion helpers around ldns, shared by the resolver side and the fixture.
// Internal to the DNS libraries: included by .cpp files only, never by public headers.
#pragma once

#include "harness/dns/core/ldns_include.hpp"

#include <memory>
#include <string>

#include "harness/dns/core/types.hpp"

namespace relaylab::dns::detail {

struct PktFree {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RrFree {
    void operator()(ldns_rr* r) const { ldns_rr_free(r); }
};
struct RdfFree {
    void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct BufferFree {
    void operator()(ldns_buffer* b) const { ldns_buffer_free(b); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using BufferPtr = std::unique_ptr<ldns_buffer, BufferFree>;

// A domain name rdf as lower-case text without the trailing dot ("" for the root).
std::string dname_key(const ldns_rdf* dname);
// The same key with the trailing dot kept ("example.test.", "." for the root).
std::string dname_key_absolute(const ldns_rdf* dname);

// The typed form of one RR; falls back to OtherData when the rdata is not as expected.
Record to_record(const ldns_rr* rr);

}  // namespace relaylab::dns::detail
