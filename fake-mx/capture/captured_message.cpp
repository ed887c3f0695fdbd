#include "fake-mx/capture/captured_message.hpp"

namespace relaylab::fakemx::capture {

CapturedMessage from_received(const smtp::ReceivedMessage& message, const Reception& reception) {
    CapturedMessage captured;
    captured.session_id = reception.session_id;
    captured.queue_id = message.queue_id;
    captured.host = reception.host;
    captured.client_ip = reception.client_ip;
    captured.client_port = reception.client_port;
    captured.helo = message.helo;
    captured.esmtp = message.esmtp;
    captured.auth_user = message.auth_user;
    captured.tls = reception.tls;
    // The session knows whether TLS was in use even when the shell has no details.
    captured.tls.active = captured.tls.active || message.tls;
    captured.mail_from = message.envelope.mail_from.address();
    captured.mail_params = message.envelope.mail_params;
    captured.recipients.reserve(message.envelope.recipients.size());
    for (const smtp::Recipient& recipient : message.envelope.recipients)
        captured.recipients.push_back({recipient.path.address(), recipient.params});
    captured.connected_at = reception.connected_at;
    captured.received_at = reception.received_at == SystemTime{} ? std::chrono::system_clock::now()
                                                                 : reception.received_at;
    captured.size = message.size;
    captured.chunked = message.chunked;
    captured.findings = message.findings;
    captured.auth_verdicts = reception.auth_verdicts;
    return captured;
}

}  // namespace relaylab::fakemx::capture
