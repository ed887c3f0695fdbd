// One HTTPS GET with everything bounded, for checks that fetch a document from a server they do
// not trust to behave (the MTA-STS policy of RFC 8461 3.3): a deadline on connect, handshake and
// the whole response, a cap on header and body size, the certificate verified (PKIX, host name)
// against a CA file or the system's roots, and redirects never followed (a 3xx is returned as
// it came). Failures are typed with a reason ("certificate expired", "timed out waiting for the
// response"), never thrown. http_request() is the same exchange with a method, a request body
// and plain HTTP as options (the simulated recipients' pixel GETs and one-click POSTs); URLs
// and the loopback rule are http_fetch.hpp's.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace relaylab::http {

struct HttpsTimeouts {
    std::chrono::milliseconds connect{std::chrono::seconds(10)};
    std::chrono::milliseconds handshake{std::chrono::seconds(10)};
    // Sending the request and reading the whole response.
    std::chrono::milliseconds response{std::chrono::seconds(20)};
};

struct HttpsLimits {
    std::size_t max_header_bytes = 16 * 1024;
    // RFC 8461 3.3 gives no bound; a policy is a few hundred octets, 64 KiB is plenty.
    std::size_t max_body_bytes = 64 * 1024;
};

enum class HttpMethod { get, post };

struct HttpsRequest {
    std::string host;    // Host field, SNI and the name the certificate must carry
    std::string target;  // "/.well-known/mta-sts.txt"
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // tried in order
    HttpsTimeouts timeouts;
    HttpsLimits limits;
    std::string user_agent = "relaylab";
    // The options of http_request(); https_get() uses the defaults.
    HttpMethod method = HttpMethod::get;
    std::string body;          // sent with a POST
    std::string content_type;  // of the body
    std::string accept = "text/plain";
    std::string host_field;  // the Host field when not `host` ("127.0.0.1:8443")
    bool tls = true;         // false: plain HTTP (no handshake, no certificate)
};

enum class HttpsError {
    none,
    no_address,       // "no address to connect to"
    connect_refused,  // "connection refused"
    connect_timeout,  // "connect timed out"
    connect_failed,   // other connect errors, detail says which
    tls_failed,       // "TLS handshake failed": the classified reason in detail
    timeout,          // "timed out waiting for the response"
    closed,           // "connection closed before a complete response"
    bad_response,     // "not a valid HTTP response": Beast's reason in detail
    too_large,        // "response larger than the limit"
    write_failed,     // "could not send the request"
    bad_url,          // "not a usable http(s) URL": the parser's reason in detail
    not_allowed,      // "URL not allowed": the policy's reason in detail ("not loopback")
};
std::string_view describe(HttpsError error);

struct HttpsResponse {
    unsigned status = 0;
    std::string status_line;  // "HTTP/1.1 200 OK"
    std::string content_type;
    std::string location;  // of a redirect, not followed
    std::string body;
};

struct HttpsResult {
    HttpsError error = HttpsError::none;
    std::string detail;
    std::optional<HttpsResponse> response;  // set when error is none
    std::string connected_to;               // "127.0.0.1:443" of the last attempt
    std::string tls_version;                // "TLSv1.3" once the handshake succeeded
    std::string text() const;               // "TLS handshake failed: certificate expired"
    bool ok() const { return error == HttpsError::none; }
};

// A client context that verifies the peer: against `ca_file` when given, else the system's
// default roots. TLS 1.2 at least. Throws std::runtime_error naming an unreadable CA file.
std::shared_ptr<boost::asio::ssl::context> make_verifying_client_context(
    const std::string& ca_file);

// GET https://host/target over the first endpoint that connects. `context` decides what is
// verified (make_verifying_client_context); the host name is checked when the context verifies.
boost::asio::awaitable<HttpsResult> https_get(boost::asio::any_io_executor executor,
                                              boost::asio::ssl::context& context,
                                              HttpsRequest request);

// The request as `request` says: its method and body, over TLS (verified as https_get does) or
// plain HTTP when request.tls is false (then `context` is not used).
boost::asio::awaitable<HttpsResult> http_request(boost::asio::any_io_executor executor,
                                                 boost::asio::ssl::context& context,
                                                 HttpsRequest request);

}  // namespace relaylab::http
