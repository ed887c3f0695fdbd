// The relay's admin API without HTTP plumbing: one request in, one response out, over an
// AdminBackend (admin_backend.hpp). Every input is checked here, before the backend sees it:
// queue ids are hex of bounded length, domains are host names of bounded length, numbers are
// in range, and unknown parameters are refused (a typo must not widen a flush or a delete).
// The server (admin_api.hpp) only moves bytes; tests call the router directly too.
//
//   GET    /healthz                  200 "ok"
//   GET    /metrics                  the backend's Prometheus text
//   GET    /queue[?domain=D&limit=N] backend.queue_list
//   GET    /queue/<id>               backend.queue_message, 404 when not queued
//   DELETE /queue/<id>               backend.remove, 404 when not queued
//   POST   /queue/<id>/flush         backend.flush(id, ""), 404 when not queued
//   POST   /flush[?domain=D]         backend.flush("", D): one domain, or all deferred mail
//
// Errors are {"error": "..."} with 400 (bad input), 404 (no such message or path) or 405 (the
// path exists, the method does not; Allow names the right ones).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "harness/http/http_message.hpp"
#include "harness/relay/admin/admin_backend.hpp"

namespace relaylab::relay {

// Queue ids are 16 hex digits (Spool::new_id); anything longer than this is refused unread.
inline constexpr std::size_t max_queue_id_length = 32;
// RFC 1035 2.3.4: a domain name is at most 255 octets.
inline constexpr std::size_t max_domain_length = 255;
inline constexpr std::size_t max_queue_list_limit = 10'000;

// The id in canonical form (upper-case hex, as the spool writes it), or nullopt when it is
// empty, too long or not hex.
std::optional<std::string> canonical_queue_id(std::string_view text);

// The domain in lower case, or nullopt unless it is a host name: letters, digits, '-' and '.'
// (A-labels for IDNs), no empty label, at most max_domain_length octets. A trailing dot (the
// root) is dropped.
std::optional<std::string> canonical_domain(std::string_view text);

class AdminRouter {
  public:
    explicit AdminRouter(AdminBackend& backend) : backend_(backend) {}

    http::HttpResponse handle(const http::HttpRequest& request) const;

  private:
    AdminBackend& backend_;
};

}  // namespace relaylab::relay
