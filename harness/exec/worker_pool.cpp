#include "harness/exec/worker_pool.hpp"

namespace relaylab::exec {

WorkerPool::WorkerPool(WorkerPoolConfig config) : config_(config) {
    if (config_.threads == 0) throw std::invalid_argument("a worker pool needs at least 1 thread");
    if (config_.queue_limit == 0)
        throw std::invalid_argument("a worker pool's queue limit is >= 1");
    threads_.reserve(config_.threads);
    for (unsigned i = 0; i < config_.threads; ++i)
        threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
    shutdown();
}

void WorkerPool::submit(std::unique_ptr<Job> job) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            if (queue_.size() < config_.queue_limit)
                queue_.push_back(std::move(job));
            else
                parked_.push_back(std::move(job));
            ready_.notify_one();
            return;
        }
    }
    job->refuse();  // outside the lock: it posts to the caller's executor
}

void WorkerPool::work() {
    for (;;) {
        std::unique_ptr<Job> job;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing is left
            job = std::move(queue_.front());
            queue_.pop_front();
            // The slot just freed goes to the oldest parked caller.
            if (!parked_.empty()) {
                queue_.push_back(std::move(parked_.front()));
                parked_.pop_front();
            }
            ++running_;
        }
        job->execute();  // also drops the function's captures
        {
            std::lock_guard lock(mutex_);
            --running_;
            ++completed_;
        }
        job->deliver();
    }
}

void WorkerPool::shutdown() {
    std::lock_guard join_lock(shutdown_mutex_);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        // Parked jobs were promised a run: they join the queue now.
        while (!parked_.empty()) {
            queue_.push_back(std::move(parked_.front()));
            parked_.pop_front();
        }
    }
    ready_.notify_all();
    for (std::thread& thread : threads_)
        if (thread.joinable()) thread.join();
    threads_.clear();
}

WorkerPoolStats WorkerPool::stats() const {
    std::lock_guard lock(mutex_);
    return {queue_.size(), parked_.size(), running_, completed_};
}

}  // namespace relaylab::exec
