#include "harness/smtp/server_session.hpp"

#include <algorithm>
#include <cctype>

#include "harness/smtp/command.hpp"

namespace relaylab::smtp {

namespace {

bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; });
}

bool is_decided(unsigned mask, Phase phase) {
    return (mask & static_cast<unsigned>(phase)) != 0;
}

std::size_t framer_limit(const ServerConfig& config) {
    // AUTH lines may be up to 12288 octets (RFC 4954 4); other commands are held to the
    // command-line limit after framing.
    return config.auth_mechanisms.empty() ? config.max_command_line
                                          : std::max(config.max_command_line, limits::auth_line);
}

// What the session keeps of one message: the advertised SIZE limit and the storage cap, each
// 0 for none, whichever is smaller.
std::uint64_t store_limit(const ServerConfig& config) {
    if (config.max_message_size == 0) return config.max_stored_size;
    if (config.max_stored_size == 0) return config.max_message_size;
    return std::min(config.max_message_size, config.max_stored_size);
}

}  // namespace

std::string_view to_string(Phase phase) {
    switch (phase) {
        case Phase::connect:
            return "connect";
        case Phase::helo:
            return "helo";
        case Phase::mail:
            return "mail";
        case Phase::rcpt:
            return "rcpt";
        case Phase::data:
            return "data";
        case Phase::data_end:
            return "data_end";
        case Phase::quit:
            return "quit";
        case Phase::auth:
            return "auth";
    }
    return "unknown";
}

ServerSession::ServerSession(const ServerConfig& config, ConnectionInfo info)
    : config_(config),
      info_(std::move(info)),
      framer_(framer_limit(config)),
      decoder_(config.bare_newline, config.max_text_line, store_limit(config), config.keep_content,
               config.vulnerable_end_of_data) {
    tls_active_ = info_.tls;
}

void ServerSession::start() {
    ask(Phase::connect, make_reply(220, "", config_.hostname + ' ' + config_.banner));
}

std::size_t ServerSession::feed(std::string_view data) {
    // An accepted message waits in message_ until the shell polls Action::message: reading on
    // would let a pipelined next transaction (RFC 2920 3.1, RFC 3030 2) overwrite it. Body
    // actions are handled before more input too, so the sink sees the envelope of its own
    // message at body_begin and takes each chunk before the next one is decoded.
    auto shell_first = [this] {
        return std::any_of(actions_.begin(), actions_.end(), [](Action action) {
            return action == Action::message || action == Action::body_begin ||
                   action == Action::body_chunk || action == Action::body_end ||
                   action == Action::body_abort;
        });
    };
    // The last body chunk has been polled, and so read: its buffer is reused.
    if (!body_chunk_queued_) body_.clear();
    std::size_t consumed = 0;
    while (consumed < data.size() && !pending_ && !closing_ && !body_end_pending_ &&
           !shell_first()) {
        std::string_view rest = data.substr(consumed);
        if (state_ == State::greeting || state_ == State::tls_pending || state_ == State::closed) {
            break;
        }
        if (state_ == State::data) {
            bool was_oversize = decoder_.oversize();
            auto result = decoder_.feed(rest.substr(0, limits::body_chunk), body_);
            consumed += result.consumed;
            if (decoder_.oversize() && !was_oversize) {
                abort_body();  // over the limit: nothing more is kept; 552 after the data
            } else {
                queue_body_chunk();
            }
            if (result.done) finish_data();
        } else if (state_ == State::bdat) {
            auto take = static_cast<std::size_t>(std::min<std::uint64_t>(
                chunk_remaining_, std::min(rest.size(), limits::body_chunk)));
            if (!chunk_error_) {
                message_.size += take;
                std::uint64_t limit = store_limit(config_);
                if (limit != 0 && message_.size > limit) {
                    chunk_error_ = make_reply(552, "5.3.4", "Error: message file too big");
                    abort_body();
                } else if (config_.keep_content) {
                    body_.append(rest.substr(0, take));
                    queue_body_chunk();
                }
            }
            chunk_remaining_ -= take;
            consumed += take;
            if (chunk_remaining_ == 0) finish_bdat_chunk();
        } else {
            std::optional<FramedLine> line;
            consumed += framer_.next(rest, line);
            if (line) handle_line(*line);
        }
    }
    return consumed;
}

