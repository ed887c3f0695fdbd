#include "harness/relay/engagement/unsubscribe_service.hpp"

#include <atomic>
#include <system_error>

#include "harness/http/https_endpoint.hpp"
#include "harness/log/log.hpp"
#include "harness/net/tls.hpp"
#include "harness/relay/engagement/list_unsubscribe_stamp.hpp"
#include "harness/relay/engagement/one_click_request.hpp"
#include "harness/relay/engagement/suppression_list.hpp"

namespace relaylab::relay {

namespace {

// The endpoint's certificate is issued afresh at every start; the CA stays.
constexpr int endpoint_certificate_days = 365;

bool wildcard_address(const std::string& address) {
    return address == "0.0.0.0" || address == "::" || address == "[::]";
}

// The host part of the URLs in List-Unsubscribe: the listen address itself (what a client on
// this machine can reach), or the relay's name when it listens on every address.
std::string url_host(const RelayConfig& config) {
    const std::string& address = config.unsubscribe->listen.address;
    if (wildcard_address(address)) return config.hostname;
    if (address.find(':') != std::string::npos && address.front() != '[')
        return "[" + address + "]";
    return address;
}

class UnsubscribeServiceImpl final : public UnsubscribeService {
  public:
    UnsubscribeServiceImpl(const RelayConfig& config, std::shared_ptr<const EngagementKey> key)
        : settings_(*config.unsubscribe),
          key_(std::move(key)),
          host_(url_host(config)),
          list_(settings_.suppression_file.empty() ? config.spool / "suppressed"
                                                   : settings_.suppression_file) {
        http::HttpsEndpointConfig endpoint;
        endpoint.address = settings_.listen.address;
        if (endpoint.address.starts_with('[') && endpoint.address.ends_with(']'))
            endpoint.address = endpoint.address.substr(1, endpoint.address.size() - 2);
        endpoint.port = settings_.listen.port;
        endpoint.server_name = "relaylab-unsubscribe";
        endpoint.log_area = "relay.unsubscribe";
        if (config.tls) {
            endpoint.tls = net::make_server_context_from_files(config.tls->certificate.string(),
                                                               config.tls->private_key.string());
        } else {
            // Key generation here, at set-up, never on an io thread.
            auto dir = settings_.ca_dir.empty() ? config.spool / "engagement-ca" : settings_.ca_dir;
            net::TestCa ca = net::load_or_create_test_ca(dir);
            ca_file_ = ca.certificate_file;
            std::string name =
                wildcard_address(settings_.listen.address) ? config.hostname : endpoint.address;
            endpoint.tls = net::make_server_context(
                net::issue_certificate(ca, name, net::valid_for_days(endpoint_certificate_days)));
        }
        endpoint_ = std::make_unique<http::HttpsEndpoint>(
            std::move(endpoint),
            [this](const http::HttpRequest& request) { return answer(request); });
        const SuppressionLoad& loaded = list_.loaded();
        log::info("relay.suppression_loaded", {{"file", list_.file().string()},
                                               {"addresses", loaded.addresses},
                                               {"skipped_lines", loaded.skipped_lines},
                                               {"torn_tail", loaded.torn_tail}});
    }

    void start() override {
        endpoint_->start();
        base_url_ = "https://" + host_ + ":" + std::to_string(endpoint_->port());
        log::info("relay.unsubscribe_listening", {{"url", base_url_}});
    }

    void stop() override { endpoint_->stop(); }

    std::string base_url() const override { return base_url_; }
    std::filesystem::path ca_file() const override { return ca_file_; }
    bool suppressed(std::string_view address) const override { return list_.contains(address); }

    std::optional<smtp::Reply> check_recipient(std::string_view /*sender*/,
                                               std::string_view recipient) override {
        if (!list_.contains(recipient)) return std::nullopt;
        refused_rcpts_.fetch_add(1, std::memory_order_relaxed);
        // RFC 3463 5.7.1: delivery not authorized; permanent, the recipient asked for it.
        return smtp::make_reply(
            550, "5.7.1",
            std::string(recipient) + ": recipient has unsubscribed (suppression list)");
    }

