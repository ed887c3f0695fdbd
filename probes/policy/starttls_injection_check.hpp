// Probe checks (relaylab probe): starttls-injection.
#pragma once

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe {

// Group "starttls-injection": STARTTLS command injection (CVE-2011-0411 class).
boost::asio::awaitable<std::vector<CheckResult>> run_starttls_injection_checks(
    ProbeContext& context);

}  // namespace relaylab::probe
