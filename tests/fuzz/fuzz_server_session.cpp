// ServerSession with every feature on (STARTTLS, AUTH, CHUNKING, decisions answered from the
// fuzz input) fed arbitrary bytes in random-sized pieces, as a hostile client would send them.
// Invariants: feed never consumes more than it was given; when it consumes less, the session has
// an action for the shell or is closed (it never stalls); everything it writes is well-formed
// reply lines (the strict ReplyParser takes them all); a closed session reads and writes nothing.
// The body stream: the sink sees begin, append*, then exactly one finish or abort (an abort may
// follow a finish the final reply refused), never more content than the storage limit, chunks
// of bounded size, and an accepted message's content is all of its octets.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/smtp/body_pump.hpp"
#include "harness/smtp/reply.hpp"
#include "harness/smtp/server_session.hpp"

namespace {

using relaylab::smtp::Decision;
using relaylab::smtp::ReplyParser;
using relaylab::smtp::ServerSession;

constexpr std::size_t max_piece = 96;    // bytes per feed
constexpr std::size_t max_feeds = 4096;  // bounds the work per input

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

Decision make_decision(FuzzedDataProvider& in) {
    static const relaylab::smtp::Reply replies[] = {
        relaylab::smtp::make_reply(250, "2.0.0", "Ok"),
        relaylab::smtp::make_reply(354, "", "go ahead"),
        relaylab::smtp::make_reply(421, "4.3.2", "mx.test closing"),
        relaylab::smtp::make_reply(450, "4.2.0", "greylisted"),
        relaylab::smtp::make_reply(451, "4.3.0", "try later"),
        relaylab::smtp::make_reply(535, "5.7.8", "bad credentials"),
        relaylab::smtp::make_reply(550, "5.7.1", "refused"),
        relaylab::smtp::make_reply(554, "5.7.1", "no service"),
        relaylab::smtp::Reply{250, "", {"multi", "line"}},
    };
    Decision decision;
    auto choice = in.ConsumeIntegralInRange<unsigned>(0, std::size(replies));
    if (choice < std::size(replies)) decision.reply = replies[choice];
    auto mode = in.ConsumeIntegralInRange<unsigned>(0, 15);
    decision.disconnect = mode == 14;
    decision.silent = mode == 15;
    return decision;
}

// Checks the call order of body_sink.hpp and the bounds on what it is given.
class CheckingSink : public relaylab::smtp::BodySink {
  public:
    explicit CheckingSink(std::uint64_t limit) : limit_(limit) {}
    void begin(const relaylab::smtp::Envelope& envelope) override {
        check(state_ != State::receiving, "begin while a body is open");
        check(!envelope.recipients.empty(), "body begins without a recipient");
        state_ = State::receiving;
        content_.clear();
    }
    void append(std::string_view chunk) override {
        check(state_ == State::receiving, "append outside a body");
        check(!chunk.empty(), "empty chunk");
        check(chunk.size() <= 2 * relaylab::smtp::limits::body_chunk, "chunk over the bound");
        content_.append(chunk);
        check(limit_ == 0 || content_.size() <= limit_, "sink got more than the storage limit");
    }
    std::optional<relaylab::smtp::Reply> finish(relaylab::smtp::ReceivedMessage& m) override {
        check(state_ == State::receiving, "finish outside a body");
        check(!m.queue_id.empty(), "finish without a queue id");
        m.content = std::move(content_);
        content_.clear();
        state_ = refuse_next ? State::idle : State::finished;
        if (refuse_next) return relaylab::smtp::make_reply(451, "4.3.0", "spool failed");
        return std::nullopt;
    }
    void abort() override {
        check(state_ != State::idle, "abort without a body");
        state_ = State::idle;
    }
    bool refuse_next = false;

  private:
    enum class State { idle, receiving, finished };
    std::uint64_t limit_;
    State state_ = State::idle;
    std::string content_;
};

std::uint64_t storage_limit(const relaylab::smtp::ServerConfig& config) {
    if (config.max_message_size == 0) return config.max_stored_size;
    if (config.max_stored_size == 0) return config.max_message_size;
    return std::min(config.max_message_size, config.max_stored_size);
}

struct Run {
    Run(const relaylab::smtp::ServerConfig& config, relaylab::smtp::ConnectionInfo info)
        : session(config, std::move(info)),
          sink(storage_limit(config)),
          pump(sink),
          keep_content(config.keep_content) {}

    ServerSession session;
    ReplyParser replies;
    CheckingSink sink;
    relaylab::smtp::BodyPump pump;
    bool keep_content;
    bool discard_rest = false;  // set by start_tls: what followed STARTTLS is dropped

