#include "harness/load/queue_id.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace relaylab::load {

namespace {

constexpr std::size_t min_bare_id_length = 6;  // "Ok abc" is a greeting, not an id

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
            ++i;
        std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t')
            ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
    return words;
}

bool is_enhanced_code(std::string_view word) {
    // class.subject.detail, RFC 3463 2: digits and two dots
    return !word.empty() && std::isdigit(static_cast<unsigned char>(word[0])) &&
           std::count(word.begin(), word.end(), '.') == 2 &&
           std::all_of(word.begin(), word.end(), [](char c) {
               return c == '.' || std::isdigit(static_cast<unsigned char>(c));
           });
}

// Punctuation around an id in prose: "(queued as ABC)", "[InternalId=12,".
std::string_view trim_punctuation(std::string_view word) {
    while (!word.empty() && std::string_view("([{\"'").find(word.front()) != std::string_view::npos)
        word.remove_prefix(1);
    while (!word.empty() &&
           std::string_view(")]}\"',;.:").find(word.back()) != std::string_view::npos)
        word.remove_suffix(1);
    return word;
}

bool looks_like_id(std::string_view word) {
    return !word.empty() && word.size() <= max_queue_id_length &&
           std::all_of(word.begin(), word.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

bool has_digit(std::string_view word) {
    return std::any_of(word.begin(), word.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::string accept(std::string_view word) {
    word = trim_punctuation(word);
    return looks_like_id(word) ? std::string(word) : std::string();
}

}  // namespace

std::string parse_queue_id(std::string_view text) {
    std::vector<std::string_view> words = split_words(text);
    if (!words.empty() && is_enhanced_code(words.front())) words.erase(words.begin());
    // "queued as ID" (Postfix, relaylab, many others)
    for (std::size_t i = 0; i + 2 < words.size(); ++i) {
        if (iequals(trim_punctuation(words[i]), "queued") && iequals(words[i + 1], "as")) {
            return accept(words[i + 2]);
        }
    }
    // "id=ID" (Exim), "[InternalId=ID," (Exchange)
    for (std::string_view word : words) {
        std::string_view bare = trim_punctuation(word);
        for (std::string_view key : {"id=", "internalid="}) {
            if (istarts_with(bare, key)) return accept(bare.substr(key.size()));
        }
    }
    // "... ID - gsmtp" (Gmail)
    if (words.size() >= 3 && iequals(words.back(), "gsmtp") && words[words.size() - 2] == "-") {
        return accept(words[words.size() - 3]);
    }
    // "ID Message accepted for delivery" (Sendmail)
    if (words.size() >= 4 && iequals(words[1], "message") && iequals(words[2], "accepted")) {
        return accept(words[0]);
    }
    // "Ok ID" (Amazon SES and other bare forms): only a long token with a digit in it.
    if (words.size() == 2 && iequals(trim_punctuation(words[0]), "ok")) {
        std::string id = accept(words[1]);
        if (id.size() >= min_bare_id_length && has_digit(id)) return id;
    }
    return {};
}

}  // namespace relaylab::load
