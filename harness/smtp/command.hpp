// SMTP commands (RFC 5321 4.1) and their ESMTP parameters: SIZE (RFC 1870), BODY (RFC 6152),
// SMTPUTF8 (RFC 6531), the DSN parameters RET/ENVID/NOTIFY/ORCPT (RFC 3461), AUTH= (RFC 4954),
// BDAT (RFC 3030). Each parse error carries the reply a server should send.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "harness/smtp/address.hpp"
#include "harness/smtp/reply.hpp"

namespace relaylab::smtp {

enum class Verb {
    helo,
    ehlo,
    mail,
    rcpt,
    data,
    bdat,
    rset,
    noop,
    quit,
    vrfy,
    expn,
    help,
    starttls,
    auth,
    unknown,
};

struct CommandLine {
    Verb verb = Verb::unknown;
    std::string_view name;  // the verb as sent
    std::string_view args;  // after the verb and one space; may be empty
};

// Splits a command line into verb and arguments; the verb is case-insensitive (RFC 5321 2.4).
CommandLine split_command(std::string_view line);

enum class BodyType { unspecified, seven_bit, eight_bit_mime, binary_mime };
enum class DsnRet { unspecified, full, headers };

struct MailParams {
    std::optional<std::uint64_t> size;
    BodyType body = BodyType::unspecified;
    bool smtputf8 = false;
    DsnRet ret = DsnRet::unspecified;
    std::string envid;  // xtext-decoded
    std::string auth;   // AUTH=<mailbox> (xtext-decoded), "<>" when given as such
};

struct RcptParams {
    // NOTIFY=NEVER or any of SUCCESS,FAILURE,DELAY (RFC 3461 4.1); all false = not given.
    bool notify_never = false;
    bool notify_success = false;
    bool notify_failure = false;
    bool notify_delay = false;
    std::string orcpt_type;  // "rfc822" of ORCPT=rfc822;addr
    std::string orcpt;       // xtext-decoded address
};

// Which extensions the server offered in this session: parameters of others are refused.
struct EnabledParams {
    bool size = false;
    bool eight_bit_mime = false;
    bool binary_mime = false;
    bool smtputf8 = false;
    bool dsn = false;
    bool auth = false;
};

struct MailCommand {
    Path path;
    MailParams params;
};
struct RcptCommand {
    Path path;
    RcptParams params;
};
struct BdatCommand {
    std::uint64_t size = 0;
    bool last = false;
};
struct AuthCommand {
    std::string mechanism;                        // upper-cased
    std::optional<std::string> initial_response;  // base64 as sent; "=" means empty
};

template <typename T>
using Parsed = std::variant<T, Reply>;  // the command, or the reply that refuses it

Parsed<MailCommand> parse_mail(std::string_view args, const EnabledParams& enabled);
Parsed<RcptCommand> parse_rcpt(std::string_view args, const EnabledParams& enabled);
Parsed<BdatCommand> parse_bdat(std::string_view args);
Parsed<AuthCommand> parse_auth(std::string_view args);

// RFC 3461 4: xtext, where "+XX" stands for an octet outside %d33-126 and '+' '='.
std::optional<std::string> decode_xtext(std::string_view text);
std::string encode_xtext(std::string_view text);

}  // namespace relaylab::smtp
