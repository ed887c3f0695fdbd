// Reading what arrives at the fake MX hosts, sans-I/O: the X-Relaylab-Id that ties a delivered
// message to its submission, and in a delivery status notification (RFC 3464) the failed
// recipients and the tracking id of the message it reports (in the returned headers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::runner {

// The X-Relaylab-Id field's value in the header section (up to the first empty line), or ""
// when there is none. Only the first one counts; the header section is scanned up to
// `max_header_bytes` so a hostile message cannot make this slow.
std::string_view tracking_id_in_headers(std::string_view content,
                                        std::size_t max_header_bytes = 256 * 1024);

// "<run_id>-<n>" → n; nullopt for another run's id or no number.
std::optional<std::uint64_t> message_number(std::string_view tracking_id, std::string_view run_id);

struct DsnFacts {
    std::string_view tracking_id;     // of the returned message; "" if not found
    std::vector<std::string> failed;  // Final-Recipient addresses with Action: failed
    std::size_t delayed = 0;          // recipients with Action: delayed
};

// Scans a DSN (the whole message, bounded by `max_bytes`) for the per-recipient fields and the
// returned message's X-Relaylab-Id (anywhere after the top-level header section).
DsnFacts scan_dsn(std::string_view content, std::size_t max_bytes = 1024 * 1024);

// "user@Gmail.Test" → "gmail.test"; "" without an '@'.
std::string domain_of(std::string_view address);

}  // namespace relaylab::runner
