// The top of report.html: what ran and its verdict, the summary tiles, the expectations.
#include <string>

#include "reports/html_sections.hpp"
#include "reports/human_format.hpp"
#include "reports/json_view.hpp"

namespace relaylab::reports::html {
namespace {

using json_view::count_at;
using json_view::number_at;
using json_view::text_at;

// The run's error as text: a string as is, anything else (an object from a future writer) as
// JSON; cut so one huge message cannot push the page away.
std::string run_error(const nlohmann::json& report) {
    const nlohmann::json* error = json_view::find(report, {"error"});
    if (error == nullptr || error->is_null()) return {};
    std::string text = error->is_string()
                           ? error->get<std::string>()
                           : error->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.empty()) text = "(no message)";
    if (text.size() > max_error_chars) text = text.substr(0, max_error_chars) + "\u2026";
    return text;
}

struct ExpectationCounts {
    std::size_t total = 0;
    std::size_t passed = 0;
};

ExpectationCounts count_expectations(const nlohmann::json& report) {
    ExpectationCounts counts;
    if (const nlohmann::json* list = json_view::array_at(report, {"expectations"})) {
        for (const nlohmann::json& row : *list) {
            ++counts.total;
            if (json_view::flag_at(row, {"passed"}).value_or(false)) ++counts.passed;
        }
    }
    return counts;
}

void meta_item(std::string& out, std::string_view name, const std::string& value) {
    if (value.empty()) return;
    out += "<div><dt>";
    out += name;
    out += "</dt><dd>" + esc(value) + "</dd></div>";
}

std::string optional_number(std::optional<double> value, std::string (*format)(double)) {
    return value ? format(*value) : std::string("\u2014");
}

struct Tile {
    std::string_view name;
    std::string value;
    std::string note;
    std::string tone;  // "", "good", "bad", "warn"
};

std::string share_of(double part, double whole, std::string_view of) {
    if (whole <= 0) return {};
    return format_percent(part / whole) + " of " + std::string(of);
}

}  // namespace

std::string header_section(const nlohmann::json& report) {
    std::string name = text_at(report, {"scenario", "name"});
    if (name.empty()) name = "relaylab run";
    const std::string error = run_error(report);
    const std::optional<bool> passed = json_view::flag_at(report, {"passed"});
    const ExpectationCounts expectations = count_expectations(report);

    std::string verdict;
    std::string verdict_class;
    if (!error.empty()) {
        verdict = "RUN ERROR";
        verdict_class = "bad";
    } else if (passed) {
        verdict = *passed ? "PASSED" : "FAILED";
        verdict_class = *passed ? "good" : "bad";
    } else {
        verdict = "NO VERDICT YET";
        verdict_class = "neutral";
    }
    std::string verdict_note;
    if (expectations.total > 0) {
        verdict_note = format_count(static_cast<double>(expectations.passed)) + " of " +
                       format_count(static_cast<double>(expectations.total)) +
                       (expectations.total == 1 ? " expectation held" : " expectations held");
    } else {
        verdict_note = "no expectations";
    }

    std::string out = "<header id=\"top\" class=\"run-header\"><div class=\"title-block\">";
    out += "<p class=\"kicker\">relaylab report</p><h1>" + esc(name) + "</h1>";
    const std::string description = text_at(report, {"scenario", "description"});
    if (!description.empty()) out += "<p class=\"description\">" + esc(description) + "</p>";
    out += "<dl class=\"meta\">";
    std::string relay = text_at(report, {"relay", "kind"});
    const std::string address = text_at(report, {"relay", "address"});
    if (!address.empty()) relay += (relay.empty() ? "" : " \u00b7 ") + address;
    meta_item(out, "Relay", relay);
    meta_item(out, "Started", text_at(report, {"started_at"}));
    if (const auto duration = number_at(report, {"duration_s"})) {
        meta_item(out, "Duration", format_seconds(*duration));
    }
    meta_item(out, "Run id", text_at(report, {"run_id"}));
    meta_item(out, "Seed", text_at(report, {"scenario", "seed"}));
    meta_item(out, "Scenario file", text_at(report, {"scenario", "source"}));
    out += "</dl></div>";
    out += "<div class=\"verdict verdict-" + verdict_class + "\" role=\"status\"><span class=\"" +
           "verdict-word\">" + verdict + "</span><span class=\"verdict-note\">" +
           esc(verdict_note) + "</span></div></header>";
    if (!error.empty()) {
        out += "<div class=\"run-error\" role=\"alert\"><strong>RUN ERROR: </strong>" + esc(error) +
               "</div>";
    }
    return out;
}

