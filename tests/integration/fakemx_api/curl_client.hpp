// Runs Debian's curl against the API and returns status, headers and body: the API is checked
// with a real HTTP client, not with our own parser. Every call is bounded by --max-time.
#pragma once

#include <string>
#include <vector>

namespace relaylab::fakemx::api::testing {

struct CurlResult {
    int exit_code = -1;  // curl's: 0 ok, 52 empty reply, 56 receive failure, ...
    int status = 0;
    std::string headers;  // as received, lower-cased field names not guaranteed
    std::string body;
    std::string stderr_text;
    std::string header(const std::string& name) const;  // case-insensitive; "" when absent
};

// args are passed to curl after the fixed options; each is shell-quoted.
CurlResult curl(const std::vector<std::string>& args);

}  // namespace relaylab::fakemx::api::testing
