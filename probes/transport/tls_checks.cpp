// Gathers the facts of the "tls" and "dane" groups over probe dialogues and hands them to the
// judges (tls_judge.hpp). One connection for STARTTLS, the cipher, the certificate and AUTH
// before and after TLS; one more per TLS version; one for DANE's chain.
#include "probes/transport/tls_checks.hpp"

#include <openssl/ssl.h>
#include <openssl/tls1.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>

#include "harness/dns/resolver.hpp"
#include "harness/net/tls_policy.hpp"
#include "probes/transport/certificate_facts.hpp"
#include "probes/transport/tls_judge.hpp"

namespace relaylab::probe {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

struct ProbedVersion {
    const char* name;  // as SSL_get_version() says it
    int version;
};
constexpr ProbedVersion probed_versions[] = {
    {"TLSv1.0", TLS1_VERSION},
    {"TLSv1.1", TLS1_1_VERSION},
    {"TLSv1.2", TLS1_2_VERSION},
    {"TLSv1.3", TLS1_3_VERSION},
};

// The probe's client context. The handshake verifies nothing (the certificate is judged
// afterwards, so a bad one does not hide the versions and cipher), and security level 0 lets
// OpenSSL 3 offer TLS 1.0 and 1.1 at all: a probe must be able to ask for what it reports.
std::shared_ptr<ssl::context> probe_tls_context(int min_version, int max_version) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    context->set_verify_mode(ssl::verify_none);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, min_version);
    SSL_CTX_set_max_proto_version(native, max_version);
    SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
    return context;
}

// As far as the server lets a dialogue go: greeting, EHLO, STARTTLS, handshake.
struct Opened {
    std::string error;  // the dialogue broke or the server refused before STARTTLS could matter
    TlsEhloFacts plaintext;
    std::optional<smtp::Reply> starttls_reply;
    bool handshake_ok = false;
    std::string handshake_error;
};

asio::awaitable<Opened> open_tls(Dialogue& dialogue, const ProbeContext& context,
                                 ssl::context& tls) {
    Opened opened;
    auto broken = [&] { opened.error = dialogue.failure().text(); };
    if (!co_await dialogue.connect(context.target.endpoint())) {
        broken();
        co_return opened;
    }
    auto greeting = co_await dialogue.read_reply();
    if (!greeting) {
        broken();
        co_return opened;
    }
    if (!greeting->positive()) {
        opened.error = "the greeting refuses the session: " + greeting->summary();
        co_return opened;
    }
    auto ehlo = co_await dialogue.command("EHLO " + context.options.helo);
    if (!ehlo) {
        broken();
        co_return opened;
    }
    if (!ehlo->positive()) {
        opened.error = "EHLO refused: " + ehlo->summary();
        co_return opened;
    }
    opened.plaintext = ehlo_facts(*ehlo);
    if (!opened.plaintext.starttls) co_return opened;
    opened.starttls_reply = co_await dialogue.command("STARTTLS");
    if (!opened.starttls_reply) {
        broken();
        co_return opened;
    }
    if (opened.starttls_reply->code != 220) co_return opened;
    const std::string sni = context.target.host_is_name ? context.target.host : std::string();
    opened.handshake_ok = co_await dialogue.start_tls(tls, sni);
    if (!opened.handshake_ok) opened.handshake_error = dialogue.failure().detail;
    co_return opened;
}

CipherFacts cipher_facts(SSL* ssl) {
    CipherFacts facts;
    if (ssl == nullptr) return facts;
    facts.version = SSL_get_version(ssl);
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    if (cipher == nullptr) return facts;
    facts.name = SSL_CIPHER_get_name(cipher);
    const int kx = SSL_CIPHER_get_kx_nid(cipher);
    // NID_kx_any: TLS 1.3, whose key exchange is always ephemeral (RFC 8446 2).
    facts.forward_secrecy = kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_any ||
                            kx == NID_kx_ecdhe_psk || kx == NID_kx_dhe_psk;
    facts.aead = SSL_CIPHER_is_aead(cipher) == 1;
    facts.bits = SSL_CIPHER_get_bits(cipher, nullptr);
    return facts;
}

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

asio::awaitable<VersionAttempt> try_version(const ProbeContext& context,
                                            const ProbedVersion& probed) {
    VersionAttempt attempt;
    attempt.version = probed.name;
    auto tls = probe_tls_context(probed.version, probed.version);
    Dialogue dialogue(context.executor, context.options.timeouts);
    Opened opened = co_await open_tls(dialogue, context, *tls);
    if (!opened.error.empty()) {
        attempt.detail = opened.error;
    } else if (!opened.plaintext.starttls || !opened.starttls_reply ||
               opened.starttls_reply->code != 220) {
        // It offered STARTTLS a moment ago: a server that changes its mind cannot be judged.
        attempt.detail = "STARTTLS not available on this connection";
    } else if (opened.handshake_ok) {
        attempt.outcome = VersionOutcome::accepted;
        attempt.detail = dialogue.tls().cipher;
    } else if (opened.handshake_error == "timed out") {
        attempt.detail = "the TLS handshake timed out";
    } else {
        attempt.outcome = VersionOutcome::refused;
        attempt.detail = opened.handshake_error;
    }
    if (opened.handshake_ok) {
        co_await dialogue.quit();
    } else {
        dialogue.close();
    }
    co_return attempt;
}

}  // namespace

