// Real peers read what the relay writes. DSNs made by make_dsn() are parsed by Debian's
// /usr/bin/python3 email package (policy=email.policy.default), as a bounce processor would;
// messages signed by DkimSigningStep (RSA and Ed25519 keys made here) are verified by dkimpy
// and by the project's own verifier. One python3 run does all of the peer's work
// (python_peer.py); this side asserts on the JSON it prints.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "harness/relay/bounce/dkim_signing.hpp"
#include "harness/relay/bounce/dsn.hpp"
#include "probes/auth/dkim_verify.hpp"
#include "tests/catch_main.hpp"
#include "tests/conformance/dkim/dkim_test_support.hpp"
#include "tests/lib/temp_dir.hpp"

using relaylab::testing::TempDir;

namespace {

using namespace relaylab::relay;
namespace auth = relaylab::auth;
namespace support = relaylab::auth::test;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* python = "/usr/bin/python3";
constexpr std::int64_t arrival = 1796198305000;
constexpr std::int64_t now = arrival + 600 * 1000;

const std::string original =
    "From: Alice <alice@sender.example>\r\nTo: bob@dest.example, carol@dest.example\r\n"
    "Subject: quarterly numbers\r\nMessage-ID: <orig-7@sender.example>\r\n"
    "X-Relaylab-Id: run7-1\r\n\r\nThe numbers are in.\r\n";

DsnInput input(std::string seed) {
    DsnInput in;
    in.reporting_mta = "relay.relaylab.test";
    in.postmaster = "MAILER-DAEMON@example.org";
    in.original_sender = "alice@sender.example";
    in.arrival_ms = arrival;
    in.now_ms = now;
    in.queue_id = seed;
    in.boundary_seed = std::move(seed);
    in.original_message = original;
    return in;
}

DsnRecipient recipient(std::string address, DsnAction action, std::string reply) {
    DsnRecipient r;
    r.final_recipient = std::move(address);
    r.action = action;
    r.remote_mta = "dns;mx1.dest.example";
    r.diagnostic = std::move(reply);
    r.last_attempt_ms = now - 5000;
    if (action == DsnAction::delayed) r.will_retry_until_ms = arrival + 432000000;
    return r;
}

// The DSNs of this test, by file name.
std::map<std::string, std::string> make_dsns() {
    std::map<std::string, std::string> out;
    auto add = [&](const std::string& name, const DsnInput& in) {
        DsnMessage dsn = make_dsn(in);
        REQUIRE(dsn.ok());
        out[name] = dsn.content;
    };
    DsnInput failed = input("QFAILED1");
    failed.ret = DsnReturnContent::full;
    failed.original_envid = "ENV+42";
    failed.recipients.push_back(recipient("bob@dest.example", DsnAction::failed,
                                          "550 5.1.1 <bob@dest.example>: no such user"));
    failed.recipients.back().orcpt = "rfc822;Bob+sales@dest.example";
    failed.recipients.push_back(recipient("carol@dest.example", DsnAction::delayed,
                                          "451 4.7.1 greylisted, come back later"));
    add("failed.eml", failed);

    DsnInput delayed = input("QDELAY1");
    delayed.ret = DsnReturnContent::headers;
    delayed.recipients.push_back(
        recipient("carol@dest.example", DsnAction::delayed, "421 4.4.2 timeout"));
    add("delayed.eml", delayed);

    DsnInput delivered = input("QOK1");
    delivered.recipients.push_back(
        recipient("bob@dest.example", DsnAction::delivered, "250 2.0.0 Ok: queued as 9AF"));
    add("delivered.eml", delivered);

    const std::string utf8 =
        "From: alice@sender.example\r\nTo: bob@dest.example\r\nSubject: Gr\xC3\xBC\xC3\x9F"
        "e\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nSch\xC3\xB6ne Gr\xC3\xBC\xC3\x9F"
        "e aus K\xC3\xB6ln.\r\n";
    DsnInput global = input("QGLOBAL1");
    global.ret = DsnReturnContent::full;
    global.original_message = utf8;
    global.recipients.push_back(
        recipient("bob@dest.example", DsnAction::failed, "554 5.6.0 no 8-bit here"));
    add("global.eml", global);

    // SMTPUTF8: UTF-8 sender and recipient (RFC 6533: utf-8 address type, global report).
    DsnInput utf8_addresses = input("QUTF8ADDR1");
    utf8_addresses.original_sender = "j\xC3\xBCrgen@sender.example";
    utf8_addresses.recipients.push_back(
        recipient("b\xC3\xB6"
                  "b@dest.example",
                  DsnAction::failed, "550 5.1.1 unknown"));
    add("utf8-addresses.eml", utf8_addresses);

    // Hostile: a reply that tries to inject fields and is longer than any line, and a message
    // that contains the boundary the first try would have used.
    DsnInput hostile = input("QHOSTILE1");
    hostile.ret = DsnReturnContent::full;
    std::string reply = "550-5.7.1 rejected\r\nBcc: victim@else.example\r\n\r\n550 5.7.1 ";
    reply += std::string(2500, 'x');
    hostile.recipients.push_back(recipient("bob@dest.example", DsnAction::failed, reply));
    std::string first_boundary;
    {
        std::string probe = make_dsn(hostile).content;
        auto at = probe.find("boundary=\"");
        REQUIRE(at != std::string::npos);
        first_boundary = probe.substr(at + 10, probe.find('"', at + 10) - at - 10);
    }
    static std::string trap;  // original_message is a view
    trap = "From: alice@sender.example\r\nSubject: trap\r\n\r\n--" + first_boundary +
           "\r\nContent-Type: text/plain\r\n\r\nnot a part\r\n--" + first_boundary + "--\r\n";
    hostile.original_message = trap;
    add("hostile.eml", hostile);
    return out;
}

std::string get(const json& object, const std::string& key) {
    return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

}  // namespace

TEST_CASE("Python's email package reads the relay's DSNs as multipart/report", "[dsn][interop]") {
    if (!fs::exists(python)) {
        relaylab::test::skip_test(std::string(python) + " is absent (Debian package python3)");
        return;
    }
    TempDir dir;
    json manifest;
    manifest["dsn"] = json::array();
    for (const auto& [name, content] : make_dsns()) {
        support::write_file(dir.path / name, content);
        manifest["dsn"].push_back((dir.path / name).string());
    }
    support::write_file(dir.path / "manifest.json", manifest.dump());
    auto run = support::run_capture(std::string(python) + " " +
                                    support::shell_quote(RELAY_BOUNCE_PEER_SCRIPT) + " " +
                                    support::shell_quote((dir.path / "manifest.json").string()));
    REQUIRE(run.status == 0);
    const json result = json::parse(run.out);
    auto dsn = [&](const std::string& name) -> const json& {
        return result["dsn"][(dir.path / name).string()];
    };

    const std::string utf8_file = (dir.path / "utf8-addresses.eml").string();
    for (const auto& path : manifest["dsn"]) {
        if (path == utf8_file) continue;  // checked on its own below
        const json& d = result["dsn"][path.get<std::string>()];
        INFO(path.get<std::string>() << ": " << d.dump(1).substr(0, 3000));
        CHECK(d["is_multipart"] == true);
        CHECK(d["content_type"] == "multipart/report");
        CHECK(d["report_type"] == "delivery-status");
        CHECK(d["defects"].empty());
        REQUIRE(d["part_types"].size() == 3);
        CHECK(d["part_types"][0] == "text/plain");
        CHECK(d["part_types"][1] == "message/delivery-status");
        CHECK(get(d["headers"], "Auto-Submitted") == "auto-replied");
        CHECK(get(d["headers"], "To") == "alice@sender.example");
        CHECK(get(d["headers"], "From").find("MAILER-DAEMON@example.org") != std::string::npos);
        CHECK(get(d["per_message"], "Reporting-MTA") == "dns; relay.relaylab.test");
        CHECK(get(d["per_message"], "Arrival-Date") == "Wed, 02 Dec 2026 07:58:25 +0000");
        CHECK(d["headers"].contains("Message-ID"));
        CHECK_FALSE(d["headers"].contains("Bcc"));
    }

    const json& failed = dsn("failed.eml");
    CHECK(get(failed["headers"], "Subject") == "Undelivered Mail Returned to Sender");
    CHECK(get(failed["per_message"], "Original-Envelope-Id") == "ENV+42");
    REQUIRE(failed["recipients"].size() == 2);
    const json& bob = failed["recipients"][0];
    CHECK(get(bob, "Original-Recipient") == "rfc822;Bob+sales@dest.example");
    CHECK(get(bob, "Final-Recipient") == "rfc822;bob@dest.example");
    CHECK(get(bob, "Action") == "failed");
    CHECK(get(bob, "Status") == "5.1.1");
    CHECK(get(bob, "Remote-MTA") == "dns;mx1.dest.example");
    CHECK(get(bob, "Diagnostic-Code") == "smtp; 550 5.1.1 <bob@dest.example>: no such user");
    CHECK(get(bob, "Last-Attempt-Date") == "Wed, 02 Dec 2026 08:08:20 +0000");
    const json& carol = failed["recipients"][1];
    CHECK(get(carol, "Action") == "delayed");
    CHECK(get(carol, "Status") == "4.7.1");
    CHECK(get(carol, "Will-Retry-Until") == "Mon, 07 Dec 2026 07:58:25 +0000");
    CHECK(failed["part_types"][2] == "message/rfc822");
    CHECK(get(failed["returned_headers"], "X-Relaylab-Id") == "run7-1");
    CHECK(get(failed, "returned_body") == "The numbers are in.\n");
    CHECK(get(failed, "text").find("no such user") != std::string::npos);

    const json& delayed = dsn("delayed.eml");
    CHECK(get(delayed["headers"], "Subject") == "Delayed Mail (still being retried)");
    CHECK(delayed["part_types"][2] == "text/rfc822-headers");
    CHECK(get(delayed, "returned_text").find("Subject: quarterly numbers") != std::string::npos);
    CHECK(get(delayed, "returned_text").find("The numbers are in.") == std::string::npos);

    const json& delivered = dsn("delivered.eml");
    CHECK(get(delivered["headers"], "Subject") == "Successful Mail Delivery Report");
    REQUIRE(delivered["recipients"].size() == 1);
    CHECK(get(delivered["recipients"][0], "Action") == "delivered");
    CHECK(get(delivered["recipients"][0], "Status") == "2.0.0");

    const json& global = dsn("global.eml");
    CHECK(global["part_types"][2] == "message/global");
    CHECK(get(global["returned_headers"], "Subject") ==
          "Gr\xC3\xBC\xC3\x9F"
          "e");
    CHECK(get(global, "returned_body").find("K\xC3\xB6ln") != std::string::npos);

    const json& utf8 = dsn("utf8-addresses.eml");
    INFO(utf8.dump(1).substr(0, 3000));
    CHECK(utf8["content_type"] == "multipart/report");
    CHECK(utf8["defects"].empty());
    REQUIRE(utf8["part_types"].size() == 3);
    CHECK(utf8["part_types"][1] == "message/global-delivery-status");
    CHECK(get(utf8["headers"], "To") == "j\xC3\xBCrgen@sender.example");
    CHECK(get(utf8, "text")
              .find("<b\xC3\xB6"
                    "b@dest.example>: delivery failed") != std::string::npos);

    const json& hostile = dsn("hostile.eml");
    REQUIRE(hostile["recipients"].size() == 1);
    std::string diagnostic = get(hostile["recipients"][0], "Diagnostic-Code");
    CHECK(diagnostic.rfind("smtp; 550-5.7.1 rejected Bcc: victim@else.example 550 5.7.1 xxx", 0) ==
          0);
    CHECK(hostile["part_types"][2] == "message/rfc822");
    CHECK(get(hostile["returned_headers"], "Subject") == "trap");
    CHECK(get(hostile, "returned_body").find("not a part") != std::string::npos);
}

TEST_CASE("dkimpy and the project's verifier accept the relay's DKIM signatures",
          "[dkim][interop]") {
    if (!support::have_debian_python_module("dkim") ||
        !support::have_debian_python_module("nacl")) {
        relaylab::test::skip_test(
            "/usr/bin/python3 cannot import dkim and nacl (Debian package python3-dkim)");
        return;
    }
    TempDir dir;
    std::string error;
    auto rsa = auth::PrivateKey::generate(auth::KeyType::rsa, 2048, error);
    auto ed = auth::PrivateKey::generate(auth::KeyType::ed25519, 0, error);
    REQUIRE(rsa.has_value());
    REQUIRE(ed.has_value());
    support::write_file(dir.path / "rsa.pem", rsa->to_pem());
    support::write_file(dir.path / "ed.pem", ed->to_pem());
    const DkimSigningStep step({{"example.org", "relay-rsa", dir.path / "rsa.pem"},
                                {"example.net", "relay-ed", dir.path / "ed.pem"}});

    support::MapDns dns;
    json zone = json::object();
    auto publish = [&](const std::string& name, const auth::PrivateKey& key) {
        std::string record = "v=DKIM1; k=" + std::string(auth::key_type_name(key.type())) +
                             "; p=" + key.public_key_base64();
        dns.add(name, record);
        zone[name] = record;
    };
    publish("relay-rsa._domainkey.example.org", *rsa);
    publish("relay-ed._domainkey.example.net", *ed);

    // Ordinary mail from both domains (one from a subdomain: the parent's key), and a DSN from
    // the relay's postmaster at example.org, signed as the relay would sign it.
    std::vector<std::string> messages = {
        "From: Alice <alice@example.org>\r\nTo: bob@dest.example\r\nSubject: rsa\r\n"
        "Date: Wed, 02 Dec 2026 07:00:00 +0000\r\n\r\nSigned with RSA.\r\n",
        "From: carol@mail.example.net\r\nTo: bob@dest.example\r\nSubject:   ed25519  \r\n"
        "Date: Wed, 02 Dec 2026 07:00:00 +0000\r\n\r\nSigned with Ed25519.   \r\n\r\n\r\n",
    };
    DsnInput dsn_input = input("QSIGNED1");
    dsn_input.recipients.push_back(
        recipient("bob@dest.example", DsnAction::failed, "550 5.1.1 no such user"));
    DsnMessage dsn = make_dsn(dsn_input);
    REQUIRE(dsn.ok());
    messages.push_back(dsn.content);

    json manifest;
    manifest["dkim"]["zone"] = zone;
    manifest["dkim"]["verify"] = json::array();
    std::vector<std::string> expected_pass, expected_fail;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        auto field = step.sign(messages[i]);
        REQUIRE(field.has_value());
        const std::string signed_message = *field + messages[i];
        auto verdicts = auth::verify_dkim(signed_message, dns);
        REQUIRE(verdicts.size() == 1);
        INFO("message " << i << ": " << verdicts[0].reason);
        CHECK(verdicts[0].result == auth::DkimResult::pass);
        fs::path good = dir.path / ("signed-" + std::to_string(i) + ".eml");
        support::write_file(good, signed_message);
        manifest["dkim"]["verify"].push_back(good.string());
        expected_pass.push_back(good.string());
        // A changed body must fail in dkimpy too: proves it really checks.
        fs::path bad = dir.path / ("tampered-" + std::to_string(i) + ".eml");
        support::write_file(bad, signed_message + "P.S. added later\r\n");
        manifest["dkim"]["verify"].push_back(bad.string());
        expected_fail.push_back(bad.string());
    }
    support::write_file(dir.path / "manifest.json", manifest.dump());
    auto run = support::run_capture(std::string(python) + " " +
                                    support::shell_quote(RELAY_BOUNCE_PEER_SCRIPT) + " " +
                                    support::shell_quote((dir.path / "manifest.json").string()));
    REQUIRE(run.status == 0);
    const json result = json::parse(run.out);
    for (const auto& file : expected_pass) {
        INFO("dkimpy verifying " << file);
        CHECK(result["dkim"][file] == true);
    }
    for (const auto& file : expected_fail) {
        INFO("dkimpy verifying " << file);
        CHECK(result["dkim"][file] == false);
    }
}
