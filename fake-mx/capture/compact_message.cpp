#include "fake-mx/capture/compact_message.hpp"

#include <limits>
#include <string>
#include <vector>

namespace relaylab::fakemx::capture {
namespace {

// Positions in the packed text; recipients follow, three fields each.
enum Field : std::size_t {
    session_id,
    queue_id,
    host,
    client_ip,
    helo,
    auth_user,
    tls_version,
    tls_cipher,
    tls_sni,
    mail_from,
    envid,
    mail_auth,
    auth_verdicts,
    subject,
    header_from,
    header_to,
    message_id,
    date,
    tracking_id,
    notify_flags,  // one byte per recipient
    placement,
    field_count
};

enum Flag : std::uint8_t {
    esmtp = 1u << 0,
    tls = 1u << 1,
    chunked = 1u << 2,
    smtputf8 = 1u << 3,
    has_mail_size = 1u << 4,
};

enum Notify : std::uint8_t {
    never = 1u << 0,
    success = 1u << 1,
    failure = 1u << 2,
    delay = 1u << 3,
};

std::uint32_t saturate(std::uint64_t value) {
    constexpr std::uint64_t max = std::numeric_limits<std::uint32_t>::max();
    return static_cast<std::uint32_t>(value > max ? max : value);
}

}  // namespace

std::int64_t to_unix_us(SystemTime time) {
    return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

SystemTime from_unix_us(std::int64_t us) {
    return SystemTime(
        std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(us)));
}

static_assert(field_count == 21, "recipients_begin in the header must follow the fixed fields");

CompactMessage::CompactMessage(const CapturedMessage& m)
    : id(m.id),
      received_us(to_unix_us(m.received_at)),
      size(m.size),
      connected_us_(to_unix_us(m.connected_at)),
      mail_size_(m.mail_params.size.value_or(0)),
      bare_lf_(saturate(m.findings.bare_lf)),
      bare_cr_(saturate(m.findings.bare_cr)),
      nul_(saturate(m.findings.nul)),
      long_lines_(saturate(m.findings.long_lines)),
      eod_lookalikes_(saturate(m.findings.eod_lookalikes)),
      client_port_(m.client_port),
      body_(static_cast<std::uint8_t>(m.mail_params.body)),
      ret_(static_cast<std::uint8_t>(m.mail_params.ret)) {
    if (m.esmtp) flags_ |= esmtp;
    if (m.tls.active) flags_ |= tls;
    if (m.chunked) flags_ |= chunked;
    if (m.mail_params.smtputf8) flags_ |= smtputf8;
    if (m.mail_params.size) flags_ |= has_mail_size;

    std::string notify;
    notify.reserve(m.recipients.size());
    for (const CapturedRecipient& r : m.recipients) {
        std::uint8_t bits = 0;
        if (r.params.notify_never) bits |= never;
        if (r.params.notify_success) bits |= success;
        if (r.params.notify_failure) bits |= failure;
        if (r.params.notify_delay) bits |= delay;
        notify.push_back(static_cast<char>(bits));
    }
    // "null" (no verdicts) is stored as nothing. Both arms are views: a const char* arm would
    // make the ?: a temporary std::string and leave the view dangling.
    std::string_view verdicts = m.auth_verdicts == no_auth_verdicts
                                    ? std::string_view()
                                    : std::string_view(m.auth_verdicts);

    std::string_view placement_text =
        m.placement == no_placement ? std::string_view() : std::string_view(m.placement);

    std::vector<std::string_view> fields{m.session_id,
                                         m.queue_id,
                                         m.host,
                                         m.client_ip,
                                         m.helo,
                                         m.auth_user,
                                         m.tls.version,
                                         m.tls.cipher,
                                         m.tls.sni,
                                         m.mail_from,
                                         m.mail_params.envid,
                                         m.mail_params.auth,
                                         verdicts,
                                         m.headers.subject,
                                         m.headers.from,
                                         m.headers.to,
                                         m.headers.message_id,
                                         m.headers.date,
                                         m.headers.tracking_id,
                                         notify,
                                         placement_text};
    fields.reserve(field_count + per_recipient * m.recipients.size());
    for (const CapturedRecipient& r : m.recipients) {
        fields.push_back(r.address);
        fields.push_back(r.params.orcpt_type);
        fields.push_back(r.params.orcpt);
    }
    text_ = PackedStrings(fields);
}

std::string_view CompactMessage::host() const {
    return text_.at(Field::host);
}
std::string_view CompactMessage::mail_from() const {
    return text_.at(Field::mail_from);
}
std::string_view CompactMessage::subject() const {
    return text_.at(Field::subject);
}
std::string_view CompactMessage::tracking_id() const {
    return text_.at(Field::tracking_id);
}

CapturedMessage CompactMessage::unpack() const {
    CapturedMessage m;
    std::vector<std::string_view> f;
    f.reserve(text_.size());
    text_.for_each_from(0, [&](std::string_view field) { f.push_back(field); });
    f.resize(std::max<std::size_t>(f.size(), field_count));

    m.id = id;
    m.session_id = f[session_id];
    m.queue_id = f[queue_id];
    m.host = f[Field::host];
    m.client_ip = f[client_ip];
    m.client_port = client_port_;
    m.helo = f[helo];
    m.esmtp = flags_ & esmtp;
    m.auth_user = f[auth_user];
    m.tls = {.active = (flags_ & tls) != 0,
             .version = std::string(f[tls_version]),
             .cipher = std::string(f[tls_cipher]),
             .sni = std::string(f[tls_sni])};
    m.mail_from = f[Field::mail_from];
    if (flags_ & has_mail_size) m.mail_params.size = mail_size_;
    m.mail_params.body = static_cast<smtp::BodyType>(body_);
    m.mail_params.smtputf8 = flags_ & smtputf8;
    m.mail_params.ret = static_cast<smtp::DsnRet>(ret_);
    m.mail_params.envid = f[envid];
    m.mail_params.auth = f[mail_auth];
    std::string_view notify = f[notify_flags];
    for (std::size_t i = recipients_begin; i + per_recipient <= f.size(); i += per_recipient) {
        CapturedRecipient r;
        r.address = f[i];
        r.params.orcpt_type = f[i + 1];
        r.params.orcpt = f[i + 2];
        std::size_t index = (i - recipients_begin) / per_recipient;
        auto bits = index < notify.size() ? static_cast<std::uint8_t>(notify[index]) : 0;
        r.params.notify_never = bits & never;
        r.params.notify_success = bits & success;
        r.params.notify_failure = bits & failure;
        r.params.notify_delay = bits & delay;
        m.recipients.push_back(std::move(r));
    }
    m.connected_at = from_unix_us(connected_us_);
    m.received_at = from_unix_us(received_us);
    m.size = size;
    m.chunked = flags_ & chunked;
    m.findings = {.bare_lf = bare_lf_,
                  .bare_cr = bare_cr_,
                  .nul = nul_,
                  .long_lines = long_lines_,
                  .eod_lookalikes = eod_lookalikes_};
    m.auth_verdicts =
        f[auth_verdicts].empty() ? std::string(no_auth_verdicts) : std::string(f[auth_verdicts]);
    m.placement = f[placement].empty() ? std::string(no_placement) : std::string(f[placement]);
    m.headers = {.subject = std::string(f[Field::subject]),
                 .from = std::string(f[header_from]),
                 .to = std::string(f[header_to]),
                 .message_id = std::string(f[message_id]),
                 .date = std::string(f[date]),
                 .tracking_id = std::string(f[Field::tracking_id])};
    return m;
}

}  // namespace relaylab::fakemx::capture
