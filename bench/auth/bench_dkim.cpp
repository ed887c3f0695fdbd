// DKIM sign/s and verify/s of relaylab on fixed inputs shared with bench_dkimpy.py.
// Usage: bench_dkim DIR [SECONDS]. DIR gets message.eml, rsa.pem, ed.key (dkimpy's seed
// format) and zone.json on first use; both benchmarks then read the same files.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "probes/auth/dkim_sign.hpp"
#include "probes/auth/dkim_verify.hpp"

using namespace relaylab::auth;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write(const fs::path& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

class ZoneDns : public DnsLookup {
  public:
    std::map<std::string, std::string> records;
    DnsAnswer lookup(const DnsQuery& query) override {
        auto it = records.find(query.name);
        if (it == records.end()) return {DnsStatus::nxdomain, {}};
        return {DnsStatus::ok, {it->second}};
    }
};

void make_fixtures(const fs::path& dir) {
    fs::create_directories(dir);
    std::string message =
        "From: Alice Example <alice@example.org>\r\nTo: Bob <bob@example.net>\r\n"
        "Cc: carol@example.net\r\nSubject: Quarterly figures, draft 3\r\n"
        "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench-1@example.org>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    for (int i = 0; i < 60; ++i)
        message += "Line " + std::to_string(i) +
                   " of a plain text body, long enough to look like mail.  \r\n";
    write(dir / "message.eml", message);
    std::string error;
    auto rsa = PrivateKey::generate(KeyType::rsa, 2048, error);
    auto ed = PrivateKey::generate(KeyType::ed25519, 0, error);
    write(dir / "rsa.pem", rsa->to_pem());
    write(dir / "ed.key", ed->ed25519_seed_base64());
    write(dir / "zone.json",
          "{\"rsa._domainkey.example.org\": \"v=DKIM1; k=rsa; p=" + rsa->public_key_base64() +
              "\", \"ed._domainkey.example.org\": \"v=DKIM1; k=ed25519; p=" +
              ed->public_key_base64() + "\"}\n");
}

// Crude zone.json reader: the file is ours, two "name": "record" pairs.
ZoneDns load_zone(const std::string& json) {
    ZoneDns dns;
    std::size_t pos = 0;
    while (true) {
        std::size_t a = json.find('"', pos);
        if (a == std::string::npos) break;
        std::size_t b = json.find('"', a + 1);
        std::size_t c = json.find('"', b + 1);
        std::size_t d = json.find('"', c + 1);
        dns.records[json.substr(a + 1, b - a - 1)] = json.substr(c + 1, d - c - 1);
        pos = d + 1;
    }
    return dns;
}

template <typename F>
double rate(double seconds, F&& op) {
    std::size_t n = 0;
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < deadline) {
        for (int i = 0; i < 10; ++i)
            op();
        n += 10;
    }
    return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_dkim DIR [SECONDS]\n";
        return 2;
    }
    fs::path dir = argv[1];
    double seconds = argc > 2 ? std::stod(argv[2]) : 3.0;
    if (!fs::exists(dir / "message.eml")) make_fixtures(dir);
    std::string message = read(dir / "message.eml");
    ZoneDns dns = load_zone(read(dir / "zone.json"));
    std::string error;
    auto rsa = PrivateKey::from_text(read(dir / "rsa.pem"), error);
    auto ed = PrivateKey::from_text(read(dir / "ed.key"), error);
    for (auto [selector, key] : {std::pair{"rsa", &*rsa}, std::pair{"ed", &*ed}}) {
        DkimSignOptions options;
        options.domain = "example.org";
        options.selector = selector;
        std::string alg(algorithm_name(key->type() == KeyType::rsa ? SigAlgorithm::rsa_sha256
                                                                   : SigAlgorithm::ed25519_sha256));
        double sign_rate = rate(seconds, [&] { dkim_sign(message, *key, options); });
        std::string signed_message = dkim_sign(message, *key, options).field + message;
        if (verify_dkim(signed_message, dns).at(0).result != DkimResult::pass) {
            std::cerr << "self-check failed for " << alg << '\n';
            return 1;
        }
        double verify_rate = rate(seconds, [&] { verify_dkim(signed_message, dns); });
        std::cout << "relaylab " << alg << " sign/s " << static_cast<long>(sign_rate)
                  << " verify/s " << static_cast<long>(verify_rate) << '\n';
    }
    return 0;
}
