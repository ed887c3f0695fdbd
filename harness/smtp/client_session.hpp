// The client side of an SMTP session as a state machine: the one client that everything which
// sends mail uses (load generator, relay delivery, probes). Bytes in, bytes and actions out.
//
// It speaks EHLO (HELO as fallback), STARTTLS (opportunistic or required), AUTH PLAIN/LOGIN,
// PIPELINING (RFC 2920) and CHUNKING (RFC 3030). With pipelining the next transaction's
// MAIL/RCPT/DATA go out in the same write as the previous message's final ".", so a message
// costs one round trip on a warm connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/smtp/outcome.hpp"
#include "harness/smtp/reply.hpp"
#include "harness/smtp/sasl.hpp"

namespace relaylab::smtp {

enum class TlsMode { none, opportunistic, required };

struct ClientConfig {
    std::string helo_name = "relaylab.test";
    TlsMode starttls = TlsMode::none;
    bool implicit_tls = false;  // the shell did the handshake before the greeting
    std::optional<Credentials> auth;
    bool use_pipelining = true;  // when the server offers it
    bool use_chunking = false;   // BDAT instead of DATA when the server offers CHUNKING
    bool declare_size = true;    // MAIL FROM ... SIZE=n when the server offers SIZE
    // Credentials never cross a plaintext connection unless this says so (Postfix:
    // smtp_sasl_tls_security_options; a test against a local sink may allow it).
    bool auth_without_tls = false;
};

// RFC 3461 4.3: what a delivery status notification returns of the message.
enum class DsnReturn { unset, full, headers };

// RFC 3461 4.1, 4.2: per-recipient DSN parameters, sent only when the server offers DSN.
struct RecipientDsn {
    std::string notify;  // "NEVER", or a comma list of SUCCESS, FAILURE, DELAY; empty: not sent
    std::string orcpt;   // the original recipient address (xtext-encoded here); empty: not sent
    std::string orcpt_type = "rfc822";  // the addr-type of ORCPT
};

struct OutgoingMessage {
    std::uint64_t id = 0;   // the caller's tag, echoed in the result
    std::string mail_from;  // without brackets; empty for the null reverse-path
    std::vector<std::string> recipients;
    std::shared_ptr<const std::string> content;  // unstuffed, CRLF line ends
    bool smtputf8 = false;
    bool eight_bit = false;  // BODY=8BITMIME when offered
    // RFC 3461 DSN parameters, sent when the server offers DSN (a relay passes them on).
    DsnReturn dsn_return = DsnReturn::unset;  // RET=FULL|HDRS on MAIL
    std::string envid;                        // ENVID= on MAIL (xtext-encoded here)
    std::vector<RecipientDsn> recipient_dsn;  // by index into recipients; absent entries: none
};

// Checks what a caller handed in before any of it becomes a command line: no CR, LF or NUL in
// the paths (a line break would inject a command), ENVID within RFC 3461 4.4's 100 octets,
// NOTIFY well formed (RFC 3461 4.1). Returns why not, or an empty string when fine.
std::string check_outgoing(const OutgoingMessage& message);

// Where a transaction ended.
enum class Stage { none, mail, rcpt, data, data_end, session };
std::string_view to_string(Stage stage);

struct TransactionResult {
    std::uint64_t id = 0;
    bool accepted = false;  // 2xx after the content for at least one recipient
    Stage failed_at = Stage::none;
    Reply mail;
    std::vector<Reply> rcpt;
    Reply data;   // the reply to DATA (354) when DATA was used
    Reply final;  // the reply that decided the outcome (250 after data, or the failure)
    std::size_t accepted_recipients = 0;
    // The typed outcome: layer, deciding reply, timeout phase, TLS reason, and whether the
    // content was fully sent before a failure (then a retry may deliver a duplicate).
    Outcome outcome;
    // One entry per recipient of the message, in order: its RCPT reply and whether the message
    // was accepted for it (RCPT 2xx and the content accepted).
    std::vector<RecipientResult> recipients;
    bool content_sent = false;  // same as outcome.content_sent
};

// The server's EHLO keywords, upper-cased, with their parameters.
struct ServerCapabilities {
    bool esmtp = false;
    bool pipelining = false;
    bool starttls = false;
    bool chunking = false;
    bool smtputf8 = false;
    bool eight_bit_mime = false;
    bool enhanced_status_codes = false;
    bool dsn = false;
    std::optional<std::uint64_t> size;  // 0: no fixed limit announced
    std::vector<std::string> auth_mechanisms;
    std::vector<std::string> keywords;  // every EHLO line after the first, as sent
};

class ClientSession {
  public:
    enum class Action {
        start_tls,            // flush output, handshake, then call tls_started()
        ready,                // the handshake is done: messages may be submitted
        transaction_started,  // MAIL FROM of a transaction went into output()
        transaction_done,     // take_result()
        close,                // flush output and close; see error() when it failed
    };

