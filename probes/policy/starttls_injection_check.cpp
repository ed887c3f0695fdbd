// PLACEHOLDER: replaced by the helper that owns this file before it is merged.
#include "probes/policy/starttls_injection_check.hpp"

namespace relaylab::probe {

boost::asio::awaitable<std::vector<CheckResult>> run_starttls_injection_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("starttls-injection", Verdict::error, "not built yet")};
}

}  // namespace relaylab::probe
