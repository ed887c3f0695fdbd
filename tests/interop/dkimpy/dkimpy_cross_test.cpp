// Cross-checks with dkimpy (Debian python3-dkim, run as /usr/bin/python3): messages signed by
// relaylab verify with dkimpy and messages signed by dkimpy verify with relaylab, for
// rsa-sha256 and ed25519-sha256 and all four canonicalisation pairs. One python3 run does all
// of dkimpy's work, so the test costs one interpreter start.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "probes/auth/dkim_sign.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "tests/catch_main.hpp"
#include "tests/conformance/dkim/dkim_test_support.hpp"
#include "tests/lib/temp_dir.hpp"

using relaylab::testing::TempDir;

namespace {

using namespace relaylab::auth;
using relaylab::auth::test::MapDns;
namespace fs = std::filesystem;

constexpr std::string_view dkimpy_script = R"PY(
import sys, json, dkim
m = json.load(open(sys.argv[1]))
zone = m['zone']
def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    return zone.get(n.rstrip('.').lower(), '')
out = {'verify': {}, 'signed': []}
for f in m['verify']:
    out['verify'][f] = bool(dkim.verify(open(f, 'rb').read(), dnsfunc=dnsfunc))
for s in m['sign']:
    data = open(s['in'], 'rb').read()
    sig = dkim.sign(data, s['selector'].encode(), s['domain'].encode(), open(s['key'], 'rb').read(),
                    canonicalize=(s['h'].encode(), s['b'].encode()),
                    signature_algorithm=s['alg'].encode())
    open(s['out'], 'wb').write(sig + data)
    out['signed'].append(s['out'])
json.dump(out, sys.stdout)
)PY";

// Messages whose canonical forms differ between simple and relaxed: trailing and inner
// whitespace, folded headers, empty lines at the end of the body, a body without final CRLF.
const std::vector<std::string> messages = {
    "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: cross check\r\n"
    "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <x1@example.org>\r\n\r\n"
    "Hello Bob,\r\nthis is a test.\r\n",
    "From:   Alice   <alice@example.org>  \r\nTo: bob@example.net,\r\n\tcarol@example.net\r\n"
    "Subject:\tfolded\r\n  subject line   \r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n\r\nLine with trailing spaces   \r\n\tTabbed   inner\t\tspace\r\n"
    "\r\n\r\n\r\n",
    "From: alice@example.org\r\nSubject: no final newline\r\n\r\nlast line without CRLF",
};

}  // namespace