    // What the session waits for (outcome.hpp), with RFC 5321 4.5.3.2 default timeouts.
    using Waiting = smtp::Waiting;
    static std::chrono::seconds default_timeout(Waiting waiting);
    static std::string_view describe(Waiting waiting);

    explicit ClientSession(ClientConfig config);

    // Server bytes; all are consumed. Bytes after the STARTTLS 220 are dropped (and noted),
    // so a man in the middle cannot inject replies into the TLS session (CVE-2011-0411).
    void feed(std::string_view data);
    std::optional<Action> poll();
    std::string& output() { return output_; }  // bytes to write; the shell clears them

    void tls_started();                          // after a successful handshake following STARTTLS
    void submit(OutgoingMessage message);        // queued; sent as soon as the protocol allows
    void quit();                                 // QUIT once everything submitted is done
    void connection_lost(std::string_view why);  // fails what is in flight
    void timed_out();  // the shell's timer fired while waiting_for() != nothing
    // The shell's TLS handshake after STARTTLS failed; in-flight messages fail at the TLS layer.
    void tls_failed(TlsFailure failure, std::string_view detail);

    std::optional<TransactionResult> take_result();
    std::vector<OutgoingMessage> take_unsent();  // queued messages never started (after close)

    Waiting waiting_for() const;
    bool is_ready() const { return state_ == State::ready; }
    bool closed() const { return state_ == State::closed; }
    std::size_t in_flight() const { return txns_.size() + queued_.size(); }
    const ServerCapabilities& capabilities() const { return caps_; }
    bool tls_active() const { return tls_active_; }
    bool pipelining_in_use() const { return config_.use_pipelining && caps_.pipelining; }
    bool plaintext_injection_seen() const { return injection_seen_; }
    const Reply& greeting() const { return greeting_; }
    const std::string& error() const { return error_; }  // why the session failed, if it did
    // The typed form of error(): layer none when the session ended cleanly (or has not ended).
    const Outcome& session_outcome() const { return session_outcome_; }

  private:
    enum class State {
        greeting,
        ehlo,
        helo,
        starttls,
        tls_handshake,
        auth_plain,
        auth_login_user,
        auth_login_password,
        ready,
        quitting,
        closed
    };
    enum class Expect { mail, rcpt, data, bdat, data_end, rset, quit };

    struct Txn {
        OutgoingMessage message;
        TransactionResult result;
        std::size_t rcpt_sent = 0;
        std::size_t rcpt_replied = 0;
        bool mail_accepted = false;
        bool commands_done = false;  // DATA/BDAT sent
        bool content_sent = false;   // "." or the last chunk sent: the server state is reset
        bool body_sent = false;      // the message content itself was fully written
        bool finished = false;
    };
    struct Expectation {
        Expect kind;
        Txn* txn;
    };

    void handle_reply(const Reply& reply);
    void handle_handshake_reply(const Reply& reply);
    void handle_transaction_reply(const Reply& reply);
    void on_ehlo_reply(const Reply& reply);
    void after_ehlo();
    void start_auth();
    void become_ready();
    void pump();
    void start_transaction();
    void send_next_rcpt_or_data(Txn& txn);
    void send_content(Txn& txn);
    void finish(Txn& txn, Stage failed_at, const Reply& final, Outcome outcome);
    void complete_finished();
    void fail_session(std::string why, Outcome outcome);
    std::string mail_command(const OutgoingMessage& message) const;
    std::string rcpt_command(const OutgoingMessage& message, std::size_t index) const;
    void send(std::string_view line);
    bool pipelining() const { return pipelining_in_use(); }

    ClientConfig config_;
    State state_ = State::greeting;
    ReplyParser parser_{limits::reply_line_tolerated};
    std::string output_;
    std::deque<Action> actions_;
    ServerCapabilities caps_;
    Reply greeting_;
    bool tls_active_ = false;
    bool injection_seen_ = false;
    bool quit_requested_ = false;
    bool ready_announced_ = false;
    std::string error_;
    Outcome session_outcome_;

    std::deque<OutgoingMessage> queued_;
    std::deque<Txn> txns_;  // started, in order; references stay valid at both ends
    std::deque<Expectation> expected_;
    std::deque<TransactionResult> results_;
};

}  // namespace relaylab::smtp
