// What an HTTP handler sees and answers, without HTTP plumbing: the server (http_server.hpp)
// parses and writes the wire format, a handler maps one request to one response. Sans-I/O, so
// a router is tested by calling it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace relaylab::http {

class ResponseStream;  // response_stream.hpp

struct HttpRequest {
    std::string method;  // as sent: "GET", "POST", ... (case-sensitive, RFC 9110 9.1)
    std::string target;  // the request-target as sent: path and query, still percent-encoded
    std::string body;
    std::string content_type;    // the request's Content-Type field; "" when absent
    std::string client_address;  // the peer's IP address as text; "" when unknown
    std::string host;            // the Host field as sent ("" when absent; HTTPS endpoint only)
    std::string server_name;     // TLS SNI the client asked for ("" when none or plain HTTP)
};

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string allow;     // for 405: the methods the path takes (RFC 9110 15.5.6 requires it)
    std::string location;  // for 3xx: the Location field (RFC 9110 10.2.2); "" when none
    // Set: the body is this stream, not `body` (server-sent events). The server writes the
    // header (Cache-Control: no-cache, chunked; the connection closes after it), then what the
    // stream yields, until it ends.
    std::shared_ptr<ResponseStream> stream;
};

// Called on the server's io thread, one request at a time per connection; it must not block
// for long (every other connection of the server waits meanwhile). An exception it throws is
// answered 500 and logged; the server keeps running.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// {"error": message} with the given status: the shape of every error answer.
HttpResponse json_error(unsigned status, std::string_view message);

// 405 naming the method refused and the ones the path takes, with the Allow field set.
HttpResponse wrong_method(std::string_view method, std::string_view allow);

}  // namespace relaylab::http
