// The capture API's requests and answers without HTTP plumbing: method and target in, status,
// content type and body out. The Beast server (api_server.hpp) only moves these; tests can
// call the router directly.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fake-mx/capture/capture_store.hpp"

namespace relaylab::fakemx::api {

inline constexpr std::size_t default_page_limit = 50;
inline constexpr std::size_t max_page_limit = 1000;
// Offsets past this are refused rather than scanned: max_messages is a million by default.
inline constexpr std::uint64_t max_page_offset = 100'000'000;

// The embedding program's own numbers (SMTP server counters, ...). Called on the API thread,
// so it must be thread-safe; may be empty.
using StatsSource = std::function<nlohmann::json()>;

struct ApiResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string allow;  // for 405: the methods the path takes
};

class ApiRouter {
  public:
    ApiRouter(capture::CaptureStore& store, StatsSource stats);

    ApiResponse handle(std::string_view method, std::string_view target) const;

  private:
    capture::CaptureStore& store_;
    StatsSource stats_;
};

// {"error": message} with the given status; the shape of every error answer.
ApiResponse json_error(unsigned status, std::string_view message);

}  // namespace relaylab::fakemx::api
