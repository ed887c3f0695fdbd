// A shared mutex that lets a waiting writer in before new readers. std::shared_mutex on glibc
// prefers readers: API queries that overlap one another could keep the SMTP threads' add()
// waiting for as long as the queries last. With this one a writer waits at most for the
// readers already inside, and the store's readers hold it for one bounded chunk at a time.
// Meets SharedMutex, so std::unique_lock and std::shared_lock work with it.
#pragma once

#include <pthread.h>

#include <system_error>

namespace relaylab::fakemx::capture {

class WriterPreferringMutex {
  public:
    WriterPreferringMutex() {
        pthread_rwlockattr_t attr;
        pthread_rwlockattr_init(&attr);
        // glibc's writer preference; the _NONRECURSIVE kind is the one that honours it.
        pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
        int error = pthread_rwlock_init(&lock_, &attr);
        pthread_rwlockattr_destroy(&attr);
        if (error != 0) throw std::system_error(error, std::generic_category(), "rwlock init");
    }
    ~WriterPreferringMutex() { pthread_rwlock_destroy(&lock_); }
    WriterPreferringMutex(const WriterPreferringMutex&) = delete;
    WriterPreferringMutex& operator=(const WriterPreferringMutex&) = delete;

    void lock() { pthread_rwlock_wrlock(&lock_); }
    bool try_lock() { return pthread_rwlock_trywrlock(&lock_) == 0; }
    void unlock() { pthread_rwlock_unlock(&lock_); }
    void lock_shared() { pthread_rwlock_rdlock(&lock_); }
    bool try_lock_shared() { return pthread_rwlock_tryrdlock(&lock_) == 0; }
    void unlock_shared() { pthread_rwlock_unlock(&lock_); }

  private:
    pthread_rwlock_t lock_;
};

}  // namespace relaylab::fakemx::capture
