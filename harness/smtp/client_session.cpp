#include "harness/smtp/client_session.hpp"

#include <algorithm>
#include <cctype>

#include "harness/smtp/command.hpp"
#include "harness/smtp/data_decoder.hpp"

namespace relaylab::smtp {

namespace {

// Transactions started but not finished. With DATA the protocol itself keeps this at two (the
// next transaction starts once the previous content is out); with BDAT everything could be
// written at once, so the depth is what bounds memory and the server's input buffer.
constexpr std::size_t max_pipeline_depth = 4;

std::string upper_word(std::string_view text) {
    std::string out(text.substr(0, text.find_first_of(" =")));
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

Reply local_failure(std::string_view why) {
    Reply reply;  // code 0: no reply from the server, the text says what happened instead
    reply.lines.emplace_back(why);
    return reply;
}

// An outcome whose reply is a code-0 placeholder carrying the detail (so that the legacy
// TransactionResult::final keeps saying what happened).
Outcome with_local_reply(Outcome outcome) {
    if (outcome.reply.code == 0 && outcome.reply.lines.empty()) {
        outcome.reply = local_failure(outcome.describe());
    }
    return outcome;
}

bool has_line_break_or_nul(std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// RFC 3461 4.1: "NEVER" alone, or any of SUCCESS, FAILURE, DELAY separated by commas.
bool valid_notify(std::string_view notify) {
    std::string upper(notify);
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "NEVER") return true;
    std::size_t start = 0;
    for (;;) {
        auto comma = upper.find(',', start);
        std::string_view item = std::string_view(upper).substr(
            start, comma == std::string::npos ? std::string::npos : comma - start);
        if (item != "SUCCESS" && item != "FAILURE" && item != "DELAY") return false;
        if (comma == std::string::npos) return true;
        start = comma + 1;
    }
}

}  // namespace

std::string check_outgoing(const OutgoingMessage& message) {
    if (message.recipients.empty()) return "message has no recipients";
    if (!message.content) return "message has no content";
    if (has_line_break_or_nul(message.mail_from)) return "reverse-path contains CR, LF or NUL";
    for (const auto& recipient : message.recipients) {
        if (recipient.empty() || has_line_break_or_nul(recipient)) {
            return "recipient empty or containing CR, LF or NUL";
        }
    }
    if (message.envid.size() > limits::xtext_value) return "ENVID over 100 octets (RFC 3461 4.4)";
    if (message.recipient_dsn.size() > message.recipients.size()) {
        return "more DSN entries than recipients";
    }
    for (const auto& dsn : message.recipient_dsn) {
        if (!dsn.notify.empty() && !valid_notify(dsn.notify)) return "NOTIFY not well formed";
        if (dsn.orcpt_type.empty() || has_line_break_or_nul(dsn.orcpt_type) ||
            dsn.orcpt_type.find_first_of(" =;") != std::string::npos) {
            return "ORCPT address type not well formed";
        }
    }
    return {};
}

std::string_view to_string(Stage stage) {
    switch (stage) {
        case Stage::none:
            return "none";
        case Stage::mail:
            return "mail";
        case Stage::rcpt:
            return "rcpt";
        case Stage::data:
            return "data";
        case Stage::data_end:
            return "data_end";
        case Stage::session:
            return "session";
    }
    return "unknown";
}

std::chrono::seconds ClientSession::default_timeout(Waiting waiting) {
    using std::chrono::minutes;
    // RFC 5321 4.5.3.2.
    switch (waiting) {
        case Waiting::greeting:
            return minutes(5);
        case Waiting::mail:
            return minutes(5);
        case Waiting::rcpt:
            return minutes(5);
        case Waiting::data:
            return minutes(2);
        case Waiting::data_block:
            return minutes(3);
        case Waiting::data_end:
            return minutes(10);
        default:
            return minutes(5);
    }
}

std::string_view ClientSession::describe(Waiting waiting) {
    return smtp::describe(waiting);
}

ClientSession::ClientSession(ClientConfig config) : config_(std::move(config)) {
    tls_active_ = config_.implicit_tls;
}

void ClientSession::send(std::string_view line) {
    output_.append(line);
    output_.append("\r\n");
}

std::optional<ClientSession::Action> ClientSession::poll() {
    if (actions_.empty()) return std::nullopt;
    Action action = actions_.front();
    actions_.pop_front();
    return action;
}

std::optional<TransactionResult> ClientSession::take_result() {
    if (results_.empty()) return std::nullopt;
    TransactionResult result = std::move(results_.front());
    results_.pop_front();
    return result;
}

std::vector<OutgoingMessage> ClientSession::take_unsent() {
    std::vector<OutgoingMessage> unsent(std::make_move_iterator(queued_.begin()),
                                        std::make_move_iterator(queued_.end()));
    queued_.clear();
    return unsent;
}

ClientSession::Waiting ClientSession::waiting_for() const {
    switch (state_) {
        case State::greeting:
            return Waiting::greeting;
        case State::ehlo:
        case State::helo:
            return Waiting::ehlo;
        case State::starttls:
            return Waiting::starttls;
        case State::auth_plain:
        case State::auth_login_user:
        case State::auth_login_password:
            return Waiting::auth;
        case State::quitting:
            return Waiting::quit;
        case State::tls_handshake:
        case State::closed:
            return Waiting::nothing;
        case State::ready:
            break;
    }
    if (expected_.empty()) return Waiting::nothing;
    switch (expected_.front().kind) {
        case Expect::mail:
            return Waiting::mail;
        case Expect::rcpt:
            return Waiting::rcpt;
        case Expect::data:
            return Waiting::data;
        case Expect::bdat:
        case Expect::data_end:
            return Waiting::data_end;
        case Expect::rset:
            return Waiting::rset;
        case Expect::quit:
            return Waiting::quit;
    }
    return Waiting::nothing;
}

void ClientSession::feed(std::string_view data) {
    if (state_ == State::closed || state_ == State::tls_handshake) return;
    parser_.feed(data);
    while (auto reply = parser_.next()) {
        handle_reply(*reply);
        if (state_ == State::closed) return;
        if (state_ == State::tls_handshake) {
            // Anything after the 220 came in plaintext: never let it into the TLS session.
            if (parser_.has_reply() || parser_.mid_reply()) injection_seen_ = true;
            parser_ = ReplyParser();
            return;
        }
    }
    if (parser_.error() != ReplyParseError::none) {
        std::string why = "bad reply from server: " + std::string(smtp::describe(parser_.error()));
        fail_session(why, protocol_outcome(waiting_for(), why));
    }
}

void ClientSession::handle_reply(const Reply& reply) {
    if (state_ == State::greeting) greeting_ = reply;  // kept whatever it says (421 too)
    if (reply.code == 421 && state_ != State::quitting) {
        // RFC 5321 3.8: the server is closing the transmission channel.
        return fail_session("server closed the session: " + reply.summary(), reply_outcome(reply));
    }
    switch (state_) {
        case State::ready:
            if (expected_.empty()) {
                return fail_session(
                    "unexpected reply: " + reply.summary(),
                    protocol_outcome(Waiting::nothing, "reply out of turn: " + reply.summary()));
            }
            return handle_transaction_reply(reply);
        case State::quitting:
            if (!expected_.empty() && expected_.front().kind != Expect::quit) {
                return handle_transaction_reply(reply);
            }
            state_ = State::closed;
            actions_.push_back(Action::close);
            return;
        default:
            return handle_handshake_reply(reply);
    }
}

void ClientSession::handle_handshake_reply(const Reply& reply) {
    switch (state_) {
        case State::greeting:
            greeting_ = reply;
            if (reply.code != 220) {
                return fail_session("greeting refused: " + reply.summary(), reply_outcome(reply));
            }
            send("EHLO " + config_.helo_name);
            state_ = State::ehlo;
            return;
        case State::ehlo:
            if (reply.positive()) return on_ehlo_reply(reply);
            if (reply.permanent()) {
                // RFC 5321 3.2: a server that does not know EHLO gets HELO.
                send("HELO " + config_.helo_name);
                state_ = State::helo;
                return;
            }
            return fail_session("EHLO refused: " + reply.summary(), reply_outcome(reply));
        case State::helo:
            if (!reply.positive())
                return fail_session("HELO refused: " + reply.summary(), reply_outcome(reply));
            caps_ = ServerCapabilities{};
            return after_ehlo();
        case State::starttls:
            if (reply.code == 220) {
                state_ = State::tls_handshake;
                actions_.push_back(Action::start_tls);
                return;
            }
            if (config_.starttls == TlsMode::required) {
                Outcome outcome = tls_outcome(TlsFailure::starttls_refused, reply.summary());
                outcome.reply = reply;
                return fail_session("STARTTLS refused: " + reply.summary(), outcome);
            }
            return start_auth();
        case State::auth_plain:
            if (reply.code == 235) return become_ready();
            return fail_session("authentication failed: " + reply.summary(), reply_outcome(reply));
        case State::auth_login_user:
            if (reply.code != 334) {
                return fail_session("authentication failed: " + reply.summary(),
                                    reply_outcome(reply));
            }
            send(base64_encode(config_.auth->username));
            state_ = State::auth_login_password;
            return;
        case State::auth_login_password:
            if (reply.code != 334) {
                return fail_session("authentication failed: " + reply.summary(),
                                    reply_outcome(reply));
            }
            send(base64_encode(config_.auth->password));
            state_ = State::auth_plain;  // now waiting for 235
            return;
        default:
            return fail_session("unexpected reply: " + reply.summary(),
                                protocol_outcome(waiting_for(), "reply out of turn"));
    }
}

void ClientSession::on_ehlo_reply(const Reply& reply) {
    caps_ = ServerCapabilities{};
    caps_.esmtp = true;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const std::string& line = reply.lines[i];
        caps_.keywords.push_back(line);
        std::string keyword = upper_word(line);
        std::string_view rest =
            std::string_view(line).substr(std::min(line.size(), keyword.size()));
        if (!rest.empty()) rest.remove_prefix(1);
        if (keyword == "PIPELINING") {
            caps_.pipelining = true;
        } else if (keyword == "STARTTLS") {
            caps_.starttls = true;
        } else if (keyword == "CHUNKING") {
            caps_.chunking = true;
        } else if (keyword == "SMTPUTF8") {
            caps_.smtputf8 = true;
        } else if (keyword == "8BITMIME") {
            caps_.eight_bit_mime = true;
        } else if (keyword == "ENHANCEDSTATUSCODES") {
            caps_.enhanced_status_codes = true;
        } else if (keyword == "DSN") {
            caps_.dsn = true;
        } else if (keyword == "SIZE") {
            std::uint64_t size = 0;
            for (char c : rest) {
                if (c < '0' || c > '9' || size > UINT64_MAX / 10 - 10) break;
                size = size * 10 + static_cast<std::uint64_t>(c - '0');
            }
            caps_.size = size;
        } else if (keyword == "AUTH") {
            // "AUTH PLAIN LOGIN", or the pre-standard "AUTH=PLAIN LOGIN".
            std::string mechanisms(rest);
            std::size_t start = 0;
            while (start < mechanisms.size()) {
                auto end = mechanisms.find(' ', start);
                std::string mechanism = upper_word(
                    std::string_view(mechanisms)
                        .substr(start, end == std::string::npos ? std::string::npos : end - start));
                if (!mechanism.empty()) caps_.auth_mechanisms.push_back(mechanism);
                if (end == std::string::npos) break;
                start = end + 1;
            }
        }
    }
    after_ehlo();
}

void ClientSession::after_ehlo() {
    if (!tls_active_ && config_.starttls != TlsMode::none) {
        if (caps_.starttls) {
            send("STARTTLS");
            state_ = State::starttls;
            return;
        }
        if (config_.starttls == TlsMode::required) {
            return fail_session("STARTTLS required but not offered by the server",
                                tls_outcome(TlsFailure::not_offered, "no STARTTLS in EHLO"));
        }
    }
    start_auth();
}

void ClientSession::start_auth() {
    if (!config_.auth) return become_ready();
    if (!tls_active_ && !config_.auth_without_tls) {
        // Credentials never go over plaintext by default (RFC 4954 4, Postfix's default).
        return fail_session("AUTH not sent: the connection is not encrypted",
                            local_outcome("AUTH refused by policy without TLS"));
    }
    auto offered = [&](std::string_view mechanism) {
        return std::find(caps_.auth_mechanisms.begin(), caps_.auth_mechanisms.end(), mechanism) !=
               caps_.auth_mechanisms.end();
    };
    if (offered("PLAIN")) {
        send("AUTH PLAIN " + plain_initial_response(*config_.auth));
        state_ = State::auth_plain;
    } else if (offered("LOGIN")) {
        send("AUTH LOGIN");
        state_ = State::auth_login_user;
    } else {
        std::string why = caps_.auth_mechanisms.empty() ? "AUTH not offered by the server"
                                                        : "no common AUTH mechanism (PLAIN, LOGIN)";
        fail_session(why, local_outcome(why));
    }
}

void ClientSession::tls_started() {
    if (state_ != State::tls_handshake) return;
    tls_active_ = true;
    // RFC 3207 4.2: forget what the server said before TLS and ask again.
    caps_ = ServerCapabilities{};
    send("EHLO " + config_.helo_name);
    state_ = State::ehlo;
}

void ClientSession::become_ready() {
    state_ = State::ready;
    if (!ready_announced_) {
        ready_announced_ = true;
        actions_.push_back(Action::ready);
    }
    pump();
}

void ClientSession::submit(OutgoingMessage message) {
    if (state_ == State::closed) {
        queued_.push_back(std::move(message));
        return;
    }
    if (std::string why = check_outgoing(message); !why.empty()) {
        TransactionResult result;
        result.id = message.id;
        result.failed_at = Stage::rcpt;
        result.final = local_failure(why);
        result.outcome = local_outcome(why);
        for (const auto& recipient : message.recipients)
            result.recipients.push_back({recipient, Reply{}, false});
        results_.push_back(std::move(result));
        actions_.push_back(Action::transaction_done);
        return;
    }
    queued_.push_back(std::move(message));
    pump();
}

void ClientSession::quit() {
    quit_requested_ = true;
    pump();
}

void ClientSession::pump() {
    if (state_ != State::ready) return;
    while (!queued_.empty()) {
        if (!txns_.empty()) {
            // Pipelining lets the next MAIL follow the previous "." in the same write (the end
            // of data closes the previous transaction on the server whatever its reply).
            const Txn& last = txns_.back();
            if (!pipelining() || !last.content_sent || txns_.size() >= max_pipeline_depth) break;
        } else if (!pipelining() && !expected_.empty()) {
            break;  // an RSET is still unanswered
        }
        start_transaction();
    }
    if (quit_requested_ && queued_.empty() && txns_.empty() &&
        (pipelining() || expected_.empty())) {
        send("QUIT");
        expected_.push_back({Expect::quit, nullptr});
        state_ = State::quitting;
    }
}

void ClientSession::start_transaction() {
    Txn& txn = txns_.emplace_back();
    txn.message = std::move(queued_.front());
    queued_.pop_front();
    txn.result.id = txn.message.id;
    const auto& message = txn.message;
    send(mail_command(message));
    expected_.push_back({Expect::mail, &txn});
    actions_.push_back(Action::transaction_started);
    if (!pipelining()) return;  // the rest follows reply by reply
    for (std::size_t i = 0; i < message.recipients.size(); ++i) {
        send(rcpt_command(message, i));
        expected_.push_back({Expect::rcpt, &txn});
        ++txn.rcpt_sent;
    }
    if (config_.use_chunking && caps_.chunking) {
        send("BDAT " + std::to_string(message.content->size()) + " LAST");
        output_.append(*message.content);
        expected_.push_back({Expect::bdat, &txn});
        txn.content_sent = true;
        txn.body_sent = true;
    } else {
        send("DATA");
        expected_.push_back({Expect::data, &txn});
    }
    txn.commands_done = true;
}

std::string ClientSession::mail_command(const OutgoingMessage& message) const {
    std::string command = "MAIL FROM:<" + message.mail_from + '>';
    if (caps_.size && config_.declare_size)
        command += " SIZE=" + std::to_string(message.content->size());
    if (message.eight_bit && caps_.eight_bit_mime) command += " BODY=8BITMIME";
    if (message.smtputf8 && caps_.smtputf8) command += " SMTPUTF8";
    if (caps_.dsn) {
        // RFC 3461 4.3, 4.4; ENVID is xtext (4) so any octet survives.
        if (message.dsn_return == DsnReturn::full) command += " RET=FULL";
        if (message.dsn_return == DsnReturn::headers) command += " RET=HDRS";
        if (!message.envid.empty()) command += " ENVID=" + encode_xtext(message.envid);
    }
    return command;
}

std::string ClientSession::rcpt_command(const OutgoingMessage& message, std::size_t index) const {
    std::string command = "RCPT TO:<" + message.recipients[index] + '>';
    if (caps_.dsn && index < message.recipient_dsn.size()) {
        const RecipientDsn& dsn = message.recipient_dsn[index];
        std::string notify = dsn.notify;
        for (auto& c : notify)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!notify.empty()) command += " NOTIFY=" + notify;  // RFC 3461 4.1
        if (!dsn.orcpt.empty()) {
            command += " ORCPT=" + dsn.orcpt_type + ';' + encode_xtext(dsn.orcpt);  // 4.2
        }
    }
    return command;
}

