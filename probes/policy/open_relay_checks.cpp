// PLACEHOLDER: replaced by the helper that owns this file before it is merged.
#include "probes/policy/open_relay_checks.hpp"

namespace relaylab::probe {

boost::asio::awaitable<std::vector<CheckResult>> run_open_relay_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("open-relay", Verdict::error, "not built yet")};
}

}  // namespace relaylab::probe
