#include "harness/load/latency_histogram.hpp"

#include <algorithm>
#include <bit>

#include <nlohmann/json.hpp>

namespace relaylab::load {

namespace {

constexpr std::string_view schema_name = "relaylab.histogram/1";
constexpr std::string_view compact_encoding = "delta-leb128-base64";
constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Quantiles are taken in parts per billion so that ranks are integer arithmetic: 0.9 * 10 must
// be rank 9, which a double product (9.000000000000002) would make rank 10.
constexpr std::uint64_t quantile_scale = 1'000'000'000;

static_assert(LatencyHistogram::sub_bucket_count >= 2 * 1000,
              "3 significant digits need at least 2 * 10^3 sub-buckets");
static_assert((LatencyHistogram::sub_bucket_count << LatencyHistogram::shift_count) >
                  LatencyHistogram::max_trackable_us,
              "the top bucket must reach max_trackable_us");
static_assert((LatencyHistogram::sub_bucket_count << (LatencyHistogram::shift_count - 1)) <=
                  LatencyHistogram::max_trackable_us,
              "no bucket beyond the one holding max_trackable_us");

// A non-negative integer: parsed text gives unsigned numbers, values built in code may be
// signed ones.
bool is_count(const nlohmann::json& value) {
    return value.is_number_unsigned() ||
           (value.is_number_integer() && value.get<std::int64_t>() >= 0);
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    std::uint64_t sum = a + b;
    return sum < a ? UINT64_MAX : sum;
}

void put_varint(std::string& out, std::uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7F) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

// nullopt at the end of the input, on a varint longer than 10 bytes or one over 64 bits.
std::optional<std::uint64_t> take_varint(std::string_view& in) {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 64 && !in.empty(); shift += 7) {
        auto byte = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        std::uint64_t bits = byte & 0x7F;
        if (shift == 63 && bits > 1) return std::nullopt;
        value |= bits << shift;
        if ((byte & 0x80) == 0) return value;
    }
    return std::nullopt;
}

std::string to_base64(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]))
                              << 16;
        if (i + 1 < bytes.size()) group |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) group |= static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(base64_alphabet[(group >> 18) & 63]);
        out.push_back(base64_alphabet[(group >> 12) & 63]);
        out.push_back(i + 1 < bytes.size() ? base64_alphabet[(group >> 6) & 63] : '=');
        out.push_back(i + 2 < bytes.size() ? base64_alphabet[group & 63] : '=');
    }
    return out;
}

// Strict: padded, no whitespace, no bits set past the data; nullopt otherwise.
std::optional<std::string> from_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t group = 0;
        int padding = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            char c = text[i + j];
            std::uint32_t sextet = 0;
            if (c == '=') {
                // Only the last group's last one or two characters may be padding.
                if (i + 4 != text.size() || j < 2) return std::nullopt;
                ++padding;
            } else {
                if (padding > 0) return std::nullopt;
                auto at = base64_alphabet.find(c);
                if (at == std::string_view::npos) return std::nullopt;
                sextet = static_cast<std::uint32_t>(at);
            }
            group = (group << 6) | sextet;
        }
        if ((padding == 1 && (group & 0xFF) != 0) || (padding == 2 && (group & 0xFFFF) != 0))
            return std::nullopt;
        out.push_back(static_cast<char>((group >> 16) & 0xFF));
        if (padding < 2) out.push_back(static_cast<char>((group >> 8) & 0xFF));
        if (padding < 1) out.push_back(static_cast<char>(group & 0xFF));
    }
    return out;
}

}  // namespace

std::string_view describe(HistogramJsonError error) {
    switch (error) {
        case HistogramJsonError::none:
            return "no error";
        case HistogramJsonError::not_an_object:
            return "a histogram is a JSON object";
        case HistogramJsonError::unknown_schema:
            return "schema is not relaylab.histogram/1";
        case HistogramJsonError::incompatible_layout:
            return "unit, significant_digits or max_trackable differ from this build's";
        case HistogramJsonError::bad_field:
            return "a field is missing, not a number, or negative";
        case HistogramJsonError::bad_bucket:
            return "a bucket is not [lowest value of a bucket, positive count]";
        case HistogramJsonError::counts_disagree:
            return "count is not the sum of the bucket counts";
        case HistogramJsonError::bad_encoding:
            return "compact buckets are not base64 of (index delta, count) varint pairs";
    }
    return "unknown error";
}

std::uint64_t nearest_rank(double quantile, std::uint64_t count) {
    if (count == 0) return 0;
    double clamped = std::clamp(quantile, 0.0, 1.0);
    auto parts = static_cast<std::uint64_t>(clamped * static_cast<double>(quantile_scale) + 0.5);
    __extension__ using Wide = unsigned __int128;
    Wide product = static_cast<Wide>(parts) * count;
    auto rank = static_cast<std::uint64_t>((product + quantile_scale - 1) / quantile_scale);
    return std::clamp<std::uint64_t>(rank, 1, count);
}