void ClientSession::send_next_rcpt_or_data(Txn& txn) {
    if (!txn.mail_accepted) {
        return finish(txn, Stage::mail, txn.result.mail, reply_outcome(txn.result.mail));
    }
    if (txn.rcpt_sent < txn.message.recipients.size()) {
        send(rcpt_command(txn.message, txn.rcpt_sent++));
        expected_.push_back({Expect::rcpt, &txn});
        return;
    }
    if (txn.result.accepted_recipients == 0) {
        send("RSET");
        expected_.push_back({Expect::rset, nullptr});
        txn.content_sent = true;
        return finish(txn, Stage::rcpt, txn.result.rcpt.back(),
                      reply_outcome(txn.result.rcpt.back()));
    }
    txn.commands_done = true;
    if (config_.use_chunking && caps_.chunking) {
        send("BDAT " + std::to_string(txn.message.content->size()) + " LAST");
        output_.append(*txn.message.content);
        expected_.push_back({Expect::bdat, &txn});
        txn.content_sent = true;
        txn.body_sent = true;
        return;
    }
    send("DATA");
    expected_.push_back({Expect::data, &txn});
}

void ClientSession::send_content(Txn& txn) {
    append_dot_stuffed(output_, *txn.message.content);
    expected_.push_back({Expect::data_end, &txn});
    txn.content_sent = true;
    txn.body_sent = true;
}

