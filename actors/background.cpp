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

int Runtime::start_background(TaskEntry& e, std::shared_ptr<std::function<Value()>> work) {
  int handle;
  {
    std::lock_guard<std::mutex> bl(background_mu_);
    if (int(background_work_.size()) >= background_threads_) return 0;  // e.background stays false
    // ToastStunt's handles are 16 bits: past that, round again to a free one
    // (there is one: background_threads_ is at most kMaxHandle).
    while (next_background_handle_ > kMaxHandle || background_work_.count(next_background_handle_))
      next_background_handle_ = next_background_handle_ > kMaxHandle ? 1 : next_background_handle_ + 1;
    handle = next_background_handle_++;
    background_work_[handle] = e.id;
    ++background_running_;
  }
  e.background = true;
  std::thread([this, handle, id = e.id, work = std::move(work)] {
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
    background_work_.erase(handle);
    if (background_work_.empty()) next_background_handle_ = 1;
    --background_running_;
    background_cv_.notify_all();
  }).detach();
  return handle;
}

void Runtime::set_background_threads(int n) {
  std::lock_guard<std::mutex> bl(background_mu_);
  background_threads_ = n;
}

int Runtime::background_threads() {
  std::lock_guard<std::mutex> bl(background_mu_);
  return background_threads_;
}

std::vector<int64_t> Runtime::background_handles() {
  std::lock_guard<std::mutex> bl(background_mu_);
  std::vector<int64_t> out;
  for (const auto& [handle, task] : background_work_) out.push_back(handle);
  return out;
}

void Runtime::wait_background() {
  std::unique_lock<std::mutex> bl(background_mu_);
  background_cv_.wait(bl, [&] { return background_running_ == 0; });
}

}  // namespace echo::actors
