// What the admin HTTP API (admin_api.hpp) asks of a running relay. The relay engine implements
// it; the API server knows nothing of queues, and tests give it a fake.
//
// Methods are called on the API's io thread, one request at a time per connection; an
// implementation posts to its own executor and waits (bounded) for the answer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace relaylab::relay {

struct QueueQuery {
    std::string domain;       // only messages with a pending recipient at this domain; "" all
    std::size_t limit = 100;  // at most this many entries
};

class AdminBackend {
  public:
    virtual ~AdminBackend() = default;
    // {"total": N, "messages": [{"id","mail_from","recipients":[{"address","state","last_reply"}],
    //   "attempts","next_attempt","received_at","size"}...]}
    virtual nlohmann::json queue_list(const QueueQuery& query) = 0;
    // One message as in queue_list plus its headers ("headers": "..."); nullopt if not queued.
    virtual std::optional<nlohmann::json> queue_message(const std::string& id) = 0;
    // Makes deferred mail due now: one message (id), one domain, or all ("" for both).
    // Returns how many messages were made due.
    virtual std::size_t flush(const std::string& id, const std::string& domain) = 0;
    // Removes a message from the queue without a DSN (Postfix postsuper -d). false: not queued.
    virtual bool remove(const std::string& id) = 0;
    // Prometheus text exposition format 0.0.4, complete (HELP/TYPE lines included).
    virtual std::string metrics() = 0;
};

}  // namespace relaylab::relay