TEST_CASE("dkimpy and relaylab verify each other's signatures", "[dkim][interop]") {
    if (!relaylab::auth::test::have_debian_python_module("dkim") ||
        !relaylab::auth::test::have_debian_python_module("nacl")) {
        relaylab::test::skip_test(
            "/usr/bin/python3 cannot import dkim and nacl (install python3-dkim)");
        return;
    }
    TempDir dir;
    std::string error;
    auto rsa = PrivateKey::generate(KeyType::rsa, 2048, error);
    auto ed = PrivateKey::generate(KeyType::ed25519, 0, error);
    REQUIRE(rsa.has_value());
    REQUIRE(ed.has_value());
    relaylab::auth::test::write_file(dir.path / "rsa.pem", rsa->to_pem());
    // dkimpy reads Ed25519 private keys as the base64 seed.
    relaylab::auth::test::write_file(dir.path / "ed.key", ed->ed25519_seed_base64());

    const std::string domain = "example.org";
    MapDns dns;
    nlohmann::json zone = nlohmann::json::object();
    auto publish = [&](const std::string& selector, const PrivateKey& key) {
        std::string name = selector + "._domainkey." + domain;
        std::string record = "v=DKIM1; k=" + std::string(key_type_name(key.type())) +
                             "; p=" + key.public_key_base64();
        dns.add(name, record);
        zone[name] = record;
    };
    publish("rsa", *rsa);
    publish("ed", *ed);

    struct Signer {
        std::string selector, alg, key_file;
        const PrivateKey* key;
    };
    const std::vector<Signer> signers = {{"rsa", "rsa-sha256", "rsa.pem", &*rsa},
                                         {"ed", "ed25519-sha256", "ed.key", &*ed}};
    nlohmann::json manifest;
    manifest["zone"] = zone;
    manifest["verify"] = nlohmann::json::array();
    manifest["sign"] = nlohmann::json::array();
    std::vector<std::string> tampered;
    int n = 0;
    for (const Signer& signer : signers) {
        for (Canon h : {Canon::simple, Canon::relaxed}) {
            for (Canon b : {Canon::simple, Canon::relaxed}) {
                for (std::size_t m = 0; m < messages.size(); ++m) {
                    std::string tag = signer.selector + "-" + std::string(canon_name(h)) + "-" +
                                      std::string(canon_name(b)) + "-" + std::to_string(m);
                    DkimSignOptions options;
                    options.domain = domain;
                    options.selector = signer.selector;
                    options.header_canon = h;
                    options.body_canon = b;
                    DkimSignResult field = dkim_sign(messages[m], *signer.key, options);
                    REQUIRE(field.ok());
                    fs::path ours = dir.path / ("relaylab-" + tag + ".eml");
                    relaylab::auth::test::write_file(ours, field.field + messages[m]);
                    manifest["verify"].push_back(ours.string());
                    if (m == 0 && h == Canon::relaxed && b == Canon::relaxed) {
                        // A changed body must fail in dkimpy too: proves dkimpy really checks.
                        fs::path bad = dir.path / ("tampered-" + tag + ".eml");
                        relaylab::auth::test::write_file(bad,
                                                         field.field + messages[m] + "P.S.\r\n");
                        manifest["verify"].push_back(bad.string());
                        tampered.push_back(bad.string());
                    }
                    fs::path in = dir.path / ("plain-" + std::to_string(n++) + ".eml");
                    relaylab::auth::test::write_file(in, messages[m]);
                    manifest["sign"].push_back(
                        {{"in", in.string()},
                         {"out", (dir.path / ("dkimpy-" + tag + ".eml")).string()},
                         {"selector", signer.selector},
                         {"domain", domain},
                         {"key", (dir.path / signer.key_file).string()},
                         {"h", std::string(canon_name(h))},
                         {"b", std::string(canon_name(b))},
                         {"alg", signer.alg}});
                }
            }
        }
    }
    relaylab::auth::test::write_file(dir.path / "manifest.json", manifest.dump());
    relaylab::auth::test::write_file(dir.path / "dkimpy_side.py", std::string(dkimpy_script));
    auto run = relaylab::auth::test::run_capture(
        "/usr/bin/python3 " +
        relaylab::auth::test::shell_quote((dir.path / "dkimpy_side.py").string()) + " " +
        relaylab::auth::test::shell_quote((dir.path / "manifest.json").string()));
    REQUIRE(run.status == 0);
    nlohmann::json result = nlohmann::json::parse(run.out);

    std::size_t dkimpy_verified = 0;
    for (auto& [file, ok] : result["verify"].items()) {
        bool is_tampered = std::find(tampered.begin(), tampered.end(), file) != tampered.end();
        INFO("dkimpy verifying " << fs::path(file).filename().string());
        CHECK(ok.get<bool>() == !is_tampered);
        dkimpy_verified += !is_tampered && ok.get<bool>();
    }
    CHECK(dkimpy_verified == 2 * 4 * messages.size());

    std::size_t relaylab_verified = 0;
    for (const auto& file : result["signed"]) {
        auto text = relaylab::auth::test::read_file(file.get<std::string>());
        REQUIRE(text.has_value());
        auto verdicts = verify_dkim(*text, dns);
        REQUIRE(verdicts.size() == 1);
        INFO("relaylab verifying " << fs::path(file.get<std::string>()).filename().string() << ": "
                                   << verdicts[0].reason);
        CHECK(verdicts[0].result == DkimResult::pass);
        relaylab_verified += verdicts[0].result == DkimResult::pass;
    }
    CHECK(relaylab_verified == 2 * 4 * messages.size());
}

