#include "harness/load/failure_keys.hpp"

namespace relaylab::load {

std::string failure_key(const smtp::Outcome& outcome) {
    switch (outcome.layer) {
        case smtp::FailureLayer::reply:
            if (outcome.reply.code != 0) return std::to_string(outcome.reply.code);
            return "connection";
        case smtp::FailureLayer::timeout:
            return "timeout";
        case smtp::FailureLayer::tls:
            return "tls";
        case smtp::FailureLayer::connect:
            return "connect";
        case smtp::FailureLayer::dns:
            return "dns";
        case smtp::FailureLayer::local:
            return "local";
        case smtp::FailureLayer::protocol:
        case smtp::FailureLayer::none:
            return "connection";
    }
    return "connection";
}

std::string session_failure_key(const smtp::Outcome& outcome) {
    switch (outcome.layer) {
        case smtp::FailureLayer::timeout:
            return "timeout";
        case smtp::FailureLayer::tls:
            return "tls";
        case smtp::FailureLayer::connect:
            return "connect";
        default:
            return "session";
    }
}

smtp::Outcome transaction_outcome(const smtp::TransactionResult& result) {
    if (!result.outcome.ok() || result.accepted) return result.outcome;
    // A client that did not fill the outcome: rebuild it from the deciding reply.
    smtp::Outcome outcome;
    const smtp::Reply& final = result.final;
    std::string text = final.text();
    if (final.code != 0) {
        outcome = smtp::reply_outcome(final);
    } else if (text.starts_with("timeout")) {
        outcome = smtp::timeout_outcome(smtp::Waiting::nothing);
    } else if (text.find("TLS") != std::string::npos) {
        outcome = smtp::tls_outcome(smtp::TlsFailure::handshake, text);
    } else {
        outcome = smtp::protocol_outcome(smtp::Waiting::nothing, text);
    }
    outcome.content_sent = result.content_sent || result.failed_at == smtp::Stage::data_end;
    return outcome;
}

smtp::Outcome cancelled_outcome() {
    return smtp::local_outcome("cancelled by the load generator");
}

}  // namespace relaylab::load
