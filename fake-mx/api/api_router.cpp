#include "fake-mx/api/api_router.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "fake-mx/api/inbox_page.hpp"
#include "fake-mx/api/metrics_text.hpp"
#include "fake-mx/capture/capture_json.hpp"
#include "harness/http/query_params.hpp"

namespace relaylab::fakemx::api {
namespace {

using nlohmann::json;
namespace capture = fakemx::capture;
using http::integer_param;
using http::parse_target;
using http::Target;
using http::unknown_param;
using http::wrong_method;

constexpr std::string_view messages_path = "/api/v1/messages";
constexpr std::string_view sessions_path = "/api/v1/sessions";
constexpr std::string_view tracking_path = "/api/v1/tracking";

ApiResponse json_ok(const json& value, unsigned status = 200) {
    return {.status = status, .body = capture::dump_json(value)};
}

// limit and offset, or the error answer.
struct Paging {
    std::size_t offset = 0;
    std::size_t limit = default_page_limit;
};
std::variant<Paging, ApiResponse> paging(const Target& target) {
    auto limit = integer_param(target, "limit", default_page_limit, 0, max_page_limit);
    if (auto* error = std::get_if<std::string>(&limit)) return json_error(400, *error);
    auto offset = integer_param(target, "offset", 0, 0, max_page_offset);
    if (auto* error = std::get_if<std::string>(&offset)) return json_error(400, *error);
    return Paging{static_cast<std::size_t>(std::get<std::uint64_t>(offset)),
                  static_cast<std::size_t>(std::get<std::uint64_t>(limit))};
}

std::string param(const Target& target, std::string_view name) {
    auto it = target.params.find(name);
    return it == target.params.end() ? std::string() : it->second;
}

// "/api/v1/messages/<id>[/raw]": the id text and whether /raw follows; nullopt for other paths.
struct MessagePath {
    std::string_view id;
    bool raw = false;
};
std::optional<MessagePath> message_path(std::string_view path) {
    if (!path.starts_with(messages_path) || path.size() <= messages_path.size() + 1 ||
        path[messages_path.size()] != '/')
        return std::nullopt;
    std::string_view rest = path.substr(messages_path.size() + 1);
    std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return MessagePath{rest, false};
    if (rest.substr(slash) == "/raw") return MessagePath{rest.substr(0, slash), true};
    return std::nullopt;
}

std::optional<std::uint64_t> parse_id(std::string_view text) {
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id == 0)
        return std::nullopt;
    return id;
}

// The transcripts' client_ip is an address as the socket gave it (IPv4 dotted quad or IPv6
// text); anything else is a mistake to report, not a filter that silently matches nothing.
bool is_ip_address(const std::string& text) {
    unsigned char buffer[16];
    return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
           ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

}  // namespace

ApiRouter::ApiRouter(capture::CaptureStore& store, StatsSource stats)
    : store_(store), stats_(std::move(stats)) {}

ApiResponse ApiRouter::handle(std::string_view method, std::string_view target_text) const {
    auto parsed = parse_target(target_text);
    if (auto* error = std::get_if<std::string>(&parsed)) return json_error(400, *error);
    const Target& target = std::get<Target>(parsed);
    const std::string& path = target.path;
    const bool get = method == "GET";

    if (path == "/") {
        if (!get) return wrong_method(method, "GET");
        return {.content_type = "text/html; charset=utf-8", .body = std::string(inbox_page_html())};
    }

    if (path == messages_path) {
        if (method == "DELETE") {
            if (auto error = unknown_param(target, {})) return json_error(400, *error);
            auto cleared = store_.clear();
            return json_ok({{"deleted", cleared.messages}, {"sessions_deleted", cleared.sessions}});
        }
        if (!get) return wrong_method(method, "GET, DELETE");
        if (auto error = unknown_param(target, {"to", "from", "subject", "tracking_id", "since",
                                                "host", "limit", "offset"}))
            return json_error(400, *error);
        auto page = paging(target);
        if (auto* error = std::get_if<ApiResponse>(&page)) return *error;
        capture::MessageFilter filter{.to = param(target, "to"),
                                      .subject = param(target, "subject"),
                                      .tracking_id = param(target, "tracking_id"),
                                      .host = param(target, "host")};
        if (auto it = target.params.find("from"); it != target.params.end()) {
            // "<>" (or an empty value) asks for bounces: the null reverse-path.
            filter.from = it->second == "<>" ? std::string() : it->second;
        }
        if (auto it = target.params.find("since"); it != target.params.end()) {
            filter.since = capture::parse_time(it->second);
            if (!filter.since)
                return json_error(400,
                                  "parameter 'since' must be RFC 3339 "
                                  "(2024-05-06T07:08:09Z) or unix seconds, got '" +
                                      it->second + "'");
        }
        const Paging& p = std::get<Paging>(page);
        capture::MessagePage result = store_.query(filter, p.offset, p.limit);
        json messages = json::array();
        for (const capture::CapturedMessage& m : result.messages)
            messages.push_back(capture::message_summary_json(m));
        return json_ok({{"total", result.total},
                        {"offset", p.offset},
                        {"limit", p.limit},
                        {"messages", std::move(messages)}});
    }

    if (auto message = message_path(path)) {
        if (!get) return wrong_method(method, "GET");
        if (auto error = unknown_param(target, {})) return json_error(400, *error);
        auto id = parse_id(message->id);
        if (!id)
            return json_error(400, "message id must be a positive integer, got '" +
                                       std::string(message->id) + "'");
        if (message->raw) {
            capture::RawContent raw = store_.raw(*id);
            if (raw.status == capture::RawStatus::unknown_id)
                return json_error(404, "no message with id " + std::to_string(*id));
            if (raw.status == capture::RawStatus::gone)
                return json_error(410, "the raw content of message " + std::to_string(*id) +
                                           " was dropped (beyond the memory bound, no store "
                                           "directory) or its Maildir file is gone");
            return {.content_type = "message/rfc822", .body = std::move(raw.content)};
        }
        auto detail = store_.find(*id);
        if (!detail) return json_error(404, "no message with id " + std::to_string(*id));
        return json_ok(capture::message_detail_json(*detail));
    }

    if (path == sessions_path) {
        if (!get) return wrong_method(method, "GET");
        if (auto error = unknown_param(target, {"client_ip", "host", "limit", "offset"}))
            return json_error(400, *error);
        auto page = paging(target);
        if (auto* error = std::get_if<ApiResponse>(&page)) return *error;
        const Paging& p = std::get<Paging>(page);
        if (auto it = target.params.find("client_ip");
            it != target.params.end() && !is_ip_address(it->second))
            return json_error(400, "parameter 'client_ip' must be an IPv4 or IPv6 address, got '" +
                                       it->second + "'");
        capture::SessionPage result = store_.sessions(
            {.client_ip = param(target, "client_ip"), .host = param(target, "host")}, p.offset,
            p.limit);
        json sessions = json::array();
        for (const capture::SessionRecord& s : result.sessions)
            sessions.push_back(capture::session_json(s));
        return json_ok({{"total", result.total},
                        {"offset", p.offset},
                        {"limit", p.limit},
                        {"sessions", std::move(sessions)}});
    }

    if (path == tracking_path) {
        if (!get) return wrong_method(method, "GET");
        if (auto error = unknown_param(target, {"run_id", "host"})) return json_error(400, *error);
        auto run_id = target.params.find("run_id");
        if (run_id == target.params.end() || run_id->second.empty())
            return json_error(400,
                              "parameter 'run_id' is required: the run whose tracking ids "
                              "'<run_id>-<n>' to count");
        if (!capture::valid_run_id(run_id->second))
            return json_error(
                400, "parameter 'run_id' must be 1 to " +
                         std::to_string(capture::max_run_id_bytes) +
                         " characters of A-Z a-z 0-9 . _ -, got '" +
                         run_id->second.substr(0, capture::max_run_id_bytes) +
                         (run_id->second.size() > capture::max_run_id_bytes
                              ? "...' (" + std::to_string(run_id->second.size()) + " bytes)"
                              : "'"));
        return json_ok(capture::tracking_coverage_json(
            store_.tracking_coverage(run_id->second, param(target, "host"))));
    }

    if (path == "/api/v1/stats") {
        if (!get) return wrong_method(method, "GET");
        if (auto error = unknown_param(target, {})) return json_error(400, *error);
        json server = stats_ ? stats_() : json(nullptr);
        json out = server.is_object() ? server : json{{"server", server}};
        out["store"] = capture::counts_json(store_.counts());
        return json_ok(out);
    }

    if (path == "/metrics") {
        if (!get) return wrong_method(method, "GET");
        json server = stats_ ? stats_() : json(nullptr);
        return {.content_type = std::string(metrics_content_type),
                .body = metrics_text(store_.counts(), server)};
    }

    return json_error(404, "no such endpoint: " + path +
                               " (see /api/v1/messages, /api/v1/sessions, /api/v1/tracking, "
                               "/api/v1/stats, "
                               "/metrics, /)");
}

}  // namespace relaylab::fakemx::api
