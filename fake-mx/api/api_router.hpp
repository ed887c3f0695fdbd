// The capture API's requests and answers without HTTP plumbing: method and target in, status,
// content type and body out. The HTTP server (harness/http, wrapped by api_server.hpp) only
// moves these; tests can call the router directly.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fake-mx/capture/capture_store.hpp"
#include "harness/http/http_message.hpp"

namespace relaylab::fakemx::api {

inline constexpr std::size_t default_page_limit = 50;
inline constexpr std::size_t max_page_limit = 1000;
// Offsets past this are refused rather than scanned: max_messages is a million by default.
inline constexpr std::uint64_t max_page_offset = 100'000'000;

// The embedding program's own numbers (SMTP server counters, ...). Called on the API thread,
// so it must be thread-safe; may be empty.
using StatsSource = std::function<nlohmann::json()>;

using ApiResponse = http::HttpResponse;

class ApiRouter {
  public:
    ApiRouter(capture::CaptureStore& store, StatsSource stats);

    ApiResponse handle(std::string_view method, std::string_view target) const;

  private:
    capture::CaptureStore& store_;
    StatsSource stats_;
};

// {"error": message} with the given status; the shape of every error answer.
using http::json_error;

}  // namespace relaylab::fakemx::api
