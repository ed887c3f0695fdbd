// PLACEHOLDER: replaced by the helper that owns this file before it is merged.
#include "probes/transport/mta_sts_checks.hpp"

namespace relaylab::probe {

boost::asio::awaitable<std::vector<CheckResult>> run_mta_sts_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("mta-sts", Verdict::error, "not built yet")};
}

boost::asio::awaitable<std::vector<CheckResult>> run_tls_rpt_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("tls-rpt", Verdict::error, "not built yet")};
}

}  // namespace relaylab::probe
