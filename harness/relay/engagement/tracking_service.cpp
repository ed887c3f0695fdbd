// The tracking feature as the relay runs it: the rewriter (html_tracking_rewriter.hpp) called
// before the spool write with URLs from the endpoint (tracking_endpoint.hpp), and that
// endpoint served by the project's Beast server over plain HTTP, as most ESP tracking
// domains are.
#include "harness/relay/engagement/tracking_service.hpp"

#include <stdexcept>

#include "harness/http/http_server.hpp"
#include "harness/log/log.hpp"
#include "harness/relay/engagement/html_tracking_rewriter.hpp"
#include "harness/relay/engagement/tracking_endpoint.hpp"

namespace relaylab::relay {
namespace {

// A pixel or click request is a GET without a body; anything bigger is not ours.
constexpr std::size_t max_request_body = 1024;
// A click URL carries the original (max_url_bytes, percent-encoded up to 3x) and a token.
constexpr std::size_t max_request_header = 16 * 1024;

class TrackingServiceImpl final : public TrackingService {
  public:
    TrackingServiceImpl(const RelayConfig& config, std::shared_ptr<const EngagementKey> key)
        : settings_(*config.tracking), endpoint_(std::move(key)) {}

    void start() override {
        http::HttpServerConfig server;
        server.address = settings_.listen.address;
        server.port = settings_.listen.port;
        server.limits.max_body_bytes = max_request_body;
        server.limits.max_header_bytes = max_request_header;
        server.log_area = "relay.tracking";
        server_ = std::make_unique<http::HttpServer>(
            server, [this](const http::HttpRequest& request) { return endpoint_.handle(request); });
        server_->start();
        std::lock_guard lock(mutex_);
        base_url_ = "http://" + server_->endpoint();
    }

    void stop() override {
        if (server_) server_->stop();
    }

    std::string base_url() const override {
        std::lock_guard lock(mutex_);
        return base_url_;
    }

    nlohmann::json stats() const override { return endpoint_.stats(); }

    void transform(const SpoolMessage& meta, std::string& content) override {
        // A token names one recipient: a message to several would count every reader as the
        // first (ESPs send one message per recipient for this reason).
        if (meta.recipients.size() != 1) {
            endpoint_.count_untracked("multiple_recipients");
            return;
        }
        if (meta.mail_from.empty()) {
            endpoint_.count_untracked("null_sender");  // a notification, not a campaign
            return;
        }
        std::string base = base_url();
        if (base.empty()) {
            endpoint_.count_untracked("endpoint_not_started");
            return;
        }
        const std::string& recipient = meta.recipients.front().address;
        TrackingUrls urls;
        if (settings_.opens)
            urls.pixel = [&] { return endpoint_.pixel_url(base, meta.id, recipient); };
        if (settings_.clicks)
            urls.click = [&](std::string_view original) {
                return endpoint_.click_url(base, meta.id, recipient, original);
            };
        TrackingRewrite result = rewrite_for_tracking(content, urls);
        if (!result.changed()) {
            endpoint_.count_untracked(to_string(result.skip));
            return;
        }
        content = std::move(result.message);
        endpoint_.count_tracked();
    }

  private:
    TrackingSettings settings_;
    TrackingEndpoint endpoint_;
    std::unique_ptr<http::HttpServer> server_;
    mutable std::mutex mutex_;
    std::string base_url_;
};

}  // namespace

std::shared_ptr<TrackingService> TrackingService::create(const RelayConfig& config,
                                                         std::shared_ptr<const EngagementKey> key) {
    if (!config.tracking) throw std::invalid_argument("tracking is not configured");
    return std::make_shared<TrackingServiceImpl>(config, std::move(key));
}

}  // namespace relaylab::relay
