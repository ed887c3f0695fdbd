#include "harness/relay/engagement/tracking_endpoint.hpp"

#include <openssl/sha.h>

#include <array>
#include <cctype>

#include "harness/http/query_params.hpp"
#include "harness/relay/engagement/html_tracking_rewriter.hpp"

namespace relaylab::relay {
namespace {

constexpr std::size_t binding_octets = 8;  // 64 bits: a URL swap needs a SHA-256 collision
constexpr std::string_view open_prefix = "/o/";
constexpr std::string_view click_prefix = "/c/";

std::string domain_of(const std::string& recipient) {
    auto at = recipient.rfind('@');
    std::string domain = at == std::string::npos ? std::string() : recipient.substr(at + 1);
    for (char& c : domain)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return domain;
}

// The same rule as the rewriter's: no blank or control ever reaches a Location field.
bool clean(std::string_view url) {
    for (char c : url) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return false;
    }
    return !url.empty();
}

}  // namespace

std::string_view tracking_gif() {
    static constexpr unsigned char gif[] = {
        'G',  'I',  'F',  '8',  '9',  'a',  0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
        0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
    static_assert(sizeof gif == 43);
    return {reinterpret_cast<const char*>(gif), sizeof gif};
}

std::string click_binding(std::string_view message_id, std::string_view url) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(url.data()), url.size(), digest.data());
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(message_id);
    out += '#';
    for (std::size_t i = 0; i < binding_octets; ++i) {
        out += digits[digest[i] >> 4];
        out += digits[digest[i] & 0x0f];
    }
    return out;
}

TrackingEndpoint::TrackingEndpoint(std::shared_ptr<const EngagementKey> key)
    : key_(std::move(key)) {}

std::string TrackingEndpoint::pixel_url(const std::string& base_url, const std::string& message_id,
                                        const std::string& recipient) const {
    return base_url + std::string(open_prefix) +
           key_->make({.kind = "o", .message_id = message_id, .recipient = recipient});
}

std::string TrackingEndpoint::click_url(const std::string& base_url, const std::string& message_id,
                                        const std::string& recipient,
                                        std::string_view original) const {
    return base_url + std::string(click_prefix) +
           key_->make({.kind = "c",
                       .message_id = click_binding(message_id, original),
                       .recipient = recipient}) +
           "?u=" + percent_encode(original);
}

http::HttpResponse TrackingEndpoint::bad(unsigned status, std::string_view why) {
    {
        std::lock_guard lock(mutex_);
        ++bad_requests_;
    }
    return http::json_error(status, why);
}

http::HttpResponse TrackingEndpoint::handle(const http::HttpRequest& request) {
    auto parsed = http::parse_target(request.target);
    if (auto* error = std::get_if<std::string>(&parsed)) return bad(404, *error);
    const auto& target = std::get<http::Target>(parsed);
    bool is_open = target.path.starts_with(open_prefix);
    bool is_click = target.path.starts_with(click_prefix);
    if (!is_open && !is_click) return bad(404, "no such tracking path");
    if (request.method != "GET") {
        {
            std::lock_guard lock(mutex_);
            ++bad_requests_;
        }
        return http::wrong_method(request.method, "GET");
    }
    std::string_view token = std::string_view(target.path).substr(open_prefix.size());
    if (is_open) {
        if (!target.params.empty()) return bad(404, "an open URL takes no parameters");
        return open(token);
    }
    auto u = target.params.find("u");
    if (u == target.params.end() || target.params.size() != 1)
        return bad(404, "a click URL takes exactly the parameter u");
    return click(token, u->second);
}

http::HttpResponse TrackingEndpoint::open(std::string_view token) {
    auto fields = key_->open(token);
    if (!fields || fields->kind != "o") return bad(404, "unknown tracking token");
    {
        std::lock_guard lock(mutex_);
        ++opens_;
        std::string key = fields->message_id + '\n' + fields->recipient;
        if (!unique_opens_.contains(key)) {
            if (unique_opens_.size() < max_unique_entries) {
                unique_opens_.insert(std::move(key));
                ++unique_open_count_;
            } else {
                unique_capped_ = true;
            }
        }
        count_domain(fields->recipient, false);
    }
    http::HttpResponse answer;
    answer.content_type = "image/gif";
    answer.body = std::string(tracking_gif());
    return answer;
}

http::HttpResponse TrackingEndpoint::click(std::string_view token, const std::string& url) {
    auto fields = key_->open(token);
    if (!fields || fields->kind != "c") return bad(404, "unknown tracking token");
    auto hash = fields->message_id.rfind('#');
    if (hash == std::string::npos || !clean(url)) return bad(404, "unknown tracking token");
    std::string message_id = fields->message_id.substr(0, hash);
    // The token binds the URL: another u= is not ours to redirect to.
    if (click_binding(message_id, url) != fields->message_id)
        return bad(404, "this link does not lead there");
    {
        std::lock_guard lock(mutex_);
        ++clicks_;
        // Unique per message and recipient, as ESPs report "unique clicks".
        std::string key = message_id + '\n' + fields->recipient;
        if (!unique_clicks_.contains(key)) {
            if (unique_clicks_.size() < max_unique_entries) {
                unique_clicks_.insert(std::move(key));
                ++unique_click_count_;
            } else {
                unique_capped_ = true;
            }
        }
        count_domain(fields->recipient, true);
    }
    http::HttpResponse answer;
    answer.status = 302;
    answer.content_type = "text/plain";
    answer.location = url;
    answer.body = "redirecting\n";
    return answer;
}

void TrackingEndpoint::count_domain(const std::string& recipient, bool is_click) {
    std::string domain = domain_of(recipient);
    auto it = by_domain_.find(domain);
    if (it == by_domain_.end()) {
        if (by_domain_.size() >= max_tracked_domains) domain = "other";
        it = by_domain_.try_emplace(domain).first;
    }
    ++(is_click ? it->second.clicks : it->second.opens);
}

void TrackingEndpoint::count_tracked() {
    std::lock_guard lock(mutex_);
    ++messages_tracked_;
}

void TrackingEndpoint::count_untracked(std::string_view reason) {
    std::lock_guard lock(mutex_);
    auto it = untracked_.find(reason);
    if (it == untracked_.end()) it = untracked_.emplace(std::string(reason), 0).first;
    ++it->second;
}

nlohmann::json TrackingEndpoint::stats() const {
    std::lock_guard lock(mutex_);
    nlohmann::json untracked = nlohmann::json::object();
    for (const auto& [reason, n] : untracked_)
        untracked[reason] = n;
    nlohmann::json domains = nlohmann::json::object();
    for (const auto& [domain, counts] : by_domain_)
        domains[domain] = {{"opens", counts.opens}, {"clicks", counts.clicks}};
    return {{"opens", opens_},
            {"unique_opens", unique_open_count_},
            {"clicks", clicks_},
            {"unique_clicks", unique_click_count_},
            {"bad_requests", bad_requests_},
            {"messages_tracked", messages_tracked_},
            {"messages_untracked", untracked},
            {"by_domain", domains},
            {"unique_capped", unique_capped_}};
}

}  // namespace relaylab::relay
