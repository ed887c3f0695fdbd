// Probe checks (relaylab probe): smuggling, smuggling-outbound.
#pragma once

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe {

// Group "smuggling": SMTP smuggling: which end-of-data look-alikes the server takes as end of data.
boost::asio::awaitable<std::vector<CheckResult>> run_smuggling_checks(ProbeContext& context);

// Group "smuggling-outbound": SMTP smuggling through a relay: which look-alikes it forwards
// unchanged.
boost::asio::awaitable<std::vector<CheckResult>> run_outbound_smuggling_checks(
    ProbeContext& context);

}  // namespace relaylab::probe
