// A scratch directory for one test, made with mkdtemp (unique, mode 0700) under the system's
// temporary directory and removed with everything in it when the test ends. One copy for every
// C++ test binary (they had seven).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace relaylab::testing {

class TempDir {
  public:
    // `tag` names the directory ("relaylab-<tag>-XXXXXX") so a leftover says whose it was.
    explicit TempDir(std::string_view tag = "test") {
        std::string pattern =
            (std::filesystem::temp_directory_path() / ("relaylab-" + std::string(tag) + "-XXXXXX"))
                .string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
        }
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Writes `data` to `name` (subdirectories made as needed); returns the file's path.
    std::filesystem::path write(const std::string& name, std::string_view data) const {
        auto file = path / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary)
            .write(data.data(), static_cast<std::streamsize>(data.size()));
        return file;
    }

    std::filesystem::path path;
};

}  // namespace relaylab::testing
