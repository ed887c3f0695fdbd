// The relay's scheduler and delivery: every queued message's pending recipients are grouped by
// destination domain into work items; each destination has a ready queue, a bounded number of
// connections that pull work from it (connection reuse, pipelined transactions, several
// recipients per transaction), and a token bucket that paces them. Results come back per
// recipient: 2xx delivered, 5xx failed (a DSN to the sender), 4xx deferred (retried on the
// backoff schedule until the queue lifetime, then failed as expired). Deferred messages wait
// on one timer (the earliest due), not a poll.
//
// Single-threaded: every method runs on the executor given at construction (post to it from
// other threads). Spool callbacks come from the spool's writer thread and are posted here.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "harness/dns/resolver.hpp"
#include "harness/net/smtp_client.hpp"
#include "harness/relay/admin/admin_backend.hpp"
#include "harness/relay/admin/relay_metrics.hpp"
#include "harness/relay/bounce/dkim_signing.hpp"
#include "harness/relay/config/relay_config.hpp"
#include "harness/relay/config/token_bucket.hpp"
#include "harness/relay/engine/engine_counters.hpp"
#include "harness/relay/engine/event_log.hpp"
#include "harness/relay/engine/route.hpp"
#include "harness/relay/spool/spool.hpp"

namespace relaylab::relay {

class QueueManager {
  public:
    struct Parts {
        Spool& spool;
        const RelayConfig& config;
        dns::Resolver* resolver;  // null: smarthost routes only
        EventLog& events;
        EngineCounters& counters;
        RelayMetrics& metrics;
        const DkimSigningStep* dkim;  // null: no signing
    };

    QueueManager(boost::asio::any_io_executor executor, Parts parts);
    ~QueueManager();
    QueueManager(const QueueManager&) = delete;
    QueueManager& operator=(const QueueManager&) = delete;

    // Messages found in the spool at start-up: due ones go out now, the rest wait their time.
    void load(std::vector<SpoolMessage> recovered);
    // A message the listeners just spooled.
    void enqueue(SpoolMessage message);
    // The relay's own listening endpoints: MX hosts that are these are not tried (mail for a
    // domain whose MX is this relay would loop); a route left with none fails with 5.4.6.
    void set_local_endpoints(std::vector<boost::asio::ip::tcp::endpoint> endpoints);
    // Starts no more connections; open ones finish their transaction and QUIT. `done` runs
    // (on the executor) when the last connection ended, or after `grace` with connections still
    // open (their messages stay queued in the spool).
    void stop(std::chrono::milliseconds grace, std::function<void()> done);

    // Admin API (see admin_backend.hpp).
    nlohmann::json list(const QueueQuery& query) const;
    std::optional<nlohmann::json> inspect(const std::string& id) const;
    std::size_t flush(const std::string& id, const std::string& domain);
    bool remove(const std::string& id);

  private:
    struct QueuedMessage {
        SpoolMessage meta;
        std::size_t outstanding = 0;  // work items not yet settled (ready or on a connection)
        bool waiting = false;         // in the retry timer's schedule, due at due_ms
        std::int64_t due_ms = 0;
        bool removed = false;  // the operator deleted it while work was out
        bool deferred_this_round = false;
        std::vector<std::uint32_t> newly_failed;  // recipients to report in a DSN
        std::string last_failure;                 // for expiry DSNs
        // The DKIM-Signature made at the first attempt, reused by retries (an RSA signature
        // costs about a millisecond); empty when no key applies.
        std::optional<std::string> dkim_field;
    };
    struct WorkItem {
        std::string id;
        std::vector<std::uint32_t> recipients;  // indices into the message's recipients
    };
    struct Destination;
    class ConnectionSource;

    void dispatch(QueuedMessage& message);
    void schedule(QueuedMessage& message, std::int64_t due_ms);
    boost::asio::awaitable<void> retry_timer_loop();
    void maybe_start_connections(Destination& destination);
    boost::asio::awaitable<void> run_connection(Destination& destination);
    Destination& destination(const std::string& domain);
    net::ClientConnectionOptions connection_options(Destination& destination, const Route& route);
    void drop_local_endpoints(Route& route, const std::string& domain) const;
    std::optional<smtp::OutgoingMessage> outgoing(const WorkItem& item, std::uint64_t tag);

    // Results.
    void record_transaction(const WorkItem& item, const smtp::TransactionResult& result,
                            const std::string& tls);
    void settle_without_attempt(const WorkItem& item, const smtp::Reply& reply, bool permanent,
                                const std::string& why);
    void release(const WorkItem& item);  // a work item that went nowhere (message removed)
    void round_done(QueuedMessage& message);
    void fail_expired(QueuedMessage& message);
    void send_dsn(QueuedMessage& message);
    void finish(QueuedMessage& message, std::string_view why);
    void notify_waiting(Destination& destination);

    boost::asio::any_io_executor executor_;
    Parts parts_;
    std::unordered_map<std::string, QueuedMessage> messages_;
    std::multimap<std::int64_t, std::string> due_;  // retry schedule: due time -> id
    boost::asio::steady_timer retry_timer_;
    std::unordered_map<std::string, std::unique_ptr<Destination>> destinations_;
    std::mt19937_64 rng_;
    std::uint64_t next_tag_ = 1;
    bool stopping_ = false;
    std::size_t connections_ = 0;
    std::function<void()> stopped_;
    std::unique_ptr<boost::asio::steady_timer> stop_timer_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::vector<boost::asio::ip::tcp::endpoint> local_endpoints_;
};

}  // namespace relaylab::relay
