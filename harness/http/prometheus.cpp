#include "harness/http/prometheus.hpp"

#include <charconv>
#include <cmath>

namespace relaylab::http {

std::string sanitize_metric_name(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 1);
    // A name may not start with a digit ([a-zA-Z_:][a-zA-Z0-9_:]*).
    if (!text.empty() && text.front() >= '0' && text.front() <= '9') out.push_back('_');
    for (char c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out.push_back(ok ? c : '_');
    }
    if (out.empty()) out.push_back('_');
    return out;
}

std::string escape_label_value(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, max_label_value_bytes)) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_labels(std::initializer_list<Label> labels) {
    if (labels.size() == 0) return {};
    std::string out = "{";
    bool first = true;
    for (const Label& label : labels) {
        if (!first) out += ',';
        first = false;
        out += label.name;
        out += "=\"";
        out += escape_label_value(label.value);
        out += '"';
    }
    out += '}';
    return out;
}

std::string_view to_string(MetricType type) {
    switch (type) {
        case MetricType::counter:
            return "counter";
        case MetricType::gauge:
            return "gauge";
        case MetricType::histogram:
            return "histogram";
        case MetricType::untyped:
            return "untyped";
    }
    return "untyped";
}

void append_metric_header(std::string& out, std::string_view name, MetricType type,
                          std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    // HELP text escapes only backslash and newline (the format's rule; quotes stay).
    for (char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += to_string(type);
    out += '\n';
}

void append_sample(std::string& out, std::string_view name, std::string_view labels,
                   std::uint64_t value) {
    out += name;
    out += labels;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, double value) {
    out += name;
    out += labels;
    out += ' ';
    out += format_number(value);
    out += '\n';
}

void append_metric(std::string& out, std::string_view name, MetricType type, std::string_view help,
                   std::uint64_t value) {
    append_metric_header(out, name, type, help);
    append_sample(out, name, "", value);
}

std::string format_number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (ec != std::errc()) return "NaN";
    return std::string(buffer, end);
}

void append_histogram(std::string& out, std::string_view name, std::string_view help,
                      std::span<const HistogramBucket> buckets, double sum, std::uint64_t count) {
    append_metric_header(out, name, MetricType::histogram, help);
    // Appended piece by piece, not `name + "_bucket"`: g++ 12 at -O3 warns falsely on that
    // form (-Wrestrict, GCC bug 105329).
    std::string bucket_name(name);
    bucket_name += "_bucket";
    for (const HistogramBucket& bucket : buckets) {
        std::string le = format_number(bucket.upper_bound);
        append_sample(out, bucket_name, format_labels({{"le", le}}), bucket.cumulative_count);
    }
    append_sample(out, bucket_name, format_labels({{"le", "+Inf"}}), count);
    std::string sum_name(name);
    sum_name += "_sum";
    append_sample(out, sum_name, "", sum);
    std::string count_name(name);
    count_name += "_count";
    append_sample(out, count_name, "", count);
}

}  // namespace relaylab::http
