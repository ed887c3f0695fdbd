// Finds one outbound smuggling message in what the sink received (sans-I/O): whether it came,
// and the octets the relay put where the look-alike was.
#pragma once

#include <string>
#include <vector>

#include "probes/policy/smuggling_judge.hpp"
#include "probes/policy/smuggling_variants.hpp"

namespace relaylab::probe {

// `connections`: the raw client octets of each sink connection. The message is the one whose
// X-Relaylab-Smuggling header line is there; `forwarded` is what lies between its begin marker
// and the next NOOP line marker (whatever the relay did to the look-alike, a real end of data
// included, the octets stay in order on the wire).
SmugglingArrival find_smuggling_arrival(const std::vector<std::string>& connections,
                                        const SmugglingMessage& message);

}  // namespace relaylab::probe
