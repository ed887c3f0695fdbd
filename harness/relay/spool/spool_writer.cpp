#include "harness/relay/spool/spool_writer.hpp"

#include <utility>

#include "harness/log/log.hpp"

namespace relaylab::relay {

SpoolWriter::SpoolWriter(BatchHandler handler) : handler_(std::move(handler)) {
    thread_ = std::thread([this] { run(); });
}

SpoolWriter::~SpoolWriter() {
    close();
}

bool SpoolWriter::submit(PendingRecord& record) {
    {
        std::lock_guard lock(mutex_);
        if (closing_) return false;
        queue_.push_back(std::move(record));
    }
    wake_.notify_one();
    return true;
}

void SpoolWriter::close() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void SpoolWriter::run() {
    std::vector<PendingRecord> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
            if (queue_.empty()) return;  // closing, and everything queued was handled
            batch.swap(queue_);
        }
        try {
            handler_(batch);
        } catch (const std::exception& e) {
            // Out of memory, most likely. The thread goes on (every later store needs it); the
            // records not yet answered fail, so no caller waits forever or says 250 wrongly.
            log::error("spool.writer_failed", {{"records", batch.size()}, {"error", e.what()}});
            for (PendingRecord& record : batch) {
                if (record.done)
                    std::exchange(record.done,
                                  nullptr)(std::make_error_code(std::errc::not_enough_memory));
            }
        }
        batch.clear();
    }
}

}  // namespace relaylab::relay
