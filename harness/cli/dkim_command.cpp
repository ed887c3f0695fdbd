// relaylab dkim keygen|sign: make a DKIM key with its DNS record, and sign a message.
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harness/cli/commands.hpp"
#include "probes/auth/dkim_sign.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::cli {
namespace {

// RFC 8301 3.2: at least 1024 bits; verifiers must accept up to 4096.
constexpr std::uint64_t default_rsa_bits = 2048;
constexpr std::uint64_t max_cli_rsa_bits = 4096;
// A TXT character-string holds at most 255 octets (RFC 1035 3.3.14).
constexpr std::size_t txt_string_max = 255;
// Messages larger than this are not signed from the command line.
constexpr std::size_t max_message_file_bytes = 64 * 1024 * 1024;

const CommandSpec& spec() {
    static const CommandSpec spec{
        .name = "dkim",
        .synopsis =
            "keygen --selector S --domain D --out KEY.pem [--type rsa|ed25519] [--bits N]\n"
            "       relaylab dkim sign MESSAGE.eml --key KEY.pem --selector S --domain D "
            "[options]",
        .summary = "DKIM keys and signatures: keygen (PEM + DNS TXT line), sign",
        .description =
            "keygen writes a new private key (PKCS#8 PEM, mode 0600) and prints the TXT record to\n"
            "publish at S._domainkey.D. sign prints MESSAGE with a DKIM-Signature field on top\n"
            "(MESSAGE '-' reads stdin); the key may be PEM (RSA or Ed25519) or dkimpy's base64\n"
            "Ed25519 seed. Without --headers, the RFC 6376 5.4.1 fields present are signed and\n"
            "From, To, Cc, Subject, Date, Reply-To and Message-ID are over-signed.",
        .options =
            {
                {"--type", "rsa|ed25519", "keygen: key type (default rsa)"},
                {"--bits", "N", "keygen: RSA modulus size, 1024..4096 (default 2048)"},
                {"--selector", "S", "the selector (s=)"},
                {"--domain", "D", "the signing domain (d=)"},
                {"--out", "KEY.pem", "keygen: where to write the private key (not overwritten)"},
                {"--key", "KEY.pem", "sign: the private key"},
                {"--headers", "LIST", "sign: colon-separated fields to sign (h=), as given"},
                {"--canon", "H/B",
                 "sign: simple|relaxed for header/body (default relaxed/relaxed)"},
                {"--algorithm", "A", "sign: rsa-sha256 or ed25519-sha256 (must fit the key)"},
                {"--identity", "ADDR", "sign: the agent or user identifier (i=)"},
                {"--timestamp", "UNIX", "sign: t= (default now)"},
                {"--expire", "SECONDS", "sign: x= this long after t="},
                {"--body-length", "", "sign: add l= (lets others append to the body)"},
            },
        .min_positional = 1,
        .max_positional = 2,
        .positional_name = "keygen|sign [MESSAGE]",
    };
    return spec;
}

std::string required(const ParsedArgs& args, std::string_view name) {
    auto value = args.get(name);
    if (!value || value->empty()) throw UsageError(std::string(name) + " is required");
    return *value;
}

std::string read_input(const std::string& path, std::string_view what) {
    std::ostringstream out;
    if (path == "-") {
        out << std::cin.rdbuf();
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw UsageError("cannot read " + std::string(what) + " " + path);
        out << in.rdbuf();
    }
    std::string text = out.str();
    if (text.size() > max_message_file_bytes)
        throw UsageError(std::string(what) + " " + path + " is larger than 64 MiB");
    return text;
}

// The TXT record as a zone-file line, p= split into 255-octet character-strings.
std::string txt_line(const std::string& selector, const std::string& domain,
                     const auth::PrivateKey& key) {
    std::string record = "v=DKIM1; k=" + std::string(auth::key_type_name(key.type())) +
                         "; p=" + key.public_key_base64();
    std::string line = selector + "._domainkey." + domain + ". IN TXT";
    for (std::size_t pos = 0; pos < record.size(); pos += txt_string_max)
        line += " \"" + record.substr(pos, txt_string_max) + "\"";
    return line;
}

int keygen(const ParsedArgs& args) {
    std::string selector = required(args, "--selector");
    std::string domain = required(args, "--domain");
    std::string out = required(args, "--out");
    std::string type_name = args.get_or("--type", "rsa");
    auth::KeyType type;
    if (type_name == "rsa") {
        type = auth::KeyType::rsa;
    } else if (type_name == "ed25519") {
        type = auth::KeyType::ed25519;
    } else {
        throw UsageError("--type " + type_name + ": want rsa or ed25519");
    }
    if (args.has("--bits") && type != auth::KeyType::rsa)
        throw UsageError("--bits applies to --type rsa only");
    auto bits = static_cast<unsigned>(
        args.get_uint("--bits", default_rsa_bits, auth::min_rsa_bits, max_cli_rsa_bits));
    struct stat existing {};
    if (stat(out.c_str(), &existing) == 0)
        throw UsageError("--out " + out + " exists; not overwriting a key");
    std::string error;
    auto key = auth::PrivateKey::generate(type, bits, error);
    if (!key) throw RunError(error);
    {
        // Create with 0600 before writing the secret.
        mode_t old_mask = umask(077);
        std::ofstream file(out, std::ios::binary);
        umask(old_mask);
        if (!file) throw UsageError("cannot write --out " + out);
        file << key->to_pem();
        if (!file.flush()) throw RunError("writing " + out + " failed");
    }
    std::cout << txt_line(selector, domain, *key) << '\n';
    return exit_ok;
}

// RFC 6376 3.5: i= is [local-part] "@" domain-name, and the domain is d= or a subdomain of
// it. A signature that breaks this is a permerror at every verifier (relaylab's included), so
// the signer refuses it instead of producing mail that can never pass.
void check_identity(const std::string& identity, const std::string& domain) {
    auto bad = [&](const std::string& why) {
        return UsageError("--identity '" + identity + "': " + why);
    };
    std::size_t at = identity.rfind('@');
    if (at == std::string::npos)
        throw bad("not an address: want [local-part]@domain, e.g. alice@" + domain);
    for (char c : identity) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= ' ' || byte == 0x7f || c == ';')
            throw bad("spaces, control characters and ';' cannot appear in i=");
    }
    const std::string id_domain = auth::to_lower(std::string_view(identity).substr(at + 1));
    if (id_domain.empty()) throw bad("no domain after '@'");
    std::size_t label_start = 0;
    while (label_start <= id_domain.size()) {
        std::size_t dot = id_domain.find('.', label_start);
        if (dot == std::string::npos) dot = id_domain.size();
        std::string_view label = std::string_view(id_domain).substr(label_start, dot - label_start);
        if (label.empty() || label.front() == '-' || label.back() == '-')
            throw bad("'" + id_domain + "' is not a domain name");
        for (char c : label) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            static_cast<unsigned char>(c) >= 0x80;  // U-labels (RFC 8616)
            if (!ok) throw bad("'" + id_domain + "' is not a domain name");
        }
        label_start = dot + 1;
    }
    const std::string d = auth::to_lower(domain);
    const bool within = id_domain == d || (id_domain.size() > d.size() && id_domain.ends_with(d) &&
                                           id_domain[id_domain.size() - d.size() - 1] == '.');
    if (!within)
        throw bad("its domain " + id_domain + " is not --domain " + domain +
                  " or a subdomain of it (RFC 6376 3.5)");
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> items;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t colon = text.find(':', pos);
        if (colon == std::string::npos) colon = text.size();
        std::string item(auth::trim_wsp(std::string_view(text).substr(pos, colon - pos)));
        if (item.empty()) throw UsageError("--headers " + text + ": empty field name");
        items.push_back(item);
        pos = colon + 1;
    }
    return items;
}

