#include "probes/policy/banner_session.hpp"

#include "probes/common/transcript.hpp"

namespace relaylab::probe {

bool SessionStart::ready() const {
    if (!greeting || greeting->code != 220) return false;
    return (ehlo && ehlo->positive()) || (helo && helo->positive());
}

std::string SessionStart::why_not_ready(const Dialogue& dialogue) const {
    if (dialogue.failed()) return dialogue.failure().text();
    if (!greeting) return "no greeting";
    if (greeting->code != 220) return "greeting " + visible_bytes(greeting->summary());
    if (helo) return "HELO refused: " + visible_bytes(helo->summary());
    if (ehlo) return "EHLO refused: " + visible_bytes(ehlo->summary());
    return "no reply to EHLO";
}

boost::asio::awaitable<SessionStart> open_session(Dialogue& dialogue, const ProbeContext& context) {
    SessionStart start;
    if (!co_await dialogue.connect(context.target.endpoint())) co_return start;
    start.greeting = co_await dialogue.read_reply();
    if (!start.greeting || start.greeting->code != 220) co_return start;
    start.ehlo = co_await dialogue.command("EHLO " + context.options.helo);
    if (!start.ehlo) co_return start;
    if (start.ehlo->positive()) {
        start.facts = parse_ehlo(*start.ehlo);
    } else if (start.ehlo->permanent()) {
        start.helo = co_await dialogue.command("HELO " + context.options.helo);
    }
    co_return start;
}

}  // namespace relaylab::probe
