// The server side of an SMTP session as a state machine: bytes in, replies and actions out, no
// sockets, no clocks. The Asio shell (harness/net) feeds it what the client sends, writes what
// it produces, and answers its questions.
//
// Every command goes check → (optional) decision → proceed, as in OpenSMTPD's smtp_session.c:
// the session checks syntax and sequence itself; where config.decisions asks for it, it pauses
// with Action::decide so the shell (fake MX behaviours, relay policy, the spool) can choose the
// reply — or delay it, or drop the connection — and then resumes with decide().
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/smtp/data_decoder.hpp"
#include "harness/smtp/envelope.hpp"
#include "harness/smtp/limits.hpp"
#include "harness/smtp/line_framer.hpp"
#include "harness/smtp/reply.hpp"
#include "harness/smtp/sasl.hpp"

namespace relaylab::smtp {

// Points where the shell may decide the reply.
enum class Phase : unsigned {
    connect = 1u << 0,   // before the greeting
    helo = 1u << 1,      // HELO / EHLO
    mail = 1u << 2,      // MAIL FROM
    rcpt = 1u << 3,      // RCPT TO
    data = 1u << 4,      // DATA, or the first BDAT of a transaction
    data_end = 1u << 5,  // end of DATA / BDAT LAST: a 250 here means "queued"
    quit = 1u << 6,      // QUIT
    auth = 1u << 7,      // credentials complete: the shell checks them
};
std::string_view to_string(Phase phase);

struct ServerExtensions {
    bool pipelining = true;             // RFC 2920
    bool size = true;                   // RFC 1870
    bool starttls = true;               // RFC 3207, offered only if tls_available
    bool chunking = true;               // RFC 3030
    bool smtputf8 = true;               // RFC 6531
    bool eight_bit_mime = true;         // RFC 6152
    bool enhanced_status_codes = true;  // RFC 2034
    bool dsn = true;                    // RFC 3461
};

struct ServerConfig {
    std::string hostname = "relaylab.test";
    std::string banner = "ESMTP relaylab";
    ServerExtensions extensions;
    bool tls_available = false;  // a certificate is loaded, so STARTTLS can be offered
    bool require_tls = false;    // MAIL before STARTTLS gets 530 5.7.0
    std::vector<std::string> auth_mechanisms;  // e.g. {"PLAIN", "LOGIN"}; empty: no AUTH
    bool auth_without_tls = false;  // offer AUTH on plaintext (RFC 4954 14 advises against)
    bool require_auth = false;      // MAIL before AUTH gets 530 5.7.0 (submission)
    std::size_t max_command_line = limits::command_line;
    std::size_t max_text_line = limits::text_line;                  // 0: no limit
    std::uint64_t max_message_size = limits::default_message_size;  // 0: no limit
    // Content kept per message whatever max_message_size says (it may be 0): over it the message
    // gets 552 5.3.4 after its data and no more body chunks. 0: no cap, only for shells whose
    // sink writes to disk (memory is bounded by the chunk size then).
    std::uint64_t max_stored_size = limits::default_storage_cap;
    std::size_t max_recipients = limits::default_recipients;
    std::size_t max_errors = limits::default_error_limit;
    std::size_t max_junk_commands = limits::default_junk_command_limit;  // 0: no limit
    std::size_t max_bdat_chunks = limits::default_bdat_chunk_limit;      // per message; 0: none
    BareNewlinePolicy bare_newline = BareNewlinePolicy::reject;
    // A deliberately vulnerable receiver for smuggling tests: these look-alikes end DATA too.
    EodLookalikeSet vulnerable_end_of_data;
    bool keep_content = true;  // false: count and discard (a sink): no body chunks
    unsigned decisions = 0;    // a mask of Phase values where the session asks the shell
};

struct ConnectionInfo {
    std::string session_id;  // unique per connection; queue ids derive from it
    std::string client_address;
    std::uint16_t client_port = 0;
    bool tls = false;  // implicit TLS (port 465 style): TLS before the greeting
};

// The shell's answer to Action::decide.
struct Decision {
    std::optional<Reply> reply;  // nullopt: the session's default reply
    bool disconnect = false;     // close after sending the reply
    bool silent = false;         // close without any reply (a dropped connection)

