// The checks `relaylab probe` knows, in the order it runs them, and the loop that runs a
// selection of them against one target into a ProbeReport.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probes/common/check_result.hpp"
#include "probes/common/probe_context.hpp"

namespace relaylab::probe {

using CheckFunction = boost::asio::awaitable<std::vector<CheckResult>> (*)(ProbeContext&);

struct CheckGroup {
    std::string_view name;  // what --checks names; results are "<name>" or "<name>.<aspect>"
    std::string_view summary;
    CheckFunction run;
};

const std::vector<CheckGroup>& check_groups();

// Why `group` cannot run with these options ("needs --domain"), or empty when it can.
std::string unmet_needs(std::string_view group, const ProbeContext& context);

struct Selection {
    std::vector<const CheckGroup*> run;
    std::vector<SkippedCheck> skipped;
};
// `names` empty: every group whose needs are met, the rest listed as skipped. Otherwise the
// named groups in the suite's order; throws std::invalid_argument for an unknown name or a named
// group whose needs are not met (the CLI turns that into exit 2).
Selection select_checks(const std::vector<std::string>& names, const ProbeContext& context);

// Runs the selected groups one after another. A group that throws yields one `error` result
// naming the exception instead of ending the probe.
boost::asio::awaitable<std::vector<CheckResult>> run_checks(const Selection& selection,
                                                            ProbeContext& context);

}  // namespace relaylab::probe
