// Probe checks (relaylab probe): mta-sts, tls-rpt.
#pragma once

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe {

// Group "mta-sts": MTA-STS TXT record and HTTPS policy (RFC 8461), MX set matched.
boost::asio::awaitable<std::vector<CheckResult>> run_mta_sts_checks(ProbeContext& context);

// Group "tls-rpt": TLS-RPT record (RFC 8460).
boost::asio::awaitable<std::vector<CheckResult>> run_tls_rpt_checks(ProbeContext& context);

}  // namespace relaylab::probe