    // Checks and drops what the session wrote.
    void take_output() {
        std::string& out = session.output();
        check(replies.feed(out) == out.size(), "reply output not consumed by the parser");
        check(replies.error() == relaylab::smtp::ReplyParseError::none, "malformed reply");
        while (auto reply = replies.next()) {
            check(reply->code >= 200 && reply->code <= 559, "reply code out of range");
        }
        check(!replies.mid_reply(), "reply output ends mid-reply");
        out.clear();
    }

    // Handles every queued action; returns false once the session has closed.
    bool handle_actions(FuzzedDataProvider& in, bool& had_action) {
        while (auto action = session.poll()) {
            had_action = true;
            switch (*action) {
                case ServerSession::Action::decide:
                    (void)session.pending_phase();
                    (void)session.default_reply();
                    session.decide(make_decision(in));
                    break;
                case ServerSession::Action::start_tls:
                    session.tls_started();
                    discard_rest = true;
                    check(session.tls_active(), "tls_started did not activate TLS");
                    break;
                case ServerSession::Action::message: {
                    auto message = session.take_message();
                    check(message.size >= message.content.size(), "message size below content");
                    if (keep_content) {
                        check(message.content.size() == message.size, "content lost octets");
                    }
                    break;
                }
                case ServerSession::Action::close:
                    break;
                case ServerSession::Action::body_end:
                    sink.refuse_next = in.ConsumeIntegralInRange<int>(0, 7) == 0;
                    pump.handle(session, *action);
                    break;
                case ServerSession::Action::body_begin:
                case ServerSession::Action::body_chunk:
                case ServerSession::Action::body_abort:
                    pump.handle(session, *action);
                    break;
            }
            take_output();
        }
        return !session.closed();
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    relaylab::smtp::ServerConfig config;
    config.hostname = "mx.test";
    config.tls_available = true;
    config.auth_mechanisms = {"PLAIN", "LOGIN"};
    config.auth_without_tls = in.ConsumeBool();
    config.require_tls = in.ConsumeBool();
    config.require_auth = in.ConsumeBool();
    config.decisions = in.ConsumeIntegral<std::uint8_t>();
    config.bare_newline =
        static_cast<relaylab::smtp::BareNewlinePolicy>(in.ConsumeIntegralInRange<int>(0, 2));
    config.max_message_size = in.ConsumeIntegralInRange<std::uint64_t>(0, 4096);
    config.max_stored_size = in.ConsumeIntegralInRange<std::uint64_t>(0, 4096);
    config.max_recipients = in.ConsumeIntegralInRange<std::size_t>(0, 8);
    config.max_errors = in.ConsumeIntegralInRange<std::size_t>(0, 20);
    config.max_text_line = in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<std::size_t>(1, 1000);
    config.keep_content = in.ConsumeBool();
    config.extensions.enhanced_status_codes = in.ConsumeBool();
    bool implicit_tls = in.ConsumeBool();

    Run run(config, {"F", "127.0.0.1", 1, implicit_tls});
    run.session.start();
    run.take_output();
    bool ignored = false;
    if (!run.handle_actions(in, ignored)) return 0;

    for (std::size_t feeds = 0; feeds < max_feeds && in.remaining_bytes() > 0; ++feeds) {
        auto piece_size = in.ConsumeIntegralInRange<std::size_t>(1, max_piece);
        std::string piece = in.ConsumeBytesAsString(piece_size);
        // Now and then the shell's timer fires or the server stops.
        auto event = in.ConsumeIntegral<std::uint8_t>();
        std::string_view rest = piece;
        while (!rest.empty()) {
            std::size_t used = run.session.feed(rest);
            check(used <= rest.size(), "feed consumed more than given");
            rest.remove_prefix(used);
            run.take_output();
            bool had_action = false;
            bool open = run.handle_actions(in, had_action);
            if (!open) {
                check(run.session.feed("NOOP\r\n") == 0, "closed session read input");
                check(run.session.output().empty(), "closed session wrote output");
                return 0;
            }
            if (rest.empty()) break;
            // Fewer bytes taken than given: the session must have asked for something.
            check(had_action, "feed stalled with no action and no close");
            if (run.discard_rest) {
                // After STARTTLS the plaintext that followed it is discarded (CVE-2011-0411).
                run.discard_rest = false;
                break;
            }
        }
        if (event == 0xff) run.session.timed_out();
        if (event == 0xfe) run.session.shutting_down();
        run.take_output();
        if (!run.handle_actions(in, ignored)) return 0;
    }
    return 0;
}
