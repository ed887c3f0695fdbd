#include "probes/auth/org_domain.hpp"

#include <libpsl.h>

namespace relaylab::auth {
namespace {

// RFC 1035 2.3.4.
constexpr std::size_t kMaxNameLength = 253;
constexpr std::size_t kMaxLabelLength = 63;

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

struct PslString {
    char* text = nullptr;
    ~PslString() { psl_free_string(text); }
};

}  // namespace

struct PublicSuffixList::Context {
    psl_ctx_t* psl = nullptr;
    ~Context() { psl_free(psl); }
};

std::optional<PublicSuffixList> PublicSuffixList::load(const std::string& path,
                                                       std::string* error) {
    auto context = std::make_shared<Context>();
    context->psl = psl_load_file(path.c_str());
    if (!context->psl) {
        if (error) *error = "cannot load the public suffix list " + path;
        return std::nullopt;
    }
    PublicSuffixList list;
    list.context_ = std::move(context);
    return list;
}

std::optional<std::string> PublicSuffixList::normalize(std::string_view domain) {
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    if (domain.empty() || domain.size() > kMaxNameLength) return std::nullopt;
    std::string out;
    out.reserve(domain.size());
    std::size_t label = 0;
    for (char c : domain) {
        if (c == '.') {
            if (label == 0) return std::nullopt;
            label = 0;
        } else if (++label > kMaxLabelLength) {
            return std::nullopt;
        } else if (static_cast<unsigned char>(c) < 0x80 && !is_name_char(c)) {
            return std::nullopt;  // ASCII outside LDH and '_' (U-labels pass through)
        }
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (label == 0) return std::nullopt;
    // U-labels: let libpsl lower-case the non-ASCII part (it needs lower case input).
    PslString lower;
    if (psl_str_to_utf8lower(out.c_str(), "utf-8", nullptr, &lower.text) != PSL_SUCCESS ||
        !lower.text) {
        return std::nullopt;
    }
    return std::string(lower.text);
}

std::optional<std::string> PublicSuffixList::registrable_domain(std::string_view domain) const {
    auto name = normalize(domain);
    if (!name) return std::nullopt;
    const char* registrable = psl_registrable_domain(context_->psl, name->c_str());
    if (!registrable) return std::nullopt;
    return std::string(registrable);
}

std::optional<std::string> PublicSuffixList::organizational_domain(std::string_view domain) const {
    auto name = normalize(domain);
    if (!name) return std::nullopt;
    const char* registrable = psl_registrable_domain(context_->psl, name->c_str());
    if (!registrable) return name;
    return std::string(registrable);
}

bool PublicSuffixList::is_public_suffix(std::string_view domain) const {
    auto name = normalize(domain);
    return name && psl_is_public_suffix2(context_->psl, name->c_str(), PSL_TYPE_ANY) != 0;
}

}  // namespace relaylab::auth
