#include "harness/smtp/outcome.hpp"

namespace relaylab::smtp {

std::string_view to_string(FailureLayer layer) {
    switch (layer) {
        case FailureLayer::none:
            return "none";
        case FailureLayer::connect:
            return "connect";
        case FailureLayer::dns:
            return "dns";
        case FailureLayer::tls:
            return "tls";
        case FailureLayer::timeout:
            return "timeout";
        case FailureLayer::protocol:
            return "protocol";
        case FailureLayer::reply:
            return "reply";
        case FailureLayer::local:
            return "local";
    }
    return "unknown";
}

std::string_view to_string(TlsFailure failure) {
    switch (failure) {
        case TlsFailure::none:
            return "none";
        case TlsFailure::not_offered:
            return "not_offered";
        case TlsFailure::starttls_refused:
            return "starttls_refused";
        case TlsFailure::handshake:
            return "handshake";
        case TlsFailure::no_common_version:
            return "no_common_version";
        case TlsFailure::certificate_expired:
            return "certificate_expired";
        case TlsFailure::certificate_not_yet_valid:
            return "certificate_not_yet_valid";
        case TlsFailure::hostname_mismatch:
            return "hostname_mismatch";
        case TlsFailure::self_signed:
            return "self_signed";
        case TlsFailure::unknown_ca:
            return "unknown_ca";
        case TlsFailure::certificate_rejected:
            return "certificate_rejected";
        case TlsFailure::dane_no_match:
            return "dane_no_match";
        case TlsFailure::dane_unusable:
            return "dane_unusable";
        case TlsFailure::dane_insecure_lookup:
            return "dane_insecure_lookup";
        case TlsFailure::no_context:
            return "no_context";
    }
    return "unknown";
}

std::string_view describe(TlsFailure failure) {
    switch (failure) {
        case TlsFailure::none:
            return "no TLS failure";
        case TlsFailure::not_offered:
            return "TLS required but STARTTLS not offered";
        case TlsFailure::starttls_refused:
            return "STARTTLS refused by the server";
        case TlsFailure::handshake:
            return "TLS handshake failed";
        case TlsFailure::no_common_version:
            return "no TLS version in common";
        case TlsFailure::certificate_expired:
            return "certificate expired";
        case TlsFailure::certificate_not_yet_valid:
            return "certificate not yet valid";
        case TlsFailure::hostname_mismatch:
            return "host name mismatch";
        case TlsFailure::self_signed:
            return "self-signed certificate";
        case TlsFailure::unknown_ca:
            return "unknown CA";
        case TlsFailure::certificate_rejected:
            return "certificate rejected";
        case TlsFailure::dane_no_match:
            return "no TLSA record matches the certificate";
        case TlsFailure::dane_unusable:
            return "TLSA records present but none usable";
        case TlsFailure::dane_insecure_lookup:
            return "TLSA lookup not DNSSEC-validated (no AD bit)";
        case TlsFailure::no_context:
            return "TLS needed but the client has no TLS context";
    }
    return "unknown TLS failure";
}

std::string_view to_string(Waiting waiting) {
    switch (waiting) {
        case Waiting::greeting:
            return "greeting";
        case Waiting::ehlo:
            return "ehlo";
        case Waiting::starttls:
            return "starttls";
        case Waiting::auth:
            return "auth";
        case Waiting::mail:
            return "mail";
        case Waiting::rcpt:
            return "rcpt";
        case Waiting::data:
            return "data";
        case Waiting::data_block:
            return "data_block";
        case Waiting::data_end:
            return "data_end";
        case Waiting::rset:
            return "rset";
        case Waiting::quit:
            return "quit";
        case Waiting::nothing:
            return "nothing";
        case Waiting::connect:
            return "connect";
        case Waiting::tls_handshake:
            return "tls_handshake";
    }
    return "unknown";
}

std::string_view describe(Waiting waiting) {
    switch (waiting) {
        case Waiting::greeting:
            return "waiting for the greeting";
        case Waiting::ehlo:
            return "waiting for the reply to EHLO/HELO";
        case Waiting::starttls:
            return "waiting for the reply to STARTTLS";
        case Waiting::auth:
            return "waiting for the reply to AUTH";
        case Waiting::mail:
            return "waiting for the reply to MAIL FROM";
        case Waiting::rcpt:
            return "waiting for the reply to RCPT TO";
        case Waiting::data:
            return "waiting for the reply to DATA";
        case Waiting::data_block:
            return "sending message content";
        case Waiting::data_end:
            return "waiting for the reply to end of data";
        case Waiting::rset:
            return "waiting for the reply to RSET";
        case Waiting::quit:
            return "waiting for the reply to QUIT";
        case Waiting::nothing:
            return "idle";
        case Waiting::connect:
            return "connecting";
        case Waiting::tls_handshake:
            return "performing the TLS handshake";
    }
    return "idle";
}

bool Outcome::transient() const {
    switch (layer) {
        case FailureLayer::none:
        case FailureLayer::local:
            return false;
        case FailureLayer::reply:
            return !reply.permanent();
        default:
            return true;
    }
}

std::string Outcome::key() const {
    switch (layer) {
        case FailureLayer::none:
            return "ok";
        case FailureLayer::reply:
            return "reply:" + std::to_string(reply.code);
        case FailureLayer::tls:
            return "tls:" + std::string(to_string(tls));
        case FailureLayer::timeout:
        case FailureLayer::protocol:
            return std::string(to_string(layer)) + ':' + std::string(to_string(phase));
        default:
            return std::string(to_string(layer));
    }
}

std::string Outcome::describe() const {
    std::string text;
    switch (layer) {
        case FailureLayer::none:
            text = reply.code != 0 ? reply.summary() : "ok";
            return text;
        case FailureLayer::reply:
            return reply.summary();
        case FailureLayer::timeout:
            return "timed out " + std::string(smtp::describe(phase));
        case FailureLayer::tls:
            text = "TLS: " + std::string(smtp::describe(tls));
            break;
        default:
            text = std::string(to_string(layer));
            break;
    }
    if (!detail.empty()) text += ": " + detail;
    return text;
}

Outcome ok_outcome(const Reply& reply) {
    Outcome outcome;
    outcome.reply = reply;
    outcome.content_sent = true;
    return outcome;
}

Outcome reply_outcome(const Reply& reply) {
    Outcome outcome;
    outcome.layer = FailureLayer::reply;
    outcome.reply = reply;
    return outcome;
}

Outcome timeout_outcome(Waiting phase) {
    Outcome outcome;
    outcome.layer = FailureLayer::timeout;
    outcome.phase = phase;
    return outcome;
}

Outcome protocol_outcome(Waiting phase, std::string detail) {
    Outcome outcome;
    outcome.layer = FailureLayer::protocol;
    outcome.phase = phase;
    outcome.detail = std::move(detail);
    return outcome;
}

Outcome tls_outcome(TlsFailure failure, std::string detail) {
    Outcome outcome;
    outcome.layer = FailureLayer::tls;
    outcome.tls = failure;
    outcome.detail = std::move(detail);
    return outcome;
}

Outcome connect_outcome(std::string detail) {
    Outcome outcome;
    outcome.layer = FailureLayer::connect;
    outcome.detail = std::move(detail);
    return outcome;
}

Outcome dns_outcome(std::string detail) {
    Outcome outcome;
    outcome.layer = FailureLayer::dns;
    outcome.detail = std::move(detail);
    return outcome;
}

Outcome local_outcome(std::string detail) {
    Outcome outcome;
    outcome.layer = FailureLayer::local;
    outcome.detail = std::move(detail);
    return outcome;
}

}  // namespace relaylab::smtp
