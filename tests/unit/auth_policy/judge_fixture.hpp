// One sender's world for the message judge tests (unit and integration): example.test
// publishes SPF for 192.0.2.0/24, an Ed25519 DKIM key at s1 and DMARC p=reject; a HELO name
// with its own SPF. The key is RFC 8032 7.1 TEST 1's, so every run signs alike.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "probes/auth/dkim_crypto.hpp"
#include "probes/auth/dkim_sign.hpp"
#include "probes/auth/memory_dns.hpp"
#include "probes/auth/message_judge.hpp"

namespace relaylab::auth::test {

inline constexpr const char* allowed_ip = "192.0.2.25";
inline constexpr const char* foreign_ip = "203.0.113.9";
inline constexpr const char* helo_name = "mail.example.test";

inline const std::string& plain_message() {
    static const std::string message =
        "From: Alice <alice@example.test>\r\nTo: bob@example.net\r\nSubject: hello\r\n"
        "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@example.test>\r\n\r\n"
        "Hello Bob.\r\n";
    return message;
}

inline const PrivateKey& signing_key() {
    static const PrivateKey key = *PrivateKey::from_ed25519_seed(std::string(
        "\x9d\x61\xb1\x9d\xef\xfd\x5a\x60\xba\x84\x4a\xf4\x92\xec\x2c\xc4\x44\x49\xc5\x69\x7b"
        "\x32\x69\x19\x70\x3b\xac\x03\x1c\xae\x7f\x60",
        32));
    return key;
}

inline std::string key_record() {
    return "v=DKIM1; k=ed25519; p=" + signing_key().public_key_base64();
}

inline const char* spf_record() {
    return "v=spf1 ip4:192.0.2.0/24 -all";
}
inline const char* helo_spf_record() {
    return "v=spf1 ip4:198.51.100.7 -all";
}
inline const char* dmarc_record() {
    return "v=DMARC1; p=reject";
}

// The message with a DKIM-Signature of example.test on top.
inline std::string signed_message(const std::string& message = plain_message()) {
    DkimSignOptions options;
    options.domain = "example.test";
    options.selector = "s1";
    auto result = dkim_sign(message, signing_key(), options);
    REQUIRE(result.ok());
    return result.field + message;
}

inline void add_sender_zone(MemoryDns& dns) {
    dns.add("example.test", RrType::txt, spf_record());
    dns.add("s1._domainkey.example.test", RrType::txt, key_record());
    dns.add("_dmarc.example.test", RrType::txt, dmarc_record());
    dns.add(helo_name, RrType::txt, helo_spf_record());
}

// The zone file form of the same, for the fixture DNS server.
inline std::string sender_zone_text() {
    return "$ORIGIN example.test.\n$TTL 300\n"
           "@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300\n"
           "@ IN NS ns.example.test.\nns IN A 127.0.0.1\n"
           "@ IN TXT \"" +
           std::string(spf_record()) + "\"\n_dmarc IN TXT \"" + dmarc_record() +
           "\"\ns1._domainkey IN TXT \"" + key_record() + "\"\nmail IN TXT \"" + helo_spf_record() +
           "\"\n";
}

inline JudgeInput input_for(std::string message, const char* ip = allowed_ip,
                            std::string mail_from = "alice@example.test") {
    JudgeInput input;
    input.client_ip = ip;
    input.helo = helo_name;
    input.mail_from = std::move(mail_from);
    input.message = std::move(message);
    input.authserv_id = "mx.relaylab.test";
    return input;
}

}  // namespace relaylab::auth::test