std::size_t LatencyHistogram::index_of(std::uint64_t value) {
    if (value < sub_bucket_count) return static_cast<std::size_t>(value);
    unsigned top_bit = 63 - static_cast<unsigned>(std::countl_zero(value));
    unsigned shift = top_bit - (sub_bucket_bits - 1);  // >= 1: keeps 11 significant bits
    std::uint64_t sub = value >> shift;                // in [half_count, sub_bucket_count)
    std::size_t index = sub_bucket_count + (shift - 1) * half_count + (sub - half_count);
    return std::min(index, index_count - 1);
}

std::uint64_t LatencyHistogram::lowest_value_at(std::size_t index) {
    if (index < sub_bucket_count) return index;
    std::size_t above = index - sub_bucket_count;
    unsigned shift = static_cast<unsigned>(above / half_count) + 1;
    std::uint64_t sub = above % half_count + half_count;
    return sub << shift;
}

std::uint64_t LatencyHistogram::highest_value_at(std::size_t index) {
    if (index < sub_bucket_count) return index;
    unsigned shift = static_cast<unsigned>((index - sub_bucket_count) / half_count) + 1;
    return lowest_value_at(index) + (std::uint64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::int64_t value_us, std::uint64_t count) {
    if (count == 0) return;
    std::uint64_t value;
    if (value_us < 0) {
        value = 0;
        below_range_ = saturating_add(below_range_, count);
    } else if (static_cast<std::uint64_t>(value_us) > max_trackable_us) {
        value = max_trackable_us;
        above_range_ = saturating_add(above_range_, count);
    } else {
        value = static_cast<std::uint64_t>(value_us);
    }
    std::size_t index = index_of(value);
    counts_[index] = saturating_add(counts_[index], count);
    total_ = saturating_add(total_, count);
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    sum_ += static_cast<double>(value) * static_cast<double>(count);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.total_ == 0) return;
    for (std::size_t i = 0; i < index_count; ++i) {
        if (other.counts_[i] != 0) counts_[i] = saturating_add(counts_[i], other.counts_[i]);
    }
    total_ = saturating_add(total_, other.total_);
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
    below_range_ = saturating_add(below_range_, other.below_range_);
    above_range_ = saturating_add(above_range_, other.above_range_);
}

void LatencyHistogram::reset() {
    *this = LatencyHistogram();
}

std::uint64_t LatencyHistogram::value_at_quantile(double quantile) const {
    if (total_ == 0) return 0;
    std::uint64_t rank = nearest_rank(quantile, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < index_count; ++i) {
        seen = saturating_add(seen, counts_[i]);
        if (seen >= rank) return std::min(highest_value_at(i), max_);
    }
    return max_;
}

LatencySummary LatencyHistogram::summary() const {
    auto ms = [](std::uint64_t us) { return static_cast<double>(us) / 1000.0; };
    LatencySummary summary;
    summary.count = total_;
    if (total_ == 0) return summary;
    summary.p50 = ms(value_at_quantile(0.50));
    summary.p90 = ms(value_at_quantile(0.90));
    summary.p99 = ms(value_at_quantile(0.99));
    summary.p999 = ms(value_at_quantile(0.999));
    summary.max = ms(max_);
    return summary;
}

bool LatencyHistogram::operator==(const LatencyHistogram& other) const {
    return total_ == other.total_ && min() == other.min() && max_ == other.max_ &&
           below_range_ == other.below_range_ && above_range_ == other.above_range_ &&
           counts_ == other.counts_;
}

nlohmann::json LatencyHistogram::to_json(bool compact) const {
    nlohmann::json buckets = nlohmann::json::array();
    std::string packed;
    std::size_t previous = 0;
    for (std::size_t i = 0; i < index_count; ++i) {
        if (counts_[i] == 0) continue;
        if (compact) {
            put_varint(packed, i - previous);
            put_varint(packed, counts_[i]);
            previous = i;
        } else {
            buckets.push_back({lowest_value_at(i), counts_[i]});
        }
    }
    if (compact) buckets = to_base64(packed);
    nlohmann::json out = {
        {"schema", schema_name},
        {"unit", "us"},
        {"significant_digits", significant_digits},
        {"max_trackable", max_trackable_us},
        {"count", total_},
        {"min", min()},
        {"max", max_},
        {"sum", sum_},
        {"below_range", below_range_},
        {"above_range", above_range_},
        {"buckets", std::move(buckets)},
    };
    if (compact) out["encoding"] = compact_encoding;
    return out;
}

