#include "harness/relay/engagement/suppression_list.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "harness/log/log.hpp"
#include "probes/auth/message_headers.hpp"

namespace relaylab::relay {

namespace {

constexpr std::size_t read_chunk_bytes = 64 * 1024;

// What the file keeps: the address as unsubscribed, its domain lower-cased (RFC 5321 2.4).
std::string stored_form(std::string_view address) {
    auto at = address.rfind('@');
    return std::string(address.substr(0, at + 1)) + auth::to_lower(address.substr(at + 1));
}

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what, int error) {
    throw std::system_error(error, std::generic_category(), file.string() + ": " + what);
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& file) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(file, "cannot append to the suppression list", errno);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

// A new file's directory entry must be durable too, or a crash can lose the whole file.
void fsync_directory(const std::filesystem::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

std::optional<std::string> SuppressionList::key_of(std::string_view address) {
    if (address.empty() || address.size() > max_suppressed_address_bytes) return std::nullopt;
    for (unsigned char c : address) {
        // Lines are the file's records, and nothing that is not part of a mailbox belongs in
        // one (RFC 5321 4.1.2 has no controls or spaces outside quoted strings; we refuse those
        // too rather than parse quoting).
        if (c <= 0x20 || c == 0x7f) return std::nullopt;
    }
    auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return std::nullopt;
    return auth::to_lower(address);
}

SuppressionList::SuppressionList(std::filesystem::path file) : file_(std::move(file)) {
    std::error_code ec;
    if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
    bool existed = std::filesystem::exists(file_, ec);
    load();
    fd_ = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw std::runtime_error(file_.string() +
                                 ": cannot open the suppression list for appending: " +
                                 std::generic_category().message(errno));
    }
    if (!existed) fsync_directory(file_.parent_path());
}

SuppressionList::~SuppressionList() {
    if (fd_ >= 0) ::close(fd_);
}

void SuppressionList::load() {
    int fd = ::open(file_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;
        throw std::runtime_error(file_.string() + ": cannot read the suppression list: " +
                                 std::generic_category().message(errno));
    }
    std::string line;
    bool overlong = false;
    std::size_t line_number = 0;
    off_t offset = 0;
    off_t last_line_end = 0;  // just after the last '\n'
    auto finish_line = [&] {
        ++line_number;
        std::string_view text(line);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (overlong) {
            ++loaded_.skipped_lines;
            log::warn("relay.suppression_line_skipped",
                      {{"file", file_.string()}, {"line", line_number}, {"why", "too long"}});
        } else if (!text.empty() && text.front() != '#') {
            if (auto key = key_of(text)) {
                keys_.insert(std::move(*key));
            } else {
                ++loaded_.skipped_lines;
                log::warn(
                    "relay.suppression_line_skipped",
                    {{"file", file_.string()}, {"line", line_number}, {"why", "not an address"}});
            }
        }
        line.clear();
        overlong = false;
    };
    std::array<char, read_chunk_bytes> buffer{};
    for (;;) {
        ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            int error = errno;
            ::close(fd);
            throw std::runtime_error(file_.string() + ": cannot read the suppression list: " +
                                     std::generic_category().message(error));
        }
        if (n == 0) break;
        for (ssize_t i = 0; i < n; ++i) {
            char c = buffer[static_cast<std::size_t>(i)];
            ++offset;
            if (c == '\n') {
                finish_line();
                last_line_end = offset;
            } else if (line.size() <= max_suppressed_address_bytes) {
                line += c;  // one octet past the limit marks it, bounded memory either way
            } else {
                overlong = true;
            }
        }
    }
    if (offset != last_line_end) {
        // Written by a crash mid-append, so never acknowledged: cut it off so the next
        // address does not land on the end of it.
        loaded_.torn_tail = true;
        log::warn("relay.suppression_torn_line",
                  {{"file", file_.string()}, {"dropped_bytes", offset - last_line_end}});
        if (::ftruncate(fd, last_line_end) != 0 || ::fsync(fd) != 0) {
            int error = errno;
            ::close(fd);
            throw std::runtime_error(file_.string() + ": cannot cut its torn last line: " +
                                     std::generic_category().message(error));
        }
    }
    ::close(fd);
    loaded_.addresses = keys_.size();
}

SuppressionAdd SuppressionList::add(std::string_view address) {
    auto key = key_of(address);
    if (!key) return SuppressionAdd::invalid;
    std::lock_guard file_lock(file_mutex_);
    if (contains(address)) return SuppressionAdd::already;
    std::string line = stored_form(address) + '\n';
    struct stat before {};
    if (::fstat(fd_, &before) != 0) fail(file_, "cannot stat the suppression list", errno);
    try {
        write_all(fd_, line, file_);
        if (::fdatasync(fd_) != 0) fail(file_, "cannot fsync the suppression list", errno);
    } catch (...) {
        // A half-written line (disk full) would glue the next address onto it: take it back.
        if (::ftruncate(fd_, before.st_size) != 0) {
            log::error("relay.suppression_truncate_failed", {{"file", file_.string()}});
        }
        throw;
    }
    std::unique_lock set_lock(set_mutex_);
    keys_.insert(std::move(*key));
    return SuppressionAdd::added;
}

bool SuppressionList::contains(std::string_view address) const {
    auto key = key_of(address);
    if (!key) return false;
    std::shared_lock lock(set_mutex_);
    return keys_.contains(*key);
}

std::size_t SuppressionList::size() const {
    std::shared_lock lock(set_mutex_);
    return keys_.size();
}

}  // namespace relaylab::relay
