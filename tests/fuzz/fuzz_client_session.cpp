// ClientSession driven by a hostile server: arbitrary reply bytes in random-sized pieces, with
// the shell's events (timeouts, lost connections, TLS handshakes done or failed, new messages,
// QUIT) interleaved as the input decides. Invariants: every message handed to the session gets
// exactly one result or, once the session is closed, comes back from take_unsent(); never both,
// never twice; a result's recipients match the message's; output stays bounded; a closed session
// writes nothing more.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "harness/smtp/client_session.hpp"

namespace {

using relaylab::smtp::ClientConfig;
using relaylab::smtp::ClientSession;
using relaylab::smtp::OutgoingMessage;

constexpr std::size_t max_piece = 96;     // server bytes per feed
constexpr std::size_t max_events = 2048;  // bounds the work per input
constexpr std::size_t max_messages = 16;
constexpr std::size_t max_output = 64 * 1024;  // between two drains; contents are tiny

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

OutgoingMessage make_message(FuzzedDataProvider& input, std::uint64_t id) {
    OutgoingMessage message;
    message.id = id;
    message.mail_from = input.ConsumeBool() ? "" : "a@x.test";
    std::size_t recipients = input.ConsumeIntegralInRange<std::size_t>(0, 4);
    for (std::size_t i = 0; i < recipients; ++i)
        message.recipients.push_back("r" + std::to_string(i) + "@y.test");
    if (input.ConsumeBool()) {
        message.recipient_dsn.push_back({"SUCCESS,DELAY", "o@y.test", "rfc822"});
        message.envid = "env id";
        message.dsn_return = relaylab::smtp::DsnReturn::full;
    }
    std::string content = "Subject: s\r\n\r\n.line\r\n";
    if (input.ConsumeBool()) content += "x\r\n.\r\n";
    if (input.ConsumeIntegral<std::uint8_t>() != 0) {
        message.content = std::make_shared<const std::string>(std::move(content));
    }
    return message;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    ClientConfig config;
    std::uint8_t flags = input.ConsumeIntegral<std::uint8_t>();
    config.use_pipelining = (flags & 1) != 0;
    config.use_chunking = (flags & 2) != 0;
    config.starttls = static_cast<relaylab::smtp::TlsMode>((flags >> 2) % 3);
    if ((flags & 16) != 0) config.auth = relaylab::smtp::Credentials{"", "user", "pass"};
    config.auth_without_tls = (flags & 32) != 0;
    config.implicit_tls = (flags & 64) != 0;
    ClientSession session(config);

    std::map<std::uint64_t, int> accounted;  // id -> results + unsent seen
    std::map<std::uint64_t, std::size_t> recipients_of;
    std::uint64_t next_id = 1;
    bool closed = false;

    auto submit = [&] {
        if (recipients_of.size() >= max_messages) return;
        OutgoingMessage message = make_message(input, next_id++);
        recipients_of[message.id] = message.recipients.size();
        accounted[message.id] = 0;
        session.submit(std::move(message));
    };
    auto take_back = [&] {
        for (auto& message : session.take_unsent()) {
            check(recipients_of.count(message.id) == 1, "unsent message never submitted");
            ++accounted[message.id];
        }
    };
    auto drain = [&](bool closed_before) {
        while (auto action = session.poll()) {
            if (*action == ClientSession::Action::transaction_done) {
                while (auto result = session.take_result()) {
                    check(recipients_of.count(result->id) == 1, "result for unknown message");
                    ++accounted[result->id];
                    check(result->recipients.size() == recipients_of[result->id],
                          "one recipient result per recipient");
                    check(!result->accepted || result->outcome.ok(), "accepted means ok");
                    check(result->accepted || !result->outcome.ok(), "failed means not ok");
                    check(result->content_sent == result->outcome.content_sent,
                          "content_sent agrees");
                }
            } else if (*action == ClientSession::Action::close) {
                closed = true;
                take_back();
            }
        }
        check(session.output().size() <= max_output, "output bounded");
        if (closed_before) check(session.output().empty(), "a closed session writes nothing");
        session.output().clear();
        for (const auto& [id, count] : accounted)
            check(count <= 1, "a message accounted for twice");
    };

    std::size_t initial = input.ConsumeIntegralInRange<std::size_t>(0, 4);
    for (std::size_t i = 0; i < initial; ++i)
        submit();
    drain(false);
    for (std::size_t event = 0; event < max_events && input.remaining_bytes() > 0; ++event) {
        bool closed_before = closed;
        switch (input.ConsumeIntegralInRange<int>(0, 15)) {
            case 0:
                session.timed_out();
                break;
            case 1:
                session.connection_lost("fuzz");
                break;
            case 2:
                session.tls_started();
                break;
            case 3:
                session.tls_failed(relaylab::smtp::TlsFailure::handshake, "fuzz");
                break;
            case 4:
                submit();
                break;
            case 5:
                session.quit();
                break;
            default: {
                std::string piece = input.ConsumeRandomLengthString(max_piece);
                session.feed(piece);
                break;
            }
        }
        drain(closed_before);
    }
    // The shell ends every connection: whatever is left fails or comes back.
    bool closed_before = closed;
    session.connection_lost("end of input");
    drain(closed_before);
    take_back();
    check(session.closed(), "closed after connection_lost");
    for (const auto& [id, count] : accounted)
        check(count == 1, "every message gets exactly one result or comes back unsent");
    return 0;
}