std::optional<LatencyHistogram> LatencyHistogram::from_json(const nlohmann::json& json,
                                                            HistogramJsonError* error,
                                                            std::string* where) {
    auto fail = [&](HistogramJsonError why, std::string pointer) {
        if (error) *error = why;
        if (where) *where = std::move(pointer);
        return std::nullopt;
    };
    if (error) *error = HistogramJsonError::none;
    if (!json.is_object()) return fail(HistogramJsonError::not_an_object, "");
    auto schema = json.find("schema");
    if (schema == json.end() || !schema->is_string() || *schema != schema_name) {
        return fail(HistogramJsonError::unknown_schema, "/schema");
    }
    auto number = [&](const char* key, std::uint64_t& out) {
        auto found = json.find(key);
        if (found == json.end() || !is_count(*found)) return false;
        out = found->get<std::uint64_t>();
        return true;
    };
    std::uint64_t digits = 0, trackable = 0;
    auto unit = json.find("unit");
    if (unit == json.end() || *unit != "us" || !number("significant_digits", digits) ||
        digits != significant_digits || !number("max_trackable", trackable) ||
        trackable != max_trackable_us) {
        return fail(HistogramJsonError::incompatible_layout, "");
    }
    LatencyHistogram histogram;
    std::uint64_t count = 0, min = 0;
    for (auto [key, out] :
         {std::pair{"count", &count}, std::pair{"min", &min}, std::pair{"max", &histogram.max_},
          std::pair{"below_range", &histogram.below_range_},
          std::pair{"above_range", &histogram.above_range_}}) {
        if (!number(key, *out)) return fail(HistogramJsonError::bad_field, std::string("/") + key);
    }
    if (min > max_trackable_us || histogram.max_ > max_trackable_us || min > histogram.max_) {
        return fail(HistogramJsonError::bad_field, "/min");
    }
    auto sum = json.find("sum");
    if (sum == json.end() || !sum->is_number() || sum->get<double>() < 0) {
        return fail(HistogramJsonError::bad_field, "/sum");
    }
    histogram.sum_ = sum->get<double>();
    auto buckets = json.find("buckets");
    auto encoding = json.find("encoding");
    if (encoding != json.end()) {
        if (*encoding != compact_encoding || buckets == json.end() || !buckets->is_string())
            return fail(HistogramJsonError::bad_encoding, "/encoding");
        auto packed = from_base64(buckets->get<std::string>());
        if (!packed) return fail(HistogramJsonError::bad_encoding, "/buckets");
        std::string_view in = *packed;
        std::uint64_t index = 0;
        bool first = true;
        while (!in.empty()) {
            auto delta = take_varint(in);
            auto bucket_count = delta ? take_varint(in) : std::nullopt;
            // Indices strictly increase (a zero delta only first), counts are positive, and
            // every index is one of the layout's.
            if (!bucket_count || *bucket_count == 0 || (!first && *delta == 0) ||
                *delta >= index_count - index)
                return fail(HistogramJsonError::bad_encoding, "/buckets");
            index += *delta;
            first = false;
            histogram.counts_[index] = *bucket_count;
            histogram.total_ = saturating_add(histogram.total_, *bucket_count);
        }
        if (histogram.total_ != count) return fail(HistogramJsonError::counts_disagree, "/count");
        histogram.min_ = count ? min : UINT64_MAX;
        return histogram;
    }
    if (buckets == json.end() || !buckets->is_array()) {
        return fail(HistogramJsonError::bad_field, "/buckets");
    }
    for (std::size_t i = 0; i < buckets->size(); ++i) {
        const auto& bucket = (*buckets)[i];
        std::string pointer = "/buckets/" + std::to_string(i);
        if (!bucket.is_array() || bucket.size() != 2 || !is_count(bucket[0]) ||
            !is_count(bucket[1]) || bucket[1].get<std::uint64_t>() == 0) {
            return fail(HistogramJsonError::bad_bucket, pointer);
        }
        auto lowest = bucket[0].get<std::uint64_t>();
        std::size_t index = index_of(lowest);
        if (lowest > max_trackable_us || lowest_value_at(index) != lowest) {
            return fail(HistogramJsonError::bad_bucket, pointer);
        }
        histogram.counts_[index] =
            saturating_add(histogram.counts_[index], bucket[1].get<std::uint64_t>());
        histogram.total_ = saturating_add(histogram.total_, bucket[1].get<std::uint64_t>());
    }
    if (histogram.total_ != count) return fail(HistogramJsonError::counts_disagree, "/count");
    histogram.min_ = count ? min : UINT64_MAX;
    return histogram;
}

}  // namespace relaylab::load
