// Writing the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): metric names, label escaping,
// the HELP and TYPE lines, samples and histograms. Shared by every /metrics endpoint (the fake
// MX's, the relay's) so their output follows one set of rules. Sans-I/O.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace relaylab::http {

inline constexpr std::string_view prometheus_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

// Label values longer than this are cut: a label holding hostile text (a host name from a
// peer) must not make one line unbounded.
inline constexpr std::size_t max_label_value_bytes = 256;

// A metric or label name from any text: every character outside [a-zA-Z0-9_] becomes '_', and
// a leading digit gets a '_' before it. (The format also allows ':', which we keep out: it is
// reserved for recording rules.)
std::string sanitize_metric_name(std::string_view text);

// A label value as the format quotes it: backslash, double quote and newline escaped; cut at
// max_label_value_bytes.
std::string escape_label_value(std::string_view text);

struct Label {
    std::string_view name;  // a valid label name (not sanitized here)
    std::string_view value;
};

// {name="value",...} with the values escaped; "" for no labels.
std::string format_labels(std::initializer_list<Label> labels);

enum class MetricType { counter, gauge, histogram, untyped };
std::string_view to_string(MetricType type);

// "# HELP name help\n# TYPE name type\n": once per metric name, before all its samples. The
// help text has backslash and newline escaped as the format asks.
void append_metric_header(std::string& out, std::string_view name, MetricType type,
                          std::string_view help);

// "name{labels} value\n"; `labels` is format_labels() output (or "").
void append_sample(std::string& out, std::string_view name, std::string_view labels,
                   std::uint64_t value);
void append_sample(std::string& out, std::string_view name, std::string_view labels, double value);

// A metric with a single unlabelled sample, header included.
void append_metric(std::string& out, std::string_view name, MetricType type, std::string_view help,
                   std::uint64_t value);

// One bucket of a histogram: how many observations were <= upper_bound.
struct HistogramBucket {
    double upper_bound = 0;
    std::uint64_t cumulative_count = 0;
};

// A whole histogram: the header, name_bucket{le="..."} for each bucket (cumulative counts,
// bounds increasing), the le="+Inf" bucket (= count), name_sum and name_count.
void append_histogram(std::string& out, std::string_view name, std::string_view help,
                      std::span<const HistogramBucket> buckets, double sum, std::uint64_t count);

// A number as the format writes it: integers without an exponent, others shortest round-trip.
std::string format_number(double value);

}  // namespace relaylab::http
