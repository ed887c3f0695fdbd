#include "fake-mx/behaviour/rule_parser.hpp"

#include <nlohmann/json.hpp>

#include "fake-mx/behaviour/reply_spec.hpp"

namespace relaylab::fakemx::detail {

namespace {

using smtp::Phase;

constexpr std::size_t max_patterns = 1000;
constexpr std::size_t max_pattern_length = 1024;
constexpr std::size_t max_name_length = 200;
constexpr std::uint64_t max_mid_data_bytes = 1ull << 40;

constexpr unsigned bit(Phase phase) {
    return static_cast<unsigned>(phase);
}

// Where each condition can be known; a rule asking for it elsewhere could never match, which
// is a mistake worth a clear error rather than a rule that silently never fires.
constexpr unsigned transaction_phases =
    bit(Phase::mail) | bit(Phase::rcpt) | bit(Phase::data) | bit(Phase::data_end);
constexpr unsigned recipient_phases = bit(Phase::rcpt) | bit(Phase::data) | bit(Phase::data_end);
constexpr unsigned after_helo_phases = transaction_phases | bit(Phase::helo) | bit(Phase::quit);

std::string phase_names(unsigned mask) {
    std::string out;
    for (auto phase : {Phase::connect, Phase::helo, Phase::mail, Phase::rcpt, Phase::data,
                       Phase::data_end, Phase::quit}) {
        if ((mask & bit(phase)) == 0) continue;
        if (!out.empty()) out += ", ";
        out += smtp::to_string(phase);
    }
    return out;
}

void require_phases(unsigned rule_phases, unsigned allowed, const Where& where) {
    if ((rule_phases & ~allowed) != 0) {
        where.fail("this condition is only known at " + phase_names(allowed) + ", not at " +
                   phase_names(rule_phases & ~allowed));
    }
}

CountRange parse_count(const nlohmann::json& value, const Where& where) {
    if (value.is_number()) {
        auto n = get_unsigned(value, where, 1, std::numeric_limits<std::uint64_t>::max());
        return {n, n};
    }
    if (!value.is_object()) {
        where.fail("must be a 1-based number or {\"min\": N, \"max\": M}, got " + show(value));
    }
    expect_object(value, where, {"min", "max"});
    CountRange range;
    if (value.contains("min")) {
        range.min = get_unsigned(value["min"], where / "min", 1, range.max);
    }
    if (value.contains("max")) {
        range.max = get_unsigned(value["max"], where / "max", range.min, range.max);
    }
    return range;
}

std::vector<std::string> parse_verdicts(const nlohmann::json& value, const Where& where,
                                        std::initializer_list<std::string_view> allowed) {
    auto words = get_string_list(value, where, allowed.size(), max_name_length);
    for (std::size_t i = 0; i < words.size(); ++i) {
        get_choice(words[i], value.is_array() ? where / i : where, allowed);
    }
    return words;
}

Conditions parse_conditions(const nlohmann::json& value, const Where& where, unsigned phases) {
    expect_object(value, where,
                  {"sender", "recipient", "domain", "helo", "client_ip", "connection", "message",
                   "attempt", "tls", "spf", "dkim", "dmarc", "arc", "dmarc_policy", "spam_score",
                   "first", "probability"});
    Conditions when;
    auto globs = [&](const char* key, std::vector<std::string>& out, unsigned allowed) {
        if (!value.contains(key)) return;
        require_phases(phases, allowed, where / key);
        out = get_string_list(value[key], where / key, max_patterns, max_pattern_length);
    };
    globs("sender", when.sender, transaction_phases);
    globs("recipient", when.recipient, recipient_phases);
    globs("domain", when.domain, recipient_phases);
    globs("helo", when.helo, after_helo_phases);
    if (value.contains("client_ip")) {
        auto texts = get_string_list(value["client_ip"], where / "client_ip", max_patterns, 64);
        for (std::size_t i = 0; i < texts.size(); ++i) {
            std::string error;
            auto range = net::parse_ip_range(texts[i], &error);
            if (!range) {
                auto at =
                    value["client_ip"].is_array() ? where / "client_ip" / i : where / "client_ip";
                at.fail(error + ": '" + texts[i] +
                        "' (want 192.0.2.1, 192.0.2.0/24 or "
                        "2001:db8::/32)");
            }
            when.client_ip.push_back(*range);
        }
    }
    if (value.contains("connection")) {
        when.connection = parse_count(value["connection"], where / "connection");
    }
    if (value.contains("message")) {
        require_phases(phases, transaction_phases, where / "message");
        when.message = parse_count(value["message"], where / "message");
    }
    if (value.contains("attempt")) {
        require_phases(phases, recipient_phases, where / "attempt");
        when.attempt = parse_count(value["attempt"], where / "attempt");
    }
    if (value.contains("tls")) when.tls = get_bool(value["tls"], where / "tls");
    auto verdicts = [&](const char* key, std::vector<std::string>& out,
                        std::initializer_list<std::string_view> allowed) {
        if (!value.contains(key)) return;
        require_phases(phases, bit(Phase::data_end), where / key);
        out = parse_verdicts(value[key], where / key, allowed);
    };
    // RFC 8601 2.7 result words per method; RFC 8617 for ARC; RFC 7489 6.3 for p=.
    verdicts("spf", when.spf,
             {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"});
    verdicts("dkim", when.dkim,
             {"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"});
    verdicts("dmarc", when.dmarc, {"none", "pass", "fail", "temperror", "permerror"});
    verdicts("arc", when.arc, {"none", "pass", "fail"});
    verdicts("dmarc_policy", when.dmarc_policy, {"none", "quarantine", "reject"});
    if (value.contains("spam_score")) {
        // {"min": 5} files or refuses by spamd's score, as receivers do with their filter's.
        const Where at = where / "spam_score";
        require_phases(phases, bit(Phase::data_end), at);
        const auto& range = value["spam_score"];
        expect_object(range, at, {"min", "max"});
        if (!range.contains("min") && !range.contains("max"))
            at.fail("needs \"min\" or \"max\" (spamd points, e.g. {\"min\": 5})");
        constexpr double max_points = 1e6;  // GTUBE scores 1000
        if (range.contains("min"))
            when.spam_score_min =
                json::get_number(range["min"], at / "min", -max_points, max_points);
        if (range.contains("max"))
            when.spam_score_max =
                json::get_number(range["max"], at / "max", -max_points, max_points);
        if (when.spam_score_min && when.spam_score_max &&
            *when.spam_score_max < *when.spam_score_min) {
            (at / "max").fail("is below \"min\": no score could match");
        }
    }
    if (value.contains("first")) {
        when.first = get_unsigned(value["first"], where / "first", 1,
                                  std::numeric_limits<std::uint64_t>::max());
    }
    if (value.contains("probability")) {
        when.probability = get_fraction(value["probability"], where / "probability");
    }
    return when;
}

std::chrono::milliseconds parse_millis(const nlohmann::json& value, const Where& where) {
    return std::chrono::milliseconds(
        get_unsigned(value, where, 0, static_cast<std::uint64_t>(max_action_delay.count())));
}

}  // namespace

smtp::Phase phase_from_name(const nlohmann::json& value, const Where& where) {
    static constexpr Phase phases[] = {Phase::connect, Phase::helo,     Phase::mail, Phase::rcpt,
                                       Phase::data,    Phase::data_end, Phase::quit};
    auto index =
        get_choice(value, where, {"connect", "helo", "mail", "rcpt", "data", "data_end", "quit"});
    return phases[index];
}

Rule parse_rule(const nlohmann::json& value, const Where& where, std::size_t index) {
    expect_object(value, where,
                  {"name", "phase", "match", "seed", "reply", "delay_ms", "jitter_ms", "tarpit_ms",
                   "disconnect", "disconnect_after_bytes", "accept"});
    Rule rule;
    rule.name = value.contains("name") ? get_string(value["name"], where / "name", max_name_length)
                                       : "rules/" + std::to_string(index);
    if (!value.contains("phase")) {
        (where / "phase")
            .fail(
                "missing (want connect, helo, mail, rcpt, data, data_end or quit, or an array "
                "of them)");
    }
    const auto& phase = value["phase"];
    if (phase.is_array()) {
        if (phase.empty()) (where / "phase").fail("must name at least one phase");
        for (std::size_t i = 0; i < phase.size(); ++i) {
            rule.phases |= bit(phase_from_name(phase[i], where / "phase" / i));
        }
    } else {
        rule.phases = bit(phase_from_name(phase, where / "phase"));
    }
    if (value.contains("match"))
        rule.when = parse_conditions(value["match"], where / "match", rule.phases);
    if (value.contains("seed")) {
        rule.seed = get_unsigned(value["seed"], where / "seed", 0,
                                 std::numeric_limits<std::uint64_t>::max());
    }
    if (value.contains("reply"))
        rule.reply = parse_reply(value["reply"], where / "reply", rule.phases);
    if (value.contains("delay_ms"))
        rule.delay = parse_millis(value["delay_ms"], where / "delay_ms");
    if (value.contains("jitter_ms"))
        rule.jitter = parse_millis(value["jitter_ms"], where / "jitter_ms");
    if (value.contains("tarpit_ms")) {
        rule.tarpit_interval = parse_millis(value["tarpit_ms"], where / "tarpit_ms");
    }
    if (value.contains("disconnect")) {
        static constexpr Disconnect kinds[] = {Disconnect::before_reply, Disconnect::after_reply,
                                               Disconnect::mid_data};
        rule.disconnect = kinds[get_choice(value["disconnect"], where / "disconnect",
                                           {"before_reply", "after_reply", "mid_data"})];
    }
    if (value.contains("disconnect_after_bytes")) {
        if (rule.disconnect != Disconnect::mid_data) {
            (where / "disconnect_after_bytes")
                .fail("only means something with \"disconnect\": \"mid_data\"");
        }
        rule.disconnect_after_bytes =
            get_unsigned(value["disconnect_after_bytes"], where / "disconnect_after_bytes", 0,
                         max_mid_data_bytes);
    }
    if (value.contains("accept")) rule.accept = get_bool(value["accept"], where / "accept");

    if (rule.disconnect == Disconnect::mid_data && rule.phases != bit(Phase::data)) {
        (where / "disconnect")
            .fail(
                "\"mid_data\" needs \"phase\": \"data\" alone (the drop happens while the "
                "message is read)");
    }
    if (rule.disconnect == Disconnect::before_reply && rule.reply) {
        (where / "reply").fail("is never sent: \"disconnect\": \"before_reply\" drops first");
    }
    if (rule.accept && (rule.reply || rule.disconnect != Disconnect::none)) {
        (where / "accept")
            .fail(
                "gives the default reply and keeps the connection; remove \"reply\" and "
                "\"disconnect\", or \"accept\"");
    }
    if (!rule.final() && rule.delay.count() == 0 && rule.jitter.count() == 0 &&
        rule.tarpit_interval.count() == 0) {
        where.fail(
            "a rule needs an action: reply, delay_ms, jitter_ms, tarpit_ms, disconnect or "
            "accept");
    }
    return rule;
}

}  // namespace relaylab::fakemx::detail
