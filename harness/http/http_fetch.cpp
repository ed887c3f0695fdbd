#include "harness/http/http_fetch.hpp"

#include <charconv>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace relaylab::http {

namespace asio = boost::asio;

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool has_prefix_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && lower(text.substr(0, prefix.size())) == prefix;
}

HttpUrlResult bad(std::string error) {
    return {std::nullopt, std::move(error)};
}

std::optional<asio::ip::address> ip_literal(std::string_view host) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(std::string(host), ec);
    if (ec) return std::nullopt;
    return address;
}

}  // namespace

HttpUrlResult parse_http_url(std::string_view text) {
    if (text.size() > max_url_bytes) {
        return bad("longer than " + std::to_string(max_url_bytes) + " bytes");
    }
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return bad("whitespace or a control character in the URL");
    }
    HttpUrl url;
    std::string_view rest;
    if (has_prefix_nocase(text, "https://")) {
        url.tls = true;
        rest = text.substr(8);
    } else if (has_prefix_nocase(text, "http://")) {
        rest = text.substr(7);
    } else {
        return bad("not an http: or https: URL");
    }
    std::size_t authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view after =
        authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos) return bad("user info in the URL");

    std::string_view host;
    std::string_view port_text;
    if (authority.starts_with('[')) {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return bad("unterminated [IPv6] host");
        host = authority.substr(1, close - 1);
        std::string_view tail = authority.substr(close + 1);
        if (!tail.empty()) {
            if (tail.front() != ':') return bad("text after the [IPv6] host");
            port_text = tail.substr(1);
        }
        auto address = ip_literal(host);
        if (!address || !address->is_v6()) return bad("not an IPv6 address in brackets");
    } else {
        std::size_t colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return bad("no host");
    url.host = lower(host);
    url.port = url.tls ? 443 : 80;
    if (!port_text.empty()) {
        unsigned port = 0;
        auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
            port > 65535) {
            return bad("port \"" + std::string(port_text) + "\" is not 1-65535");
        }
        url.port = static_cast<std::uint16_t>(port);
    }
    std::string_view target = after.substr(0, after.find('#'));
    url.target =
        target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
    bool v6 = authority.starts_with('[');
    url.host_field = v6 ? "[" + url.host + "]" : url.host;
    if (url.port != (url.tls ? 443 : 80)) url.host_field += ":" + std::to_string(url.port);
    return {std::move(url), ""};
}

bool is_loopback_host(std::string_view host) {
    if (lower(host) == "localhost") return true;
    auto address = ip_literal(host);
    if (!address) return false;
    if (address->is_v4()) return (address->to_v4().to_uint() >> 24) == 127;
    auto v6 = address->to_v6();
    if (v6.is_loopback()) return true;
    return v6.is_v4_mapped() &&
           (asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint() >> 24) == 127;
}

namespace {

// The request for a parsed URL with the caller's options; the endpoints are the caller's.
HttpsRequest request_for(const HttpUrl& target, FetchOptions options) {
    HttpsRequest request;
    request.host = target.host;
    request.target = target.target;
    request.host_field = target.host_field;
    request.tls = target.tls;
    request.method = options.method;
    request.body = std::move(options.body);
    request.content_type = std::move(options.content_type);
    request.timeouts = options.timeouts;
    request.limits = options.limits;
    request.user_agent = std::move(options.user_agent);
    request.accept = std::move(options.accept);
    return request;
}

}  // namespace

asio::awaitable<HttpsResult> fetch_loopback_url(asio::any_io_executor executor,
                                                asio::ssl::context& context, std::string url,
                                                FetchOptions options) {
    HttpsResult refused;
    HttpUrlResult parsed = parse_http_url(url);
    if (!parsed.url) {
        refused.error = HttpsError::bad_url;
        refused.detail = parsed.error;
        co_return refused;
    }
    const HttpUrl& target = *parsed.url;
    if (!is_loopback_host(target.host)) {
        refused.error = HttpsError::not_allowed;
        refused.detail = "not loopback: " + target.host;
        co_return refused;
    }
    HttpsRequest request = request_for(target, std::move(options));
    if (auto address = ip_literal(target.host)) {
        request.endpoints.emplace_back(*address, target.port);
    } else {  // localhost: both loopbacks, IPv4 first as most test servers listen there
        request.endpoints.emplace_back(asio::ip::address_v4::loopback(), target.port);
        request.endpoints.emplace_back(asio::ip::address_v6::loopback(), target.port);
    }
    co_return co_await http_request(std::move(executor), context, std::move(request));
}

asio::awaitable<HttpsResult> fetch_url(asio::any_io_executor executor, asio::ssl::context& context,
                                       std::string url, FetchOptions options) {
    HttpsResult failed;
    HttpUrlResult parsed = parse_http_url(url);
    if (!parsed.url) {
        failed.error = HttpsError::bad_url;
        failed.detail = parsed.error;
        co_return failed;
    }
    const HttpUrl& target = *parsed.url;
    HttpsRequest request = request_for(target, std::move(options));
    if (auto address = ip_literal(target.host)) {
        request.endpoints.emplace_back(*address, target.port);
    } else {
        // getaddrinfo cannot be interrupted: the timer bounds the wait, the lookup is abandoned.
        using namespace asio::experimental::awaitable_operators;
        asio::ip::tcp::resolver resolver(executor);
        asio::steady_timer deadline(executor, request.timeouts.connect);
        auto outcome = co_await (resolver.async_resolve(target.host, std::to_string(target.port),
                                                        asio::as_tuple(asio::use_awaitable)) ||
                                 deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (outcome.index() == 1) {
            failed.error = HttpsError::no_address;
            failed.detail = "resolving " + target.host + " timed out";
            co_return failed;
        }
        auto [ec, results] = std::get<0>(std::move(outcome));
        if (ec) {
            failed.error = HttpsError::no_address;
            failed.detail = "cannot resolve " + target.host + ": " + ec.message();
            co_return failed;
        }
        for (const auto& entry : results)
            request.endpoints.push_back(entry.endpoint());
    }
    co_return co_await http_request(std::move(executor), context, std::move(request));
}

}  // namespace relaylab::http
