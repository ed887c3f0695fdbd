#include "probes/auth/memory_dns.hpp"

namespace relaylab::auth {
namespace {

std::string key(std::string_view name) {
    std::string out(name);
    if (!out.empty() && out.back() == '.') out.pop_back();
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace

void MemoryDns::add(std::string_view name, RrType type, std::string record) {
    nodes_[key(name)].records[type].push_back(std::move(record));
}

void MemoryDns::add_name(std::string_view name) {
    nodes_[key(name)];
}

void MemoryDns::fail(std::string_view name, RrType type, DnsStatus status) {
    nodes_[key(name)].failures[type] = status;
}

void MemoryDns::fail_name(std::string_view name, DnsStatus status) {
    auto& node = nodes_[key(name)];
    node.all_fail = true;
    node.all_status = status;
}

DnsAnswer MemoryDns::lookup(const DnsQuery& query) {
    ++lookups_;
    std::string name = key(query.name);
    for (int hops = 0; hops <= kMaxCnameChain; ++hops) {
        auto it = nodes_.find(name);
        if (it == nodes_.end()) return {DnsStatus::nxdomain, {}};
        const Node& node = it->second;
        if (node.all_fail) return {node.all_status, {}};
        if (auto f = node.failures.find(query.type); f != node.failures.end()) {
            return {f->second, {}};
        }
        if (auto r = node.records.find(query.type); r != node.records.end()) {
            return {DnsStatus::ok, r->second};
        }
        auto cname = node.records.find(RrType::cname);
        if (query.type == RrType::cname || cname == node.records.end() || cname->second.empty()) {
            return {DnsStatus::nodata, {}};
        }
        name = key(cname->second.front());
    }
    return {DnsStatus::servfail, {}};  // CNAME loop or over-long chain
}

}  // namespace relaylab::auth