    void transform(const SpoolMessage& meta, std::string& content) override {
        if (!settings_.add_headers || base_url_.empty()) return;
        std::string url;
        if (meta.recipients.size() == 1) {
            url = base_url_ + std::string(unsubscribe_path_prefix) +
                  key_->make({std::string(unsubscribe_token_kind), meta.id,
                              meta.recipients.front().address});
        }
        if (stamp_list_unsubscribe(content, meta.recipients.size(), url) == StampOutcome::stamped)
            stamped_.fetch_add(1, std::memory_order_relaxed);
    }

    nlohmann::json stats() const override {
        return {{"requests", requests_.load()}, {"unsubscribed", unsubscribed_.load()},
                {"already", already_.load()},   {"bad_token", bad_token_.load()},
                {"forms", forms_.load()},       {"refused_rcpts", refused_rcpts_.load()},
                {"stamped", stamped_.load()},   {"suppressed", list_.size()}};
    }

  private:
    // On the endpoint's worker thread (it fsyncs).
    http::HttpResponse answer(const http::HttpRequest& request) {
        requests_.fetch_add(1, std::memory_order_relaxed);
        OneClickReading reading = read_one_click_request(*key_, request);
        switch (reading.action) {
            case OneClickAction::refuse:
                if (reading.bad_token) bad_token_.fetch_add(1, std::memory_order_relaxed);
                return reading.refusal;
            case OneClickAction::show_form:
                forms_.fetch_add(1, std::memory_order_relaxed);
                return one_click_form_page(request.target.substr(0, request.target.find('?')),
                                           reading.fields);
            case OneClickAction::unsubscribe:
                break;
        }
        const std::string& recipient = reading.fields.recipient;
        SuppressionAdd added;
        try {
            added = list_.add(recipient);
        } catch (const std::system_error& error) {
            // Not acknowledged: the client (a mailbox provider) retries a 5xx/503 later.
            log::error("relay.unsubscribe_not_recorded",
                       {{"recipient", recipient}, {"error", error.what()}});
            http::HttpResponse unavailable;
            unavailable.status = 503;
            unavailable.content_type = "text/plain; charset=utf-8";
            unavailable.body = "the unsubscribe could not be recorded; try again later\n";
            return unavailable;
        }
        if (added == SuppressionAdd::invalid) {
            bad_token_.fetch_add(1, std::memory_order_relaxed);
            http::HttpResponse invalid;
            invalid.status = 404;
            invalid.content_type = "text/plain; charset=utf-8";
            invalid.body = "no such unsubscribe link\n";
            return invalid;
        }
        bool already = added == SuppressionAdd::already;
        (already ? already_ : unsubscribed_).fetch_add(1, std::memory_order_relaxed);
        log::info("relay.unsubscribed", {{"recipient", recipient},
                                         {"message", reading.fields.message_id},
                                         {"client", request.client_address},
                                         {"already", already}});
        return one_click_done(recipient, already);
    }

    const UnsubscribeSettings settings_;
    const std::shared_ptr<const EngagementKey> key_;
    const std::string host_;
    SuppressionList list_;
    std::filesystem::path ca_file_;
    std::string base_url_;  // set by start(), before any hook or request can read it
    std::atomic<std::uint64_t> requests_{0}, unsubscribed_{0}, already_{0}, bad_token_{0},
        forms_{0}, refused_rcpts_{0}, stamped_{0};
    std::unique_ptr<http::HttpsEndpoint> endpoint_;  // last: stopped before the members it uses go
};

}  // namespace

std::shared_ptr<UnsubscribeService> UnsubscribeService::create(
    const RelayConfig& config, std::shared_ptr<const EngagementKey> key) {
    return std::make_shared<UnsubscribeServiceImpl>(config, std::move(key));
}

}  // namespace relaylab::relay
