// What a request to the unsubscribe endpoint means (RFC 8058), without I/O: the service
// (unsubscribe_service.cpp) acts on the reading and answers with the pages below.
//
//   POST /u/<token>, body "List-Unsubscribe=One-Click" (application/x-www-form-urlencoded or
//        multipart/form-data, RFC 8058 3.1)          -> unsubscribe the token's recipient
//   GET or HEAD /u/<token>                            -> a page with a button that POSTs the same;
//        never an unsubscribe by itself: mail scanners and link previews fetch every URL in a
//        message, which is why RFC 8058 exists
//   a token that does not open (forged, edited, another relay's, not kind "u")  -> 404
//   another path -> 404; another method -> 405 (Allow: GET, HEAD, POST); a POST without the
//   one-click key -> 400.
#pragma once

#include <string>
#include <string_view>

#include "harness/http/http_message.hpp"
#include "harness/relay/engagement/engagement_token.hpp"

namespace relaylab::relay {

inline constexpr std::string_view unsubscribe_path_prefix = "/u/";
inline constexpr std::string_view unsubscribe_token_kind = "u";

enum class OneClickAction {
    refuse,       // answer `refusal`
    show_form,    // a human's GET: answer one_click_form_page()
    unsubscribe,  // add fields.recipient to the suppression list, then one_click_done()
};

struct OneClickReading {
    OneClickAction action = OneClickAction::refuse;
    bool bad_token = false;  // the refusal is for a token that did not open
    EngagementTokenFields fields;
    http::HttpResponse refusal;
};

OneClickReading read_one_click_request(const EngagementKey& key, const http::HttpRequest& request);

// Whether a POST body carries List-Unsubscribe=One-Click in either encoding RFC 8058 3.1 names.
bool is_one_click_body(std::string_view content_type, std::string_view body);

// The GET page: who would be unsubscribed, and a button that POSTs the one-click body to
// `path` (the request's own path).
http::HttpResponse one_click_form_page(std::string_view path, const EngagementTokenFields& fields);
// The POST's answer once the address is durable in the list.
http::HttpResponse one_click_done(std::string_view recipient, bool already);

}  // namespace relaylab::relay
