#include "fake-mx/api/metrics_text.hpp"

#include <map>
#include <vector>

namespace relaylab::fakemx::api {
namespace {

using http::append_metric;
using http::MetricType;

// Bounds the walk over a stats object that may be large or deep.
constexpr int max_depth = 4;
constexpr std::size_t max_server_metrics = 500;

// Samples grouped by metric name, names in the order first seen: the format wants one TYPE
// line per name with all its samples (one per host) after it.
struct Samples {
    std::vector<std::string> names;
    std::map<std::string, std::string> lines;
    std::size_t count = 0;

    void add(const std::string& name, const std::string& labels, const std::string& number) {
        auto [it, inserted] = lines.try_emplace(name);
        if (inserted) names.push_back(name);
        it->second += name + labels + ' ' + number + '\n';
        ++count;
    }
};

void flatten(Samples& out, const std::string& prefix, const std::string& labels,
             const nlohmann::json& value, int depth) {
    if (out.count >= max_server_metrics) return;
    if (value.is_object()) {
        if (depth >= max_depth) return;
        for (const auto& [key, child] : value.items()) {
            // Appended, not `prefix + "_" + ...`: g++ 12 at -O3 warns falsely on that form
            // (-Wrestrict, GCC bug 105329), which breaks Release builds with -Werror.
            std::string name = prefix;
            name += '_';
            name += http::sanitize_metric_name(key);
            flatten(out, name, labels, child, depth + 1);
        }
        return;
    }
    if (value.is_array()) {
        // Per-host stats: an array of objects, each element's numbers under the array's name
        // with a label telling the elements apart (its "host", else its index).
        if (depth >= max_depth || !labels.empty()) return;  // one level of labels is enough
        for (std::size_t i = 0; i < value.size(); ++i) {
            const nlohmann::json& element = value[i];
            if (!element.is_object()) continue;
            auto host = element.find("host");
            // Appended piece by piece (GCC bug 105329, as above).
            std::string label = "{";
            if (host != element.end() && host->is_string()) {
                label += "host=\"";
                label += http::escape_label_value(host->get<std::string>());
            } else {
                label += "index=\"";
                label += std::to_string(i);
            }
            label += "\"}";
            flatten(out, prefix, label, element, depth + 1);
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
        return;  // strings and null carry no sample
    out.add(prefix, labels, number);
}

}  // namespace

std::string metrics_text(const capture::StoreCounts& c, const nlohmann::json& server_stats) {
    std::string out;
    append_metric(out, "relaylab_fakemx_messages_total", MetricType::counter,
                  "Messages captured since start.", c.messages_total);
    append_metric(out, "relaylab_fakemx_bytes_total", MetricType::counter,
                  "Octets of the messages captured since start.", c.bytes_total);
    append_metric(out, "relaylab_fakemx_sessions_total", MetricType::counter,
                  "SMTP sessions recorded since start.", c.sessions_total);
    append_metric(out, "relaylab_fakemx_messages_stored", MetricType::gauge,
                  "Messages held in the capture index.", c.messages_stored);
    append_metric(out, "relaylab_fakemx_sessions_stored", MetricType::gauge,
                  "Session transcripts held.", c.sessions_stored);
    append_metric(out, "relaylab_fakemx_raw_in_memory", MetricType::gauge,
                  "Raw messages held in memory.", c.raw_in_memory);
    append_metric(out, "relaylab_fakemx_raw_memory_bytes", MetricType::gauge,
                  "Bytes of raw messages in memory.", c.raw_memory_bytes);
    append_metric(out, "relaylab_fakemx_raw_stored_total", MetricType::counter,
                  "Raw messages written to the Maildir.", c.raw_in_maildir);
    append_metric(out, "relaylab_fakemx_raw_dropped_total", MetricType::counter,
                  "Raw messages dropped beyond the memory bound without a Maildir copy.",
                  c.raw_dropped);
    append_metric(out, "relaylab_fakemx_messages_evicted_total", MetricType::counter,
                  "Messages evicted from the index beyond max_messages.", c.messages_evicted);
    append_metric(out, "relaylab_fakemx_sessions_evicted_total", MetricType::counter,
                  "Session transcripts evicted beyond their bounds.", c.sessions_evicted);
    append_metric(out, "relaylab_fakemx_maildir_errors_total", MetricType::counter,
                  "Maildir deliveries that failed.", c.maildir_errors);
    Samples samples;
    flatten(samples, "relaylab_fakemx_server", "", server_stats, 0);
    for (const std::string& name : samples.names) {
        out += "# TYPE ";
        out += name;
        out += ' ';
        out += http::to_string(MetricType::untyped);
        out += '\n';
        out += samples.lines[name];
    }
    return out;
}

}  // namespace relaylab::fakemx::api
