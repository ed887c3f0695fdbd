// The failure DSN for some recipients of a queued message: the spool's facts turned into
// bounce/dsn.hpp's input (who to tell, what each recipient's last reply was, what to return).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "harness/relay/bounce/dsn.hpp"
#include "harness/relay/config/relay_config.hpp"
#include "harness/relay/spool/spool.hpp"

namespace relaylab::relay {

// `failed`: indices into message.recipients whose last_reply is the reply (or the synthesized
// one, e.g. "556 5.1.10 ... nullMX") that failed them. `original`: the body as spooled.
DsnMessage make_failure_dsn(const RelayConfig& config, const SpoolMessage& message,
                            const std::vector<std::uint32_t>& failed, std::string_view original);

}  // namespace relaylab::relay
