#include "fake-mx/capture/capture_json.hpp"

namespace relaylab::fakemx::capture {
namespace {

using nlohmann::json;

json text_or_null(std::string_view text) {
    return text.empty() ? json(nullptr) : json(text);
}

json tls_json(const TlsFacts& tls) {
    if (!tls.active) return nullptr;
    return {{"version", text_or_null(tls.version)},
            {"cipher", text_or_null(tls.cipher)},
            {"sni", text_or_null(tls.sni)}};
}

std::string_view body_name(smtp::BodyType body) {
    switch (body) {
        case smtp::BodyType::seven_bit:
            return "7BIT";
        case smtp::BodyType::eight_bit_mime:
            return "8BITMIME";
        case smtp::BodyType::binary_mime:
            return "BINARYMIME";
        case smtp::BodyType::unspecified:
            break;
    }
    return {};
}

std::string_view ret_name(smtp::DsnRet ret) {
    switch (ret) {
        case smtp::DsnRet::full:
            return "FULL";
        case smtp::DsnRet::headers:
            return "HDRS";
        case smtp::DsnRet::unspecified:
            break;
    }
    return {};
}

json mail_params_json(const smtp::MailParams& p) {
    return {{"size", p.size ? json(*p.size) : json(nullptr)},
            {"body", text_or_null(body_name(p.body))},
            {"smtputf8", p.smtputf8},
            {"ret", text_or_null(ret_name(p.ret))},
            {"envid", text_or_null(p.envid)},
            {"auth", text_or_null(p.auth)}};
}

json rcpt_params_json(const smtp::RcptParams& p) {
    json notify = json::array();
    if (p.notify_never) notify.push_back("NEVER");
    if (p.notify_success) notify.push_back("SUCCESS");
    if (p.notify_failure) notify.push_back("FAILURE");
    if (p.notify_delay) notify.push_back("DELAY");
    json orcpt = nullptr;
    if (!p.orcpt.empty()) orcpt = {{"type", p.orcpt_type}, {"address", p.orcpt}};
    return {{"notify", notify.empty() ? json(nullptr) : notify}, {"orcpt", orcpt}};
}

}  // namespace

json auth_verdicts_json(std::string_view text) {
    json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return json(text);
    return parsed;
}

std::string dump_json(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json message_summary_json(const CapturedMessage& m) {
    json to = json::array();
    for (const CapturedRecipient& r : m.recipients)
        to.push_back(r.address);
    return {{"id", m.id},
            {"from", m.mail_from},
            {"to", std::move(to)},
            {"subject", m.headers.subject},
            {"tracking_id", text_or_null(m.headers.tracking_id)},
            {"received_at", format_rfc3339_ms(m.received_at)},
            {"size", m.size},
            {"tls", tls_json(m.tls)},
            {"auth", auth_verdicts_json(m.auth_verdicts)},
            {"placement", auth_verdicts_json(m.placement)},
            {"host", m.host},
            {"session_id", m.session_id},
            {"queue_id", m.queue_id},
            {"client_ip", m.client_ip},
            {"helo", m.helo},
            {"raw_available", m.raw.available()}};
}

json message_detail_json(const MessageDetail& detail) {
    const CapturedMessage& m = detail.message;
    json out = message_summary_json(m);
    json recipients = json::array();
    for (const CapturedRecipient& r : m.recipients)
        recipients.push_back({{"address", r.address}, {"params", rcpt_params_json(r.params)}});
    out["connected_at"] = format_rfc3339_ms(m.connected_at);
    out["envelope"] = {
        {"mail_from", {{"address", m.mail_from}, {"params", mail_params_json(m.mail_params)}}},
        {"recipients", std::move(recipients)}};
    out["client"] = {{"ip", m.client_ip},
                     {"port", m.client_port},
                     {"helo", m.helo},
                     {"esmtp", m.esmtp},
                     {"auth_user", text_or_null(m.auth_user)}};
    out["chunked"] = m.chunked;
    out["findings"] = {{"bare_lf", m.findings.bare_lf},
                       {"bare_cr", m.findings.bare_cr},
                       {"nul", m.findings.nul},
                       {"long_lines", m.findings.long_lines},
                       {"eod_lookalikes", m.findings.eod_lookalikes},
                       {"bare_newlines", m.findings.bare_newlines()}};
    out["header_summary"] = {
        {"subject", m.headers.subject}, {"from", m.headers.from},
        {"to", m.headers.to},           {"message_id", m.headers.message_id},
        {"date", m.headers.date},       {"tracking_id", m.headers.tracking_id}};
    json headers = nullptr;
    if (detail.headers) {
        headers = json::array();
        for (const HeaderField& field : *detail.headers)
            headers.push_back({{"name", field.name}, {"value", field.value}});
    }
    out["headers"] = std::move(headers);
    out["raw"] = {{"available", m.raw.available()},
                  {"in_memory", m.raw.in_memory},
                  {"maildir_file", text_or_null(m.raw.maildir_file)}};
    return out;
}

json session_json(const SessionRecord& s) {
    json transcript = json::array();
    for (const TranscriptLine& line : s.lines) {
        json entry = {{"at_ms", line.at_ms}, {"side", to_string(line.side)}, {"text", line.text}};
        if (line.truncated) entry["truncated"] = true;
        transcript.push_back(std::move(entry));
    }
    return {{"id", s.id},
            {"session_id", s.session_id},
            {"host", s.host},
            {"client_ip", s.client_ip},
            {"client_port", s.client_port},
            {"connected_at", format_rfc3339_ms(s.connected_at)},
            {"closed_at", format_rfc3339_ms(s.closed_at)},
            {"lines_dropped", s.lines_dropped},
            {"transcript", std::move(transcript)}};
}

json counts_json(const StoreCounts& c) {
    return {{"messages_total", c.messages_total},     {"bytes_total", c.bytes_total},
            {"sessions_total", c.sessions_total},     {"messages_stored", c.messages_stored},
            {"sessions_stored", c.sessions_stored},   {"raw_in_memory", c.raw_in_memory},
            {"raw_memory_bytes", c.raw_memory_bytes}, {"raw_in_maildir", c.raw_in_maildir},
            {"raw_dropped", c.raw_dropped},           {"messages_evicted", c.messages_evicted},
            {"sessions_evicted", c.sessions_evicted}, {"maildir_errors", c.maildir_errors}};
}

json tracking_coverage_json(const TrackingCoverage& c) {
    json ranges = json::array();
    ranges.get_ref<json::array_t&>().reserve(c.ranges.size());
    for (const TrackingRange& r : c.ranges)
        ranges.push_back(json::array({r.first, r.last}));
    return {{"run_id", c.run_id},
            {"messages", c.messages},
            {"distinct", c.distinct},
            {"duplicates", c.duplicates},
            {"ranges", std::move(ranges)},
            {"ranges_truncated", c.ranges_truncated},
            {"other", c.other},
            {"duplicated", c.duplicated}};
}

}  // namespace relaylab::fakemx::capture
