// The runtime's lock (Runtime::mu). Exclusive for everything that changes the
// world or the runtime's tables (sessions, commits, exclusive segments);
// shared for speculative slices, which only read them and keep their writes
// in their own WorldTx. Writers first (pthread's writer-preferring kind): a
// session or a commit waits for the slices running now, not for new ones.
#pragma once

#include <pthread.h>

namespace echo::actors {

class WorldLock {
 public:
  WorldLock() {
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&l_, &a);
    pthread_rwlockattr_destroy(&a);
  }
  ~WorldLock() { pthread_rwlock_destroy(&l_); }
  WorldLock(const WorldLock&) = delete;
  WorldLock& operator=(const WorldLock&) = delete;

  void lock() { pthread_rwlock_wrlock(&l_); }
  bool try_lock() { return pthread_rwlock_trywrlock(&l_) == 0; }
  void unlock() { pthread_rwlock_unlock(&l_); }
  void lock_shared() { pthread_rwlock_rdlock(&l_); }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&l_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&l_); }

 private:
  pthread_rwlock_t l_;
};

}  // namespace echo::actors
