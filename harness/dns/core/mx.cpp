#include "harness/dns/core/mx.hpp"

#include <algorithm>
#include <random>

namespace relaylab::dns {

MxResult order_mx(const Answer& mx_answer, std::uint64_t seed) {
    MxResult result;
    result.status = mx_answer.status;
    result.detail = mx_answer.detail;
    if (mx_answer.status != Status::ok) return result;

    std::vector<MxHost> hosts;
    bool saw_root = false;
    for (const auto& record : mx_answer.records) {
        const auto* mx = std::get_if<MxData>(&record.data);
        if (mx == nullptr) continue;
        if (mx->exchange.empty()) {
            saw_root = true;
            continue;
        }
        hosts.push_back({mx->preference, mx->exchange});
    }
    if (hosts.empty()) {
        if (saw_root) {
            result.null_mx = true;  // RFC 7505 3: "0 ." alone means no mail accepted
        } else {
            result.status = Status::servfail;
            result.detail = "MX answer without usable records";
        }
        return result;
    }
    // Sort by preference first, and by name inside a preference so the shuffle below starts
    // from the same order whatever order the server sent: the seed alone decides.
    std::sort(hosts.begin(), hosts.end(), [](const MxHost& a, const MxHost& b) {
        return a.preference != b.preference ? a.preference < b.preference : a.exchange < b.exchange;
    });
    hosts.erase(std::unique(hosts.begin(), hosts.end(),
                            [](const MxHost& a, const MxHost& b) {
                                return a.preference == b.preference && a.exchange == b.exchange;
                            }),
                hosts.end());
    // Fisher-Yates written out: std::shuffle's use of the engine is implementation-defined, and
    // a given seed must give the same order on every platform.
    std::mt19937_64 rng(seed);
    for (std::size_t begin = 0; begin < hosts.size();) {
        std::size_t end = begin;
        while (end < hosts.size() && hosts[end].preference == hosts[begin].preference)
            ++end;
        for (std::size_t i = end - 1; i > begin; --i) {
            std::size_t j = begin + static_cast<std::size_t>(rng() % (i - begin + 1));
            std::swap(hosts[i], hosts[j]);
        }
        begin = end;
    }
    result.hosts = std::move(hosts);
    return result;
}

MxResult implicit_mx(const std::string& domain, bool has_address) {
    MxResult result;
    if (!has_address) {
        // RFC 5321 5.1: no MX and no address: nothing to deliver to.
        result.status = Status::nodata;
        result.detail = "no MX and no A/AAAA records for " + domain;
        return result;
    }
    result.status = Status::ok;
    result.implicit = true;
    result.hosts.push_back({0, domain});
    return result;
}

}  // namespace relaylab::dns