std::string summary_section(const nlohmann::json& report) {
    const double submitted = count_at(report, {"totals", "submitted"});
    const double accepted = count_at(report, {"totals", "accepted"});
    const double rejected = count_at(report, {"totals", "rejected"});
    const double delivered = count_at(report, {"totals", "delivered"});
    const double deferred = count_at(report, {"totals", "deferred"});
    const double bounced = count_at(report, {"totals", "bounced"});
    const double lost = count_at(report, {"totals", "lost"});
    const double duplicates = count_at(report, {"totals", "duplicates"});
    const double in_flight = count_at(report, {"totals", "in_flight"});
    const auto e2e_p99 = number_at(report, {"latency_ms", "end_to_end", "p99"});
    const auto e2e_p50 = number_at(report, {"latency_ms", "end_to_end", "p50"});
    const auto per_second = [](double v) { return format_decimal(v) + "/s"; };

    // A count the report does not hold shows as a dash, not as a reassuring 0.
    const auto total = [&](std::string_view key) {
        const auto value = number_at(report, {"totals", key});
        return value ? format_count(*value) : std::string("\u2014");
    };
    const bool lost_known = number_at(report, {"totals", "lost"}).has_value();

    std::vector<Tile> tiles = {
        {"Submitted", total("submitted"),
         rejected > 0 ? format_count(rejected) + " rejected at submission"
                      : "by the load generator",
         rejected > 0 ? "warn" : ""},
        {"Accepted", total("accepted"), share_of(accepted, submitted, "submitted"), ""},
        {"Delivered", total("delivered"), share_of(delivered, accepted, "accepted"),
         delivered > 0 && delivered >= accepted ? "good" : ""},
        {"Deferred", total("deferred"), "temporary failures, retried", deferred > 0 ? "warn" : ""},
        {"Bounced", total("bounced"), share_of(bounced, accepted, "accepted"),
         bounced > 0 ? "bad" : ""},
        {"Lost", total("lost"), "accepted, never arrived",
         lost > 0 ? "bad" : (lost_known && accepted > 0 ? "good" : "")},
        {"Duplicates", total("duplicates"), "arrived more than once", duplicates > 0 ? "bad" : ""},
        {"Submit rate",
         optional_number(number_at(report, {"throughput", "submit_per_s"}), +per_second),
         "messages accepted per second", ""},
        {"Delivery rate",
         optional_number(number_at(report, {"throughput", "delivered_per_s"}), +per_second),
         "messages delivered per second", ""},
        {"End-to-end p99", optional_number(e2e_p99, format_ms),
         e2e_p50 ? "p50 " + format_ms(*e2e_p50) : "", ""},
    };
    if (in_flight > 0) {
        tiles.push_back(
            {"In flight", format_count(in_flight), "accepted, not yet delivered", "warn"});
    }

    std::string out;
    open_section(out, "summary", "Summary", "");
    out += "<div class=\"tiles\">";
    for (const Tile& tile : tiles) {
        out += "<div class=\"tile";
        if (!tile.tone.empty()) out += " tile-" + tile.tone;
        out += "\"><div class=\"tile-name\">";
        out += tile.name;
        out += "</div><div class=\"tile-value\">" + esc(tile.value) + "</div>";
        out += "<div class=\"tile-note\">" + esc(tile.note) + "</div></div>";
    }
    out += "</div></section>";
    return out;
}

std::string expectations_section(const nlohmann::json& report) {
    std::string out;
    open_section(out, "expectations", "Expectations",
                 "Each expectation is a predicate over this report's numbers.");
    const nlohmann::json* list = json_view::array_at(report, {"expectations"});
    if (list == nullptr || list->empty()) {
        out += empty_note("This run has no expectations.") + "</section>";
        return out;
    }
    out +=
        "<div class=\"table-wrap\"><table class=\"expectations\"><thead><tr><th>Result</th>"
        "<th>Expectation</th><th>Expected</th><th class=\"num\">Actual</th></tr></thead><tbody>";
    std::size_t rows = 0;
    for (const nlohmann::json& row : *list) {
        if (++rows > max_table_rows) break;
        const std::optional<bool> passed = json_view::flag_at(row, {"passed"});
        // Colour and a word: the result must read the same in grey print and to a screen reader.
        const std::string result = !passed ? "<span class=\"badge badge-neutral\">? unknown</span>"
                                   : *passed
                                       ? "<span class=\"badge badge-good\">\u2713 passed</span>"
                                       : "<span class=\"badge badge-bad\">\u2717 failed</span>";
        out += std::string("<tr class=\"") + (passed && !*passed ? "row-failed" : "") + "\"><td>" +
               result + "</td><td>" + esc(text_at(row, {"name"})) + "</td><td><code>" +
               esc(text_at(row, {"expected"})) + "</code></td>" +
               num_cell(text_at(row, {"actual"})) + "</tr>";
    }
    out += "</tbody></table></div>";
    if (list->size() > max_table_rows) {
        out += empty_note(format_count(static_cast<double>(max_table_rows)) + " of " +
                          format_count(static_cast<double>(list->size())) + " shown.");
    }
    out += "</section>";
    return out;
}

}  // namespace relaylab::reports::html