void ClientSession::handle_transaction_reply(const Reply& reply) {
    Expectation expectation = expected_.front();
    expected_.pop_front();
    Txn* txn = expectation.txn;
    // Where a transaction that got this far failed, given what came before.
    auto earlier_failure = [](const Txn& t) -> std::optional<std::pair<Stage, Reply>> {
        if (!t.mail_accepted) return std::pair{Stage::mail, t.result.mail};
        if (t.result.accepted_recipients == 0) {
            return std::pair{Stage::rcpt, t.result.rcpt.empty() ? Reply{} : t.result.rcpt.back()};
        }
        return std::nullopt;
    };
    switch (expectation.kind) {
        case Expect::mail:
            txn->result.mail = reply;
            txn->mail_accepted = reply.positive();
            if (!pipelining()) send_next_rcpt_or_data(*txn);
            break;
        case Expect::rcpt:
            txn->result.rcpt.push_back(reply);
            ++txn->rcpt_replied;
            if (reply.positive()) ++txn->result.accepted_recipients;
            if (!pipelining()) send_next_rcpt_or_data(*txn);
            break;
        case Expect::data:
            txn->result.data = reply;
            if (reply.code == 354) {
                if (earlier_failure(*txn)) {
                    // RFC 2920 3.1: DATA accepted with no valid recipient: send just the dot.
                    send(".");
                    expected_.push_back({Expect::data_end, txn});
                    txn->content_sent = true;
                } else {
                    send_content(*txn);
                }
                break;
            }
            if (txn->mail_accepted) {
                send("RSET");
                expected_.push_back({Expect::rset, nullptr});
            }
            txn->content_sent = true;
            if (auto failure = earlier_failure(*txn)) {
                finish(*txn, failure->first, failure->second, reply_outcome(failure->second));
            } else {
                finish(*txn, Stage::data, reply, reply_outcome(reply));
            }
            break;
        case Expect::bdat:
        case Expect::data_end:
            if (auto failure = earlier_failure(*txn)) {
                finish(*txn, failure->first, failure->second, reply_outcome(failure->second));
            } else if (reply.positive()) {
                finish(*txn, Stage::none, reply, ok_outcome(reply));
            } else {
                finish(*txn, Stage::data_end, reply, reply_outcome(reply));
            }
            if (expectation.kind == Expect::bdat && txn->mail_accepted && !reply.positive()) {
                send("RSET");  // RFC 3030 2: a failed BDAT leaves the transaction to reset
                expected_.push_back({Expect::rset, nullptr});
            }
            break;
        case Expect::rset:
            break;
        case Expect::quit:
            state_ = State::closed;
            actions_.push_back(Action::close);
            return;
    }
    complete_finished();
    pump();
}

