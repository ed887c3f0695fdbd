#include "harness/relay/engagement/engagement_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "harness/smtp/sasl.hpp"

namespace relaylab::relay {
namespace {

constexpr std::size_t mac_bytes = 16;  // 128 bits: plenty against guessing, short URLs
constexpr std::size_t min_secret_bytes = 16;

// RFC 4648 5: the URL-safe alphabet, without padding (a token sits in a path segment).
std::string to_base64url(std::string_view bytes) {
    std::string text = smtp::base64_encode(bytes);
    while (!text.empty() && text.back() == '=')
        text.pop_back();
    for (char& c : text) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return text;
}

std::optional<std::string> from_base64url(std::string_view text) {
    std::string standard;
    standard.reserve(text.size() + 3);
    for (char c : text) {
        if (c == '+' || c == '/' || c == '=') return std::nullopt;  // not the URL alphabet
        standard += c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (standard.size() % 4 != 0)
        standard += '=';
    return smtp::base64_decode(standard);
}

std::string mac_of(const std::string& secret, std::string_view payload) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), out.data(),
             &length) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char*>(out.data()), mac_bytes);
}

}  // namespace

EngagementKey::EngagementKey(std::string secret) : secret_(std::move(secret)) {
    if (secret_.size() < min_secret_bytes)
        throw std::invalid_argument("an engagement key needs at least 16 octets");
}

EngagementKey EngagementKey::load_or_create(const std::string& file) {
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in && !in.eof()) throw std::runtime_error(file + ": cannot read the engagement key");
        return EngagementKey(text.str());
    }
    std::string secret(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()),
                   static_cast<int>(secret.size())) != 1) {
        throw std::runtime_error("no randomness for the engagement key");
    }
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(secret.data(), static_cast<std::streamsize>(secret.size()));
        if (!out) throw std::runtime_error(file + ": cannot write the engagement key");
    }
    ::chmod(file.c_str(), 0600);
    return EngagementKey(std::move(secret));
}

std::string EngagementKey::make(const EngagementTokenFields& fields) const {
    std::string payload = fields.kind + '\n' + fields.message_id + '\n' + fields.recipient;
    return to_base64url(payload) + '.' + to_base64url(mac_of(secret_, payload));
}

std::optional<EngagementTokenFields> EngagementKey::open(std::string_view token) const {
    if (token.empty() || token.size() > max_engagement_token_bytes) return std::nullopt;
    auto dot = token.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    auto payload = from_base64url(token.substr(0, dot));
    auto mac = from_base64url(token.substr(dot + 1));
    if (!payload || !mac || mac->size() != mac_bytes) return std::nullopt;
    std::string expected = mac_of(secret_, *payload);
    if (CRYPTO_memcmp(expected.data(), mac->data(), mac_bytes) != 0) return std::nullopt;
    auto first = payload->find('\n');
    auto second = first == std::string::npos ? first : payload->find('\n', first + 1);
    if (second == std::string::npos) return std::nullopt;
    EngagementTokenFields fields;
    fields.kind = payload->substr(0, first);
    fields.message_id = payload->substr(first + 1, second - first - 1);
    fields.recipient = payload->substr(second + 1);
    if (fields.kind.empty() || fields.recipient.empty()) return std::nullopt;
    return fields;
}

}  // namespace relaylab::relay
