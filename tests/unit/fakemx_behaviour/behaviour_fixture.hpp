// Shared helpers: behaviours from inline JSON, facts for each phase, a clock that tests move.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake-mx/behaviour/behaviour.hpp"
#include "fake-mx/behaviour/behaviour_engine.hpp"

namespace relaylab::fakemx::test {

inline Behaviour behaviour_from(const std::string& json) {
    return parse_behaviour(nlohmann::json::parse(json), "test.json");
}

inline BehaviourEngine engine_from(const std::string& json) {
    return BehaviourEngine(behaviour_from(json));
}

// A transaction as the shell would describe it; recipients holds the accepted ones.
struct Session {
    std::string client_ip = "192.0.2.10";
    std::string helo = "client.example.test";
    std::string mail_from = "alice@sender.test";
    std::vector<std::string> recipients{"bob@example.test"};
    std::uint64_t connection_number = 1;
    std::uint64_t message_number = 1;
    bool tls = false;
    AuthFacts auth;
    bool with_auth = false;

    Facts at(smtp::Phase phase, std::string_view recipient = "bob@example.test") const {
        Facts facts;
        facts.phase = phase;
        facts.client_ip = client_ip;
        if (phase != smtp::Phase::connect) facts.helo = helo;
        if (phase != smtp::Phase::connect && phase != smtp::Phase::helo) {
            facts.mail_from = mail_from;
        }
        if (phase == smtp::Phase::rcpt) facts.recipient = recipient;
        if (phase == smtp::Phase::data || phase == smtp::Phase::data_end) {
            facts.recipients = recipients;
        }
        facts.connection_number = connection_number;
        facts.message_number = message_number;
        facts.tls = tls;
        if (with_auth && phase == smtp::Phase::data_end) facts.auth = &auth;
        return facts;
    }
};

inline const std::chrono::steady_clock::time_point t0{std::chrono::hours(1000)};

// The reply code an outcome gives, 0 for the session's default.
inline int code_of(const Outcome& outcome) {
    return outcome.reply ? outcome.reply->code : 0;
}

}  // namespace relaylab::fakemx::test
