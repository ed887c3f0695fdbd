#include "probes/common/probe_context.hpp"

namespace relaylab::probe {

boost::asio::ip::tcp::endpoint ProbeTarget::endpoint() const {
    return {boost::asio::ip::make_address(address), port};
}

std::string ProbeTarget::display() const {
    const bool v6 = address.find(':') != std::string::npos;
    std::string out = host_is_name ? host : (v6 ? "[" + address + "]" : address);
    out += ":" + std::to_string(port);
    if (host_is_name) out += " (" + address + ")";
    return out;
}

std::string ProbeOptions::recipient() const {
    if (!rcpt.empty()) return rcpt;
    if (!domain.empty()) return "postmaster@" + domain;
    return {};
}

}  // namespace relaylab::probe
