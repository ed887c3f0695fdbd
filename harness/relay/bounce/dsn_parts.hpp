// The two generated parts of a DSN, written by dsn.cpp's make_dsn(): the notice for people
// (text/plain, dsn_notice.cpp) and the report for programs (message/delivery-status,
// dsn_status_fields.cpp). Internal to relaylab_relay_bounce.
#pragma once

#include <string>

#include "harness/relay/bounce/dsn.hpp"
#include "harness/relay/bounce/returned_content.hpp"

namespace relaylab::relay::dsn_parts {

// Some recipient of `input` has this action.
bool reports(const DsnInput& input, DsnAction action);
// Some recipient was delivered, relayed or expanded (a NOTIFY=SUCCESS report).
bool reports_success(const DsnInput& input);

// What happened, per recipient, in plain words with the remote reply; then the queue id and
// what is attached. `host` is the reporting MTA's name as written in the DSN.
std::string notice(const DsnInput& input, const std::string& host, const ReturnedContent& returned);

// The per-message fields and one group per recipient (RFC 3464 2.2, 2.3). `utf8` is set when
// an address is not ASCII: the part is then message/global-delivery-status (RFC 6533 3).
std::string status_fields(const DsnInput& input, const std::string& host, bool& utf8);

}  // namespace relaylab::relay::dsn_parts
