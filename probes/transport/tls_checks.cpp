// PLACEHOLDER: replaced by the helper that owns this file before it is merged.
#include "probes/transport/tls_checks.hpp"

namespace relaylab::probe {

boost::asio::awaitable<std::vector<CheckResult>> run_tls_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("tls", Verdict::error, "not built yet")};
}

boost::asio::awaitable<std::vector<CheckResult>> run_dane_checks(ProbeContext& /*context*/) {
    co_return std::vector<CheckResult>{make_result("dane", Verdict::error, "not built yet")};
}

}  // namespace relaylab::probe