std::optional<ServerSession::Action> ServerSession::poll() {
    if (actions_.empty()) return std::nullopt;
    Action action = actions_.front();
    actions_.pop_front();
    if (action == Action::body_chunk) body_chunk_queued_ = false;
    return action;
}

ServerSession::Waiting ServerSession::waiting_for() const {
    if (closing_) return Waiting::nothing;
    if (pending_ || body_end_pending_ || state_ == State::greeting) return Waiting::shell;
    switch (state_) {
        case State::data:
            return Waiting::data;
        case State::bdat:
            return Waiting::bdat_chunk;
        case State::auth_plain:
        case State::auth_login_user:
        case State::auth_login_password:
            return Waiting::auth_response;
        case State::tls_pending:
            return Waiting::tls_handshake;
        case State::closed:
            return Waiting::nothing;
        default:
            return Waiting::command;
    }
}

void ServerSession::reply(const Reply& r) {
    std::size_t start = output_.size();
    if (!config_.extensions.enhanced_status_codes && !r.enhanced.empty()) {
        Reply plain = r;  // RFC 2034: codes only when ENHANCEDSTATUSCODES was advertised
        plain.enhanced.clear();
        append_reply(output_, plain);
    } else {
        append_reply(output_, r);
    }
    if (observer_ != nullptr) observer_->on_reply(std::string_view(output_).substr(start));
}

void ServerSession::reply(int code, std::string_view enhanced, std::string_view text) {
    std::size_t start = output_.size();
    append_reply(output_, code, config_.extensions.enhanced_status_codes ? enhanced : "", text);
    if (observer_ != nullptr) observer_->on_reply(std::string_view(output_).substr(start));
}

void ServerSession::error_reply(int code, std::string_view enhanced, std::string_view text) {
    reply(code, enhanced, text);
    // A client that keeps sending nonsense is cut off (cf. Postfix smtpd_hard_error_limit).
    if (++errors_ >= config_.max_errors && config_.max_errors != 0) {
        close_with(421, "4.7.0", config_.hostname + " Error: too many errors");
    }
}

void ServerSession::close_with(int code, std::string_view enhanced, std::string_view text) {
    if (closing_) return;
    if (body_state_ != BodyState::none) abort_body();  // e.g. a timeout mid-DATA
    reply(code, enhanced, text);
    closing_ = true;
    state_ = State::closed;
    actions_.push_back(Action::close);
}

// Counts a junk command (NOOP, RSET, VRFY, HELP) and closes with 421 when there were too many
// since the last accepted message (cf. Postfix smtpd_junk_command_limit; Postfix instead starts
// counting errors past the limit, which ends the same way a few commands later).
bool ServerSession::junk_limit_reached() {
    if (config_.max_junk_commands == 0 || ++junk_commands_ <= config_.max_junk_commands) {
        return false;
    }
    close_with(421, "4.7.0", config_.hostname + " Error: too many junk commands");
    return true;
}

void ServerSession::timed_out() {
    close_with(421, "4.4.2", config_.hostname + " Error: timeout exceeded");
}

void ServerSession::shutting_down() {
    close_with(421, "4.3.2", config_.hostname + " Service shutting down");
}

void ServerSession::reset_transaction() {
    if (body_state_ != BodyState::none) abort_body();
    in_transaction_ = false;
    envelope_ = Envelope{};
    chunking_used_ = false;
    chunk_error_.reset();
    chunk_remaining_ = 0;
    chunk_last_ = false;
    chunks_ = 0;
}

void ServerSession::reset_session() {
    reset_transaction();
    helo_.clear();
    esmtp_ = false;
    auth_user_.clear();
    credentials_ = Credentials{};
}

bool ServerSession::auth_offered() const {
    return !config_.auth_mechanisms.empty() && (tls_active_ || config_.auth_without_tls);
}

EnabledParams ServerSession::enabled_params() const {
    EnabledParams enabled;
    if (!esmtp_) return enabled;  // HELO sessions take no parameters
    enabled.size = config_.extensions.size;
    enabled.eight_bit_mime = config_.extensions.eight_bit_mime;
    enabled.smtputf8 = config_.extensions.smtputf8;
    enabled.dsn = config_.extensions.dsn;
    enabled.auth = auth_offered();
    return enabled;
}

std::string ServerSession::next_queue_id() {
    return info_.session_id + '.' + std::to_string(++queue_counter_);
}

