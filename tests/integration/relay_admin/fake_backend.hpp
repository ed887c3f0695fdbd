// An AdminBackend over an in-memory queue that records what the API asked of it, so a test can
// tell what reached the backend (and that a refused request never did). Thread-safe: the API
// calls it on its io thread while the test thread reads the record.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "harness/relay/admin/admin_backend.hpp"

namespace relaylab::relay::testing {

struct FlushCall {
    std::string id;
    std::string domain;
};

class FakeBackend : public AdminBackend {
  public:
    // Messages 00000000000000A1 (to a@example.com, deferred), 00000000000000B2 (to
    // b@example.org, due) and 00000000000000C3 (to c@example.com, deferred).
    FakeBackend();

    nlohmann::json queue_list(const QueueQuery& query) override;
    std::optional<nlohmann::json> queue_message(const std::string& id) override;
    std::size_t flush(const std::string& id, const std::string& domain) override;
    bool remove(const std::string& id) override;
    std::string metrics() override;

    // What the API asked, in order.
    std::vector<QueueQuery> list_calls() const;
    std::vector<FlushCall> flush_calls() const;
    std::vector<std::string> lookups() const;  // ids given to queue_message and remove
    std::size_t calls() const;                 // every call of any kind

    void set_metrics(std::string text);
    void fail_next_call();  // the next call throws std::runtime_error

  private:
    void count_call();  // lock held

    mutable std::mutex mutex_;
    std::map<std::string, nlohmann::json> queue_;
    std::vector<QueueQuery> list_calls_;
    std::vector<FlushCall> flush_calls_;
    std::vector<std::string> lookups_;
    std::size_t calls_ = 0;
    std::string metrics_ = "# TYPE relaylab_fake gauge\nrelaylab_fake 1\n";
    bool fail_next_ = false;
};

}  // namespace relaylab::relay::testing
