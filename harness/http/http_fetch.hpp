// http(s) URLs found in messages, fetched under the harness's one network rule: only loopback
// hosts (127.0.0.0/8, ::1, "localhost") are contacted, so a test run never reaches the internet
// whatever URL a message carries. URLs are parsed with limits (length, port, no user info); the
// request itself is https_client.hpp's http_request (deadlines, size caps, TLS verified).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "harness/http/https_client.hpp"

namespace relaylab::http {

// RFC 9110 4.1 asks for at least 8000 octets of URI support; our trackers need a few hundred.
inline constexpr std::size_t max_url_bytes = 8000;

struct HttpUrl {
    bool tls = false;        // https
    std::string host;        // "127.0.0.1", "::1" (no brackets), "localhost"; lower case
    std::uint16_t port = 0;  // 80 / 443 when the URL names none
    std::string target;      // path and query, "/" at least; the fragment dropped
    std::string host_field;  // the Host field (RFC 9110 7.2): "127.0.0.1:8443", "[::1]"
};

struct HttpUrlResult {
    std::optional<HttpUrl> url;
    std::string error;  // why it is not usable, when url is empty
};

// http: and https: only (any case). Refused: user info ("http://127.0.0.1@example.com/" is a
// classic disguise), a port outside 1-65535, whitespace or control characters, over-long URLs.
HttpUrlResult parse_http_url(std::string_view text);

// 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 and "localhost" (RFC 6761 6.3). Names that merely
// resolve to loopback are not: nothing is looked up.
bool is_loopback_host(std::string_view host);

struct FetchOptions {
    HttpMethod method = HttpMethod::get;
    std::string body;
    std::string content_type;
    HttpsTimeouts timeouts;
    HttpsLimits limits;
    std::string user_agent = "relaylab";
    std::string accept = "*/*";
};

// Parses `url`, refuses what is not loopback (HttpsError::not_allowed, detail "not loopback")
// or not a usable URL (HttpsError::bad_url), then makes the request. `context` verifies https.
boost::asio::awaitable<HttpsResult> fetch_loopback_url(boost::asio::any_io_executor executor,
                                                       boost::asio::ssl::context& context,
                                                       std::string url, FetchOptions options);

// The same request for a URL the user named on the command line (`relaylab report merge
// --receiver URL`): any host, a name resolved by the system resolver within
// options.timeouts.connect (a Kubernetes Service name, say). Never for URLs found in messages:
// those go through fetch_loopback_url.
boost::asio::awaitable<HttpsResult> fetch_url(boost::asio::any_io_executor executor,
                                              boost::asio::ssl::context& context, std::string url,
                                              FetchOptions options);

}  // namespace relaylab::http
