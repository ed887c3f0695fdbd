// The renderings of a probe report (`relaylab probe`, schema "relaylab.probe/1"): a
// self-contained HTML page in the run report's style (every check with its verdict, one-line
// explanation and, folded, the exact evidence) and JUnit XML with one testcase per check.
// Sans-I/O: they read the JSON document and tolerate missing parts.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace relaylab::reports {

std::string render_probe_html(const nlohmann::json& probe_report);
// <testsuite name="relaylab probe TARGET"> with a testcase per check (classname
// "relaylab.probe.<group>"): fail -> <failure>, error -> <error>, warn -> passes with the
// explanation in <system-out>, evidence in <system-out> for all.
std::string render_probe_junit(const nlohmann::json& probe_report);

}  // namespace relaylab::reports
