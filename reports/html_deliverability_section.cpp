// report.html's Deliverability section (issue 13), drawn from report.json's `deliverability`:
// where each mailbox provider filed the mail (a stacked share chart and a table), what spamd
// said (scored, mean, top rules), unsubscribe coverage and mail sent after an unsubscribe, and
// the relay's measured opens and clicks beside what the simulated people really did, their spam
// complaints against the providers' 0.3 % line. Absent
// section: nothing at all (old reports render as before). Nulls say "not measured".
#include <cstdio>
#include <string>
#include <vector>

#include "reports/html_sections.hpp"
#include "reports/human_format.hpp"
#include "reports/json_view.hpp"
#include "reports/svg_charts.hpp"

namespace relaylab::reports::html {
namespace {

using json_view::count_at;
using json_view::number_at;

constexpr std::string_view not_measured = "not measured";

// A count, or "not measured" for null (an external relay's opens, nobody simulated).
std::string count_or_dash(const nlohmann::json& root,
                          std::initializer_list<std::string_view> path) {
    auto value = number_at(root, path);
    return value ? format_count(*value) : std::string(not_measured);
}

std::string percent_or_dash(const nlohmann::json& root,
                            std::initializer_list<std::string_view> path) {
    auto value = number_at(root, path);
    return value ? format_percent(*value) : std::string(not_measured);
}

std::string row(std::string_view name, const std::string& value) {
    return "<tr><th scope=\"row\">" + esc(name) + "</th>" + num_cell(value) + "</tr>";
}

void placement_part(std::string& out, const nlohmann::json& section) {
    const nlohmann::json* placement = json_view::object_at(section, {"placement"});
    std::vector<svg::StackRow> stack;
    std::string rows;
    std::size_t shown = 0;
    if (placement != nullptr) {
        for (const auto& [provider, counts] : placement->items()) {
            if (!counts.is_object() || ++shown > max_table_rows) continue;
            double inbox = count_at(counts, {"inbox"});
            double spam = count_at(counts, {"spam"});
            double rejected = count_at(counts, {"rejected"});
            double deferred = count_at(counts, {"deferred"});
            stack.push_back({provider, {inbox, spam, rejected, deferred}});
            double filed = inbox + spam;
            rows += "<tr><td>" + esc(provider) + "</td>" + num_cell(format_count(inbox)) +
                    num_cell(format_count(spam)) + num_cell(format_count(rejected)) +
                    num_cell(format_count(deferred)) +
                    num_cell(filed > 0 ? format_percent(inbox / filed) : "\u2014") + "</tr>";
        }
    }
    out += "<h3>Placement per provider</h3><figure>" +
           svg::stacked_share_chart("Recipient-messages per mailbox provider by placement",
                                    {{"inbox", "delivered"},
                                     {"spam", "deferred"},
                                     {"rejected", "bounced"},
                                     {"deferred", "neutral"}},
                                    stack, "recipient-messages") +
           "</figure>";
    if (rows.empty()) {
        out += empty_note("No receiver judged a message at end of data.");
        return;
    }
    out +=
        "<div class=\"table-wrap\"><table><thead><tr><th>Provider</th>"
        "<th class=\"num\">Inbox</th><th class=\"num\">Spam</th><th class=\"num\">Rejected</th>"
        "<th class=\"num\">Deferred</th><th class=\"num\">Inbox % of filed</th></tr></thead>"
        "<tbody>" +
        rows + "</tbody></table></div>";
}

void spam_part(std::string& out, const nlohmann::json& section) {
    out += "<h3>Spam scores</h3>";
    const nlohmann::json* spam = json_view::object_at(section, {"spam"});
    if (spam == nullptr || count_at(*spam, {"scored"}) + count_at(*spam, {"failed"}) == 0) {
        out += empty_note("No message was scored (world.spam not set, or spamd saw nothing).");
        return;
    }
    auto mean = number_at(*spam, {"mean_score"});
    out += "<div class=\"table-wrap\"><table><tbody>" +
           row("Messages scored", format_count(count_at(*spam, {"scored"}))) +
           row("Scoring failed", format_count(count_at(*spam, {"failed"}))) +
           row("Mean score", mean ? format_decimal(*mean) : std::string("\u2014")) +
           "</tbody></table></div>";
    const nlohmann::json* rules = json_view::array_at(*spam, {"top_rules"});
    if (rules == nullptr || rules->empty()) return;
    out +=
        "<div class=\"table-wrap\"><table><thead><tr><th>Rule</th><th class=\"num\">Messages"
        "</th></tr></thead><tbody>";
    std::size_t shown = 0;
    for (const auto& rule : *rules) {
        if (!rule.is_object() || ++shown > max_table_rows) continue;
        out += "<tr><td><code>" + esc(json_view::text_at(rule, {"name"})) + "</code></td>" +
               num_cell(format_count(count_at(rule, {"count"}))) + "</tr>";
    }
    out += "</tbody></table></div>";
}

void unsubscribe_part(std::string& out, const nlohmann::json& section) {
    out += "<h3>Unsubscribe</h3>";
    const nlohmann::json* unsubscribe = json_view::object_at(section, {"unsubscribe"});
    if (unsubscribe == nullptr) {
        out += empty_note("No unsubscribe figures in this report.");
        return;
    }
    const nlohmann::json& u = *unsubscribe;
    double messages = count_at(u, {"messages"});
    auto share = [&](double count) {
        return format_count(count) +
               (messages > 0 ? " (" + format_percent(count / messages) + ")" : std::string());
    };
    out += "<div class=\"table-wrap\"><table><tbody>" +
           row("Messages accepted", format_count(messages)) +
           row("with List-Unsubscribe", share(count_at(u, {"list_unsubscribe"}))) +
           row("with one-click (RFC 8058)", share(count_at(u, {"one_click"}))) +
           row("Recipients who unsubscribed", count_or_dash(u, {"unsubscribed"})) +
           row("Refused by the relay (suppressed)", count_or_dash(u, {"refused_by_relay"})) +
           row("Sent after the unsubscribe", count_or_dash(u, {"sent_after_unsubscribe"})) +
           "</tbody></table></div>";
    if (count_at(u, {"unchecked_arrivals"}) > 0) {
        out += empty_note(format_count(count_at(u, {"unchecked_arrivals"})) +
                          " arrivals were past the memory cap and not checked against "
                          "unsubscribes.");
    }
}

void engagement_part(std::string& out, const nlohmann::json& section) {
    out += "<h3>Engagement: measured and true</h3>";
    const nlohmann::json* engagement = json_view::object_at(section, {"engagement"});
    if (engagement == nullptr) {
        out += empty_note("No engagement figures in this report.");
        return;
    }
    const nlohmann::json& e = *engagement;
    out +=
        "<div class=\"table-wrap\"><table><thead><tr><th></th>"
        "<th class=\"num\">Measured (relay tracking)</th>"
        "<th class=\"num\">True (simulated recipients)</th></tr></thead><tbody>";
    out += "<tr><th scope=\"row\">Recipient-messages</th>" +
           num_cell(format_count(count_at(e, {"delivered"}))) +
           num_cell(count_or_dash(e, {"simulated"})) + "</tr>";
    out += "<tr><th scope=\"row\">Opens</th>" + num_cell(count_or_dash(e, {"opens"})) +
           num_cell(count_or_dash(e, {"true_opens"})) + "</tr>";
    out += "<tr><th scope=\"row\">Clicks</th>" + num_cell(count_or_dash(e, {"clicks"})) +
           num_cell(count_or_dash(e, {"true_clicks"})) + "</tr>";
    out += "<tr><th scope=\"row\">Open rate</th>" + num_cell(percent_or_dash(e, {"open_rate"})) +
           num_cell(percent_or_dash(e, {"true_open_rate"})) + "</tr>";
    out += "<tr><th scope=\"row\">Click rate</th>" + num_cell(percent_or_dash(e, {"click_rate"})) +
           num_cell(percent_or_dash(e, {"true_click_rate"})) + "</tr>";
    out += "</tbody></table></div>";
    const nlohmann::json* quotas = json_view::object_at(section, {"quotas"});
    if (quotas != nullptr) {
        out +=
            "<h3>Quotas</h3><div class=\"table-wrap\"><table><tbody>" +
            row("Deferred by quota", format_count(count_at(*quotas, {"deferred_by_quota"}))) +
            row("refused by the relay's sender quotas", count_or_dash(*quotas, {"relay_refused"})) +
            row("deferred by receivers' volume rules",
                format_count(count_at(*quotas, {"receiver_deferred"}))) +
            "</tbody></table></div>";
    }
}

// Two decimals: the line providers draw is 0.3 %, and 0.25 % must not read as 0.3 %.
std::string complaint_percent(const nlohmann::json& root) {
    auto value = number_at(root, {"rate"});
    if (!value) return std::string(not_measured);
    char text[32];
    std::snprintf(text, sizeof text, "%.2f%%", *value * 100);
    return text;
}

void complaints_part(std::string& out, const nlohmann::json& section) {
    // Older reports have no complaints: nothing is drawn for them.
    const nlohmann::json* complaints = json_view::object_at(section, {"complaints"});
    if (complaints == nullptr) return;
    const nlohmann::json& c = *complaints;
    out += "<h3>Spam complaints</h3><div class=\"table-wrap\"><table><tbody>" +
           row("Reported by the simulated recipients", count_or_dash(c, {"reported"})) +
           row("Complaint rate of inbox mail (Gmail, Yahoo: below 0.30%)", complaint_percent(c)) +
           row("deferred by receivers' complaint rules",
               format_count(count_at(c, {"receiver_deferred"}))) +
           "</tbody></table></div>";
}

}  // namespace

std::string deliverability_section(const nlohmann::json& report) {
    const nlohmann::json* section = json_view::object_at(report, {"deliverability"});
    if (section == nullptr) return {};
    std::string out;
    open_section(out, "deliverability", "Deliverability",
                 "Where receivers filed the mail, what the spam filter said, unsubscribes, and "
                 "the relay's tracking beside what the simulated recipients really did. Counts "
                 "are recipient-messages; rates are over recipient-messages filed in the inbox "
                 "or the spam folder.");
    placement_part(out, *section);
    spam_part(out, *section);
    unsubscribe_part(out, *section);
    engagement_part(out, *section);
    complaints_part(out, *section);
    out += "</section>";
    return out;
}

}  // namespace relaylab::reports::html
