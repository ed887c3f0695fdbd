#include "harness/http/response_stream.hpp"

#include <utility>

namespace relaylab::http {

ResponseStream::ResponseStream(StreamLimits limits) : limits_(std::move(limits)) {}

void ResponseStream::wake_locked() {
    if (waker_) waker_();
}

bool ResponseStream::push(std::string_view bytes) {
    std::lock_guard lock(mutex_);
    if (state_ != State::open) return false;
    const std::size_t max = limits_.max_pending_bytes;
    if (bytes.size() > max || pending_.size() > max - bytes.size()) {
        state_ = State::cut;
        pending_.clear();
        pending_.shrink_to_fit();
        wake_locked();
        return false;
    }
    pending_.append(bytes);
    wake_locked();
    return true;
}

bool ResponseStream::replace(std::string bytes) {
    std::lock_guard lock(mutex_);
    if (state_ != State::open) return false;
    pending_ = std::move(bytes);
    wake_locked();
    return true;
}

void ResponseStream::close() {
    std::lock_guard lock(mutex_);
    if (state_ != State::open) return;
    state_ = State::closing;
    wake_locked();
}

bool ResponseStream::ended() const {
    std::lock_guard lock(mutex_);
    return state_ != State::open;
}

bool ResponseStream::wait_done(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return done_changed_.wait_for(lock, timeout, [this] { return state_ == State::done; });
}

ResponseStream::Taken ResponseStream::take() {
    std::lock_guard lock(mutex_);
    Taken taken;
    taken.bytes = std::exchange(pending_, {});
    taken.last = state_ == State::closing;
    taken.cut = state_ == State::cut || state_ == State::done;
    return taken;
}

void ResponseStream::set_waker(std::function<void()> waker) {
    std::lock_guard lock(mutex_);
    waker_ = std::move(waker);
}

void ResponseStream::detach() {
    {
        std::lock_guard lock(mutex_);
        state_ = State::done;
        waker_ = nullptr;
        pending_.clear();
    }
    done_changed_.notify_all();
}

}  // namespace relaylab::http
