// Open and click tracking through the relay as users run it: campaign mail submitted over SMTP
// to a RelayEngine with tracking and DKIM signing, delivered to a fake MX that judges DKIM
// against the fixture DNS. The captured HTML carries the pixel and the click URLs (read with
// Python's email package, a MIME reader we did not write), the signature covers the rewritten
// body (dkim=pass), and Debian's curl follows what a mail client would: the pixel (200 GIF),
// the clicks (302 to the original), a tampered token and another u= (404). The stats count
// total and unique opens and clicks, and the messages left untracked by reason.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "fake-mx/dns-fixture/server.hpp"
#include "fake-mx/receiver/fake_mx.hpp"
#include "harness/relay/engine/relay_engine.hpp"
#include "tests/catch_main.hpp"
#include "tests/integration/fakemx_api/curl_client.hpp"
#include "tests/lib/temp_dir.hpp"

using namespace relaylab;
using namespace std::chrono_literals;
using fakemx::api::testing::curl;

namespace {

const std::filesystem::path source_dir = RELAYLAB_SOURCE_DIR;
constexpr auto delivery_wait = 30s;
constexpr const char* original_sale = "https://shop.example.test/sale?item=42&ref=mail";

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The fixture DNS server for example.test (its DKIM key), on its own io thread.
class FixtureDns {
  public:
    FixtureDns() {
        dns::fixture::ZoneSet zones;
        zones.add(dns::fixture::load_zone_text(
            slurp(source_dir / "scenarios/zones/example.test.zone"), "example.test.zone"));
        server_ = std::make_unique<dns::fixture::FixtureServer>(
            io_.get_executor(), dns::fixture::Fixture(std::move(zones), {}), "127.0.0.1", 0);
        server_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~FixtureDns() {
        boost::asio::post(io_, [this] {
            server_->stop();
            io_.stop();
        });
        thread_.join();
    }
    dns::ResolverConfig config() const {
        return dns::ResolverConfig::fixture("127.0.0.1", server_->port());
    }

  private:
    boost::asio::io_context io_;
    std::unique_ptr<dns::fixture::FixtureServer> server_;
    std::thread thread_;
};

// A blocking SMTP submitter; every read is bounded by SO_RCVTIMEO.
class SmtpSubmitter {
  public:
    explicit SmtpSubmitter(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        timeval timeout{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("cannot connect to the relay");
        expect(220);
        command("EHLO sender.example.test", 250);
    }
    ~SmtpSubmitter() {
        send_all("QUIT\r\n");
        ::close(fd_);
    }
    void message(const std::string& from, const std::vector<std::string>& to,
                 const std::string& content) {
        command("MAIL FROM:<" + from + ">", 250);
        for (const auto& rcpt : to)
            command("RCPT TO:<" + rcpt + ">", 250);
        command("DATA", 354);
        send_all(content + ".\r\n");  // the content ends with CRLF and has no line "."
        expect(250);
    }

  private:
    void command(const std::string& line, int want) {
        send_all(line + "\r\n");
        expect(want);
    }
    void send_all(const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send to the relay failed");
            sent += static_cast<std::size_t>(n);
        }
    }
    // Reads one (possibly multi-line) reply and checks its code.
    void expect(int want) {
        for (;;) {
            std::size_t lf;
            while ((lf = pending_.find("\r\n")) == std::string::npos) {
                char buffer[4096];
                ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
                if (n <= 0) throw std::runtime_error("no reply from the relay");
                pending_.append(buffer, static_cast<std::size_t>(n));
            }
            std::string line = pending_.substr(0, lf);
            pending_.erase(0, lf + 2);
            if (line.size() >= 4 && line[3] == '-') continue;
            if (std::atoi(line.c_str()) != want)
                throw std::runtime_error("want " + std::to_string(want) + ", got " + line);
            return;
        }
    }
    int fd_;
    std::string pending_;
};

std::string campaign(const std::string& to) {
    return "From: Shop <news@example.test>\r\n"
           "To: <" +
           to +
           ">\r\n"
           "Subject: The sale\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: multipart/alternative; boundary=\"alt-1\"\r\n"
           "\r\n"
           "--alt-1\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n"
           "\r\n"
           "Caf\xC3\xA9 sale: https://shop.example.test/sale?item=42&ref=mail\r\n"
           "--alt-1\r\n"
           "Content-Type: text/html; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n"
           "\r\n"
           "<html><body><p>Caf=C3=A9 <a href=3D\"https://shop.example.test/sale?item=3D42&amp;=\r\n"
           "ref=3Dmail\">sale</a> <a href=3D\"mailto:help@example.test\">help</a></p>\r\n"
           "</body></html>\r\n"
           "--alt-1--\r\n";
}

// Python's email package reads the captured message: the text and HTML parts, decoded, and
// whether it found MIME defects. nullopt when python3 is missing.
std::optional<nlohmann::json> python_read(const testing::TempDir& dir, const std::string& raw) {
    if (::access("/usr/bin/python3", X_OK) != 0) return std::nullopt;
    auto file = dir.write("captured.eml", raw);
    auto out = dir.path / "parsed.json";
    std::string script =
        "import email, email.policy, json, sys\n"
        "m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), "
        "policy=email.policy.default)\n"
        "parts = {}\n"
        "defects = [str(d) for d in m.defects]\n"
        "for p in m.walk():\n"
        "    defects += [str(d) for d in p.defects]\n"
        "    if p.get_content_maintype() == 'text':\n"
        "        parts[p.get_content_type()] = p.get_content()\n"
        "json.dump({'parts': parts, 'defects': defects}, open(sys.argv[2], 'w'))\n";
    auto script_file = dir.write("read_mime.py", script);
    std::string command = "/usr/bin/python3 '" + script_file.string() + "' '" + file.string() +
                          "' '" + out.string() + "'";
    if (std::system(command.c_str()) != 0) return nlohmann::json{{"error", "python3 failed"}};
    return nlohmann::json::parse(slurp(out));
}

std::vector<std::string> all_matches(const std::string& text, const std::regex& pattern) {
    std::vector<std::string> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
         it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1].str());
    return out;
}

}  // namespace