void ServerSession::ask(Phase phase, Reply default_reply) {
    if (is_decided(config_.decisions, phase)) {
        pending_ = true;
        pending_phase_ = phase;
        pending_default_ = std::move(default_reply);
        actions_.push_back(Action::decide);
        return;
    }
    proceed(phase, default_reply);
}

void ServerSession::decide(const Decision& decision) {
    if (!pending_) return;
    pending_ = false;
    if (closing_) return;  // timed out or shut down while the shell decided: say nothing more
    if (decision.silent) {
        if (body_state_ != BodyState::none) abort_body();
        closing_ = true;
        state_ = State::closed;
        actions_.push_back(Action::close);
        return;
    }
    proceed(pending_phase_, decision.reply ? *decision.reply : pending_default_);
    if (decision.disconnect && !closing_) {
        if (body_state_ != BodyState::none) abort_body();
        closing_ = true;
        state_ = State::closed;
        actions_.push_back(Action::close);
    }
}

void ServerSession::proceed(Phase phase, const Reply& r) {
    switch (phase) {
        case Phase::connect:
            reply(r);
            state_ = State::command;
            if (r.code == 421) {
                closing_ = true;
                state_ = State::closed;
                actions_.push_back(Action::close);
            } else if (!r.positive()) {
                greeting_refused_ = true;  // RFC 5321 3.1: 554, then wait for QUIT
            }
            break;
        case Phase::helo:
            if (r.positive()) {
                reset_transaction();
                helo_ = pending_helo_;
                esmtp_ = pending_esmtp_;
            }
            reply(r);
            break;
        case Phase::mail:
            if (r.positive()) {
                in_transaction_ = true;
                ++transactions_;
                envelope_.mail_from = pending_path_;
                envelope_.mail_params = pending_mail_params_;
            }
            reply(r);
            break;
        case Phase::rcpt:
            if (r.positive()) envelope_.recipients.push_back({pending_path_, pending_rcpt_params_});
            reply(r);
            break;
        case Phase::data:
            if (pending_bdat_) {
                // No reply yet: the answer to a BDAT comes after its chunk.
                if (!r.positive() && r.code != 354) {
                    chunk_error_ = r;
                } else {
                    begin_body();
                }
                state_ = State::bdat;
                if (chunk_remaining_ == 0) finish_bdat_chunk();
                break;
            }
            reply(r);
            if (r.code == 354) {
                state_ = State::data;
                decoder_.reset();
                begin_body();
            }
            break;
        case Phase::data_end:
            reply(r);
            if (r.positive()) {
                body_state_ = BodyState::none;  // the sink's finish stands
                ++messages_accepted_;
                junk_commands_ = 0;  // a client that delivers mail is no idler
                if (!is_decided(config_.decisions, Phase::data_end)) {
                    actions_.push_back(Action::message);
                }
            }
            reset_transaction();  // aborts the body when the final reply refused it
            break;
        case Phase::quit:
            reply(r);
            closing_ = true;
            state_ = State::closed;
            actions_.push_back(Action::close);
            break;
        case Phase::auth:
            if (r.positive()) auth_user_ = credentials_.username;
            credentials_.password.clear();  // not kept past the decision
            reply(r);
            break;
    }
}

void ServerSession::handle_line(const FramedLine& line) {
    if (state_ == State::auth_plain || state_ == State::auth_login_user ||
        state_ == State::auth_login_password) {
        if (observer_ != nullptr) observer_->on_command("****");
        if (line.too_long) {
            state_ = State::command;
            return error_reply(500, "5.5.6", "Error: authentication response too long");
        }
        return on_auth_response(line.text);
    }
    if (line.too_long) {
        if (observer_ != nullptr) observer_->on_command("(line too long)");
        return error_reply(500, "5.5.2", "Error: line too long");
    }
    if (line.bare_lf && config_.bare_newline == BareNewlinePolicy::reject) {
        if (observer_ != nullptr) observer_->on_command(line.text);
        return error_reply(500, "5.5.2", "Error: bare <LF> received");
    }
    if (line.text.find('\0') != std::string_view::npos) {
        if (observer_ != nullptr) observer_->on_command("(NUL in command)");
        return error_reply(500, "5.5.2", "Error: NUL character in command");
    }
    handle_command(line.text);
}

