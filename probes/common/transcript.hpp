// A probe's dialogue as evidence lines: "C: EHLO probe.relaylab.test", "S: 250-mx.example",
// "-- TLSv1.3 TLS_AES_256_GCM_SHA384". Wire bytes are shown as they went: CRLF ends a line,
// while a bare CR or LF, NUL and other control octets are made visible ("<LF>.<LF>"), because
// the smuggling and injection checks are about exactly those octets. Bounded like the evidence.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/smtp/reply.hpp"

namespace relaylab::probe {

// "<CR>", "<LF>", "<NUL>"; a tab stays a tab; other control octets and octets >= 0x7F as
// "<0xNN>" (evidence is ASCII whatever the server sent).
std::string visible_bytes(std::string_view bytes);

class Transcript {
  public:
    // Bytes the probe sent: one "C: " line per CRLF-terminated line; what follows the last
    // CRLF (an unterminated tail) is a line of its own.
    void client(std::string_view bytes);
    // A reply as the server sent it, one "S: " line per reply line.
    void server(const smtp::Reply& reply);
    // Bytes from the server that did not parse as a reply.
    void server_raw(std::string_view bytes);
    // Something the probe observed between the lines ("connected to 127.0.0.1:25 in 2 ms").
    void note(std::string_view text);

    const std::vector<std::string>& lines() const { return lines_; }
    void clear() { lines_.clear(); }

  private:
    void add(std::string line);
    std::vector<std::string> lines_;
};

// "250-mx.example.test" / "550 5.7.1 Relay access denied": a reply's line `index` in wire form
// without the CRLF.
std::string reply_line(const smtp::Reply& reply, std::size_t index);

}  // namespace relaylab::probe