    // Hints for the Asio shell (fake MX behaviours); the session itself ignores them.
    // Tarpit: the shell writes this reply drip_chunk_bytes at a time with drip_interval between
    // writes, as OpenBSD spamd stutters one byte a second at suspected spammers. 0: all at once.
    std::chrono::milliseconds drip_interval{0};
    std::size_t drip_chunk_bytes = 1;
    // For Phase::data when the reply lets message data flow (354, or BDAT accepted): after this
    // many more bytes are read the connection is closed without a reply, a receiver dying
    // mid-DATA. A message that ends sooner is handled normally.
    std::optional<std::uint64_t> drop_after_bytes;
};

// Observes commands and replies (transcripts). AUTH data is redacted before it gets here.
class SessionObserver {
  public:
    virtual ~SessionObserver() = default;
    virtual void on_command(std::string_view line) = 0;
    virtual void on_reply(std::string_view wire) = 0;
};

class ServerSession {
  public:
    enum class Action {
        decide,     // a decision is needed: see pending_phase(); then call decide()
        start_tls,  // flush output, then do the TLS handshake and call tls_started()
        message,    // a message was accepted: take_message() (when data_end is not decided)
        close,      // flush output, then close the connection
        // The body of a message, as BodyPump hands it to a BodySink (see body_sink.hpp):
        body_begin,  // content starts: envelope() is complete
        body_chunk,  // body() holds the next content; valid until the next feed()
        body_end,    // end of data, the session's checks passed: answer body_finished()
        body_abort,  // the message ended without being accepted
    };

    // What the session is waiting for, for the shell's per-phase timeouts.
    enum class Waiting { command, data, bdat_chunk, auth_response, shell, tls_handshake, nothing };

    ServerSession(const ServerConfig& config, ConnectionInfo info);

    void start();  // queues the greeting (or asks for the connect decision)

    // Feeds client bytes; returns how many were consumed. Fewer than given means the session
    // must be answered first (poll() has an action) or is closing; after start_tls the unused
    // bytes are plaintext sent ahead of the handshake and must be discarded (CVE-2011-0411).
    std::size_t feed(std::string_view data);

    std::optional<Action> poll();
    std::string& output() { return output_; }  // wire bytes to send; the shell clears them

    Phase pending_phase() const { return pending_phase_; }
    Reply default_reply() const { return pending_default_; }
    void decide(const Decision& decision);

    // Content of Action::body_chunk (decoded: unstuffed, bare newlines per policy).
    const std::string& body() const { return body_; }
    // The answer to Action::body_end: nullopt goes on to the data_end reply (or decision); a
    // reply refuses the message with it (the sink could not keep it).
    void body_finished(const std::optional<Reply>& refusal);

    void tls_started();    // the handshake succeeded: the session starts over (RFC 3207 4.2)
    void timed_out();      // the shell's timer fired: 421 4.4.2 and close
    void shutting_down();  // server stopping: 421 4.3.2 and close

    Waiting waiting_for() const;
    bool closed() const { return closing_; }
    // Part of a command line is buffered (the shell keeps the command deadline running).
    bool mid_line() const { return framer_.has_partial(); }

