// GET /: a self-contained inbox page (inline CSS and JS, no external resources) that lists
// captured messages from /api/v1/messages, so a person can look without curl.
#pragma once

#include <string_view>

namespace relaylab::fakemx::api {

std::string_view inbox_page_html();

}  // namespace relaylab::fakemx::api
