#include "fake-mx/placement/net/recipient_simulator.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "fake-mx/placement/model/html_links.hpp"
#include "fake-mx/placement/model/list_unsubscribe.hpp"
#include "harness/http/http_fetch.hpp"
#include "harness/log/spawn_handler.hpp"

namespace relaylab::placement {

namespace asio = boost::asio;

namespace {

// A pixel is 43 bytes and a redirect has no body; a larger answer is read no further.
constexpr std::size_t max_response_body_bytes = 256 * 1024;
// The unsubscribed list grows by one per unsubscribing recipient; past this only the counters do.
constexpr std::size_t max_unsubscribed_kept = 100'000;
// The links of a message a person may click and a scanner fetches; beyond are not fetched.
constexpr std::size_t max_urls_per_message = 100;
// RFC 8058 3.1: the POST body, as application/x-www-form-urlencoded.
constexpr std::string_view one_click_body = "List-Unsubscribe=One-Click";
// engagement_uniform streams 16 and up are the caller's (engagement_model.hpp).
constexpr std::uint64_t link_pick_stream = 16;

// The facts of one message, read once for all its recipients.
struct PreparedMessage {
    std::string message_key;
    std::string provider;
    std::string host;
    std::string from_domain;
    Placement placement = Placement::inbox;
    std::vector<std::string> recipients;
    ListUnsubscribe unsubscribe;
    HtmlLinks links;
};

std::string provider_key(const std::string& provider) {
    return provider.empty() ? "none" : provider;
}

nlohmann::json truth_json(const EngagementTruth& t, bool with_abandoned) {
    nlohmann::json j = {
        {"messages", t.messages},
        {"delivered", t.delivered},
        {"opens", t.opens},
        {"image_loads", t.image_loads},
        {"clicks", t.clicks},
        {"unsubscribes", t.unsubscribes},
        {"unsubscribes_done", t.unsubscribes_done},
        {"scanned", t.scanned},
        {"requests", t.requests},
        {"requests_failed", t.requests_failed},
        {"dropped", t.dropped},
        {"no_one_click", t.no_one_click},
        {"complaints", t.complaints},
        {"failure_reasons", t.failure_reasons},
    };
    if (with_abandoned) j["abandoned"] = t.abandoned;
    // Of delivered mail, as the seed quotes them (opens 15-22 %, clicks 2-5 %).
    if (t.delivered > 0) {
        j["open_rate"] = static_cast<double>(t.opens) / static_cast<double>(t.delivered);
        j["click_rate"] = static_cast<double>(t.clicks) / static_cast<double>(t.delivered);
    }
    return j;
}

}  // namespace

struct RecipientSimulator::Impl {
    RecipientSimulatorConfig config;
    std::shared_ptr<asio::ssl::context> tls;

    mutable std::mutex mutex;
    std::condition_variable idle_changed;
    // Guarded by `mutex`:
    std::deque<DeliveredMessage> queue;
    std::size_t backlog = 0;  // recipients offered and not yet started
    std::size_t running = 0;  // recipients being acted out
    bool accepting = false;
    bool started = false;
    bool stopped = false;
    EngagementTruth total;
    std::map<std::string, EngagementTruth> by_provider;
    std::vector<Unsubscribed> unsubscribed;

    // The io thread's own: the message whose recipients are being started.
    std::shared_ptr<const PreparedMessage> current;
    std::size_t current_next = 0;

