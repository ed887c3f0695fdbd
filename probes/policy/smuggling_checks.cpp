// PLACEHOLDER: replaced by the helper that owns this file before it is merged.
#include "probes/policy/smuggling_checks.hpp"

namespace relaylab::probe {

boost::asio::awaitable<std::vector<CheckResult>> run_smuggling_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("smuggling", Verdict::error, "not built yet")};
}

boost::asio::awaitable<std::vector<CheckResult>> run_outbound_smuggling_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("smuggling-outbound", Verdict::error, "not built yet")};
}

}  // namespace relaylab::probe
