#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/log/log.hpp"

using relaylab::log::Format;
using relaylab::log::format_line;
using relaylab::log::Level;

TEST_CASE("a JSON line parses back with its fields typed", "[log]") {
    const std::string line = format_line(Format::json, Level::warn, "smtp.accept_failed",
                                         {{"listener", "127.0.0.1:25"},
                                          {"error", "Too many open files"},
                                          {"backoff_ms", 100},
                                          {"stress", true},
                                          {"rate", 0.5}});
    REQUIRE(line.back() == '\n');
    REQUIRE(line.find('\n') == line.size() - 1);
    const auto json = nlohmann::json::parse(line);
    CHECK(json["level"] == "warn");
    CHECK(json["event"] == "smtp.accept_failed");
    CHECK(json["listener"] == "127.0.0.1:25");
    CHECK(json["backoff_ms"] == 100);
    CHECK(json["stress"] == true);
    CHECK(json["rate"] == 0.5);
    const std::string ts = json["ts"];
    CHECK(ts.size() == 24);  // 2026-12-02T03:41:08.123Z
    CHECK(ts.back() == 'Z');
}

TEST_CASE("hostile values cannot break a line or forge a field", "[log]") {
    const std::string evil = "x\r\n2026-01-01T00:00:00.000Z error forged=1\x01\"";
    const std::string json_line =
        format_line(Format::json, Level::info, "smtp.command", {{"line", evil}});
    CHECK(json_line.find('\n') == json_line.size() - 1);
    CHECK(nlohmann::json::parse(json_line)["line"] == evil);

    const std::string text_line =
        format_line(Format::text, Level::info, "smtp.command", {{"line", evil}});
    CHECK(text_line.find('\n') == text_line.size() - 1);
    CHECK(text_line.find("\\r\\n") != std::string::npos);
    CHECK(text_line.find("\\u0001") != std::string::npos);
}

TEST_CASE("text lines are logfmt: bare values when unambiguous, quoted otherwise", "[log]") {
    const std::string line =
        format_line(Format::text, Level::error, "dns.tcp_closed",
                    {{"peer", "127.0.0.2"}, {"why", "idle timeout"}, {"empty", ""}});
    CHECK(line.find(" error dns.tcp_closed peer=127.0.0.2 why=\"idle timeout\" empty=\"\"\n") !=
          std::string::npos);
}

TEST_CASE("levels filter and parse", "[log]") {
    Level level = Level::off;
    CHECK(relaylab::log::parse_level("warning", level));
    CHECK(level == Level::warn);
    CHECK_FALSE(relaylab::log::parse_level("verbose", level));
    Format format = Format::text;
    CHECK(relaylab::log::parse_format("json", format));
    CHECK(format == Format::json);

    relaylab::log::configure(Level::error, Format::text);
    CHECK_FALSE(relaylab::log::enabled(Level::warn));
    CHECK(relaylab::log::enabled(Level::error));
    relaylab::log::configure(Level::off, Format::text);
    CHECK_FALSE(relaylab::log::enabled(Level::error));
    relaylab::log::configure(Level::warn, Format::text);
}