void ClientSession::finish(Txn& txn, Stage failed_at, const Reply& final, Outcome outcome) {
    if (txn.finished) return;
    txn.finished = true;
    txn.result.failed_at = failed_at;
    txn.result.final = final;
    txn.result.accepted = failed_at == Stage::none;
    // A failure after the whole content went out may still have delivered it (a timeout or a
    // lost connection waiting for the reply to "."): a retry can make a duplicate.
    outcome.content_sent = txn.body_sent;
    txn.result.content_sent = txn.body_sent;
    txn.result.outcome = std::move(outcome);
}

void ClientSession::complete_finished() {
    while (!txns_.empty() && txns_.front().finished) {
        // A finished transaction may still have replies outstanding (pipelined RCPTs after a
        // refused MAIL); it leaves only when nothing refers to it any more.
        const Txn* front = &txns_.front();
        bool referenced = std::any_of(expected_.begin(), expected_.end(),
                                      [&](const Expectation& e) { return e.txn == front; });
        if (referenced) break;
        Txn& txn = txns_.front();
        // RCPT replies arrive in the order sent, so the i-th reply belongs to recipient i.
        for (std::size_t i = 0; i < txn.message.recipients.size(); ++i) {
            RecipientResult recipient{txn.message.recipients[i], Reply{}, false};
            if (i < txn.result.rcpt.size()) {
                recipient.reply = txn.result.rcpt[i];
                recipient.accepted = txn.result.accepted && recipient.reply.positive();
            }
            txn.result.recipients.push_back(std::move(recipient));
        }
        results_.push_back(std::move(txn.result));
        txns_.pop_front();
        actions_.push_back(Action::transaction_done);
    }
}

void ClientSession::fail_session(std::string why, Outcome outcome) {
    if (state_ == State::closed) return;
    error_ = std::move(why);
    outcome = with_local_reply(std::move(outcome));
    session_outcome_ = outcome;
    for (auto& txn : txns_)
        finish(txn, Stage::session, outcome.reply, outcome);
    expected_.clear();
    complete_finished();
    state_ = State::closed;
    actions_.push_back(Action::close);
}

void ClientSession::connection_lost(std::string_view why) {
    if (state_ == State::closed) return;
    if (state_ == State::quitting && txns_.empty()) {
        state_ = State::closed;  // the server closed after QUIT before its 221 reached us
        actions_.push_back(Action::close);
        return;
    }
    fail_session("connection lost: " + std::string(why),
                 protocol_outcome(waiting_for(), "connection lost: " + std::string(why)));
}

void ClientSession::timed_out() {
    Waiting waiting = waiting_for();
    fail_session("timed out " + std::string(describe(waiting)), timeout_outcome(waiting));
}

void ClientSession::tls_failed(TlsFailure failure, std::string_view detail) {
    fail_session("TLS handshake failed: " + std::string(detail),
                 tls_outcome(failure, std::string(detail)));
}

}  // namespace relaylab::smtp
