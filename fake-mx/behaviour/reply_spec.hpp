// A configured reply, from JSON: "451 4.7.1 Try again later", or
// {"code": 451, "enhanced": "4.7.1", "text": "one line" | ["line 1", "line 2"]}.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "fake-mx/behaviour/json_fields.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::fakemx::detail {

// `phases` is the mask of smtp::Phase where the reply may be sent: 354 is only sensible at
// DATA, and only 2xx/4xx/5xx elsewhere (a 3xx anywhere else would desynchronise the client).
smtp::Reply parse_reply(const nlohmann::json& value, const Where& where, unsigned phases);

}  // namespace relaylab::fakemx::detail
