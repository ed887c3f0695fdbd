#include "harness/relay/admin/admin_router.hpp"

#include <nlohmann/json.hpp>

#include "harness/http/prometheus.hpp"
#include "harness/http/query_params.hpp"

namespace relaylab::relay {
namespace {

using http::HttpResponse;
using http::json_error;
using http::wrong_method;
using nlohmann::json;

constexpr std::string_view queue_path = "/queue";
constexpr std::string_view flush_suffix = "/flush";
// RFC 1035 2.3.4: labels are at most 63 octets.
constexpr std::size_t max_label_length = 63;
// How much of a hostile value an error message quotes back.
constexpr std::size_t max_quoted_bytes = 64;

HttpResponse json_ok(const json& value) {
    return {.status = 200, .body = value.dump(-1, ' ', false, json::error_handler_t::replace)};
}

std::string quote_for_error(std::string_view text) {
    std::string out = "'";
    out += text.substr(0, max_quoted_bytes);
    if (text.size() > max_quoted_bytes) out += "...";
    out += "'";
    return out;
}

HttpResponse bad_id(std::string_view text) {
    return json_error(400, "queue id must be 1 to " + std::to_string(max_queue_id_length) +
                               " hex digits, got " + quote_for_error(text));
}

HttpResponse not_queued(const std::string& id) {
    return json_error(404, "no message " + id + " in the queue");
}

// The "domain" parameter: "" when absent, the canonical domain, or the error answer.
std::variant<std::string, HttpResponse> domain_param(const http::Target& target) {
    auto it = target.params.find("domain");
    if (it == target.params.end()) return std::string();
    auto domain = canonical_domain(it->second);
    if (!domain)
        return json_error(400,
                          "parameter 'domain' must be a host name (letters, digits, '-', "
                          "'.'; at most " +
                              std::to_string(max_domain_length) + " octets), got " +
                              quote_for_error(it->second));
    return *domain;
}

// "/queue/<id>" and "/queue/<id>/flush": the id text and whether /flush follows; nullopt for
// other paths.
struct MessagePath {
    std::string_view id;
    bool flush = false;
};
std::optional<MessagePath> message_path(std::string_view path) {
    if (!path.starts_with(queue_path) || path.size() <= queue_path.size() + 1 ||
        path[queue_path.size()] != '/')
        return std::nullopt;
    std::string_view rest = path.substr(queue_path.size() + 1);
    std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return MessagePath{rest, false};
    if (rest.substr(slash) == flush_suffix) return MessagePath{rest.substr(0, slash), true};
    return std::nullopt;
}

HttpResponse queue_list(AdminBackend& backend, const http::Target& target) {
    if (auto error = http::unknown_param(target, {"domain", "limit"}))
        return json_error(400, *error);
    auto domain = domain_param(target);
    if (auto* error = std::get_if<HttpResponse>(&domain)) return *error;
    QueueQuery query;
    auto limit = http::integer_param(target, "limit", query.limit, 0, max_queue_list_limit);
    if (auto* error = std::get_if<std::string>(&limit)) return json_error(400, *error);
    query.domain = std::get<std::string>(domain);
    query.limit = static_cast<std::size_t>(std::get<std::uint64_t>(limit));
    return json_ok(backend.queue_list(query));
}

HttpResponse one_message(AdminBackend& backend, std::string_view method, const MessagePath& path) {
    if (path.flush) {
        if (method != "POST") return wrong_method(method, "POST");
    } else if (method != "GET" && method != "DELETE") {
        return wrong_method(method, "GET, DELETE");
    }
    auto id = canonical_queue_id(path.id);
    if (!id) return bad_id(path.id);
    if (path.flush) {
        std::size_t flushed = backend.flush(*id, "");
        // 0 is also the answer for a message that is queued but already due: only a message
        // that is not there at all is a 404.
        if (flushed == 0 && !backend.queue_message(*id)) return not_queued(*id);
        return json_ok({{"id", *id}, {"flushed", flushed}});
    }
    if (method == "DELETE") {
        if (!backend.remove(*id)) return not_queued(*id);
        return json_ok({{"id", *id}, {"removed", true}});
    }
    auto message = backend.queue_message(*id);
    if (!message) return not_queued(*id);
    return json_ok(*message);
}

}  // namespace

std::optional<std::string> canonical_queue_id(std::string_view text) {
    if (text.empty() || text.size() > max_queue_id_length) return std::nullopt;
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c >= '0' && c <= '9')
            out.push_back(c);
        else if (c >= 'A' && c <= 'F')
            out.push_back(c);
        else if (c >= 'a' && c <= 'f')
            out.push_back(static_cast<char>(c - 'a' + 'A'));
        else
            return std::nullopt;
    }
    return out;
}

std::optional<std::string> canonical_domain(std::string_view text) {
    if (text.ends_with('.')) text.remove_suffix(1);
    if (text.empty() || text.size() > max_domain_length) return std::nullopt;
    std::string out;
    out.reserve(text.size());
    std::size_t label = 0;
    for (char c : text) {
        if (c == '.') {
            if (label == 0) return std::nullopt;
            label = 0;
            out.push_back(c);
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
            ok = true;
        }
        if (!ok || ++label > max_label_length) return std::nullopt;
        out.push_back(c);
    }
    if (label == 0) return std::nullopt;
    return out;
}

HttpResponse AdminRouter::handle(const http::HttpRequest& request) const {
    auto parsed = http::parse_target(request.target);
    if (auto* error = std::get_if<std::string>(&parsed)) return json_error(400, *error);
    const http::Target& target = std::get<http::Target>(parsed);
    const std::string& path = target.path;
    const std::string& method = request.method;

    if (path == "/healthz") {
        if (method != "GET") return wrong_method(method, "GET");
        return {.content_type = "text/plain; charset=utf-8", .body = "ok"};
    }
    if (path == "/metrics") {
        if (method != "GET") return wrong_method(method, "GET");
        return {.content_type = std::string(http::prometheus_content_type),
                .body = backend_.metrics()};
    }
    if (path == queue_path) {
        if (method != "GET") return wrong_method(method, "GET");
        return queue_list(backend_, target);
    }
    if (path == flush_suffix) {
        if (method != "POST") return wrong_method(method, "POST");
        if (auto error = http::unknown_param(target, {"domain"})) return json_error(400, *error);
        auto domain = domain_param(target);
        if (auto* error = std::get_if<HttpResponse>(&domain)) return *error;
        const std::string& d = std::get<std::string>(domain);
        std::size_t flushed = backend_.flush("", d);
        json answer{{"flushed", flushed}};
        answer["domain"] = d.empty() ? json(nullptr) : json(d);
        return json_ok(answer);
    }
    if (auto message = message_path(path)) {
        if (auto error = http::unknown_param(target, {})) return json_error(400, *error);
        return one_message(backend_, method, *message);
    }
    return json_error(404, "no such endpoint: " + quote_for_error(path) +
                               " (see /queue, /queue/<id>, /queue/<id>/flush, /flush, "
                               "/metrics, /healthz)");
}

}  // namespace relaylab::relay
