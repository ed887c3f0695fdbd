// Probe checks (relaylab probe): ptr, dnsbl.
#pragma once

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe {

// Group "ptr": PTR and forward-confirmed reverse DNS of the server's address.
boost::asio::awaitable<std::vector<CheckResult>> run_ptr_checks(ProbeContext& context);

// Group "dnsbl": DNSBL listing of the server's address.
boost::asio::awaitable<std::vector<CheckResult>> run_dnsbl_checks(ProbeContext& context);

}  // namespace relaylab::probe
