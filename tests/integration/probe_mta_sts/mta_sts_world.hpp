// A small simulated world for the mta-sts and tls-rpt checks: zone probe.test on the fixture DNS
// server, and an HTTPS fixture host serving the policy of each domain below, its certificates
// issued by an in-memory test CA whose certificate is written to a temporary ca.pem.
//
//   good.probe.test     enforce, MX mx1/mx2.good.probe.test under *.good.probe.test, TLS-RPT ok
//   stray.probe.test    enforce, one MX (mx.other.example) not covered
//   testing.probe.test  testing mode
//   redirect.probe.test the policy URL answers 301
//   nosite.probe.test   record and address, but the host has no such site (wrong certificate)
//   badrpt.probe.test   a TLS-RPT record without rua
//   nosts.probe.test    no MTA-STS, no TLS-RPT
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "fake-mx/dns-fixture/server.hpp"
#include "harness/dns/resolver_config.hpp"
#include "harness/http/https_fixture_host.hpp"
#include "harness/net/tls.hpp"
#include "tests/lib/temp_dir.hpp"

namespace relaylab::probe::test {

inline const char* probe_zone = R"($ORIGIN probe.test.
$TTL 300
@ IN SOA ns.probe.test. hostmaster.probe.test. 1 3600 600 86400 300
@ IN NS ns.probe.test.
ns IN A 127.0.0.1
_mta-sts.good IN TXT "v=STSv1; id=20240101T000000"
_smtp._tls.good IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@good.probe.test"
mta-sts.good IN A 127.0.0.1
good IN MX 10 mx1.good.probe.test.
good IN MX 20 mx2.good.probe.test.
_mta-sts.stray IN TXT "v=STSv1; id=1"
mta-sts.stray IN A 127.0.0.1
stray IN MX 10 mx1.stray.probe.test.
stray IN MX 20 mx.other.example.
_mta-sts.testing IN TXT "v=STSv1; id=1"
mta-sts.testing IN A 127.0.0.1
testing IN MX 10 mx1.testing.probe.test.
_mta-sts.redirect IN TXT "v=STSv1; id=1"
mta-sts.redirect IN A 127.0.0.1
redirect IN MX 10 mx1.redirect.probe.test.
_mta-sts.nosite IN TXT "v=STSv1; id=1"
mta-sts.nosite IN A 127.0.0.1
nosite IN MX 10 mx1.nosite.probe.test.
_smtp._tls.badrpt IN TXT "v=TLSRPTv1;"
nosts IN MX 10 mx1.nosts.probe.test.
)";

inline const char* policy_path = "/.well-known/mta-sts.txt";

class MtaStsWorld {
  public:
    MtaStsWorld() : dir_("probe-mta-sts") {
        ca_ = net::make_test_ca();
        ca_file_ = dir_.write("ca.pem", ca_.pem.certificate).string();
        other_ca_file_ = dir_.write("other-ca.pem", net::make_test_ca().pem.certificate).string();

        dns::fixture::ZoneSet zones;
        zones.add(dns::fixture::load_zone_text(probe_zone, "probe.test.zone"));
        dns_ = std::make_unique<dns::fixture::FixtureServer>(
            io_.get_executor(),
            dns::fixture::Fixture(std::move(zones),
                                  dns::fixture::parse_fault_rules(nlohmann::json::array())),
            "127.0.0.1", 0);
        dns_->start();
        thread_ = std::thread([this] { io_.run(); });

        http::HttpsFixtureHostConfig config;
        config.sites.push_back(site("good", "enforce", "*.good.probe.test"));
        config.sites.push_back(site("stray", "enforce", "mx1.stray.probe.test"));
        config.sites.push_back(site("testing", "testing", "*.testing.probe.test"));
        auto moved = site("redirect", "enforce", "*.redirect.probe.test");
        moved.documents[policy_path] = {301, "text/html", "moved\n",
                                        "https://www.redirect.probe.test/mta-sts.txt"};
        config.sites.push_back(std::move(moved));
        host_ = std::make_unique<http::HttpsFixtureHost>(std::move(config));
        host_->start();
    }
    ~MtaStsWorld() {
        host_->stop();
        boost::asio::post(io_, [this] {
            dns_->stop();
            io_.stop();
        });
        thread_.join();
    }

    dns::ResolverConfig resolver_config() const {
        auto config = dns::ResolverConfig::fixture("127.0.0.1", dns_->port());
        config.timeout = std::chrono::milliseconds(1000);
        config.tries = 2;
        return config;
    }
    std::uint16_t https_port() const { return host_->port(); }
    const std::string& ca_file() const { return ca_file_; }
    const std::string& other_ca_file() const { return other_ca_file_; }
    const net::TestCa& ca() const { return ca_; }
    http::HttpsFixtureHost& host() { return *host_; }

  private:
    http::FixtureSite site(const std::string& label, const std::string& mode,
                           const std::string& mx) {
        http::FixtureSite site;
        site.host = "mta-sts." + label + ".probe.test";
        site.tls = net::make_server_context(
            net::issue_certificate(ca_, site.host, net::valid_for_days(30)));
        site.documents[policy_path] = {
            200, "text/plain",
            "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: 604800\r\n", ""};
        return site;
    }

    testing::TempDir dir_;
    net::TestCa ca_;
    std::string ca_file_;
    std::string other_ca_file_;
    boost::asio::io_context io_;
    std::unique_ptr<dns::fixture::FixtureServer> dns_;
    std::thread thread_;
    std::unique_ptr<http::HttpsFixtureHost> host_;
};

}  // namespace relaylab::probe::test
