// report.html's "Shards" section, for a merged report (`relaylab report merge`): how many
// shards the run had, which were merged, which are missing or broke, and the join with what
// the receivers captured, so a reader sees what the merged figures cover. Empty for a single
// run's report (no `shards`).
#include <string>

#include "reports/html_sections.hpp"
#include "reports/human_format.hpp"
#include "reports/json_view.hpp"

namespace relaylab::reports::html {
namespace {

void row(std::string& out, std::string_view name, const std::string& value) {
    out += "<tr><th scope=\"row\">";
    out += name;
    out += "</th><td>" + esc(value) + "</td></tr>";
}

// [0, 1, 3] as "0, 1, 3" ("none" when empty), at most max_table_rows entries.
std::string index_list(const nlohmann::json* list) {
    if (list == nullptr || list->empty()) return "none";
    std::string out;
    std::size_t shown = 0;
    for (const nlohmann::json& index : *list) {
        if (++shown > max_table_rows) {
            out += ", \u2026";
            break;
        }
        out += (out.empty() ? "" : ", ") + json_view::text(&index);
    }
    return out;
}

std::string count_text(const nlohmann::json& root, std::initializer_list<std::string_view> path) {
    const auto value = json_view::number_at(root, path);
    return value ? format_count(*value) : std::string("unknown");
}

void receivers_part(std::string& out, const nlohmann::json& receivers) {
    out += "<h3>Receiver join</h3>";
    if (const std::string note = json_view::text_at(receivers, {"note"}); !note.empty())
        out += "<p class=\"lede\">" + esc(note) + "</p>";
    out += "<div class=\"table-wrap\"><table><tbody>";
    row(out, "Receivers", index_list(json_view::array_at(receivers, {"sources"})));
    row(out, "Messages captured", count_text(receivers, {"messages"}));
    row(out, "Distinct tracking ids", count_text(receivers, {"distinct"}));
    row(out, "Duplicates", count_text(receivers, {"duplicates"}));
    row(out, "Ids beyond the planned messages", count_text(receivers, {"unexpected"}));
    row(out, "Missing (accepted, never arrived)", count_text(receivers, {"missing_total"}));
    out += "</tbody></table></div>";
    const nlohmann::json* by_shard = json_view::array_at(receivers, {"by_shard"});
    if (by_shard == nullptr || by_shard->empty()) return;
    out +=
        "<div class=\"table-wrap\"><table><thead><tr><th>Shard</th><th>Accepted</th>"
        "<th>Arrived</th><th>Missing</th></tr></thead><tbody>";
    std::size_t shown = 0;
    for (const nlohmann::json& entry : *by_shard) {
        if (++shown > max_table_rows) break;
        out += "<tr><td>" + esc(json_view::text_at(entry, {"index"})) + "</td>";
        out += num_cell(count_text(entry, {"accepted"}));
        out += num_cell(count_text(entry, {"arrived"}));
        out += num_cell(count_text(entry, {"missing"}));
        out += "</tr>";
    }
    out += "</tbody></table></div>";
}

}  // namespace

std::string shards_section(const nlohmann::json& report) {
    const nlohmann::json* shards = json_view::object_at(report, {"shards"});
    if (shards == nullptr) return {};
    const std::string count = count_text(*shards, {"count"});
    const nlohmann::json* merged = json_view::array_at(*shards, {"merged"});
    std::string out;
    open_section(out, "shards", "Shards",
                 "A sharded run merged: " + std::to_string(merged ? merged->size() : 0) + " of " +
                     count +
                     " shards' reports. Totals are sums, percentiles come from the "
                     "shards' histograms added together.");
    out += "<div class=\"table-wrap\"><table><tbody>";
    row(out, "Shards", count);
    row(out, "Merged", index_list(merged));
    row(out, "Missing", index_list(json_view::array_at(*shards, {"missing"})));
    if (const nlohmann::json* failed = json_view::array_at(*shards, {"failed"})) {
        std::size_t shown = 0;
        for (const nlohmann::json& entry : *failed) {
            if (++shown > max_table_rows) break;
            row(out, "Broke",
                "shard " + json_view::text_at(entry, {"index"}) + ": " +
                    json_view::text_at(entry, {"error"}));
        }
    }
    out += "</tbody></table></div>";
    if (const nlohmann::json* receivers = json_view::object_at(*shards, {"receivers"}))
        receivers_part(out, *receivers);
    out += "</section>";
    return out;
}

}  // namespace relaylab::reports::html
