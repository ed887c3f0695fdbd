// Probe checks (relaylab probe): tls, dane.
#pragma once

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe {

// Group "tls": STARTTLS offered, TLS versions 1.0-1.3, cipher, certificate chain/expiry/name, TLS
// before AUTH.
boost::asio::awaitable<std::vector<CheckResult>> run_tls_checks(ProbeContext& context);

// Group "dane": TLSA records of _25._tcp.HOST matched against the presented chain.
boost::asio::awaitable<std::vector<CheckResult>> run_dane_checks(ProbeContext& context);

}  // namespace relaylab::probe
