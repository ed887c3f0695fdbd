// What a message offers for unsubscribing, read from its header section: List-Unsubscribe
// (RFC 2369: "<mailto:...>, <https://...>") and List-Unsubscribe-Post (RFC 8058 one-click:
// "List-Unsubscribe=One-Click", an HTTPS URI, and a DKIM signature covering both fields).
// Sans-I/O; hostile input is bounded (field length, number of URIs).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relaylab::placement {

struct ListUnsubscribe {
    bool present = false;           // a List-Unsubscribe field
    std::vector<std::string> uris;  // in order, without the angle brackets (at most 8 kept)
    std::string https_uri;          // the first https: URI, "" when none
    std::string mailto_uri;         // the first mailto: URI, "" when none
    bool post_one_click = false;    // List-Unsubscribe-Post: List-Unsubscribe=One-Click
    bool dkim_covered = false;      // a DKIM-Signature's h= names both fields (RFC 8058 4)
    // Why this is not RFC 8058 one-click ("" when it is): "no List-Unsubscribe-Post field",
    // "no https URI", "DKIM signature does not cover List-Unsubscribe-Post", ...
    std::string problem;

    bool one_click() const { return present && problem.empty(); }
};

// `message`: the whole message or its header section (reading stops at the first empty line).
ListUnsubscribe read_list_unsubscribe(std::string_view message);

}  // namespace relaylab::placement