asio::awaitable<std::vector<CheckResult>> run_tls_checks(ProbeContext& context) {
    std::vector<CheckResult> results;
    auto any_version = probe_tls_context(TLS1_VERSION, 0);
    Dialogue dialogue(context.executor, context.options.timeouts);
    Opened opened = co_await open_tls(dialogue, context, *any_version);

    StarttlsFacts starttls;
    starttls.error = opened.error;
    starttls.offered = opened.plaintext.starttls;
    starttls.starttls_reply = opened.starttls_reply;
    starttls.handshake_ok = opened.handshake_ok;
    starttls.handshake_error = opened.handshake_error;
    AuthExposureFacts auth;
    auth.plaintext = opened.plaintext;
    std::vector<CertificateFacts> chain;
    CipherFacts cipher;
    if (opened.handshake_ok) {
        SSL* ssl = dialogue.stream().native_tls();
        starttls.version = dialogue.tls().version;
        starttls.cipher = dialogue.tls().cipher;
        chain = peer_chain(ssl);
        cipher = cipher_facts(ssl);
        // RFC 3207 4.2: the client must forget what it knew and ask again.
        auto ehlo = co_await dialogue.command("EHLO " + context.options.helo);
        if (ehlo && ehlo->positive()) auth.after_tls = ehlo_facts(*ehlo);
    }
    co_await dialogue.quit();
    starttls.evidence = dialogue.transcript().lines();
    auth.evidence = starttls.evidence;
    results.push_back(judge_starttls(starttls));
    if (!opened.error.empty()) {
        CheckResult undecided =
            make_result("tls.auth-before-tls", Verdict::error,
                        "could not read the EHLO reply: " + opened.error, starttls.evidence);
        results.push_back(std::move(undecided));
        co_return results;
    }
    if (opened.handshake_ok) {
        std::vector<VersionAttempt> attempts;
        for (const auto& probed : probed_versions)
            attempts.push_back(co_await try_version(context, probed));
        results.push_back(judge_versions(attempts));
        results.push_back(judge_cipher(cipher));

        CertificateCheckFacts certificate;
        certificate.chain = chain;
        certificate.verification = verify_chain(chain, context.options.ca_file);
        certificate.host = context.target.host;
        certificate.host_is_name = context.target.host_is_name;
        certificate.name_matches =
            !chain.empty() && certificate_names_host(chain.front(), context.target.host);
        certificate.now = now_seconds();
        results.push_back(judge_certificate(certificate));
    }
    results.push_back(judge_auth_before_tls(auth));
    co_return results;
}

asio::awaitable<std::vector<CheckResult>> run_dane_checks(ProbeContext& context) {
    DaneFacts facts;
    // RFC 7672 2.2.3: a sending MTA looks for _25._tcp.MX whatever port a test reaches it on.
    facts.owner = net::tlsa_owner_name(context.target.host, 25);
    if (context.resolver == nullptr) {
        facts.lookup_error = "no resolver";
        co_return std::vector<CheckResult>{judge_dane(facts)};
    }
    auto lookup = co_await context.resolver->tlsa(facts.owner);
    switch (lookup.status) {
        case dns::Status::ok: {
            facts.lookup = TlsaLookup::found;
            net::DaneRecords records = net::dane_records_from(lookup);
            facts.records = std::move(records.records);
            facts.authenticated = records.authenticated;
            break;
        }
        case dns::Status::nxdomain:
        case dns::Status::nodata:
            facts.lookup = TlsaLookup::none;
            facts.authenticated = lookup.authenticated_data;
            break;
        default:
            facts.lookup = TlsaLookup::failed;
            facts.lookup_error = std::string(dns::to_string(lookup.status)) +
                                 (lookup.detail.empty() ? "" : " (" + lookup.detail + ")");
            break;
    }
    if (facts.lookup == TlsaLookup::found) {
        auto tls = probe_tls_context(TLS1_VERSION, 0);
        Dialogue dialogue(context.executor, context.options.timeouts);
        Opened opened = co_await open_tls(dialogue, context, *tls);
        if (opened.handshake_ok) {
            facts.chain = peer_chain(dialogue.stream().native_tls());
            co_await dialogue.quit();
        } else {
            if (!opened.error.empty()) {
                facts.chain_error = opened.error;
            } else if (!opened.plaintext.starttls) {
                facts.chain_error = "STARTTLS is not offered";
            } else if (opened.starttls_reply && opened.starttls_reply->code != 220) {
                facts.chain_error = "STARTTLS refused: " + opened.starttls_reply->summary();
            } else {
                facts.chain_error = "TLS handshake failed: " + opened.handshake_error;
            }
            dialogue.close();
        }
    }
    co_return std::vector<CheckResult>{judge_dane(facts)};
}

}  // namespace relaylab::probe
