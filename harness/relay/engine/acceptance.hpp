// The relay's receiving side: the SMTP listeners' policy and the spool write behind each 250.
//   relay-in    accepts from trusted networks, and for relay domains from anyone;
//   submission  requires AUTH (over TLS when a certificate is configured, RFC 8314) and then
//               relays anywhere; failed AUTH is rate-limited per client address.
// Never an open relay: everything else gets 554 5.7.1 at RCPT. After DATA the message, with
// our Received: field on top, goes to the spool; the 250 waits for the group commit that made
// it durable, and a failed write answers 452 4.3.1 (nothing kept, the client retries).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include <boost/asio/ssl/context.hpp>

#include "harness/net/smtp_server.hpp"
#include "harness/relay/admin/relay_metrics.hpp"
#include "harness/relay/config/auth_limiter.hpp"
#include "harness/relay/config/relay_access.hpp"
#include "harness/relay/config/relay_config.hpp"
#include "harness/relay/engagement/submission_hooks.hpp"
#include "harness/relay/engine/engine_counters.hpp"
#include "harness/relay/engine/event_log.hpp"
#include "harness/relay/spool/spool.hpp"

namespace relaylab::relay {

enum class ListenerRole { relay_in, submission };

class Acceptance {
  public:
    // `on_stored` runs on the listener's io thread once a message is durable.
    Acceptance(const RelayConfig& config, Spool& spool, EventLog& events, EngineCounters& counters,
               RelayMetrics& metrics, std::function<void(SpoolMessage)> on_stored);

    // The SmtpServer configuration of one listener role. `tls`: the server context for
    // STARTTLS (and implicit TLS), may be null.
    net::SmtpServerConfig server_config(ListenerRole role, const ListenerSettings& listener,
                                        std::shared_ptr<boost::asio::ssl::context> tls);

    // The ESP features' hooks (quotas, suppression, List-Unsubscribe, tracking), called in
    // this order; add them before server_config() (with hooks, MAIL is decided too).
    void add_hooks(std::vector<std::shared_ptr<SubmissionHooks>> hooks);

  private:
    boost::asio::awaitable<smtp::Decision> decide(ListenerRole role, net::DecisionContext& context);
    boost::asio::awaitable<smtp::Decision> store(net::DecisionContext& context);
    smtp::Decision check_auth(net::DecisionContext& context);
    smtp::Decision check_sender(net::DecisionContext& context);

    const RelayConfig& config_;
    Spool& spool_;
    EventLog& events_;
    EngineCounters& counters_;
    RelayMetrics& metrics_;
    std::function<void(SpoolMessage)> on_stored_;
    RelayAccess access_;
    std::mutex limiter_mutex_;
    AuthLimiter limiter_;
    std::vector<std::shared_ptr<SubmissionHooks>> hooks_;
};

}  // namespace relaylab::relay