    // Facts for decisions and capture.
    const ConnectionInfo& connection() const { return info_; }
    const std::string& helo() const { return helo_; }
    // The HELO/EHLO argument being decided (Phase::helo); helo() is set once it is accepted.
    const std::string& pending_helo() const { return pending_helo_; }
    bool esmtp() const { return esmtp_; }
    bool tls_active() const { return tls_active_; }
    const std::string& auth_user() const { return auth_user_; }
    const Credentials& credentials() const { return credentials_; }  // during Phase::auth
    const Envelope& envelope() const { return envelope_; }
    // The path of the MAIL/RCPT being decided (Phase::mail / Phase::rcpt).
    const Path& pending_path() const { return pending_path_; }
    std::uint64_t messages_accepted() const { return messages_accepted_; }
    std::uint64_t transaction_number() const { return transactions_; }
    // The message being decided (Phase::data_end) or just accepted (Action::message).
    ReceivedMessage& message() { return message_; }
    ReceivedMessage take_message() { return std::move(message_); }

    void set_observer(SessionObserver* observer) { observer_ = observer; }

  private:
    enum class State {
        greeting,
        command,
        data,
        bdat,
        auth_plain,
        auth_login_user,
        auth_login_password,
        tls_pending,
        closed
    };

    void handle_line(const FramedLine& line);
    void handle_command(std::string_view line);
    void on_helo(std::string_view args, bool extended);
    void on_mail(std::string_view args);
    void on_rcpt(std::string_view args);
    void on_data(std::string_view args);
    void on_bdat(std::string_view args);
    void on_starttls(std::string_view args);
    void on_auth(std::string_view args);
    void on_auth_response(std::string_view line);
    void on_quit(std::string_view args);

    void finish_data();
    void finish_bdat_chunk();
    void finish_message(bool chunked);
    void finish_credentials(const Credentials& credentials);
    void begin_body();
    void queue_body_chunk();
    void abort_body();
    std::uint64_t stored_limit() const;

    // Decision plumbing: ask when the phase is in config.decisions, otherwise proceed at once.
    void ask(Phase phase, Reply default_reply);
    void proceed(Phase phase, const Reply& reply);

    void reply(int code, std::string_view enhanced, std::string_view text);
    void reply(const Reply& reply);
    void error_reply(int code, std::string_view enhanced, std::string_view text);
    void close_with(int code, std::string_view enhanced, std::string_view text);
    bool junk_limit_reached();
    void reset_transaction();
    void reset_session();
    EnabledParams enabled_params() const;
    bool auth_offered() const;
    std::string next_queue_id();

    ServerConfig config_;
    ConnectionInfo info_;
    SessionObserver* observer_ = nullptr;
    State state_ = State::greeting;
    LineFramer framer_;
    DataDecoder decoder_;
    std::string output_;
    std::deque<Action> actions_;

    bool closing_ = false;
    bool tls_active_ = false;
    bool greeting_refused_ = false;
    std::string helo_;
    bool esmtp_ = false;
    std::string auth_user_;
    Credentials credentials_;
    std::size_t errors_ = 0;
    std::size_t junk_commands_ = 0;  // since the last accepted message

    // Transaction.
    bool in_transaction_ = false;
    Envelope envelope_;
    Path pending_path_;
    MailParams pending_mail_params_;
    RcptParams pending_rcpt_params_;
    bool chunking_used_ = false;
    std::optional<Reply> chunk_error_;
    bool chunk_keeps_transaction_ = false;  // the refused BDAT was no part of the transaction
    std::uint64_t chunk_remaining_ = 0;
    bool chunk_last_ = false;
    std::size_t chunks_ = 0;  // BDAT commands of this message
    std::uint64_t transactions_ = 0;
    std::uint64_t messages_accepted_ = 0;
    ReceivedMessage message_;

    // The body stream (Action::body_*).
    enum class BodyState { none, receiving, finished };
    BodyState body_state_ = BodyState::none;
    std::string body_;
    bool body_chunk_queued_ = false;
    bool body_end_pending_ = false;

    // A decision in progress.
    bool pending_ = false;
    Phase pending_phase_ = Phase::connect;
    Reply pending_default_;
    std::string pending_auth_mechanism_;
    std::string pending_helo_;
    bool pending_esmtp_ = false;
    bool pending_bdat_ = false;
    std::uint64_t queue_counter_ = 0;
};

}  // namespace relaylab::smtp
