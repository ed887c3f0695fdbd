#include "probes/policy/open_relay_tricks.hpp"

#include <cctype>

#include "harness/smtp/address.hpp"

namespace relaylab::probe {

std::string address_literal(std::string_view address) {
    if (address.empty()) return {};
    if (address.find(':') != std::string_view::npos) return "[IPv6:" + std::string(address) + "]";
    return "[" + std::string(address) + "]";
}

std::string announced_domain(std::string_view reply_text) {
    const std::size_t end = reply_text.find_first_of(" \t");
    std::string word(reply_text.substr(0, end));
    // A trailing dot is the absolute form of the same name.
    if (!word.empty() && word.back() == '.') word.pop_back();
    if (word.find('.') == std::string::npos) return {};
    if (!smtp::is_valid_domain(word)) return {};
    for (auto& c : word)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return word;
}

RelayTrickPlan plan_relay_tricks(const RelayTrickInputs& in) {
    RelayTrickPlan plan;
    const std::string user(relay_test_user);
    const std::string& foreign = in.foreign_domain;
    const std::string& local = in.local_domain;
    const std::string literal = address_literal(in.target_address);
    const std::string foreign_rcpt = "<" + user + "@" + foreign + ">";
    const std::string sender = "<" + in.sender + ">";

    auto add = [&](std::string name, std::string description, std::string mail_from,
                   std::string rcpt_to) {
        plan.tricks.push_back(
            {std::move(name), std::move(description), std::move(mail_from), std::move(rcpt_to)});
    };
    // Tricks written with the local domain: without one they would test nothing.
    auto add_local = [&](std::string name, std::string description, std::string mail_from,
                         std::string rcpt_to) {
        if (local.empty()) {
            plan.skipped.push_back({std::move(name),
                                    "no local domain (give --domain, or a server that names "
                                    "itself in its greeting)"});
            return;
        }
        add(std::move(name), std::move(description), std::move(mail_from), std::move(rcpt_to));
    };

    add("foreign-sender", "a foreign sender to a foreign recipient", sender, foreign_rcpt);
    add_local("local-sender", "a sender of the local domain to a foreign recipient",
              "<" + user + "@" + local + ">", foreign_rcpt);
    add("null-sender", "the null sender (a bounce) to a foreign recipient", "<>", foreign_rcpt);
    if (!literal.empty()) {
        add("percent-hack-literal", "the % hack behind the server's address literal", sender,
            "<" + user + "%" + foreign + "@" + literal + ">");
    }
    add_local("percent-hack", "the % hack behind the local domain", sender,
              "<" + user + "%" + foreign + "@" + local + ">");
    add_local("source-route", "a source route through the local domain (RFC 5321 C)", sender,
              "<@" + local + ":" + user + "@" + foreign + ">");
    if (!literal.empty()) {
        add("source-route-literal", "a source route through the server's address literal", sender,
            "<@" + literal + ":" + user + "@" + foreign + ">");
    }
    add("quoted-local-part", "a foreign address quoted as a local part without a domain", sender,
        "<\"" + user + "@" + foreign + "\">");
    add_local("quoted-local-part-local",
              "a foreign address quoted as a local part at the local "
              "domain",
              sender, "<\"" + user + "@" + foreign + "\"@" + local + ">");
    add_local("quoted-percent-hack", "a quoted % hack at the local domain", sender,
              "<\"" + user + "%" + foreign + "\"@" + local + ">");
    add("bang-path", "a UUCP ! path to the foreign domain", sender,
        "<" + foreign + "!" + user + ">");
    add_local("bang-path-local", "a UUCP ! path behind the local domain", sender,
              "<" + foreign + "!" + user + "@" + local + ">");
    if (!literal.empty()) {
        add("bang-path-literal", "a UUCP ! path behind the server's address literal", sender,
            "<" + foreign + "!" + user + "@" + literal + ">");
    }
    add("address-literal", "a foreign address literal as the recipient's domain", sender,
        "<" + user + "@" + std::string(foreign_address_literal) + ">");
    add_local("double-at", "a foreign address with the local domain appended after a second @",
              sender, "<" + user + "@" + foreign + "@" + local + ">");
    return plan;
}

}  // namespace relaylab::probe