TEST_CASE("relaylab dkim keygen + sign: dkimpy verifies the CLI's output", "[dkim][interop]") {
    if (!fs::exists(RELAYLAB_BINARY)) {
        relaylab::test::skip_test(std::string(RELAYLAB_BINARY) + " is not built");
        return;
    }
    if (!relaylab::auth::test::have_debian_python_module("dkim")) {
        relaylab::test::skip_test("/usr/bin/python3 cannot import dkim (install python3-dkim)");
        return;
    }
    TempDir dir;
    auto q = [](const fs::path& p) { return relaylab::auth::test::shell_quote(p.string()); };
    const std::string bin = relaylab::auth::test::shell_quote(RELAYLAB_BINARY);
    auto ed = relaylab::auth::test::run_capture(bin +
                                                " dkim keygen --type ed25519 --selector ed "
                                                "--domain example.org --out " +
                                                q(dir.path / "ed.pem"));
    auto rsa = relaylab::auth::test::run_capture(bin +
                                                 " dkim keygen --bits 1024 --selector rsa "
                                                 "--domain example.org --out " +
                                                 q(dir.path / "rsa.pem"));
    REQUIRE(ed.status == 0);
    REQUIRE(rsa.status == 0);
    CHECK(ed.out.starts_with("ed._domainkey.example.org. IN TXT \"v=DKIM1; k=ed25519; p="));
    // Refuses to overwrite a key (exit 2, usage/configuration error).
    CHECK(relaylab::auth::test::run_capture(bin + " dkim keygen --selector x --domain y --out " +
                                            q(dir.path / "rsa.pem") + " 2>/dev/null")
              .status == 2);
    relaylab::auth::test::write_file(dir.path / "zone.txt", ed.out + rsa.out);
    // An LF-only file, as editors save it.
    relaylab::auth::test::write_file(
        dir.path / "m.eml", "From: a@example.org\nTo: b@example.net\nSubject: cli\n\nhi\n");
    auto signed_ed = relaylab::auth::test::run_capture(
        bin + " dkim sign " + q(dir.path / "m.eml") + " --key " + q(dir.path / "ed.pem") +
        " --selector ed --domain example.org --canon simple/relaxed");
    REQUIRE(signed_ed.status == 0);
    relaylab::auth::test::write_file(dir.path / "s1.eml", signed_ed.out);
    auto signed_both = relaylab::auth::test::run_capture(
        bin + " dkim sign " + q(dir.path / "s1.eml") + " --key " + q(dir.path / "rsa.pem") +
        " --selector rsa --domain example.org --headers from:to:subject:subject");
    REQUIRE(signed_both.status == 0);
    relaylab::auth::test::write_file(dir.path / "s2.eml", signed_both.out);
    auto check = relaylab::auth::test::run_capture(
        "/usr/bin/python3 -c 'import dkim, re, sys\n"
        "zone = {}\n"
        "for line in open(sys.argv[1]):\n"
        "    zone[line.split()[0].rstrip(\".\")] = \"\".join(re.findall(\"\\\"([^\\\"]*)\\\"\", "
        "line))\n"
        "d = dkim.DKIM(open(sys.argv[2], \"rb\").read())\n"
        "dns = lambda n, timeout=5: zone.get(n.decode().rstrip(\".\"), \"\")\n"
        "print(d.verify(idx=0, dnsfunc=dns), d.verify(idx=1, dnsfunc=dns))' " +
        q(dir.path / "zone.txt") + " " + q(dir.path / "s2.eml"));
    CHECK(check.status == 0);
    CHECK(check.out == "True True\n");
}
