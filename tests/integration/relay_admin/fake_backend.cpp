#include "fake_backend.hpp"

#include <stdexcept>

namespace relaylab::relay::testing {
namespace {

using nlohmann::json;

json message(const std::string& id, const std::string& rcpt, const std::string& state) {
    return {{"id", id},
            {"mail_from", "sender@example.net"},
            {"recipients",
             json::array({{{"address", rcpt},
                           {"state", state},
                           {"last_reply", state == "deferred" ? "451 4.7.1 later" : ""}}})},
            {"attempts", state == "deferred" ? 1 : 0},
            {"next_attempt", "2026-12-02T07:00:00Z"},
            {"received_at", "2026-12-02T06:00:00Z"},
            {"size", 1234}};
}

std::string domain_of(const json& m) {
    std::string address = m["recipients"][0]["address"];
    return address.substr(address.find('@') + 1);
}

}  // namespace

FakeBackend::FakeBackend() {
    queue_["00000000000000A1"] = message("00000000000000A1", "a@example.com", "deferred");
    queue_["00000000000000B2"] = message("00000000000000B2", "b@example.org", "queued");
    queue_["00000000000000C3"] = message("00000000000000C3", "c@example.com", "deferred");
}

void FakeBackend::count_call() {
    ++calls_;
    if (fail_next_) {
        fail_next_ = false;
        throw std::runtime_error("the fake backend was told to fail");
    }
}

json FakeBackend::queue_list(const QueueQuery& query) {
    std::lock_guard lock(mutex_);
    list_calls_.push_back(query);
    count_call();
    json messages = json::array();
    std::size_t total = 0;
    for (const auto& [id, m] : queue_) {
        if (!query.domain.empty() && domain_of(m) != query.domain) continue;
        ++total;
        if (messages.size() < query.limit) messages.push_back(m);
    }
    return {{"total", total}, {"messages", std::move(messages)}};
}

std::optional<json> FakeBackend::queue_message(const std::string& id) {
    std::lock_guard lock(mutex_);
    lookups_.push_back(id);
    count_call();
    auto it = queue_.find(id);
    if (it == queue_.end()) return std::nullopt;
    json out = it->second;
    out["headers"] = "From: sender@example.net\r\nSubject: test\r\n";
    return out;
}

std::size_t FakeBackend::flush(const std::string& id, const std::string& domain) {
    std::lock_guard lock(mutex_);
    flush_calls_.push_back({id, domain});
    count_call();
    std::size_t made_due = 0;
    for (auto& [key, m] : queue_) {
        if (!id.empty() && key != id) continue;
        if (!domain.empty() && domain_of(m) != domain) continue;
        auto& state = m["recipients"][0]["state"];
        if (state == "deferred") {
            state = "queued";
            ++made_due;
        }
    }
    return made_due;
}

bool FakeBackend::remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    lookups_.push_back(id);
    count_call();
    return queue_.erase(id) == 1;
}

std::string FakeBackend::metrics() {
    std::lock_guard lock(mutex_);
    count_call();
    return metrics_;
}

std::vector<QueueQuery> FakeBackend::list_calls() const {
    std::lock_guard lock(mutex_);
    return list_calls_;
}

std::vector<FlushCall> FakeBackend::flush_calls() const {
    std::lock_guard lock(mutex_);
    return flush_calls_;
}

std::vector<std::string> FakeBackend::lookups() const {
    std::lock_guard lock(mutex_);
    return lookups_;
}

std::size_t FakeBackend::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

void FakeBackend::set_metrics(std::string text) {
    std::lock_guard lock(mutex_);
    metrics_ = std::move(text);
}

void FakeBackend::fail_next_call() {
    std::lock_guard lock(mutex_);
    fail_next_ = true;
}

}  // namespace relaylab::relay::testing
