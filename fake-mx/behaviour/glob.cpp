#include "fake-mx/behaviour/glob.hpp"

namespace relaylab::fakemx {

namespace {

char fold(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view subject) {
    std::size_t p = 0, s = 0;
    std::size_t star = std::string_view::npos, resume = 0;
    while (s < subject.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = s;
        } else if (p < pattern.size() &&
                   (pattern[p] == '?' || fold(pattern[p]) == fold(subject[s]))) {
            ++p;
            ++s;
        } else if (star != std::string_view::npos) {
            // Let the last '*' swallow one more character and try again from there.
            p = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

std::string_view domain_of(std::string_view address) {
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return {};
    return address.substr(at + 1);
}

}  // namespace relaylab::fakemx
