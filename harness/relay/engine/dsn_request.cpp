#include "harness/relay/engine/dsn_request.hpp"

#include "harness/log/timestamp.hpp"

namespace relaylab::relay {

DsnMessage make_failure_dsn(const RelayConfig& config, const SpoolMessage& message,
                            const std::vector<std::uint32_t>& failed, std::string_view original) {
    DsnInput input;
    input.reporting_mta = config.hostname;
    input.postmaster = "MAILER-DAEMON@" + config.hostname;
    input.original_sender = message.mail_from;
    input.original_envid = message.dsn_envid;
    input.arrival_ms = message.received_at_ms;
    input.now_ms = log::now_unix_millis();
    input.queue_id = message.id;
    input.ret = message.dsn_ret == "FULL" ? DsnReturnContent::full : DsnReturnContent::headers;
    input.original_message = original;
    input.boundary_seed = message.id;
    for (std::uint32_t index : failed) {
        if (index >= message.recipients.size()) continue;
        const SpoolRecipient& recipient = message.recipients[index];
        DsnRecipient entry;
        entry.final_recipient = recipient.address;
        entry.orcpt = recipient.orcpt;
        entry.action = DsnAction::failed;
        // Empty: make_dsn reads the status from the reply (multi-line ones too).
        entry.diagnostic = recipient.last_reply;
        entry.last_attempt_ms = input.now_ms;
        input.recipients.push_back(std::move(entry));
    }
    return make_dsn(input);
}

}  // namespace relaylab::relay
