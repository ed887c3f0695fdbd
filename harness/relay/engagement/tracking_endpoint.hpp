// The tracking endpoint's meaning, without sockets (tracking_service.cpp puts it behind the
// Beast server): the URLs put in a message and the answers to them, with the counts.
//
//   GET /o/<token>            200 image/gif, a 43-octet transparent 1x1 GIF (an open)
//   GET /c/<token>?u=<url>    302 Location: <url> (a click), only when the token's MAC holds
//                             and the token binds that very URL
//   anything else             404 (bad token, unknown path) or 405 (not GET)
//
// A click token is made per link: its message id is "<spool id>#<hash of the URL>", so the
// endpoint redirects only to URLs that were in the message (no open redirect: an attacker
// cannot make it send a browser anywhere by editing u=). Cache-Control: no-store is on every
// answer (the server adds it), so a cache does not swallow the second open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "harness/http/http_message.hpp"
#include "harness/relay/engagement/engagement_token.hpp"

namespace relaylab::relay {

// Unique opens and clicks are remembered per (message, recipient) up to this many each; past
// it, new ones are counted in totals only and the stats say "unique_capped": true.
inline constexpr std::size_t max_unique_entries = 200'000;
// Recipient domains counted apart; the rest go under "other".
inline constexpr std::size_t max_tracked_domains = 1000;

// The 1x1 transparent GIF89a every ESP serves (43 octets).
std::string_view tracking_gif();

// "<spool id>#<first 8 octets of SHA-256(url), hex>": what a click token binds.
std::string click_binding(std::string_view message_id, std::string_view url);

class TrackingEndpoint {
  public:
    // base_url: "http://127.0.0.1:PORT", without the final "/".
    explicit TrackingEndpoint(std::shared_ptr<const EngagementKey> key);

    std::string pixel_url(const std::string& base_url, const std::string& message_id,
                          const std::string& recipient) const;
    std::string click_url(const std::string& base_url, const std::string& message_id,
                          const std::string& recipient, std::string_view original) const;

    http::HttpResponse handle(const http::HttpRequest& request);

    // Before the spool write: what happened to a message.
    void count_tracked();
    void count_untracked(std::string_view reason);

    nlohmann::json stats() const;

  private:
    http::HttpResponse open(std::string_view token);
    http::HttpResponse click(std::string_view token, const std::string& url);
    http::HttpResponse bad(unsigned status, std::string_view why);
    void count_domain(const std::string& recipient, bool is_click);

    std::shared_ptr<const EngagementKey> key_;
    mutable std::mutex mutex_;
    std::uint64_t opens_ = 0;
    std::uint64_t clicks_ = 0;
    std::uint64_t bad_requests_ = 0;
    std::uint64_t messages_tracked_ = 0;
    std::map<std::string, std::uint64_t, std::less<>> untracked_;
    std::unordered_set<std::string> unique_opens_;
    std::unordered_set<std::string> unique_clicks_;
    std::uint64_t unique_open_count_ = 0;
    std::uint64_t unique_click_count_ = 0;
    bool unique_capped_ = false;
    struct DomainCounts {
        std::uint64_t opens = 0;
        std::uint64_t clicks = 0;
    };
    std::map<std::string, DomainCounts, std::less<>> by_domain_;
};

}  // namespace relaylab::relay
