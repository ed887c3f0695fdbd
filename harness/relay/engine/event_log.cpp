#include "harness/relay/engine/event_log.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "harness/log/timestamp.hpp"

namespace relaylab::relay {

namespace {
// Lines reach the file at least this often while events flow; tests and `tail -f` see them.
constexpr auto flush_interval = std::chrono::milliseconds(200);
constexpr std::size_t file_buffer_bytes = 256 * 1024;
}  // namespace

EventLog::EventLog(const std::filesystem::path& path) {
    file_ = std::fopen(path.c_str(), "a");
    if (!file_) {
        throw std::runtime_error(path.string() +
                                 ": cannot open the event log: " + std::strerror(errno));
    }
    std::setvbuf(file_, nullptr, _IOFBF, file_buffer_bytes);
}

EventLog::~EventLog() {
    close();
}

void EventLog::write(std::string_view event, nlohmann::json fields) {
    if (!file_) return;
    nlohmann::json line = nlohmann::json::object();
    line["ts"] = log::format_rfc3339_ms(std::chrono::system_clock::now());
    line["event"] = event;
    for (auto& [key, value] : fields.items())
        line[key] = std::move(value);
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text.push_back('\n');
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (!file_) return;
    std::fwrite(text.data(), 1, text.size(), file_);
    if (now - last_flush_ >= flush_interval) {
        std::fflush(file_);
        last_flush_ = now;
    }
}

void EventLog::flush() {
    std::lock_guard lock(mutex_);
    if (file_) std::fflush(file_);
}

void EventLog::close() {
    std::lock_guard lock(mutex_);
    if (file_) std::fclose(file_);
    file_ = nullptr;
}

}  // namespace relaylab::relay
