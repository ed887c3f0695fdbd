#include "harness/http/https_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <stdexcept>

#include "harness/net/tls.hpp"

namespace relaylab::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::string endpoint_text(const tcp::endpoint& endpoint) {
    auto address = endpoint.address();
    std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

HttpsResult failure(HttpsResult result, HttpsError error, std::string detail) {
    result.error = error;
    result.detail = std::move(detail);
    result.response.reset();
    return result;
}

// Beast's and the socket's errors while reading the response, in the words of describe().
HttpsError classify_read_error(const boost::system::error_code& ec) {
    if (ec == beast::error::timeout) return HttpsError::timeout;
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit ||
        ec == bhttp::error::buffer_overflow) {
        return HttpsError::too_large;
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::ssl::error::stream_truncated) {
        return HttpsError::closed;
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category())
        return HttpsError::bad_response;
    return HttpsError::closed;
}

}  // namespace

std::string_view describe(HttpsError error) {
    switch (error) {
        case HttpsError::none:
            return "ok";
        case HttpsError::no_address:
            return "no address to connect to";
        case HttpsError::connect_refused:
            return "connection refused";
        case HttpsError::connect_timeout:
            return "connect timed out";
        case HttpsError::connect_failed:
            return "could not connect";
        case HttpsError::tls_failed:
            return "TLS handshake failed";
        case HttpsError::timeout:
            return "timed out waiting for the response";
        case HttpsError::closed:
            return "connection closed before a complete response";
        case HttpsError::bad_response:
            return "not a valid HTTP response";
        case HttpsError::too_large:
            return "response larger than the limit";
        case HttpsError::write_failed:
            return "could not send the request";
    }
    return "unknown error";
}

std::string HttpsResult::text() const {
    std::string text(describe(error));
    if (!detail.empty()) text += ": " + detail;
    if (!connected_to.empty() && error != HttpsError::none) text += " (" + connected_to + ")";
    return text;
}

std::shared_ptr<asio::ssl::context> make_verifying_client_context(const std::string& ca_file) {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    if (ca_file.empty()) {
        context->set_default_verify_paths(ec);
    } else {
        context->load_verify_file(ca_file, ec);
    }
    if (ec) {
        throw std::runtime_error(
            (ca_file.empty() ? std::string("the system's CA certificates") : ca_file) +
            ": cannot load trust anchors: " + ec.message());
    }
    context->set_verify_mode(asio::ssl::verify_peer);
    return context;
}

asio::awaitable<HttpsResult> https_get(asio::any_io_executor executor, asio::ssl::context& context,
                                       HttpsRequest request) {
    HttpsResult result;
    if (request.endpoints.empty()) co_return failure(std::move(result), HttpsError::no_address, "");

    beast::ssl_stream<beast::tcp_stream> stream(executor, context);
    auto& tcp_layer = beast::get_lowest_layer(stream);
    boost::system::error_code ec;
    for (const auto& endpoint : request.endpoints) {
        result.connected_to = endpoint_text(endpoint);
        tcp_layer.expires_after(request.timeouts.connect);
        std::tie(ec) = co_await tcp_layer.async_connect(endpoint, nothrow);
        if (!ec) break;
        tcp_layer.close();
    }
    if (ec == beast::error::timeout) {
        co_return failure(std::move(result), HttpsError::connect_timeout,
                          "after " + std::to_string(request.timeouts.connect.count()) + " ms");
    }
    if (ec == asio::error::connection_refused) {
        co_return failure(std::move(result), HttpsError::connect_refused, "");
    }
    if (ec) co_return failure(std::move(result), HttpsError::connect_failed, ec.message());

    SSL* ssl = stream.native_handle();
    boost::system::error_code not_ip;
    auto address = asio::ip::make_address(request.host, not_ip);
    // RFC 6066 3: no IP literals in SNI.
    if (not_ip) SSL_set_tlsext_host_name(ssl, request.host.c_str());
    if (SSL_CTX_get_verify_mode(context.native_handle()) != SSL_VERIFY_NONE) {
        // OpenSSL's own host check, so a mismatch is named by classify_handshake_failure.
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        if (not_ip) {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            SSL_set1_host(ssl, request.host.c_str());
        } else {
            X509_VERIFY_PARAM_set1_ip_asc(param, address.to_string().c_str());
        }
    }
    tcp_layer.expires_after(request.timeouts.handshake);
    std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::client, nothrow);
    if (ec) {
        std::string reason =
            ec == beast::error::timeout
                ? "timed out after " + std::to_string(request.timeouts.handshake.count()) + " ms"
                : net::classify_handshake_failure(ec, ssl).message();
        co_return failure(std::move(result), HttpsError::tls_failed, reason);
    }
    result.tls_version = SSL_get_version(ssl);

    bhttp::request<bhttp::empty_body> get{bhttp::verb::get, request.target, 11};
    get.set(bhttp::field::host, request.host);
    get.set(bhttp::field::user_agent, request.user_agent);
    get.set(bhttp::field::accept, "text/plain");
    get.set(bhttp::field::connection, "close");
    // One deadline for the whole exchange: a server that trickles bytes cannot stretch it.
    tcp_layer.expires_after(request.timeouts.response);
    std::size_t transferred = 0;
    std::tie(ec, transferred) = co_await bhttp::async_write(stream, get, nothrow);
    if (ec) {
        co_return failure(
            std::move(result),
            ec == beast::error::timeout ? HttpsError::timeout : HttpsError::write_failed,
            ec.message());
    }

    beast::flat_buffer buffer(request.limits.max_header_bytes + request.limits.max_body_bytes);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(request.limits.max_header_bytes));
    parser.body_limit(request.limits.max_body_bytes);
    std::tie(ec, transferred) = co_await bhttp::async_read(stream, buffer, parser, nothrow);
    if (ec) {
        co_return failure(std::move(result), classify_read_error(ec), ec.message());
    }
    const auto& message = parser.get();
    HttpsResponse response;
    response.status = message.result_int();
    response.status_line = "HTTP/" + std::to_string(message.version() / 10) + "." +
                           std::to_string(message.version() % 10) + " " +
                           std::to_string(response.status);
    if (!message.reason().empty()) response.status_line += " " + std::string(message.reason());
    response.content_type = std::string(message[bhttp::field::content_type]);
    response.location = std::string(message[bhttp::field::location]);
    response.body = message.body();
    result.response = std::move(response);
    // The answer is complete; a polite TLS close is not worth another wait.
    tcp_layer.close();
    co_return result;
}

}  // namespace relaylab::http
