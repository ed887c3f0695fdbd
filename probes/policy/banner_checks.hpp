// Probe checks (relaylab probe): banner, limits.
#pragma once

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe {

// Group "banner": greeting, host name, time to banner, EHLO extensions, SIZE.
boost::asio::awaitable<std::vector<CheckResult>> run_banner_checks(ProbeContext& context);

// Group "limits": maximum message size, recipients per message, pipelining.
boost::asio::awaitable<std::vector<CheckResult>> run_limits_checks(ProbeContext& context);

}  // namespace relaylab::probe
