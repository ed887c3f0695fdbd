// PLACEHOLDER: replaced by the helper that owns this file before it is merged.
#include "probes/policy/dns_reputation_checks.hpp"

namespace relaylab::probe {

boost::asio::awaitable<std::vector<CheckResult>> run_ptr_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("ptr", Verdict::error, "not built yet")};
}

boost::asio::awaitable<std::vector<CheckResult>> run_dnsbl_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("dnsbl", Verdict::error, "not built yet")};
}

}  // namespace relaylab::probe
