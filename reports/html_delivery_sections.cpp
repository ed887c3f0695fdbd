// report.html's delivery sections: outcomes per destination domain, reply codes and failures,
// authentication verdicts, TLS.
#include <algorithm>
#include <array>
#include <string>

#include "reports/html_sections.hpp"
#include "reports/human_format.hpp"
#include "reports/json_view.hpp"
#include "reports/svg_charts.hpp"

namespace relaylab::reports::html {
namespace {

using json_view::count_at;
using json_view::text_at;

constexpr int half_width = 540;
constexpr int third_width = 350;
constexpr int quarter_width = 260;
// Reply codes listed in a domain's table cell; the rest are summed up.
constexpr std::size_t max_codes_in_cell = 6;

std::string reply_chips(const nlohmann::json* replies) {
    std::string out;
    const auto counts = json_view::counts(replies);
    std::size_t shown = 0;
    for (const auto& [code, count] : counts) {
        if (++shown > max_codes_in_cell) {
            out += "<span class=\"chip\">+" +
                   format_count(static_cast<double>(counts.size() - max_codes_in_cell)) +
                   " more</span>";
            break;
        }
        out += "<span class=\"chip chip-" + reply_tone(code) + "\">" + esc(code) + " \u00d7" +
               esc(format_count(count)) + "</span>";
    }
    return out;
}

// A failures group: reason -> count, or deeper (phase -> reason -> count), each row named by
// its path. Depth-limited: a hostile document cannot recurse the renderer off its stack.
constexpr int max_failure_depth = 3;

void failure_rows(std::string& out, const nlohmann::json& group, const std::string& prefix,
                  std::size_t& rows, int depth) {
    for (const auto& [reason, count] : json_view::counts(&group)) {
        if (++rows > max_table_rows) return;
        out +=
            "<tr><td>" + esc(prefix + reason) + "</td>" + num_cell(format_count(count)) + "</tr>";
    }
    if (depth >= max_failure_depth) return;
    for (const auto& [key, value] : group.items()) {
        if (value.is_object()) failure_rows(out, value, prefix + key + ": ", rows, depth + 1);
    }
}

}  // namespace

std::string domains_section(const nlohmann::json& report) {
    std::string out;
    open_section(out, "domains", "Outcomes per destination domain",
                 "Every delivery attempt ends delivered, deferred (retried later) or bounced.");
    const nlohmann::json* domains = json_view::array_at(report, {"domains"});
    std::vector<const nlohmann::json*> rows;
    if (domains != nullptr) {
        for (const nlohmann::json& row : *domains) {
            if (row.is_object()) rows.push_back(&row);
        }
    }
    const auto attempts_of = [](const nlohmann::json* row) {
        const auto attempts = json_view::number_at(*row, {"attempts"});
        return attempts ? *attempts
                        : count_at(*row, {"delivered"}) + count_at(*row, {"deferred"}) +
                              count_at(*row, {"bounced"});
    };

    // The chart shows the busiest domains first; the table keeps the report's order.
    std::vector<const nlohmann::json*> by_volume = rows;
    std::stable_sort(by_volume.begin(), by_volume.end(),
                     [&](const auto* a, const auto* b) { return attempts_of(a) > attempts_of(b); });
    std::vector<svg::StackRow> stack;
    for (const nlohmann::json* row : by_volume) {
        stack.push_back({text_at(*row, {"domain"}),
                         {count_at(*row, {"delivered"}), count_at(*row, {"deferred"}),
                          count_at(*row, {"bounced"})}});
    }
    out += "<figure>" +
           svg::stacked_share_chart(
               "Delivery attempts per destination domain by outcome",
               {{"delivered", "delivered"}, {"deferred", "deferred"}, {"bounced", "bounced"}},
               stack, "attempts") +
           "</figure>";

    if (rows.empty()) {
        out += empty_note("No mail reached a destination domain in this report.") + "</section>";
        return out;
    }
    out +=
        "<div class=\"table-wrap\"><table><thead><tr><th>Domain</th>"
        "<th class=\"num\">Recipients</th><th class=\"num\">Delivered</th>"
        "<th class=\"num\">Deferred</th><th class=\"num\">Bounced</th>"
        "<th class=\"num\">Attempts</th><th class=\"num\">Delivered %</th>"
        "<th>Replies</th></tr></thead><tbody>";
    std::size_t shown = 0;
    for (const nlohmann::json* row : rows) {
        if (++shown > max_table_rows) break;
        const auto recipients = json_view::number_at(*row, {"recipients"});
        const double delivered = count_at(*row, {"delivered"});
        out += "<tr><td>" + esc(text_at(*row, {"domain"})) + "</td>" +
               num_cell(recipients ? format_count(*recipients) : "\u2014") +
               num_cell(format_count(delivered)) +
               num_cell(format_count(count_at(*row, {"deferred"}))) +
               num_cell(format_count(count_at(*row, {"bounced"}))) +
               num_cell(format_count(attempts_of(row))) +
               num_cell(recipients && *recipients > 0 ? format_percent(delivered / *recipients)
                                                      : "\u2014") +
               "<td class=\"chips\">" + reply_chips(json_view::object_at(*row, {"replies"})) +
               "</td></tr>";
    }
    out += "</tbody></table></div>";
    if (rows.size() > max_table_rows) {
        out += empty_note(format_count(static_cast<double>(max_table_rows)) + " of " +
                          format_count(static_cast<double>(rows.size())) + " domains listed.");
    }
    out += "</section>";
    return out;
}

std::string replies_section(const nlohmann::json& report) {
    std::string out;
    open_section(out, "replies", "Reply codes and failures", "");
    out +=
        "<div class=\"grid-2\"><figure><figcaption>At submission (relay's replies to the load "
        "generator)</figcaption>" +
        count_chart("Reply codes at submission",
                    json_view::object_at(report, {"replies", "submission"}), reply_tone,
                    half_width) +
        "</figure><figure><figcaption>At the receivers (fake MX replies to the relay)"
        "</figcaption>" +
        count_chart("Reply codes at the receivers",
                    json_view::object_at(report, {"replies", "receivers"}), reply_tone,
                    half_width) +
        "</figure></div><h3>Failures</h3>";

    std::string rows;
    std::size_t count = 0;
    if (const nlohmann::json* failures = json_view::object_at(report, {"failures"})) {
        failure_rows(rows, *failures, "", count, 0);
    }
    if (count == 0) {
        out += empty_note("No failures recorded.");
    } else {
        out +=
            "<div class=\"table-wrap\"><table><thead><tr><th>Failure</th>"
            "<th class=\"num\">Messages</th></tr></thead><tbody>" +
            rows + "</tbody></table></div>";
    }
    out += "</section>";
    return out;
}

std::string auth_section(const nlohmann::json& report) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> methods = {{
        {"spf", "SPF"},
        {"dkim", "DKIM"},
        {"dmarc", "DMARC"},
        {"arc", "ARC"},
    }};
    std::string out;
    open_section(out, "auth", "Authentication results",
                 "Verdicts the receiving MX hosts computed for each delivered message.");
    out += "<div class=\"grid-4\">";
    for (const auto& [key, name] : methods) {
        const nlohmann::json* verdicts = json_view::object_at(report, {"auth", key});
        double total = 0;
        for (const auto& entry : json_view::counts(verdicts))
            total += entry.second;
        const double pass = json_view::count_at(report, {"auth", key, "pass"});
        out += "<figure><figcaption>";
        out += name;
        if (total > 0)
            out += " <span class=\"sub\">pass " + format_percent(pass / total) + "</span>";
        out += "</figcaption>" +
               count_chart(std::string(name) + " verdicts", verdicts, verdict_tone, quarter_width) +
               "</figure>";
    }
    out += "</div></section>";
    return out;
}

std::string tls_section(const nlohmann::json& report) {
    std::string out;
    open_section(out, "tls", "TLS",
                 "Encryption used at submission and on delivery to the MX hosts.");
    out +=
        "<div class=\"grid-3\"><figure><figcaption>Submission</figcaption>" +
        count_chart("TLS at submission", json_view::object_at(report, {"tls", "submission"}),
                    tls_version_tone, third_width) +
        "</figure><figure><figcaption>Delivery: protocol versions</figcaption>" +
        count_chart("TLS versions on delivery", json_view::object_at(report, {"tls", "versions"}),
                    tls_version_tone, third_width) +
        "</figure><figure><figcaption>Delivery: ciphers</figcaption>" +
        count_chart("TLS ciphers on delivery", json_view::object_at(report, {"tls", "ciphers"}),
                    neutral_tone, third_width) +
        "</figure></div></section>";
    return out;
}

}  // namespace relaylab::reports::html
