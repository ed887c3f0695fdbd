#include "probes/common/transcript.hpp"

#include <cstdio>

#include "probes/common/check_result.hpp"

namespace relaylab::probe {

std::string visible_bytes(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (const char c : bytes) {
        const auto octet = static_cast<unsigned char>(c);
        if (c == '\r') {
            out += "<CR>";
        } else if (c == '\n') {
            out += "<LF>";
        } else if (c == '\0') {
            out += "<NUL>";
        } else if (c == '\t' || (octet >= 0x20 && octet < 0x7F)) {
            out += c;
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "<0x%02X>", octet);
            out += hex;
        }
    }
    return out;
}

void Transcript::add(std::string line) {
    if (lines_.size() > max_evidence_lines) return;
    if (lines_.size() == max_evidence_lines) {
        lines_.emplace_back("... (transcript cut)");
        return;
    }
    if (line.size() > max_evidence_line_octets) {
        line.resize(max_evidence_line_octets);
        line += "...";
    }
    lines_.push_back(std::move(line));
}

void Transcript::client(std::string_view bytes) {
    while (!bytes.empty()) {
        const auto end = bytes.find("\r\n");
        if (end == std::string_view::npos) {
            add("C: " + visible_bytes(bytes));
            return;
        }
        add("C: " + visible_bytes(bytes.substr(0, end)));
        bytes.remove_prefix(end + 2);
    }
}

std::string reply_line(const smtp::Reply& reply, std::size_t index) {
    std::string line = std::to_string(reply.code);
    line += index + 1 < reply.lines.size() ? '-' : ' ';
    if (!reply.enhanced.empty()) line += reply.enhanced + ' ';
    if (index < reply.lines.size()) line += reply.lines[index];
    if (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
}

void Transcript::server(const smtp::Reply& reply) {
    if (reply.lines.empty()) {
        add("S: " + reply_line(reply, 0));
        return;
    }
    for (std::size_t i = 0; i < reply.lines.size(); ++i)
        add("S: " + visible_bytes(reply_line(reply, i)));
}

void Transcript::server_raw(std::string_view bytes) {
    add("S? " + visible_bytes(bytes));
}

void Transcript::note(std::string_view text) {
    add("-- " + std::string(text));
}

}  // namespace relaylab::probe
