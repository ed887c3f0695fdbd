#include "fake-mx/capture/maildir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

namespace relaylab::fakemx::capture {
namespace {

std::string errno_text(int error) {
    return std::strerror(error);
}

void make_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return;
        throw std::runtime_error("Maildir " + path + ": exists and is not a directory");
    }
    throw std::runtime_error("Maildir " + path + ": cannot create directory: " + errno_text(errno));
}

// The Maildir spec replaces '/' by "\057" and ':' by "\072" in the host part of names.
std::string escaped_hostname() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) std::strcpy(name, "localhost");
    std::string out;
    for (const char* p = name; *p; ++p) {
        if (*p == '/')
            out += "\\057";
        else if (*p == ':')
            out += "\\072";
        else
            out += *p;
    }
    return out;
}

class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

  private:
    int fd_;
};

}  // namespace

Maildir::Maildir(std::string dir, bool fsync)
    : dir_(std::move(dir)), fsync_(fsync), host_(escaped_hostname()), pid_(::getpid()) {
    while (dir_.size() > 1 && dir_.back() == '/')
        dir_.pop_back();
    make_dir(dir_);
    make_dir(dir_ + "/tmp");
    make_dir(dir_ + "/new");
    make_dir(dir_ + "/cur");
    std::random_device device;
    random_ = (static_cast<std::uint64_t>(device()) << 32) | device();
}

std::string Maildir::file_for(std::int64_t received_us, std::uint64_t seq) const {
    char buffer[128];
    std::snprintf(buffer, sizeof buffer, "new/%lld.M%06lldP%ldR%016llxQ%llu.",
                  static_cast<long long>(received_us / 1'000'000),
                  static_cast<long long>(received_us % 1'000'000), pid_,
                  static_cast<unsigned long long>(random_), static_cast<unsigned long long>(seq));
    return buffer + host_;
}

std::optional<std::string> Maildir::deliver(std::int64_t received_us, std::uint64_t seq,
                                            std::string_view content) const {
    std::string name = file_for(received_us, seq);
    std::string final_path = dir_ + '/' + name;
    std::string tmp_path = dir_ + "/tmp/" + name.substr(4);  // "new/" → "tmp/"

    FileDescriptor fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) return tmp_path + ": " + errno_text(errno);
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd.get(), p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            std::string error = tmp_path + ": write: " + errno_text(errno);
            ::unlink(tmp_path.c_str());
            return error;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (fsync_ && ::fsync(fd.get()) != 0) {
        std::string error = tmp_path + ": fsync: " + errno_text(errno);
        ::unlink(tmp_path.c_str());
        return error;
    }
    if (::close(fd.release()) != 0) {
        std::string error = tmp_path + ": close: " + errno_text(errno);
        ::unlink(tmp_path.c_str());
        return error;
    }
    if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
        std::string error = final_path + ": rename: " + errno_text(errno);
        ::unlink(tmp_path.c_str());
        return error;
    }
    return std::nullopt;
}

bool Maildir::exists(std::string_view file) const {
    std::string path = dir_ + '/' + std::string(file);
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::optional<std::string> Maildir::read(std::string_view file, std::uint64_t max_bytes) const {
    std::string path = dir_ + '/' + std::string(file);
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return std::nullopt;
    std::string content;
    char buffer[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        if (content.size() + static_cast<std::size_t>(n) > max_bytes) return std::nullopt;
        content.append(buffer, static_cast<std::size_t>(n));
    }
    return content;
}

}  // namespace relaylab::fakemx::capture
