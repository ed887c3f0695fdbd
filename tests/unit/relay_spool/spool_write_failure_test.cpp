// A write that fails (EFBIG from RLIMIT_FSIZE here; ENOSPC and EIO take the same path): the
// stores of that batch get the errno, the segment is cut back so no half record remains, and
// later stores succeed. In a forked child, so the file size limit stays there.
#include <sys/resource.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "harness/relay/spool/spool.hpp"
#include "tests/unit/relay_spool/child_process.hpp"
#include "tests/unit/relay_spool/spool_test_support.hpp"

using namespace relaylab::relay;
using relaylab::relay::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t small_body = 1024;
constexpr std::size_t medium_body = 3000;
constexpr std::size_t large_body = 2 * 1024 * 1024;
constexpr rlim_t headroom = 5000;  // what the limit leaves beyond the segment's size

std::uintmax_t segment_size(const fs::path& dir) {
    std::uintmax_t size = 0;
    for (const auto& entry : fs::directory_iterator(dir / "segments"))
        size += entry.file_size();
    return size;
}

std::size_t body_size(char kind) {
    return kind == 'l' ? large_body : kind == 'm' ? medium_body : small_body;
}

// Reports "S<kind><id>" for an acknowledged store, "E<kind><id>" for a failed one, and
// "X<reason>" when something it checks itself is wrong.
int store_past_the_file_limit(const fs::path& dir, int report_fd) {
    ::signal(SIGXFSZ, SIG_IGN);  // as the relay's main() does: EFBIG instead of a kill
    Spool spool(test::options_for(dir));
    auto store = [&](char kind) {
        const std::string id = spool.new_id();
        const std::error_code error =
            test::store_and_wait(spool, test::message_for(id), test::body_for(id, body_size(kind)));
        test::report_line(report_fd, std::string(error ? "E" : "S") + kind + id);
        if (error && error != std::errc::file_too_large) {
            test::report_line(report_fd, "Xunexpected error " + error.message());
        }
    };
    for (int i = 0; i < 5; ++i)
        store('s');
    const auto before = segment_size(dir);
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    const rlimit original = limit;
    limit.rlim_cur = static_cast<rlim_t>(before) + headroom;
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
    store('l');  // partly written, then EFBIG: must be cut back
    if (segment_size(dir) != before) test::report_line(report_fd, "Xhalf a record remains");
    store('m');  // fits under the limit
    const auto after_medium = segment_size(dir);
    store('m');  // does not fit any more
    if (segment_size(dir) != after_medium) test::report_line(report_fd, "Xhalf a record remains");
    store('s');  // still fits
    if (::setrlimit(RLIMIT_FSIZE, &original) != 0) return 2;
    store('l');  // the limit is gone: the large one goes through now
    spool.close();
    return 0;
}

}  // namespace

TEST_CASE("a failed write fails its stores, leaves no half record, and the spool goes on",
          "[relay_spool][write_failure]") {
    TempDir dir("efbig");
    std::vector<std::string> lines;
    {
        test::ChildProcess child(
            [&](int report_fd) { return store_past_the_file_limit(dir.path, report_fd); });
        CHECK_FALSE(child.read_lines(std::chrono::steady_clock::now() + std::chrono::seconds(60),
                                     lines));  // false: the child closed the pipe
        const int status = child.wait();
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
    }
    std::string outcomes;
    std::set<std::string> stored;
    std::map<std::string, char> kinds;
    for (const auto& line : lines) {
        INFO(line);
        REQUIRE(line[0] != 'X');
        outcomes += line.substr(0, 2);
        kinds[line.substr(2)] = line[1];
        if (line[0] == 'S') stored.insert(line.substr(2));
    }
    // got X, want Y: five small ones, the large one refused, a medium one in, the next refused,
    // a small one in, and once the limit is lifted the large one in.
    CHECK(outcomes == "SsSsSsSsSsElSmEmSsSl");
    Spool spool(test::options_for(dir.path));
    const RecoveryReport& report = spool.recovered();
    CHECK(report.corrupt_records == 0);
    CHECK(report.torn_bytes == 0);
    std::set<std::string> recovered;
    for (const auto& message : report.messages)
        recovered.insert(message.id);
    CHECK(recovered == stored);
    for (const auto& id : stored) {
        CHECK(spool.read_body(id) == test::body_for(id, body_size(kinds[id])));
    }
}
