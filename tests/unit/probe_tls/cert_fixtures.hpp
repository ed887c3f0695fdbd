// Certificates for the judge tests, made once per binary by harness/net/tls.hpp's helpers.
#pragma once

#include <string>

#include "harness/net/tls.hpp"
#include "probes/transport/certificate_facts.hpp"

namespace relaylab::probe::test {

struct CertFixtures {
    net::TestCa ca;
    net::TestCa other_ca;  // trusted by nobody in these tests
    std::string ca_file;   // ca's certificate in a temporary file (verify_chain reads files)
    CertificateFacts ca_facts;
    CertificateFacts leaf;        // by ca, for mx.example.test and 127.0.0.1, 90 days
    CertificateFacts other_leaf;  // by other_ca, for mx.example.test
    CertificateFacts other_ca_facts;
};

const CertFixtures& fixtures();
CertificateFacts facts_of(const net::CertificatePem& pem);

}  // namespace relaylab::probe::test
