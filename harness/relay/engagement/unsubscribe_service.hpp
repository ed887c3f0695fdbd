// One-click unsubscribe (RFC 8058) as an ESP runs it: List-Unsubscribe (an https URL with a
// token naming message and recipient; no mailto, see list_unsubscribe_stamp.hpp) and
// List-Unsubscribe-Post added to single-recipient messages that carry none; an HTTPS endpoint
// (Boost.Beast, harness/http/https_endpoint.hpp) that takes the POST "List-Unsubscribe=One-Click"
// to /u/<token> (one_click_request.hpp) and adds the recipient to a durable suppression list
// (suppression_list.hpp: one address per line, fsynced before the 200); RCPT TO a suppressed
// address is refused (550 5.7.1). The list is read back at start, so it survives restarts.
// stats(): {"requests", "unsubscribed", "already", "bad_token", "forms" (GET pages shown),
// "refused_rcpts", "stamped" (messages given the fields), "suppressed" (the list's size)}.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "harness/relay/engagement/engagement_services.hpp"
#include "harness/relay/engagement/engagement_token.hpp"

namespace relaylab::relay {

class UnsubscribeService : public EngagementService {
  public:
    // config.unsubscribe is set. Throws std::runtime_error (suppression file unreadable).
    static std::shared_ptr<UnsubscribeService> create(const RelayConfig& config,
                                                      std::shared_ptr<const EngagementKey> key);

    virtual std::string base_url() const = 0;           // "https://127.0.0.1:PORT"
    virtual std::filesystem::path ca_file() const = 0;  // see EngagementServices
    virtual bool suppressed(std::string_view address) const = 0;
};

}  // namespace relaylab::relay
