#include "curl_client.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace relaylab::fakemx::api::testing {
namespace {

std::string quote(const std::string& arg) {
    std::string out = "'";
    for (char c : arg) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string CurlResult::header(const std::string& name) const {
    std::istringstream lines(headers);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.size() <= name.size() || line[name.size()] != ':') continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size(); ++i)
            same = same && lower(line[i]) == lower(name[i]);
        if (!same) continue;
        std::string value = line.substr(name.size() + 1);
        while (!value.empty() && (value.front() == ' '))
            value.erase(0, 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == ' '))
            value.pop_back();
        return value;
    }
    return {};
}

CurlResult curl(const std::vector<std::string>& args) {
    std::random_device random;
    auto dir =
        std::filesystem::temp_directory_path() / ("relaylab-curl-" + std::to_string(random()));
    std::filesystem::create_directories(dir);
    std::string command =
        "curl --silent --show-error --max-time 5 --noproxy '*'"
        " -o " +
        quote((dir / "body").string()) + " -D " + quote((dir / "headers").string()) +
        " -w '%{http_code}'";
    for (const std::string& arg : args)
        command += " " + quote(arg);
    command += " > " + quote((dir / "status").string()) + " 2> " + quote((dir / "stderr").string());

    CurlResult result;
    int raw = std::system(command.c_str());
    result.exit_code = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::string status = slurp(dir / "status");
    result.status = status.empty() ? 0 : std::atoi(status.c_str());
    result.headers = slurp(dir / "headers");
    result.body = slurp(dir / "body");
    result.stderr_text = slurp(dir / "stderr");
    std::filesystem::remove_all(dir);
    return result;
}

}  // namespace relaylab::fakemx::api::testing
