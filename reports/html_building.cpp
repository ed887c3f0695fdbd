// The small builders report.html's sections share (html_sections.hpp): the page head, section
// openings, cells, count charts and the tones of verdicts, reply codes and TLS versions.
#include <algorithm>
#include <cctype>
#include <string>

#include "reports/html_escape.hpp"
#include "reports/html_sections.hpp"
#include "reports/json_view.hpp"
#include "reports/report_writers.hpp"
#include "reports/svg_charts.hpp"

namespace relaylab::reports::html {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

std::string page_start(std::string_view title) {
    // The policy is a second line of defence: even a future mistake that puts a URL in the
    // page cannot make an offline reader's viewer reach the network.
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\"><title>" +
        esc(title) + "</title><style>";
    out += html_stylesheet();
    out += "</style></head><body>";
    return out;
}

std::string esc(std::string_view text) {
    return html_escape(text);
}

void open_section(std::string& out, std::string_view id, std::string_view title,
                  std::string_view lede) {
    out += "<section id=\"";
    out += id;
    out += "\" class=\"card\"><h2>";
    out += title;
    out += "</h2>";
    if (!lede.empty()) out += "<p class=\"lede\">" + esc(lede) + "</p>";
}

std::string empty_note(std::string_view text) {
    return "<p class=\"empty\">" + esc(text) + "</p>";
}

std::string num_cell(const std::string& text) {
    return "<td class=\"num\">" + esc(text) + "</td>";
}

std::string count_chart(std::string_view label, const nlohmann::json* counts, ToneOf tone_of,
                        int width) {
    std::vector<svg::Bar> bars;
    for (auto& [name, value] : json_view::counts(counts)) {
        std::string tone = tone_of(name);
        bars.push_back({std::move(name), value, std::move(tone)});
    }
    return svg::bar_list_chart(label, std::move(bars), width);
}

// RFC 8601 result values (SPF RFC 7208 2.6, DKIM RFC 6376, DMARC RFC 7489, ARC RFC 8617).
std::string verdict_tone(std::string_view verdict) {
    const std::string v = lower(verdict);
    if (v == "pass") return "good";
    if (v == "fail" || v == "permerror" || v == "hardfail") return "bad";
    if (v == "softfail" || v == "temperror" || v == "policy") return "warn";
    return "neutral";
}

std::string reply_tone(std::string_view code) {
    if (code.empty()) return "neutral";
    switch (code[0]) {
        case '2':
            return "good";
        case '3':
            return "info";
        case '4':
            return "warn";
        case '5':
            return "bad";
        default:
            return "neutral";
    }
}

std::string tls_version_tone(std::string_view version) {
    const std::string v = lower(version);
    if (v == "tlsv1.3") return "good";
    if (v == "tlsv1.2") return "info";
    if (v == "none" || v == "plaintext") return "warn";
    return "bad";  // SSLv3, TLSv1, TLSv1.1: deprecated by RFC 8996
}

std::string neutral_tone(std::string_view) {
    return "info";
}

}  // namespace relaylab::reports::html
