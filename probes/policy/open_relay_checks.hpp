// Probe checks (relaylab probe): open-relay.
#pragma once

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe {

// Group "open-relay": open relay: foreign sender and recipient, % hack, source routes, quoted local
// parts, literals, ! paths.
boost::asio::awaitable<std::vector<CheckResult>> run_open_relay_checks(ProbeContext& context);

}  // namespace relaylab::probe
