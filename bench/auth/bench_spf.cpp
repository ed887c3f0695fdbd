// relaylab side of the SPF benchmark: evaluations/s on the workload of spf_workload.py, with
// DNS from memory (MemoryDns) or from a DNS server through relaylab's resolver (cache off, so
// every evaluation sends its queries, as pyspf does).
// Usage: bench_spf memory CASES.json SECONDS
//        bench_spf dns CASES.json SECONDS ADDR:PORT
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <variant>

#include "harness/dns/sync_resolver.hpp"
#include "probes/auth/memory_dns.hpp"
#include "probes/auth/spf_eval.hpp"

using namespace relaylab::auth;
using Clock = std::chrono::steady_clock;

namespace {

class ResolverDns : public DnsLookup {
  public:
    explicit ResolverDns(relaylab::dns::ResolverConfig config) : resolver_(std::move(config)) {}
    DnsAnswer lookup(const DnsQuery& q) override {
        namespace d = relaylab::dns;
        const auto answer = resolver_.lookup(q.name, static_cast<d::RrType>(q.type));
        DnsAnswer out;
        switch (answer.status) {
            case d::Status::ok:
                out.status = DnsStatus::ok;
                break;
            case d::Status::nxdomain:
                out.status = DnsStatus::nxdomain;
                break;
            case d::Status::nodata:
                out.status = DnsStatus::nodata;
                break;
            case d::Status::servfail:
                out.status = DnsStatus::servfail;
                break;
            case d::Status::timeout:
                out.status = DnsStatus::timeout;
                break;
            case d::Status::refused:
                out.status = DnsStatus::refused;
                break;
        }
        for (const auto& r : answer.records) {
            if (auto* a = std::get_if<d::AddressData>(&r.data))
                out.records.push_back(a->address);
            else if (auto* n = std::get_if<d::NameData>(&r.data))
                out.records.push_back(n->name);
            else if (auto* m = std::get_if<d::MxData>(&r.data))
                out.records.push_back(m->exchange);
            else if (auto* t = std::get_if<d::TxtData>(&r.data))
                out.records.push_back(t->joined());
        }
        return out;
    }

  private:
    relaylab::dns::SyncResolver resolver_;
};

const std::map<std::string, RrType> kTypes = {
    {"A", RrType::a}, {"AAAA", RrType::aaaa}, {"MX", RrType::mx}, {"TXT", RrType::txt}};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: bench_spf memory|dns CASES.json SECONDS [ADDR:PORT]\n";
        return 2;
    }
    const std::string mode = argv[1];
    std::ifstream in(argv[2]);
    const auto cases = nlohmann::json::parse(in);
    const double seconds = std::stod(argv[3]);

    std::unique_ptr<DnsLookup> dns;
    if (mode == "memory") {
        auto memory = std::make_unique<MemoryDns>();
        for (const auto& [name, types] : cases["zone"].items()) {
            for (const auto& [type, values] : types.items()) {
                for (const auto& v : values)
                    memory->add(name, kTypes.at(type), v);
            }
        }
        dns = std::move(memory);
    } else {
        auto server = relaylab::dns::parse_name_server(argv[4]);
        auto config = relaylab::dns::ResolverConfig::fixture(server.address, server.port);
        config.cache = false;
        dns = std::make_unique<ResolverDns>(config);
    }
    std::vector<SpfParams> checks;
    for (const auto& c : cases["checks"]) {
        SpfParams p;
        p.ip = c["ip"];
        p.mail_from = c["mail_from"];
        p.helo = c["helo"];
        const auto out = evaluate_spf(p, *dns);
        if (std::string(to_string(out.result)) != c["want"].get<std::string>()) {
            std::cerr << "relaylab: " << c.dump() << " gave " << to_string(out.result) << ": "
                      << out.reason << "\n";
            return 1;
        }
        checks.push_back(std::move(p));
    }
    std::size_t n = 0;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < deadline) {
        for (const auto& p : checks) {
            const auto out = evaluate_spf(p, *dns);
            if (out.result == SpfResult::temperror) return 1;
        }
        n += checks.size();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::cout << "relaylab " << mode << ": " << n << " evaluations in " << elapsed
              << " s = " << static_cast<long>(n / elapsed) << "/s\n";
}
