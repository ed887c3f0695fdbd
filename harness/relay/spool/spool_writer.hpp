// The spool's writer thread: group commit. Callers on any thread queue records; the thread takes
// everything queued since it last looked (all that arrived while the previous fdatasync ran) and
// hands it to the batch handler in one piece, which writes it with one pwritev, syncs once and
// only then calls each record's `done`. Under load a batch holds as many records as there are
// sessions waiting, so one fdatasync serves them all.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/relay/spool/segment_log.hpp"

namespace relaylab::relay {

class SpoolWriter {
  public:
    using BatchHandler = std::function<void(std::vector<PendingRecord>& batch)>;

    explicit SpoolWriter(BatchHandler handler);
    ~SpoolWriter();  // close()
    SpoolWriter(const SpoolWriter&) = delete;
    SpoolWriter& operator=(const SpoolWriter&) = delete;

    // Queues a record; false (and `record` untouched) once close() has begun.
    bool submit(PendingRecord& record);

    // Hands what is queued to the handler, stops the thread and joins it. Idempotent.
    void close();

  private:
    void run();

    BatchHandler handler_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<PendingRecord> queue_;
    bool closing_ = false;
    std::thread thread_;
};

}  // namespace relaylab::relay