void ServerSession::handle_command(std::string_view line) {
    CommandLine command = split_command(line);
    if (observer_ != nullptr) {
        if (command.verb == Verb::auth && command.args.find(' ') != std::string_view::npos) {
            std::string redacted(line.substr(0, line.size() - command.args.size()));
            redacted.append(command.args.substr(0, command.args.find(' ')));
            observer_->on_command(redacted + " ****");
        } else if (command.verb == Verb::unknown && line.size() > 4 &&
                   split_command(std::string(line.substr(0, 4)) + ' ').verb == Verb::auth) {
            // "AUTH\tPLAIN <secret>" is no AUTH command, but it may still carry credentials.
            observer_->on_command("(AUTH-like line redacted)");
        } else {
            observer_->on_command(line);
        }
    }
    if (command.verb != Verb::auth && line.size() + 2 > config_.max_command_line) {
        return error_reply(500, "5.5.2", "Error: line too long");
    }
    if (greeting_refused_ && command.verb != Verb::quit) {
        return error_reply(503, "5.5.1", "Error: no SMTP service here");
    }
    switch (command.verb) {
        case Verb::helo:
            return on_helo(command.args, false);
        case Verb::ehlo:
            return on_helo(command.args, true);
        case Verb::mail:
            return on_mail(command.args);
        case Verb::rcpt:
            return on_rcpt(command.args);
        case Verb::data:
            return on_data(command.args);
        case Verb::bdat:
            return on_bdat(command.args);
        case Verb::rset:
            if (junk_limit_reached()) return;
            if (!is_blank(command.args)) return error_reply(501, "5.5.4", "Syntax: RSET");
            reset_transaction();
            return reply(250, "2.0.0", "Ok");
        case Verb::noop:
            if (junk_limit_reached()) return;
            return reply(250, "2.0.0", "Ok");
        case Verb::quit:
            return on_quit(command.args);
        case Verb::vrfy:
            if (junk_limit_reached()) return;
            if (is_blank(command.args)) return error_reply(501, "5.5.4", "Syntax: VRFY address");
            // RFC 5321 3.5.3: a server that will not verify says so with 252.
            return reply(252, "2.0.0", "Cannot VRFY user, but will accept message");
        case Verb::expn:
            return error_reply(502, "5.5.1", "Error: command not implemented");
        case Verb::help:
            if (junk_limit_reached()) return;
            return reply(214, "2.0.0",
                         "Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT "
                         "VRFY HELP STARTTLS AUTH");
        case Verb::starttls:
            return on_starttls(command.args);
        case Verb::auth:
            return on_auth(command.args);
        case Verb::unknown:
            return error_reply(500, "5.5.2", "Error: command not recognized");
    }
}