TEST_CASE("tracked campaign mail: rewritten, signed, opened and clicked through curl",
          "[tracking][relay]") {
    if (::access("/usr/bin/curl", X_OK) != 0) {
        test::skip_test("/usr/bin/curl is not installed (apt-get install curl)");
        return;
    }
    testing::TempDir dir("tracking");
    FixtureDns dns;

    fakemx::FakeMxConfig mx_config;
    mx_config.transcripts = false;
    mx_config.auth_dns = dns.config();
    fakemx::HostConfig host;
    host.name = "mx.rcpt.test";
    mx_config.hosts.push_back(host);
    fakemx::FakeMx mx(std::move(mx_config));
    mx.start();

    relay::RelayConfig config;
    config.relay_in = relay::ListenerSettings{"127.0.0.1", 0, false};
    config.spool = dir.path / "spool";
    config.spool_fsync = false;
    config.smarthost = relay::SmarthostRoute{{"127.0.0.1", mx.port(0)}, {}, "none", false};
    config.dkim.push_back(relay::DkimSigning{
        "example.test", "quickstart", source_dir / "scenarios/keys/quickstart.example.test.pem"});
    config.tracking = relay::TrackingSettings{};
    relay::RelayEngine relay(config);
    relay.start();
    const std::string base = relay.tracking_base_url();
    REQUIRE(base.starts_with("http://127.0.0.1:"));

    {
        SmtpSubmitter smtp(relay.relay_in_port());
        smtp.message("news@example.test", {"ann@rcpt.test"}, campaign("ann@rcpt.test"));
        smtp.message("news@example.test", {"bob@rcpt.test"}, campaign("bob@rcpt.test"));
        // Two recipients: one token cannot name both, so it goes untracked.
        smtp.message("news@example.test", {"cy@rcpt.test", "di@rcpt.test"},
                     campaign("list@rcpt.test"));
        smtp.message("news@example.test", {"ann@rcpt.test"},
                     "From: news@example.test\r\nSubject: plain\r\n\r\n"
                     "https://shop.example.test/\r\n");
    }
    auto deadline = std::chrono::steady_clock::now() + delivery_wait;
    while (mx.messages_accepted() < 4 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    REQUIRE(mx.messages_accepted() == 4);

    // The captures, by recipient.
    std::map<std::string, fakemx::capture::CapturedMessage> captured;
    auto page = mx.store().query({}, 0, 10);
    for (const auto& m : page.messages) {
        std::string key;
        for (const auto& r : m.recipients)
            key += (key.empty() ? "" : ",") + r.address;
        if (key == "ann@rcpt.test" && m.headers.subject == "plain") key += "/plain";
        captured.emplace(key, m);
    }
    REQUIRE(captured.count("ann@rcpt.test") == 1);
    REQUIRE(captured.count("bob@rcpt.test") == 1);

    const std::regex pixel_pattern("<img src=\"(" + base + "/o/[^\"]+)\"");
    const std::regex click_pattern("href=\"(" + base + "/c/[^\"]+)\"");
    std::map<std::string, std::string> pixel;
    std::map<std::string, std::string> click;
    for (const std::string rcpt : {"ann@rcpt.test", "bob@rcpt.test"}) {
        INFO(rcpt);
        const auto& m = captured.at(rcpt);
        // The signature was made over the rewritten body, at delivery.
        auto verdicts = nlohmann::json::parse(m.auth_verdicts);
        INFO(verdicts.dump());
        REQUIRE(verdicts.contains("dkim"));
        bool passed = false;
        for (const auto& d : verdicts["dkim"])
            passed = passed || d.value("result", "") == "pass";
        CHECK(passed);

        std::string raw = mx.store().raw(m.id).content;
        auto read = python_read(dir, raw);
        if (!read) {
            test::skip_test("/usr/bin/python3 is not installed: the MIME is not read back");
            return;
        }
        INFO(read->dump());
        REQUIRE(read->contains("parts"));
        CHECK((*read)["defects"].empty());
        std::string html = (*read)["parts"].value("text/html", "");
        std::string text = (*read)["parts"].value("text/plain", "");
        // The text part is untouched (its last CRLF belongs to the delimiter, RFC 2046 5.1.1);
        // the HTML has one pixel, one click URL, the mailto link as it was.
        CHECK(text == "Caf\xC3\xA9 sale: https://shop.example.test/sale?item=42&ref=mail");
        auto pixels = all_matches(html, pixel_pattern);
        auto clicks = all_matches(html, click_pattern);
        REQUIRE(pixels.size() == 1);
        REQUIRE(clicks.size() == 1);
        CHECK(html.find("href=\"mailto:help@example.test\"") != std::string::npos);
        CHECK(html.find("Caf\xC3\xA9 <a ") != std::string::npos);
        pixel[rcpt] = pixels[0];
        click[rcpt] = std::regex_replace(clicks[0], std::regex("&amp;"), "&");
    }
    // Untracked mail arrives unchanged.
    for (const auto& [key, m] : captured) {
        if (key == "ann@rcpt.test" || key == "bob@rcpt.test") continue;
        INFO(key);
        CHECK(mx.store().raw(m.id).content.find(base) == std::string::npos);
    }

    // Opens: Ann's pixel twice (a second look), Bob's once.
    for (const auto& url :
         {pixel["ann@rcpt.test"], pixel["ann@rcpt.test"], pixel["bob@rcpt.test"]}) {
        auto got = curl({url});
        INFO(got.stderr_text);
        CHECK(got.status == 200);
        CHECK(got.header("Content-Type") == "image/gif");
        CHECK(got.header("Cache-Control") == "no-store");
        CHECK(got.body.size() == 43);
    }
    // Clicks: Ann twice, curl without --location shows the redirect itself.
    for (int i = 0; i < 2; ++i) {
        auto got = curl({click["ann@rcpt.test"]});
        INFO(got.stderr_text);
        CHECK(got.status == 302);
        CHECK(got.header("Location") == original_sale);
    }
    // Not an open redirect: the token does not lead to another URL, and a changed token is
    // not ours.
    std::string token_part = click["ann@rcpt.test"].substr(0, click["ann@rcpt.test"].find('?'));
    auto elsewhere = curl({token_part + "?u=https%3A%2F%2Fevil.test%2F"});
    CHECK(elsewhere.status == 404);
    CHECK(elsewhere.header("Location").empty());
    std::string tampered = click["ann@rcpt.test"];
    auto dot = tampered.find('.', base.size());
    tampered[dot + 1] = tampered[dot + 1] == 'A' ? 'B' : 'A';
    CHECK(curl({tampered}).status == 404);
    CHECK(curl({"-X", "POST", pixel["bob@rcpt.test"]}).status == 405);

    auto stats = relay.engagement_stats()["tracking"];
    INFO(stats.dump());
    relay.stop();
    mx.stop();
    CHECK(stats["opens"] == 3);
    CHECK(stats["unique_opens"] == 2);
    CHECK(stats["clicks"] == 2);
    CHECK(stats["unique_clicks"] == 1);
    CHECK(stats["bad_requests"] == 3);
    CHECK(stats["messages_tracked"] == 2);
    CHECK(stats["messages_untracked"] ==
          nlohmann::json({{"multiple_recipients", 1}, {"no_html", 1}}));
    CHECK(stats["by_domain"]["rcpt.test"] == nlohmann::json({{"opens", 3}, {"clicks", 2}}));
}
