#include "harness/runner/dashboard.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "harness/http/http_server.hpp"
#include "harness/http/response_stream.hpp"
#include "harness/http/server_sent_events.hpp"
#include "harness/log/log.hpp"
#include "harness/runner/dashboard_page.hpp"
#include "reports/report_writers.hpp"

namespace relaylab::runner {
namespace {

// Connections beyond the viewers' streams: page loads and /snapshot.json reads.
constexpr std::size_t page_connections = 8;
// An event is one whole state and replaces the one a viewer has not taken yet
// (ResponseStream::replace), so a viewer holds at most one event in flight and one waiting;
// this bound only matters for pushes, which the dashboard does not use.
constexpr std::size_t max_pending_bytes = 64 * 1024;

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

// A hostile snapshot (invalid UTF-8 in a domain name) still serialises.
std::string dump(const nlohmann::json& document) {
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A snapshot the renderer cannot take must not end the run it watches: the page keeps the
// last good state and the log says why.
std::optional<std::string> render(const nlohmann::json& snapshot) {
    try {
        return reports::render_html_sections(snapshot);
    } catch (const std::exception& e) {
        log::warn("dashboard.render_failed", {{"error", e.what()}});
    }
    return std::nullopt;
}

}  // namespace

struct Dashboard::Impl {
    explicit Impl(DashboardConfig c) : config(std::move(c)) {}

    DashboardConfig config;
    // publish() and finish() one at a time, so viewers get events in the order they were made.
    std::mutex publish_mutex;
    // What follows: publishers write it, the server's io thread reads it.
    std::mutex mutex;
    std::string sections{dashboard_waiting_html};
    std::string snapshot_json = "{}";
    std::uint64_t event_id = 0;
    bool over = false;  // finished or stopped: no more events
    std::vector<std::shared_ptr<http::ResponseStream>> viewers;
    std::unique_ptr<http::HttpServer> server;

    http::HttpResponse handle(const http::HttpRequest& request);
    http::HttpResponse open_viewer();
    void forget_gone_viewers_locked() {
        std::erase_if(viewers, [](const auto& viewer) { return viewer->ended(); });
    }
};

http::HttpResponse Dashboard::Impl::handle(const http::HttpRequest& request) {
    std::string_view path = path_of(request.target);
    if (path != "/" && path != "/events" && path != "/snapshot.json")
        return http::json_error(404, "not found; this dashboard serves /, /events, /snapshot.json");
    if (request.method != "GET") return http::wrong_method(request.method, "GET");
    if (path == "/events") return open_viewer();
    std::lock_guard lock(mutex);
    if (path == "/snapshot.json")
        return {.content_type = "application/json", .body = snapshot_json};
    return {.content_type = "text/html; charset=utf-8",
            .body = dashboard_page(reports::html_stylesheet(), sections)};
}

// A new stream starts with the latest state at once, so a page opened mid-run is never empty
// until the next publish.
http::HttpResponse Dashboard::Impl::open_viewer() {
    std::lock_guard lock(mutex);
    forget_gone_viewers_locked();
    if (!over && viewers.size() >= config.max_viewers)
        return http::json_error(503, "too many dashboard viewers (" +
                                         std::to_string(config.max_viewers) +
                                         "); close one and reload");
    auto viewer = std::make_shared<http::ResponseStream>(
        http::StreamLimits{.max_pending_bytes = max_pending_bytes,
                           .heartbeat_interval = config.ping_interval,
                           .heartbeat = http::sse_comment("ping")});
    if (over) {
        // The run ended while this request was on its way: its last state, then the end.
        viewer->replace(end_event(event_id, sections));
        viewer->close();
    } else {
        viewer->replace(snapshot_event(event_id, sections));
        viewers.push_back(viewer);
    }
    return {.content_type = std::string(http::event_stream_content_type), .stream = viewer};
}

Dashboard::Dashboard(DashboardConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Dashboard::~Dashboard() {
    stop();
}

void Dashboard::start() {
    const DashboardConfig& config = impl_->config;
    std::size_t max_connections = config.max_viewers > std::numeric_limits<std::size_t>::max() / 2
                                      ? config.max_viewers
                                      : config.max_viewers + page_connections;
    http::HttpServerConfig server_config{
        .address = config.address,
        .port = config.port,
        .limits = {.max_connections = max_connections,
                   // Every viewer of a loopback dashboard is the same client.
                   .max_connections_per_client = 0,
                   .write_timeout = config.event_write_timeout},
        .log_area = "dashboard",
    };
    impl_->server = std::make_unique<http::HttpServer>(
        std::move(server_config),
        [impl = impl_.get()](const http::HttpRequest& request) { return impl->handle(request); });
    impl_->server->start();
}

void Dashboard::publish(const nlohmann::json& snapshot) {
    Impl& impl = *impl_;
    std::lock_guard order(impl.publish_mutex);
    {
        std::lock_guard lock(impl.mutex);
        if (impl.over) return;
    }
    // Rendered here, once, outside the lock the server's thread needs for its pages.
    std::optional<std::string> sections = render(snapshot);
    std::string document = dump(snapshot);
    std::lock_guard lock(impl.mutex);
    if (impl.over) return;
    impl.snapshot_json = std::move(document);
    if (!sections) return;
    impl.sections = std::move(*sections);
    std::string event = snapshot_event(++impl.event_id, impl.sections);
    impl.forget_gone_viewers_locked();
    for (const auto& viewer : impl.viewers)
        viewer->replace(event);
}

void Dashboard::finish(const nlohmann::json& final_report) {
    Impl& impl = *impl_;
    std::vector<std::shared_ptr<http::ResponseStream>> closing;
    {
        std::lock_guard order(impl.publish_mutex);
        std::optional<std::string> sections = render(final_report);
        std::string document = dump(final_report);
        std::lock_guard lock(impl.mutex);
        if (impl.over) return;
        impl.over = true;
        impl.snapshot_json = std::move(document);
        if (sections) impl.sections = std::move(*sections);
        // The last state travels with the end event: it replaces a snapshot not yet taken.
        std::string event = end_event(++impl.event_id, impl.sections);
        for (const auto& viewer : impl.viewers) {
            viewer->replace(event);
            viewer->close();
        }
        closing = std::move(impl.viewers);
        impl.viewers.clear();
    }
    // Each viewer gets one write deadline to take the end before the server goes.
    auto deadline = std::chrono::steady_clock::now() + impl.config.event_write_timeout;
    for (const auto& viewer : closing) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        viewer->wait_done(std::max(left, std::chrono::milliseconds(0)));
    }
    stop();
}

void Dashboard::stop() {
    Impl& impl = *impl_;
    {
        std::lock_guard lock(impl.mutex);
        impl.over = true;
        for (const auto& viewer : impl.viewers)
            viewer->close();
        impl.viewers.clear();
    }
    if (impl.server) impl.server->stop();
}

std::uint16_t Dashboard::port() const {
    return impl_->server ? impl_->server->port() : 0;
}

std::string Dashboard::url() const {
    return impl_->server ? "http://" + impl_->server->endpoint() + "/" : std::string();
}

}  // namespace relaylab::runner