void ServerSession::on_helo(std::string_view args, bool extended) {
    std::string_view name = args;
    while (!name.empty() && name.back() == ' ')
        name.remove_suffix(1);
    if (name.empty() || name.find(' ') != std::string_view::npos) {
        return error_reply(501, "5.5.4",
                           extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
    }
    pending_helo_ = std::string(name);
    pending_esmtp_ = extended;
    Reply r;
    r.code = 250;
    r.lines.push_back(config_.hostname);
    if (extended) {
        const auto& ext = config_.extensions;
        if (ext.pipelining) r.lines.emplace_back("PIPELINING");
        if (ext.size) {
            r.lines.push_back(config_.max_message_size == 0
                                  ? std::string("SIZE")
                                  : "SIZE " + std::to_string(config_.max_message_size));
        }
        if (ext.starttls && config_.tls_available && !tls_active_) r.lines.emplace_back("STARTTLS");
        if (auth_offered()) {
            std::string line = "AUTH";
            for (const auto& mechanism : config_.auth_mechanisms)
                line += ' ' + mechanism;
            r.lines.push_back(line);
        }
        if (ext.enhanced_status_codes) r.lines.emplace_back("ENHANCEDSTATUSCODES");
        if (ext.eight_bit_mime) r.lines.emplace_back("8BITMIME");
        if (ext.dsn) r.lines.emplace_back("DSN");
        if (ext.smtputf8) r.lines.emplace_back("SMTPUTF8");
        if (ext.chunking) r.lines.emplace_back("CHUNKING");
    }
    ask(Phase::helo, std::move(r));
}

void ServerSession::on_mail(std::string_view args) {
    if (helo_.empty()) return error_reply(503, "5.5.1", "Error: send HELO/EHLO first");
    if (in_transaction_) return error_reply(503, "5.5.1", "Error: nested MAIL command");
    if (config_.require_tls && !tls_active_) {
        return error_reply(530, "5.7.0", "Must issue a STARTTLS command first");
    }
    if (config_.require_auth && auth_user_.empty()) {
        return error_reply(530, "5.7.0", "Authentication required");
    }
    auto parsed = parse_mail(args, enabled_params());
    if (auto* refusal = std::get_if<Reply>(&parsed)) {
        return error_reply(refusal->code, refusal->enhanced, refusal->text());
    }
    auto& command = std::get<MailCommand>(parsed);
    if (command.params.size && config_.max_message_size != 0 &&
        *command.params.size > config_.max_message_size) {
        // RFC 1870 6.1: a declared size over the limit is refused at MAIL.
        return reply(552, "5.3.4", "Error: message size exceeds fixed maximum message size");
    }
    pending_path_ = std::move(command.path);
    pending_mail_params_ = std::move(command.params);
    ask(Phase::mail,
        make_reply(250, config_.extensions.enhanced_status_codes ? "2.1.0" : "", "Ok"));
}

void ServerSession::on_rcpt(std::string_view args) {
    if (!in_transaction_) return error_reply(503, "5.5.1", "Error: need MAIL command");
    EnabledParams enabled = enabled_params();
    enabled.smtputf8 = envelope_.mail_params.smtputf8;
    auto parsed = parse_rcpt(args, enabled);
    if (auto* refusal = std::get_if<Reply>(&parsed)) {
        return error_reply(refusal->code, refusal->enhanced, refusal->text());
    }
    if (envelope_.recipients.size() >= config_.max_recipients) {
        // RFC 5321 4.5.3.1.10: too many recipients is 452, and the client sends the rest later.
        return reply(452, "4.5.3", "Error: too many recipients");
    }
    auto& command = std::get<RcptCommand>(parsed);
    pending_path_ = std::move(command.path);
    pending_rcpt_params_ = std::move(command.params);
    ask(Phase::rcpt,
        make_reply(250, config_.extensions.enhanced_status_codes ? "2.1.5" : "", "Ok"));
}

void ServerSession::on_data(std::string_view args) {
    if (!is_blank(args)) return error_reply(501, "5.5.4", "Syntax: DATA");
    if (!in_transaction_) return error_reply(503, "5.5.1", "Error: need MAIL command");
    if (chunking_used_) return error_reply(503, "5.5.1", "Error: DATA after BDAT");
    // RFC 2920 3.1: with pipelined RCPTs all refused, DATA must be refused too.
    if (envelope_.recipients.empty()) return reply(554, "5.5.1", "Error: no valid recipients");
    pending_bdat_ = false;
    message_ = ReceivedMessage{};
    ask(Phase::data, make_reply(354, "", "End data with <CR><LF>.<CR><LF>"));
}

void ServerSession::finish_data() {
    state_ = State::command;
    message_.size = decoder_.size();
    message_.findings = decoder_.findings();
    if (decoder_.oversize()) {
        reset_transaction();
        return reply(552, "5.3.4", "Error: message file too big");
    }
    finish_message(false);
}

void ServerSession::on_bdat(std::string_view args) {
    auto parsed = parse_bdat(args);
    if (auto* refusal = std::get_if<Reply>(&parsed)) {
        // Without a valid size the chunk cannot be skipped: what follows is read as commands.
        return error_reply(refusal->code, refusal->enhanced, refusal->text());
    }
    const auto& command = std::get<BdatCommand>(parsed);
    if (config_.max_bdat_chunks != 0 && ++chunks_ > config_.max_bdat_chunks) {
        // Closing leaves the chunk unread, which is fine: nothing more is read anyway.
        return close_with(421, "4.7.0", config_.hostname + " Error: too many BDAT chunks");
    }
    chunk_remaining_ = command.size;
    chunk_last_ = command.last;
    chunk_error_.reset();
    chunk_keeps_transaction_ = false;
    // The chunk is consumed whatever happens, so the stream stays in step (RFC 3030 2).
    if (!config_.extensions.chunking || !esmtp_) {
        // A command we never offered is refused like any unknown one: it must not end the
        // transaction a DATA may still complete (RFC 5321 4.1.4, unrecognised commands).
        ++errors_;
        chunk_error_ = make_reply(502, "5.5.1", "Error: command not implemented");
        chunk_keeps_transaction_ = true;
    } else if (!in_transaction_) {
        ++errors_;
        chunk_error_ = make_reply(503, "5.5.1", "Error: need MAIL command");
        chunk_keeps_transaction_ = true;
    } else if (envelope_.recipients.empty()) {
        chunk_error_ = make_reply(554, "5.5.1", "Error: no valid recipients");
    }
    if (!chunk_error_ && !chunking_used_) {
        chunking_used_ = true;
        message_ = ReceivedMessage{};
        pending_bdat_ = true;
        ask(Phase::data, make_reply(250, "2.0.0", "Ok"));
        return;
    }
    state_ = State::bdat;
    if (chunk_remaining_ == 0) finish_bdat_chunk();
}

void ServerSession::finish_bdat_chunk() {
    state_ = State::command;
    pending_bdat_ = false;
    if (chunk_error_) {
        Reply refusal = *chunk_error_;
        if (chunk_keeps_transaction_) {
            chunk_error_.reset();
            chunk_keeps_transaction_ = false;
        } else {
            reset_transaction();
        }
        reply(refusal);
        if (errors_ >= config_.max_errors && config_.max_errors != 0) {
            close_with(421, "4.7.0", config_.hostname + " Error: too many errors");
        }
        return;
    }
    if (!chunk_last_) {
        return reply(250, "2.0.0", "Ok: " + std::to_string(message_.size) + " octets received");
    }
    finish_message(true);
}

void ServerSession::finish_message(bool chunked) {
    message_.chunked = chunked;
    message_.helo = helo_;
    message_.esmtp = esmtp_;
    message_.tls = tls_active_;
    message_.auth_user = auth_user_;
    message_.envelope = envelope_;
    if (!chunked && message_.findings.bare_newlines() &&
        config_.bare_newline == BareNewlinePolicy::reject) {
        // RFC 5321 2.3.8; refusing, not repairing, is what closes the smuggling hole.
        reset_transaction();
        return reply(550, "5.5.2", "Error: bare <LF> or <CR> received in message data");
    }
    if (!chunked && message_.findings.eod_lookalikes > 0 &&
        config_.bare_newline == BareNewlinePolicy::reject) {
        // The look-alikes without a bare newline ("<CRLF><NUL>.<CRLF>", "<CRLF>.<NUL><CRLF>"):
        // a receiver that drops NULs ends DATA there, so passing them on forwards a smuggled
        // message (SEC Consult 2023). No honest message holds one.
        reset_transaction();
        return reply(550, "5.6.0",
                     "Error: end-of-data look-alike with NUL received in message data");
    }
    if (message_.findings.long_lines > 0 && config_.max_text_line != 0) {
        reset_transaction();
        return reply(500, "5.5.2",
                     "Error: message line longer than " + std::to_string(config_.max_text_line) +
                         " octets (RFC 5321 4.5.3.1.6)");
    }
    message_.queue_id = next_queue_id();
    if (body_state_ == BodyState::receiving) {
        // The sink has the last word on keeping the message (a relay's spool write).
        body_end_pending_ = true;
        actions_.push_back(Action::body_end);
        return;
    }
    ask(Phase::data_end, make_reply(250, "2.0.0", "Ok: queued as " + message_.queue_id));
}

void ServerSession::body_finished(const std::optional<Reply>& refusal) {
    if (!body_end_pending_) return;
    body_end_pending_ = false;
    if (closing_) return;  // timed out or shut down meanwhile: the close aborted the body
    if (refusal) {
        body_state_ = BodyState::none;  // the sink refused it itself: no abort follows
        reset_transaction();
        return reply(*refusal);
    }
    body_state_ = BodyState::finished;
    ask(Phase::data_end, make_reply(250, "2.0.0", "Ok: queued as " + message_.queue_id));
}

void ServerSession::begin_body() {
    if (body_state_ != BodyState::none) abort_body();
    body_state_ = BodyState::receiving;
    body_.clear();
    actions_.push_back(Action::body_begin);
}

void ServerSession::queue_body_chunk() {
    if (body_.empty() || body_chunk_queued_) return;
    if (body_state_ != BodyState::receiving) {
        body_.clear();
        return;
    }
    body_chunk_queued_ = true;
    actions_.push_back(Action::body_chunk);
}

void ServerSession::abort_body() {
    // A chunk not yet polled never reaches the sink: nothing past the cap is handed on.
    if (body_chunk_queued_) {
        actions_.erase(std::remove(actions_.begin(), actions_.end(), Action::body_chunk),
                       actions_.end());
        body_chunk_queued_ = false;
    }
    body_.clear();
    body_state_ = BodyState::none;
    actions_.push_back(Action::body_abort);
}

void ServerSession::on_starttls(std::string_view args) {
    if (!is_blank(args)) return error_reply(501, "5.5.4", "Syntax: STARTTLS");
    if (!config_.tls_available || !config_.extensions.starttls) {
        return error_reply(502, "5.5.1", "Error: command not implemented");
    }
    if (tls_active_) return error_reply(503, "5.5.1", "Error: TLS already active");
    reply(220, "2.0.0", "Ready to start TLS");
    state_ = State::tls_pending;
    framer_.reset();
    actions_.push_back(Action::start_tls);
}

void ServerSession::tls_started() {
    if (state_ != State::tls_pending) return;
    tls_active_ = true;
    // RFC 3207 4.2: the server forgets everything it learnt before the handshake.
    reset_session();
    framer_.reset();
    state_ = State::command;
}

void ServerSession::on_auth(std::string_view args) {
    if (!auth_offered()) return error_reply(503, "5.5.1", "Error: authentication not enabled");
    if (helo_.empty() || !esmtp_) return error_reply(503, "5.5.1", "Error: send EHLO first");
    if (!auth_user_.empty()) return error_reply(503, "5.5.1", "Error: already authenticated");
    if (in_transaction_) return error_reply(503, "5.5.1", "Error: MAIL transaction in progress");
    auto parsed = parse_auth(args);
    if (auto* refusal = std::get_if<Reply>(&parsed)) {
        return error_reply(refusal->code, refusal->enhanced, refusal->text());
    }
    auto& command = std::get<AuthCommand>(parsed);
    if (std::find(config_.auth_mechanisms.begin(), config_.auth_mechanisms.end(),
                  command.mechanism) == config_.auth_mechanisms.end() ||
        (command.mechanism != "PLAIN" && command.mechanism != "LOGIN")) {
        return error_reply(504, "5.5.4", "Error: unsupported authentication mechanism");
    }
    pending_auth_mechanism_ = command.mechanism;
    if (command.mechanism == "PLAIN") {
        if (!command.initial_response) {
            state_ = State::auth_plain;
            return reply(334, "", "");
        }
        state_ = State::auth_plain;
        return on_auth_response(*command.initial_response);
    }
    if (!command.initial_response) {
        state_ = State::auth_login_user;
        return reply(334, "", "VXNlcm5hbWU6");  // "Username:"
    }
    state_ = State::auth_login_user;
    on_auth_response(*command.initial_response);
}

void ServerSession::on_auth_response(std::string_view line) {
    State step = state_;
    state_ = State::command;
    if (line == "*") return error_reply(501, "5.7.0", "Authentication aborted");
    // RFC 4954 4: "=" stands for an empty initial response.
    auto decoded = line == "=" ? std::optional<std::string>("") : base64_decode(line);
    if (!decoded) return error_reply(501, "5.5.2", "Error: cannot decode response");
    if (step == State::auth_plain) {
        auto credentials = parse_plain_response(*decoded);
        if (!credentials) return error_reply(501, "5.5.2", "Error: malformed PLAIN response");
        return finish_credentials(*credentials);
    }
    if (step == State::auth_login_user) {
        credentials_ = Credentials{};
        credentials_.username = std::move(*decoded);
        state_ = State::auth_login_password;
        return reply(334, "", "UGFzc3dvcmQ6");  // "Password:"
    }
    Credentials credentials;
    credentials.username = credentials_.username;
    credentials.password = std::move(*decoded);
    finish_credentials(credentials);
}

void ServerSession::finish_credentials(const Credentials& credentials) {
    credentials_ = credentials;
    ask(Phase::auth, make_reply(235, "2.7.0", "Authentication successful"));
}

void ServerSession::on_quit(std::string_view args) {
    if (!is_blank(args)) return error_reply(501, "5.5.4", "Syntax: QUIT");
    ask(Phase::quit, make_reply(221, "2.0.0", "Bye"));
}

}  // namespace relaylab::smtp