int sign(const ParsedArgs& args) {
    if (args.positional().size() != 2) throw UsageError("sign needs the MESSAGE file (or -)");
    const std::string& message_path = args.positional()[1];
    std::string key_path = required(args, "--key");
    std::string error;
    auto key = auth::PrivateKey::from_text(read_input(key_path, "--key"), error);
    if (!key) throw UsageError("--key " + key_path + ": " + error);

    auth::DkimSignOptions options;
    options.selector = required(args, "--selector");
    options.domain = required(args, "--domain");
    if (auto headers = args.get("--headers")) options.headers = split_list(*headers);
    std::string canon = args.get_or("--canon", "relaxed/relaxed");
    std::size_t slash = canon.find('/');
    auto header_canon = auth::parse_canon(canon.substr(0, slash));
    auto body_canon = slash == std::string::npos ? std::optional(auth::Canon::simple)
                                                 : auth::parse_canon(canon.substr(slash + 1));
    if (!header_canon || !body_canon)
        throw UsageError("--canon " + canon + ": want simple|relaxed[/simple|relaxed]");
    options.header_canon = *header_canon;
    options.body_canon = *body_canon;
    if (auto algorithm = args.get("--algorithm")) {
        std::string want = key->type() == auth::KeyType::ed25519 ? "ed25519-sha256" : "rsa-sha256";
        if (*algorithm != "rsa-sha256" && *algorithm != "ed25519-sha256")
            throw UsageError("--algorithm " + *algorithm + ": want rsa-sha256 or ed25519-sha256");
        if (*algorithm != want)
            throw UsageError("--algorithm " + *algorithm + " does not fit the " +
                             std::string(auth::key_type_name(key->type())) + " key in " + key_path);
    }
    if (auto identity = args.get("--identity")) {
        check_identity(*identity, options.domain);
        options.identity = *identity;
    }
    if (args.has("--timestamp"))
        options.timestamp =
            static_cast<std::int64_t>(args.get_uint("--timestamp", 0, 0, 1ULL << 40));
    if (args.has("--expire")) {
        std::int64_t t =
            options.timestamp.value_or(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
        options.timestamp = t;
        options.expiration =
            t + static_cast<std::int64_t>(args.get_uint("--expire", 0, 1, 1ULL << 32));
    }
    options.body_length = args.has("--body-length");

    std::string message = read_input(message_path, "message");
    auth::DkimSignResult result = auth::dkim_sign(message, *key, options);
    if (!result.ok()) throw UsageError(message_path + ": " + result.error);
    std::string field = result.field;
    // Keep the file's own line ends: a message stored with bare LFs gets an LF-ended field.
    if (message.find('\r') == std::string::npos) {
        std::string lf;
        for (char c : field)
            if (c != '\r') lf.push_back(c);
        field = lf;
    }
    std::cout << field << message;
    std::cout.flush();
    return exit_ok;
}

}  // namespace

int dkim_main(const Args& args) {
    return run_command(spec(), args, [](const ParsedArgs& parsed) {
        const std::string& action = parsed.positional().at(0);
        if (action == "keygen") {
            if (parsed.positional().size() != 1) throw UsageError("keygen takes no MESSAGE");
            return keygen(parsed);
        }
        if (action == "sign") return sign(parsed);
        throw UsageError("unknown action '" + action + "': want keygen or sign");
    });
}

}  // namespace relaylab::cli
