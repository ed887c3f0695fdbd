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
        case HttpsError::bad_url:
            return "not a usable http(s) URL";
        case HttpsError::not_allowed:
            return "URL not allowed";
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

namespace {

// Connects the TCP layer to the first endpoint that answers; a failure is in `result`.
asio::awaitable<bool> connect_any(beast::tcp_stream& tcp_layer, const HttpsRequest& request,
                                  HttpsResult& result) {
    if (request.endpoints.empty()) {
        result = failure(std::move(result), HttpsError::no_address, "");
        co_return false;
    }
    boost::system::error_code ec;
    for (const auto& endpoint : request.endpoints) {
        result.connected_to = endpoint_text(endpoint);
        tcp_layer.expires_after(request.timeouts.connect);
        std::tie(ec) = co_await tcp_layer.async_connect(endpoint, nothrow);
        if (!ec) break;
        tcp_layer.close();
    }
    if (ec == beast::error::timeout) {
        result = failure(std::move(result), HttpsError::connect_timeout,
                         "after " + std::to_string(request.timeouts.connect.count()) + " ms");
    } else if (ec == asio::error::connection_refused) {
        result = failure(std::move(result), HttpsError::connect_refused, "");
    } else if (ec) {
        result = failure(std::move(result), HttpsError::connect_failed, ec.message());
    }
    co_return !ec;
}

// The request written and the response read over a connected (and, for TLS, handshaken)
// stream, under one deadline.
template <typename Stream>
asio::awaitable<HttpsResult> exchange(Stream& stream, beast::tcp_stream& tcp_layer,
                                      const HttpsRequest& request, HttpsResult result) {
    bool post = request.method == HttpMethod::post;
    bhttp::request<bhttp::string_body> message{post ? bhttp::verb::post : bhttp::verb::get,
                                               request.target, 11};
    message.set(bhttp::field::host, request.host_field.empty() ? request.host : request.host_field);
    message.set(bhttp::field::user_agent, request.user_agent);
    message.set(bhttp::field::accept, request.accept);
    message.set(bhttp::field::connection, "close");
    if (post) {
        if (!request.content_type.empty())
            message.set(bhttp::field::content_type, request.content_type);
        message.body() = request.body;
        message.prepare_payload();
    }
    // One deadline for the whole exchange: a server that trickles bytes cannot stretch it.
    tcp_layer.expires_after(request.timeouts.response);
    boost::system::error_code ec;
    std::size_t transferred = 0;
    std::tie(ec, transferred) = co_await bhttp::async_write(stream, message, nothrow);
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
    const auto& answer = parser.get();
    HttpsResponse response;
    response.status = answer.result_int();
    response.status_line = "HTTP/" + std::to_string(answer.version() / 10) + "." +
                           std::to_string(answer.version() % 10) + " " +
                           std::to_string(response.status);
    if (!answer.reason().empty()) response.status_line += " " + std::string(answer.reason());
    response.content_type = std::string(answer[bhttp::field::content_type]);
    response.location = std::string(answer[bhttp::field::location]);
    response.body = answer.body();
    result.response = std::move(response);
    // The answer is complete; a polite TLS close is not worth another wait.
    tcp_layer.close();
    co_return result;
}

asio::awaitable<HttpsResult> plain_request(asio::any_io_executor executor, HttpsRequest request) {
    HttpsResult result;
    beast::tcp_stream stream(executor);
    if (!co_await connect_any(stream, request, result)) co_return result;
    co_return co_await exchange(stream, stream, request, std::move(result));
}

asio::awaitable<HttpsResult> tls_request(asio::any_io_executor executor,
                                         asio::ssl::context& context, HttpsRequest request) {
    HttpsResult result;
    beast::ssl_stream<beast::tcp_stream> stream(executor, context);
    auto& tcp_layer = beast::get_lowest_layer(stream);
    if (!co_await connect_any(tcp_layer, request, result)) co_return result;

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
    boost::system::error_code ec;
    std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::client, nothrow);
    if (ec) {
        std::string reason =
            ec == beast::error::timeout
                ? "timed out after " + std::to_string(request.timeouts.handshake.count()) + " ms"
                : net::classify_handshake_failure(ec, ssl).message();
        co_return failure(std::move(result), HttpsError::tls_failed, reason);
    }
    result.tls_version = SSL_get_version(ssl);
    co_return co_await exchange(stream, tcp_layer, request, std::move(result));
}

}  // namespace

asio::awaitable<HttpsResult> https_get(asio::any_io_executor executor, asio::ssl::context& context,
                                       HttpsRequest request) {
    request.method = HttpMethod::get;
    request.tls = true;
    co_return co_await tls_request(std::move(executor), context, std::move(request));
}

asio::awaitable<HttpsResult> http_request(asio::any_io_executor executor,
                                          asio::ssl::context& context, HttpsRequest request) {
    if (!request.tls) co_return co_await plain_request(std::move(executor), std::move(request));
    co_return co_await tls_request(std::move(executor), context, std::move(request));
}

}  // namespace relaylab::http
