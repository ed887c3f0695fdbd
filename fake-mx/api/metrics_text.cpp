#include "fake-mx/api/metrics_text.hpp"

namespace relaylab::fakemx::api {
namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            std::uint64_t value) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

// Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*; we keep out ':' (reserved for recording rules).
std::string sanitize(std::string_view key) {
    std::string out;
    for (char c : key) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out.push_back(ok ? c : '_');
    }
    return out;
}

// Bounds the walk over a stats object that may be large or deep.
constexpr int max_depth = 4;
constexpr std::size_t max_server_metrics = 500;

void flatten(std::string& out, const std::string& prefix, const nlohmann::json& value, int depth,
             std::size_t& emitted) {
    if (emitted >= max_server_metrics) return;
    if (value.is_object()) {
        if (depth >= max_depth) return;
        for (const auto& [key, child] : value.items()) {
            // Appended, not `prefix + "_" + ...`: g++ 12 at -O3 warns falsely on that form
            // (-Wrestrict, GCC bug 105329), which breaks Release builds with -Werror.
            std::string name = prefix;
            name += '_';
            name += sanitize(key);
            flatten(out, name, child, depth + 1, emitted);
        }
        return;
    }
    std::string number;
    if (value.is_boolean())
        number.assign(1, value.get<bool>() ? '1' : '0');  // not `= "1"`: GCC bug 105329
    else if (value.is_number_integer() || value.is_number_unsigned())
        number = value.dump();
    else if (value.is_number_float())
        number = value.dump();  // JSON numbers are valid Prometheus floats (no NaN in JSON)
    else
        return;  // strings, arrays and null carry no sample
    out += "# TYPE " + prefix + " untyped\n" + prefix + ' ' + number + '\n';
    ++emitted;
}

}  // namespace

std::string metrics_text(const capture::StoreCounts& c, const nlohmann::json& server_stats) {
    std::string out;
    metric(out, "relaylab_fakemx_messages_total", "counter", "Messages captured since start.",
           c.messages_total);
    metric(out, "relaylab_fakemx_bytes_total", "counter",
           "Octets of the messages captured since start.", c.bytes_total);
    metric(out, "relaylab_fakemx_sessions_total", "counter", "SMTP sessions recorded since start.",
           c.sessions_total);
    metric(out, "relaylab_fakemx_messages_stored", "gauge", "Messages held in the capture index.",
           c.messages_stored);
    metric(out, "relaylab_fakemx_sessions_stored", "gauge", "Session transcripts held.",
           c.sessions_stored);
    metric(out, "relaylab_fakemx_raw_in_memory", "gauge", "Raw messages held in memory.",
           c.raw_in_memory);
    metric(out, "relaylab_fakemx_raw_memory_bytes", "gauge", "Bytes of raw messages in memory.",
           c.raw_memory_bytes);
    metric(out, "relaylab_fakemx_raw_stored_total", "counter",
           "Raw messages written to the Maildir.", c.raw_in_maildir);
    metric(out, "relaylab_fakemx_raw_dropped_total", "counter",
           "Raw messages dropped beyond the memory bound without a Maildir copy.", c.raw_dropped);
    metric(out, "relaylab_fakemx_messages_evicted_total", "counter",
           "Messages evicted from the index beyond max_messages.", c.messages_evicted);
    metric(out, "relaylab_fakemx_sessions_evicted_total", "counter",
           "Session transcripts evicted beyond their bounds.", c.sessions_evicted);
    metric(out, "relaylab_fakemx_maildir_errors_total", "counter",
           "Maildir deliveries that failed.", c.maildir_errors);
    std::size_t emitted = 0;
    flatten(out, "relaylab_fakemx_server", server_stats, 0, emitted);
    return out;
}

}  // namespace relaylab::fakemx::api
