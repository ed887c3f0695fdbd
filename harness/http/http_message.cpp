#include "harness/http/http_message.hpp"

#include <nlohmann/json.hpp>

namespace relaylab::http {

HttpResponse json_error(unsigned status, std::string_view message) {
    // replace: a message quoting hostile input (a path, a parameter) may hold invalid UTF-8,
    // which must not turn an error answer into an exception.
    nlohmann::json body{{"error", message}};
    return {.status = status,
            .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

HttpResponse wrong_method(std::string_view method, std::string_view allow) {
    HttpResponse response =
        json_error(405, "method " + std::string(method) +
                            " is not allowed here; allowed: " + std::string(allow));
    response.allow = allow;
    return response;
}

}  // namespace relaylab::http
