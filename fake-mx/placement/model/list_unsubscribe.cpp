#include "fake-mx/placement/model/list_unsubscribe.hpp"

#include "fake-mx/placement/model/header_section.hpp"
#include "probes/auth/dkim_tags.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::placement {
namespace {

// RFC 2369 3.1 lists alternatives; a sender offers two or three. More is noise or an attack.
constexpr std::size_t max_uris = 8;
// RFC 9110 4.1 asks for at least 8000 octets of URI support; an unsubscribe link is far shorter.
constexpr std::size_t max_uri_bytes = 2048;
// Comments nest (RFC 5322 3.2.2); a deeper nesting is not something a sender writes.
constexpr int max_comment_depth = 16;
// RFC 8058 3.1: the one key/value pair, exactly.
constexpr std::string_view one_click_value = "List-Unsubscribe=One-Click";

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && auth::iequals(text.substr(0, prefix.size()), prefix);
}

// RFC 2369 2: "<uri>, <uri>" with whitespace and (comments) between; whitespace inside the
// brackets is ignored ("the client should ignore whitespace" when a long URI was folded).
std::vector<std::string> parse_uri_list(std::string_view value) {
    std::vector<std::string> uris;
    std::size_t i = 0;
    while (i < value.size() && uris.size() < max_uris) {
        char c = value[i];
        if (c == '(') {
            int depth = 0;
            for (; i < value.size(); ++i) {
                if (value[i] == '\\') {
                    ++i;
                } else if (value[i] == '(') {
                    if (++depth > max_comment_depth) return uris;
                } else if (value[i] == ')' && --depth == 0) {
                    break;
                }
            }
            ++i;
        } else if (c == '<') {
            std::size_t close = value.find('>', i + 1);
            if (close == std::string_view::npos) break;  // unterminated: nothing more to trust
            std::string uri;
            for (char u : value.substr(i + 1, close - i - 1))
                if (u != ' ' && u != '\t' && u != '\r' && u != '\n') uri.push_back(u);
            if (!uri.empty() && uri.size() <= max_uri_bytes) uris.push_back(std::move(uri));
            i = close + 1;
        } else {
            ++i;  // commas, whitespace, and text outside brackets a tolerant reader skips
        }
    }
    return uris;
}

// A DKIM-Signature whose h= names both fields (RFC 8058 4: "a valid DKIM signature ... MUST
// cover at least the List-Unsubscribe and List-Unsubscribe-Post headers"). Only the h= tag is
// read: whether the signature verifies is the authentication probe's business.
bool signature_covers_both(std::string_view value) {
    auth::TagListResult parsed = auth::parse_tag_list(value);
    if (!parsed.ok()) return false;
    const auth::Tag* h = parsed.list.find("h");
    if (h == nullptr) return false;
    bool list_unsubscribe = false;
    bool list_unsubscribe_post = false;
    std::string_view names = h->value;
    while (!names.empty()) {
        std::size_t colon = names.find(':');
        std::string_view name = auth::trim_wsp(names.substr(0, colon));
        if (auth::iequals(name, "List-Unsubscribe")) list_unsubscribe = true;
        if (auth::iequals(name, "List-Unsubscribe-Post")) list_unsubscribe_post = true;
        if (colon == std::string_view::npos) break;
        names.remove_prefix(colon + 1);
    }
    return list_unsubscribe && list_unsubscribe_post;
}

}  // namespace

ListUnsubscribe read_list_unsubscribe(std::string_view message) {
    ListUnsubscribe result;
    HeaderSection section = read_header_section(message);
    const HeaderFieldText* list = section.find("List-Unsubscribe");
    if (list == nullptr) {
        result.problem = "no List-Unsubscribe field";
        return result;
    }
    result.present = true;
    result.uris = parse_uri_list(list->value);
    for (const auto& uri : result.uris) {
        if (result.https_uri.empty() && starts_with_nocase(uri, "https:")) result.https_uri = uri;
        if (result.mailto_uri.empty() && starts_with_nocase(uri, "mailto:"))
            result.mailto_uri = uri;
    }
    const HeaderFieldText* post = section.find("List-Unsubscribe-Post");
    result.post_one_click = post != nullptr && !post->truncated && post->value == one_click_value;
    for (const auto& field : section.fields) {
        if (auth::iequals(field.name, "DKIM-Signature") && !field.truncated &&
            signature_covers_both(field.value)) {
            result.dkim_covered = true;
            break;
        }
    }

    // The first reason it is not one-click, in the order a sender would fix them.
    if (list->truncated) {
        result.problem = "List-Unsubscribe field is longer than the reader's limit";
    } else if (result.uris.empty()) {
        result.problem = "List-Unsubscribe has no <URI>";
    } else if (post == nullptr) {
        result.problem = "no List-Unsubscribe-Post field";
    } else if (!result.post_one_click) {
        result.problem = "List-Unsubscribe-Post is not \"List-Unsubscribe=One-Click\"";
    } else if (result.https_uri.empty()) {
        result.problem = "no https URI in List-Unsubscribe (RFC 8058 3.1)";
    } else if (section.find("DKIM-Signature") == nullptr) {
        result.problem = "no DKIM-Signature (RFC 8058 4)";
    } else if (!result.dkim_covered) {
        result.problem =
            "no DKIM signature covers List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 4)";
    }
    return result;
}

}  // namespace relaylab::placement
