// A builtin's long work on a thread of its own (BuiltinContext::in_background):
// the task sleeps, its segment committed, while the work runs without the
// world token or the world lock, so that one wizard's crypt() of 40 million
// rounds holds up no one else; the work's end resumes the task, as
// ToastStunt's background threads do (background.cc).
#include <caf/all.hpp>

#include <optional>
#include <thread>

#include "actors/runtime_impl.h"

namespace echo::actors {

void Runtime::start_background(TaskEntry& e, std::shared_ptr<std::function<Value()>> work) {
  {
    std::lock_guard<std::mutex> bl(background_mu_);
    if (background_running_ >= kMaxBackground) return;  // e.background stays false
    ++background_running_;
  }
  e.background = true;
  std::thread([this, id = e.id, work = std::move(work)] {
    Value v;
    std::optional<MooError> err;
    try {
      v = (*work)();
    } catch (MooError& me) {
      err = std::move(me);
    } catch (const std::exception& ex) {
      err = MooError(E_QUOTA, std::string("background work failed: ") + ex.what());
    }
    {
      std::unique_lock<WorldLock> lk(mu);
      TaskEntry* t = task(id);
      // Killed, or the server is stopping (it was saved as waiting: a
      // restart resumes it with E_INVARG), or resume()d by nobody else.
      if (!stopping_ && t && !t->killed && t->background && t->state == TaskEntry::Sleeping && t->task) {
        t->background = false;
        if (!err)
          t->task->resume(std::move(v));
        else
          t->task->resume_raise(err->code.is_err() ? err->code.as_err() : E_INVARG, err->message, err->value);
        t->task->set_limits(limits(false));
        t->state = TaskEntry::Ready;
        t->wake_at = 0;
        dirty_tasks_.insert(id);
        enqueue(id);
      }
      v = Value();  // freed here, under mu, where the task's values live
    }
    // Last: once running_ is 0 the runtime may be destroyed.
    std::lock_guard<std::mutex> bl(background_mu_);
    --background_running_;
    background_cv_.notify_all();
  }).detach();
}

void Runtime::wait_background() {
  std::unique_lock<std::mutex> bl(background_mu_);
  background_cv_.wait(bl, [&] { return background_running_ == 0; });
}

}  // namespace echo::actors
