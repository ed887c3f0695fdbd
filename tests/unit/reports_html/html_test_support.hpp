// What the report.html tests look for in a rendered page.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace relaylab::reports::test {

inline nlohmann::json example_report() {
    std::ifstream in(RELAYLAB_EXAMPLE_REPORT);
    if (!in) throw std::runtime_error("cannot open " RELAYLAB_EXAMPLE_REPORT);
    return nlohmann::json::parse(in);
}

inline std::size_t count(std::string_view text, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string_view::npos;
         at = text.find(needle, at + needle.size())) {
        ++n;
    }
    return n;
}

inline std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

inline std::size_t chart_count(std::string_view html) {
    return count(html, "class=\"chart\"");
}

// Nothing that would make a viewer fetch or run anything: no URL scheme, no script, no CSS
// import or url(), no element that loads a resource. (Escaped text such as "&lt;img src=x&gt;"
// is fine: it is not an element.)
inline bool loads_nothing(std::string_view html) {
    const std::string text = lower(html);
    for (std::string_view forbidden :
         {"http://", "https://", "<script", "url(", "@import", "javascript:", "<img", "<link",
          "<iframe", "<object", "<embed", "<source", "<video", "<audio", "<image", "<use",
          "<foreignobject"}) {
        if (text.find(forbidden) != std::string::npos) return false;
    }
    return true;
}

// The rendering must never show a C library's words for values it could not format.
inline bool shows_no_raw_non_numbers(std::string_view html) {
    for (std::string_view word : {">nan", ">inf", "-nan", " nan", " inf<", "nan%", "inf%"}) {
        if (lower(html).find(word) != std::string::npos) return false;
    }
    return true;
}

// The number of points in the first <path class="line ..."> (its M and L commands).
inline std::size_t first_line_points(std::string_view html) {
    const std::size_t start = html.find("<path class=\"line");
    if (start == std::string_view::npos) return 0;
    const std::size_t end = html.find("\"/>", start);
    const std::string_view path = html.substr(start, end - start);
    return count(path, "M") + count(path, " L");
}

}  // namespace relaylab::reports::test
