// The test CA relaylab keeps on disk: made once, found again by a second process, never
// half-overwritten, its key private.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "harness/net/tls.hpp"

using namespace relaylab;
namespace fs = std::filesystem;

namespace {

// A fresh directory under /tmp, removed at the end of the test.
struct TemporaryDirectory {
    fs::path path;
    TemporaryDirectory() {
        char tmpl[] = "/tmp/relaylab-ca-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

mode_t mode_of(const fs::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

}  // namespace

TEST_CASE("the test CA is created once, then loaded", "[integration][tls][ca]") {
    TemporaryDirectory tmp;
    fs::path dir = tmp.path / "nested" / "ca";
    net::TestCa first = net::load_or_create_test_ca(dir);
    CHECK(first.certificate_file == (dir / "ca.pem").string());
    CHECK(mode_of(dir / "ca.key") == 0600);
    CHECK(mode_of(dir) == 0700);
    CHECK_THAT(first.pem.certificate, Catch::StartsWith("-----BEGIN CERTIFICATE-----"));

    net::TestCa again = net::load_or_create_test_ca(dir);
    CHECK(again.pem.certificate == first.pem.certificate);
    CHECK(again.pem.private_key == first.pem.private_key);
}

TEST_CASE("a half-present or mismatched CA is an error naming the file", "[integration][tls][ca]") {
    TemporaryDirectory tmp;
    net::TestCa ca = net::load_or_create_test_ca(tmp.path);
    SECTION("key missing") {
        fs::remove(tmp.path / "ca.key");
        CHECK_THROWS_WITH(net::load_or_create_test_ca(tmp.path),
                          Catch::Contains("ca.key") && Catch::Contains("missing"));
        // The certificate others may trust is left alone.
        CHECK(fs::exists(tmp.path / "ca.pem"));
    }
    SECTION("key of another CA") {
        std::ofstream(tmp.path / "ca.key", std::ios::trunc) << net::make_test_ca().pem.private_key;
        CHECK_THROWS_WITH(net::load_or_create_test_ca(tmp.path),
                          Catch::Contains("is not the key of"));
    }
    SECTION("not PEM") {
        std::ofstream(tmp.path / "ca.pem", std::ios::trunc) << "hello";
        CHECK_THROWS_WITH(net::load_or_create_test_ca(tmp.path),
                          Catch::Contains("ca.pem") && Catch::Contains("not a PEM certificate"));
    }
}

TEST_CASE("variants that need the CA say so without one", "[integration][tls][ca]") {
    CHECK_THROWS_WITH(net::make_variant_server_context(net::TlsVariant::expired, "mx.test",
                                                       net::TlsVersions::any, nullptr),
                      Catch::Contains("needs a test CA"));
    CHECK(net::make_variant_server_context(net::TlsVariant::self_signed, "mx.test",
                                           net::TlsVersions::any, nullptr) != nullptr);
}

TEST_CASE("option spellings parse, others are refused", "[integration][tls]") {
    CHECK(net::parse_tls_variant("wrong-host") == net::TlsVariant::wrong_host);
    CHECK(net::parse_tls_variant("self-signed") == net::TlsVariant::self_signed);
    CHECK_FALSE(net::parse_tls_variant("wrong_host"));
    CHECK(net::parse_tls_versions("1.3") == net::TlsVersions::tls13_only);
    CHECK_FALSE(net::parse_tls_versions("1.1"));
    for (auto variant : {net::TlsVariant::valid, net::TlsVariant::self_signed,
                         net::TlsVariant::expired, net::TlsVariant::wrong_host}) {
        CHECK(net::parse_tls_variant(net::to_string(variant)) == variant);
    }
}
