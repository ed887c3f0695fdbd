#include "probes/policy/smuggling_variants.hpp"

#include <cstdint>
#include <random>

namespace relaylab::probe {

using namespace std::string_view_literals;

const std::vector<SmugglingVariant>& smuggling_variants() {
    // The order is that of the 2023 write-ups: the bare-LF forms first (the ones Postfix,
    // Sendmail and Exim fell for), then the bare-CR forms (Cisco, Exchange), then the NULs.
    static const std::vector<SmugglingVariant> variants = {
        {"lf-dot-lf", "\n.\n"sv},
        {"lf-dot-crlf", "\n.\r\n"sv},
        {"crlf-dot-lf", "\r\n.\n"sv},
        {"lf-dot-cr", "\n.\r"sv},
        {"cr-dot-cr", "\r.\r"sv},
        {"cr-dot-lf", "\r.\n"sv},
        {"cr-dot-crlf", "\r.\r\n"sv},
        {"crlf-dot-cr", "\r\n.\r"sv},
        // Postfix condenses CR+ LF into CRLF; these were in SEC Consult's lists for it.
        // (<CR><CR><LF>.<CR><LF> is left out: it holds a real <CRLF>.<CRLF>.)
        {"crlf-dot-cr-crlf", "\r\n.\r\r\n"sv},
        {"cr-crlf-dot-cr-crlf", "\r\r\n.\r\r\n"sv},
        // Receivers (and relays) that drop NULs read these as <CRLF>.<CRLF>.
        {"crlf-nul-dot-crlf", "\r\n\0.\r\n"sv},
        {"crlf-dot-nul-crlf", "\r\n.\0\r\n"sv},
        {"cr-nul-lf-dot-crlf", "\r\0\n.\r\n"sv},
        {"crlf-dot-cr-nul-lf", "\r\n.\r\0\n"sv},
    };
    return variants;
}

const SmugglingVariant* find_smuggling_variant(std::string_view name) {
    for (const auto& variant : smuggling_variants()) {
        if (variant.name == name) return &variant;
    }
    return nullptr;
}

bool has_bare_newline(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] == '\r' && (i + 1 == bytes.size() || bytes[i + 1] != '\n')) return true;
        if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r')) return true;
    }
    return false;
}

SmugglingMessage make_smuggling_message(const SmugglingVariant& variant, std::string_view token,
                                        std::string_view mail_from, std::string_view rcpt,
                                        std::string_view date) {
    const std::string name(variant.name);
    const std::string id = name + " " + std::string(token);
    SmugglingMessage message;
    message.begin_marker = "relaylab smuggling test " + id + " begin";
    message.after_marker = "NOOP relaylab-smuggling " + std::string(token);
    std::string& head = message.head;
    head += "From: <" + std::string(mail_from) + ">\r\n";
    head += "To: <" + std::string(rcpt) + ">\r\n";
    head += "Subject: relaylab SMTP smuggling probe (" + name + ")\r\n";
    head += "Date: " + std::string(date) + "\r\n";
    head += "Message-ID: <smuggling." + name + "." + std::string(token) + "@relaylab.test>\r\n";
    // Ties an arrival at the sink to its variant and run (smuggling-outbound).
    message.header = "X-Relaylab-Smuggling: " + id;
    head += message.header + "\r\n";
    head += "\r\n";
    head += "This message tests how the server handles an end-of-data look-alike (" + name +
            ").\r\nIt is harmless: the line after the look-alike is a NOOP.\r\n";
    head += message.begin_marker;
    head += variant.bytes;
    head += message.after_marker + "\r\n";
    message.tail = "relaylab smuggling test " + id + " end\r\n";
    return message;
}

std::string make_smuggling_token() {
    std::random_device device;
    std::uint64_t value = (static_cast<std::uint64_t>(device()) << 32) ^ device();
    static constexpr char hex[] = "0123456789abcdef";
    std::string token(16, '0');
    for (std::size_t i = 0; i < token.size(); ++i) {
        token[i] = hex[(value >> (4 * i)) & 0xF];
    }
    return token;
}

}  // namespace relaylab::probe
