// Helpers shared by the DKIM, ARC and dkimpy test binaries: an in-memory TXT zone, file
// reading, and running a real peer (/usr/bin/python3) with its output captured.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "probes/auth/dns_query.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::auth::test {

// TXT records by name; every other name is NXDOMAIN. Counts lookups so tests can bound work.
class MapDns : public DnsLookup {
  public:
    void add(const std::string& name, std::string txt) {
        records_[to_lower(name)].push_back(std::move(txt));
    }
    void fail(const std::string& name, DnsStatus status) { failures_[to_lower(name)] = status; }
    DnsAnswer lookup(const DnsQuery& query) override {
        ++lookups;
        std::string name = to_lower(query.name);
        if (!name.empty() && name.back() == '.') name.pop_back();
        if (auto f = failures_.find(name); f != failures_.end()) return DnsAnswer{f->second, {}};
        auto it = records_.find(name);
        if (it == records_.end()) return DnsAnswer{DnsStatus::nxdomain, {}};
        if (query.type != RrType::txt) return DnsAnswer{DnsStatus::nodata, {}};
        return DnsAnswer{DnsStatus::ok, it->second};
    }
    std::size_t lookups = 0;

  private:
    std::map<std::string, std::vector<std::string>> records_;
    std::map<std::string, DnsStatus> failures_;
};

inline std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary);
    out << data;
}

struct ProcessOutput {
    int status = -1;  // exit code, -1 if it did not exit normally
    std::string out;  // stdout
};

// Runs a shell command line, stdout captured (stderr passes through to the test log).
inline ProcessOutput run_capture(const std::string& command) {
    ProcessOutput result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 65536> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        result.out.append(buffer.data(), n);
    int status = pclose(pipe);
    if (WIFEXITED(status)) result.status = WEXITSTATUS(status);
    return result;
}

inline bool have_debian_python_module(const std::string& module) {
    return run_capture("/usr/bin/python3 -c 'import " + module + "' 2>/dev/null").status == 0;
}

inline std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out.push_back(c);
    }
    return out + "'";
}

}  // namespace relaylab::auth::test
