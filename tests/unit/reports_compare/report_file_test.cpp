// write_report_file: a reader sees the old report or the new one, never half; errors name the
// file.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "reports/report_writers.hpp"
#include "tests/lib/temp_dir.hpp"

using relaylab::reports::write_report_file;
using relaylab::testing::TempDir;

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::size_t entries_in(const std::filesystem::path& dir) {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir))
        ++count;
    return count;
}

}  // namespace

TEST_CASE("write_report_file writes, creates the directory, replaces, leaves nothing behind",
          "[reports][report_file]") {
    TempDir tmp("report-file");
    const auto dir = tmp.path / "a" / "b";
    write_report_file(dir, "report.json", "{\"first\": 1}\n");
    CHECK(read_file(dir / "report.json") == "{\"first\": 1}\n");

    std::string big(3 * 1024 * 1024 + 17, 'x');
    write_report_file(dir, "report.json", big);
    CHECK(read_file(dir / "report.json") == big);
    write_report_file(dir, "junit.xml", "");
    CHECK(read_file(dir / "junit.xml").empty());
    CHECK(entries_in(dir) == 2);  // no temporary file left over

    struct stat info {};
    REQUIRE(::stat((dir / "report.json").c_str(), &info) == 0);
    // Created like any file (0666 less the umask), not a private 0600 temporary.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    CHECK((info.st_mode & 0777) == (0666 & ~mask));
}

TEST_CASE("write_report_file errors name the file", "[reports][report_file]") {
    TempDir tmp("report-file");
    SECTION("a name that is a path") {
        CHECK_THROWS_WITH(write_report_file(tmp.path, "../x.json", "x"),
                          Catch::Contains("../x.json") && Catch::Contains("plain file name"));
        CHECK_THROWS_AS(write_report_file(tmp.path, "", "x"), std::runtime_error);
        CHECK_THROWS_AS(write_report_file(tmp.path, "..", "x"), std::runtime_error);
    }
    SECTION("the directory is a file") {
        const auto file = tmp.write("taken", "x");
        CHECK_THROWS_WITH(write_report_file(file, "report.json", "x"),
                          Catch::Contains((file / "report.json").string()));
    }
    SECTION("the target is a directory: the rename fails, the temporary file goes") {
        std::filesystem::create_directories(tmp.path / "report.json" / "inside");
        CHECK_THROWS_WITH(
            write_report_file(tmp.path, "report.json", "x"),
            Catch::Contains((tmp.path / "report.json").string()) && Catch::Contains("rename"));
        CHECK(entries_in(tmp.path) == 1);
    }
    SECTION("a directory without write permission") {
        if (::geteuid() == 0) return;  // root writes anyway; the other sections still ran
        const auto locked = tmp.path / "locked";
        std::filesystem::create_directory(locked);
        ::chmod(locked.c_str(), 0500);
        CHECK_THROWS_WITH(write_report_file(locked, "junit.xml", "x"),
                          Catch::Contains((locked / "junit.xml").string()));
        ::chmod(locked.c_str(), 0700);
    }
}
