// PLACEHOLDER: replaced by the helper that owns this file before it is merged.
#include "probes/policy/banner_checks.hpp"

namespace relaylab::probe {

boost::asio::awaitable<std::vector<CheckResult>> run_banner_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("banner", Verdict::error, "not built yet")};
}

boost::asio::awaitable<std::vector<CheckResult>> run_limits_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("limits", Verdict::error, "not built yet")};
}

}  // namespace relaylab::probe
