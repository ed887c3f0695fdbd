#include "harness/smtp/client_session.hpp"

#include <algorithm>
#include <cctype>

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

}  // namespace

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
        fail_session("bad reply from server: " + std::string(smtp::describe(parser_.error())),
                     local_failure("malformed reply"));
    }
}

void ClientSession::handle_reply(const Reply& reply) {
    if (reply.code == 421 && state_ != State::quitting) {
        // RFC 5321 3.8: the server is closing the transmission channel.
        return fail_session("server closed the session: " + reply.summary(), reply);
    }
    switch (state_) {
        case State::ready:
            if (expected_.empty()) {
                return fail_session("unexpected reply: " + reply.summary(), reply);
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
                return fail_session("greeting refused: " + reply.summary(), reply);
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
            return fail_session("EHLO refused: " + reply.summary(), reply);
        case State::helo:
            if (!reply.positive()) return fail_session("HELO refused: " + reply.summary(), reply);
            caps_ = ServerCapabilities{};
            return after_ehlo();
        case State::starttls:
            if (reply.code == 220) {
                state_ = State::tls_handshake;
                actions_.push_back(Action::start_tls);
                return;
            }
            if (config_.starttls == TlsMode::required) {
                return fail_session("STARTTLS refused: " + reply.summary(), reply);
            }
            return start_auth();
        case State::auth_plain:
            if (reply.code == 235) return become_ready();
            return fail_session("authentication failed: " + reply.summary(), reply);
        case State::auth_login_user:
            if (reply.code != 334) {
                return fail_session("authentication failed: " + reply.summary(), reply);
            }
            send(base64_encode(config_.auth->username));
            state_ = State::auth_login_password;
            return;
        case State::auth_login_password:
            if (reply.code != 334) {
                return fail_session("authentication failed: " + reply.summary(), reply);
            }
            send(base64_encode(config_.auth->password));
            state_ = State::auth_plain;  // now waiting for 235
            return;
        default:
            return fail_session("unexpected reply: " + reply.summary(), reply);
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
                                local_failure("STARTTLS not offered"));
        }
    }
    start_auth();
}

void ClientSession::start_auth() {
    if (!config_.auth) return become_ready();
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
        fail_session(caps_.auth_mechanisms.empty() ? "AUTH not offered by the server"
                                                   : "no common AUTH mechanism (PLAIN, LOGIN)",
                     local_failure("AUTH not offered"));
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
    if (message.recipients.empty() || !message.content) {
        TransactionResult result;
        result.id = message.id;
        result.failed_at = Stage::rcpt;
        result.final = local_failure("message has no recipients or no content");
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
    std::string command = "MAIL FROM:<" + message.mail_from + '>';
    if (caps_.size && config_.declare_size)
        command += " SIZE=" + std::to_string(message.content->size());
    if (message.eight_bit && caps_.eight_bit_mime) command += " BODY=8BITMIME";
    if (message.smtputf8 && caps_.smtputf8) command += " SMTPUTF8";
    send(command);
    expected_.push_back({Expect::mail, &txn});
    actions_.push_back(Action::transaction_started);
    if (!pipelining()) return;  // the rest follows reply by reply
    for (const auto& recipient : message.recipients) {
        send("RCPT TO:<" + recipient + '>');
        expected_.push_back({Expect::rcpt, &txn});
        ++txn.rcpt_sent;
    }
    if (config_.use_chunking && caps_.chunking) {
        send("BDAT " + std::to_string(message.content->size()) + " LAST");
        output_.append(*message.content);
        expected_.push_back({Expect::bdat, &txn});
        txn.content_sent = true;
    } else {
        send("DATA");
        expected_.push_back({Expect::data, &txn});
    }
    txn.commands_done = true;
}

void ClientSession::send_next_rcpt_or_data(Txn& txn) {
    if (!txn.mail_accepted) return finish(txn, Stage::mail, txn.result.mail);
    if (txn.rcpt_sent < txn.message.recipients.size()) {
        send("RCPT TO:<" + txn.message.recipients[txn.rcpt_sent++] + '>');
        expected_.push_back({Expect::rcpt, &txn});
        return;
    }
    if (txn.result.accepted_recipients == 0) {
        send("RSET");
        expected_.push_back({Expect::rset, nullptr});
        txn.content_sent = true;
        return finish(txn, Stage::rcpt, txn.result.rcpt.back());
    }
    txn.commands_done = true;
    if (config_.use_chunking && caps_.chunking) {
        send("BDAT " + std::to_string(txn.message.content->size()) + " LAST");
        output_.append(*txn.message.content);
        expected_.push_back({Expect::bdat, &txn});
        txn.content_sent = true;
        return;
    }
    send("DATA");
    expected_.push_back({Expect::data, &txn});
}

void ClientSession::send_content(Txn& txn) {
    append_dot_stuffed(output_, *txn.message.content);
    expected_.push_back({Expect::data_end, &txn});
    txn.content_sent = true;
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
                finish(*txn, failure->first, failure->second);
            } else {
                finish(*txn, Stage::data, reply);
            }
            break;
        case Expect::bdat:
        case Expect::data_end:
            if (auto failure = earlier_failure(*txn)) {
                finish(*txn, failure->first, failure->second);
            } else if (reply.positive()) {
                finish(*txn, Stage::none, reply);
            } else {
                finish(*txn, Stage::data_end, reply);
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

void ClientSession::finish(Txn& txn, Stage failed_at, const Reply& final) {
    if (txn.finished) return;
    txn.finished = true;
    txn.result.failed_at = failed_at;
    txn.result.final = final;
    txn.result.accepted = failed_at == Stage::none;
}

void ClientSession::complete_finished() {
    while (!txns_.empty() && txns_.front().finished) {
        // A finished transaction may still have replies outstanding (pipelined RCPTs after a
        // refused MAIL); it leaves only when nothing refers to it any more.
        const Txn* front = &txns_.front();
        bool referenced = std::any_of(expected_.begin(), expected_.end(),
                                      [&](const Expectation& e) { return e.txn == front; });
        if (referenced) break;
        results_.push_back(std::move(txns_.front().result));
        txns_.pop_front();
        actions_.push_back(Action::transaction_done);
    }
}

void ClientSession::fail_session(std::string why, const Reply& reply) {
    if (state_ == State::closed) return;
    error_ = std::move(why);
    for (auto& txn : txns_)
        finish(txn, Stage::session, reply);
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
    fail_session("connection lost: " + std::string(why), local_failure(why));
}

void ClientSession::timed_out() {
    Waiting waiting = waiting_for();
    fail_session("timed out " + std::string(describe(waiting)),
                 local_failure("timeout: " + std::string(describe(waiting))));
}

}  // namespace relaylab::smtp
