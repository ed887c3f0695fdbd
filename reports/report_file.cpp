// Reports land where other programs read them (a CI job picks up junit.xml, a browser reloads
// report.html), possibly while a run rewrites them, and a machine can crash mid-write. So each
// file is written beside its final name, flushed to disk, then renamed over it: a reader sees
// the old file or the new one, never half of either (rename is atomic within a directory).
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "reports/report_writers.hpp"

namespace relaylab::reports {
namespace {

// Temporary names already taken (by a crashed run's leftovers) are skipped; after this many
// the directory is not one we should keep trying in.
constexpr int max_temporary_name_attempts = 100;

std::runtime_error file_error(const std::filesystem::path& file, std::string_view what,
                              int error_number) {
    return std::runtime_error("cannot write report " + file.string() + ": " + std::string(what) +
                              ": " + std::strerror(error_number));
}

// Closes on every path out, so an exception cannot leak the descriptor.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    // close() can report a write error (NFS); the caller wants to hear it.
    int release_and_close() {
        int result = ::close(fd_);
        fd_ = -1;
        return result;
    }

  private:
    int fd_;
};

void write_all(int fd, const std::string& content, const std::filesystem::path& file) {
    std::size_t written = 0;
    while (written < content.size()) {
        ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw file_error(file, "write", errno);
        }
        written += static_cast<std::size_t>(n);
    }
}

// A plain file name: the report goes in `dir`, not somewhere a name with a '/' points to.
void check_name(const std::filesystem::path& dir, const std::string& name) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
        name.find('\0') != std::string::npos)
        throw std::runtime_error("cannot write report in " + dir.string() + ": '" + name +
                                 "' is not a plain file name");
}

}  // namespace

void write_report_file(const std::filesystem::path& dir, const std::string& name,
                       const std::string& content) {
    check_name(dir, name);
    const std::filesystem::path target = dir / name;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error("cannot write report " + target.string() +
                                 ": cannot create the directory " + dir.string() + ": " +
                                 ec.message());

    // The pid and a counter keep concurrent writers (two runs, two threads) off each other's
    // temporary file; O_EXCL makes sure of it. Mode 0666 less the umask, like any new file.
    static std::atomic<unsigned> sequence{0};
    std::filesystem::path temporary;
    int fd = -1;
    for (int attempt = 0; attempt < max_temporary_name_attempts && fd < 0; ++attempt) {
        temporary = dir / ("." + name + ".tmp." + std::to_string(::getpid()) + "." +
                           std::to_string(sequence.fetch_add(1)));
        fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            throw file_error(target, "create " + temporary.string(), errno);
    }
    if (fd < 0) throw file_error(target, "create " + temporary.string(), EEXIST);
    FileDescriptor file(fd);
    try {
        write_all(file.get(), content, target);
        if (::fsync(file.get()) != 0) throw file_error(target, "fsync", errno);
        if (file.release_and_close() != 0) throw file_error(target, "close", errno);
        if (::rename(temporary.c_str(), target.c_str()) != 0)
            throw file_error(target, "rename from " + temporary.string(), errno);
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
    // The rename itself is durable only once the directory is (fsync(2): "also needs an
    // explicit fsync() on a file descriptor for the directory"). A failure here leaves a
    // complete file in place, so it is not worth failing the run over.
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

}  // namespace relaylab::reports