    std::thread thread;
    // Last: destroyed first, so coroutine frames it still holds go before what they point to.
    asio::io_context io{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;

    explicit Impl(RecipientSimulatorConfig c) : config(std::move(c)) {}

    bool idle_locked() const { return queue.empty() && backlog == 0 && running == 0; }

    // Applies `change` to the totals and to the provider's own.
    template <typename Change>
    void count(const std::string& provider, Change change) {
        std::lock_guard lock(mutex);
        change(total);
        change(by_provider[provider_key(provider)]);
    }

    // io thread: starts recipients while fewer than max_parallel run.
    void pump() {
        for (;;) {
            if (!current || current_next >= current->recipients.size()) {
                DeliveredMessage next;
                {
                    std::lock_guard lock(mutex);
                    if (running >= config.max_parallel || queue.empty()) return;
                    next = std::move(queue.front());
                    queue.pop_front();
                }
                current = prepare(std::move(next));
                current_next = 0;
                continue;
            }
            {
                std::lock_guard lock(mutex);
                if (running >= config.max_parallel) return;
                ++running;
                --backlog;
            }
            asio::co_spawn(io, act_out(current, current_next++), [this](std::exception_ptr error) {
                if (error) log::report_escaped("recipients.act_out", error);
                {
                    std::lock_guard lock(mutex);
                    --running;
                    if (idle_locked()) idle_changed.notify_all();
                }
                pump();
            });
        }
    }

    static std::shared_ptr<const PreparedMessage> prepare(DeliveredMessage message) {
        auto prepared = std::make_shared<PreparedMessage>();
        prepared->message_key = std::move(message.message_key);
        prepared->provider = std::move(message.provider);
        prepared->host = std::move(message.host);
        prepared->from_domain = std::move(message.from_domain);
        prepared->placement = message.placement;
        prepared->recipients = std::move(message.recipients);
        prepared->unsubscribe = read_list_unsubscribe(message.content);
        prepared->links = find_html_links(message.content, max_urls_per_message);
        return prepared;
    }

    // One request: its HTTP status when 2xx or 3xx, else 0 (the failure counted by reason).
    asio::awaitable<unsigned> request(const std::string& provider, const std::string& url,
                                      http::HttpMethod method) {
        http::FetchOptions options;
        options.method = method;
        options.timeouts = {config.request_timeout, config.request_timeout, config.request_timeout};
        options.limits.max_body_bytes = max_response_body_bytes;
        options.user_agent = "relaylab-recipient";
        if (method == http::HttpMethod::post) {
            options.body = std::string(one_click_body);
            options.content_type = "application/x-www-form-urlencoded";
        }
        http::HttpsResult result =
            co_await http::fetch_loopback_url(io.get_executor(), *tls, url, std::move(options));
        unsigned status = result.ok() ? result.response->status : 0;
        std::string reason;
        if (result.error == http::HttpsError::not_allowed) {
            reason = "not loopback";
        } else if (!result.ok()) {
            reason = std::string(http::describe(result.error));
        } else if (status < 200 || status >= 400) {
            reason = "HTTP " + std::to_string(status);
        }
        count(provider, [&](EngagementTruth& t) {
            ++t.requests;
            if (!reason.empty()) {
                ++t.requests_failed;
                ++t.failure_reasons[reason];
            }
        });
        co_return reason.empty() ? status : 0;
    }

    // What one recipient does with one message: a scanner first (it fetches on arrival), then
    // the person.
    asio::awaitable<void> act_out(std::shared_ptr<const PreparedMessage> message,
                                  std::size_t index) {
        const std::string& recipient = message->recipients[index];
        const std::string& provider = message->provider;
        const HtmlLinks& links = message->links;
        EngagementDraw draw = draw_engagement(config.model, provider, message->placement,
                                              message->message_key, recipient);
        bool delivered =
            message->placement == Placement::inbox || message->placement == Placement::spam;
        count(provider, [&](EngagementTruth& t) {
            ++t.messages;
            if (delivered) ++t.delivered;
            if (draw.scanned) ++t.scanned;
            if (draw.opens) ++t.opens;
            if (draw.complains) ++t.complaints;
        });
        if (draw.complains && config.on_complaint) {
            // Before any request: the provider hears of it however the fetches go.
            try {
                config.on_complaint(
                    Complaint{provider, message->host, message->from_domain, recipient});
            } catch (...) {
                log::report_escaped("recipients.on_complaint", std::current_exception());
            }
        }

        if (draw.scanned) {
            // A scanner fetches everything and follows no redirect: the tracker sees a click
            // on every link and an open, none of them a person's.
            for (const auto& url : links.images)
                co_await request(provider, url, http::HttpMethod::get);
            for (const auto& url : links.links)
                co_await request(provider, url, http::HttpMethod::get);
        }
        if (draw.loads_images && !links.images.empty()) {
            count(provider, [](EngagementTruth& t) { ++t.image_loads; });
            for (const auto& url : links.images)
                co_await request(provider, url, http::HttpMethod::get);
        }
        if (draw.clicks && !links.links.empty()) {
            count(provider, [](EngagementTruth& t) { ++t.clicks; });
            double u = engagement_uniform(
                engagement_key(config.model.seed, message->message_key, recipient),
                link_pick_stream);
            std::size_t pick =
                std::min(links.links.size() - 1, static_cast<std::size_t>(u * links.links.size()));
            co_await request(provider, links.links[pick], http::HttpMethod::get);
        }
        if (draw.unsubscribes) {
            if (!message->unsubscribe.one_click()) {
                count(provider, [](EngagementTruth& t) { ++t.no_one_click; });
                co_return;
            }
            count(provider, [](EngagementTruth& t) { ++t.unsubscribes; });
            unsigned status =
                co_await request(provider, message->unsubscribe.https_uri, http::HttpMethod::post);
            // RFC 8058 3.2 asks only for a 2xx (or a redirect the sender should not use).
            if (status >= 200 && status < 300) {
                std::lock_guard lock(mutex);
                ++total.unsubscribes_done;
                ++by_provider[provider_key(provider)].unsubscribes_done;
                if (unsubscribed.size() < max_unsubscribed_kept) {
                    unsubscribed.push_back({recipient, std::chrono::system_clock::now()});
                }
            }
        }
    }
};

RecipientSimulator::RecipientSimulator(RecipientSimulatorConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {
    if (impl_->config.max_parallel == 0) impl_->config.max_parallel = 1;
}

RecipientSimulator::~RecipientSimulator() {
    stop(std::chrono::milliseconds(0));
}

void RecipientSimulator::start() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->started) return;
    }
    // Before anything runs: an unreadable CA file is the caller's error, thrown here.
    impl_->tls = http::make_verifying_client_context(impl_->config.ca_file.string());
    impl_->work.emplace(impl_->io.get_executor());
    {
        std::lock_guard lock(impl_->mutex);
        impl_->started = true;
        impl_->accepting = true;
    }
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

void RecipientSimulator::stop(std::chrono::milliseconds drain) {
    Impl& impl = *impl_;
    {
        std::unique_lock lock(impl.mutex);
        if (!impl.started || impl.stopped) return;
        impl.accepting = false;
        impl.idle_changed.wait_for(lock, drain, [&] { return impl.idle_locked(); });
        impl.stopped = true;
        impl.total.abandoned = impl.backlog + impl.running;
    }
    impl.work.reset();
    impl.io.stop();
    if (impl.thread.joinable()) impl.thread.join();
}

void RecipientSimulator::offer(DeliveredMessage message) {
    Impl& impl = *impl_;
    std::size_t recipients = message.recipients.size();
    {
        std::lock_guard lock(impl.mutex);
        if (!impl.accepting || impl.queue.size() >= impl.config.max_queued) {
            impl.total.dropped += recipients;
            impl.by_provider[provider_key(message.provider)].dropped += recipients;
            return;
        }
        impl.backlog += recipients;
        impl.queue.push_back(std::move(message));
    }
    asio::post(impl.io, [&impl] { impl.pump(); });
}

EngagementTruth RecipientSimulator::truth() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->total;
}

std::vector<Unsubscribed> RecipientSimulator::unsubscribed() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->unsubscribed;
}

nlohmann::json RecipientSimulator::to_json() const {
    std::lock_guard lock(impl_->mutex);
    nlohmann::json j = truth_json(impl_->total, true);
    nlohmann::json providers = nlohmann::json::object();
    for (const auto& [name, truth] : impl_->by_provider)
        providers[name] = truth_json(truth, false);
    j["by_provider"] = std::move(providers);
    return j;
}

}  // namespace relaylab::placement
