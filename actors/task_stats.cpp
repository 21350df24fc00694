// What ToastStunt's task statistics builtins read from the runtime
// (actors/toast_task_builtins.cpp): the finished segments kept for
// finished_tasks(), and the task queues of queue_info().
#include <memory>

#include "actors/runtime_impl.h"

namespace echo::actors {

// ToastStunt records RUN_ACTIV as its interpreter starts: the frame the
// segment starts in (a resumed task's innermost one).
void Runtime::segment_begins(TaskEntry& e) {
  if (!e.task || e.task->frames().empty()) return;
  const Frame& f = e.task->frames().back();
  auto r = std::make_unique<FinishedTask>();
  r->this_obj = f.this_obj;
  r->player = f.player;
  r->progr = f.progr;
  r->definer = f.definer;
  r->verb = f.verb_name;
  r->fullverb = f.verb_names;
  // ToastStunt runs a resumed task as a background one (resume_from_previous_vm).
  r->foreground = e.foreground && !e.has_suspended;
  e.finished = std::move(r);
}

// At the end of a segment (after its commit): kept, and the oldest dropped
// past the limit; a limit set to 0 drops them all.
void Runtime::segment_ends(TaskEntry& e, TaskStatus st) {
  std::unique_ptr<FinishedTask> r = std::move(e.finished);
  int64_t limit = finished_tasks_limit_.load(std::memory_order_relaxed);
  if (limit <= 0) {
    finished_.clear();
    return;
  }
  r->suspended = st == TaskStatus::Suspended;
  finished_.push_back(std::move(*r));
  while (int64_t(finished_.size()) > limit) finished_.pop_front();
}

std::vector<FinishedTask> Runtime::finished_tasks() {
  int64_t limit = finished_tasks_limit_.load(std::memory_order_relaxed);
  if (limit <= 0) return {};
  // The limit lowered since the last record: only the newest (a reader may
  // hold mu shared, so it does not trim).
  size_t from = finished_.size() > size_t(limit) ? finished_.size() - size_t(limit) : 0;
  return std::vector<FinishedTask>(finished_.begin() + std::ptrdiff_t(from), finished_.end());
}

std::vector<Connection*> Runtime::task_queues() {
  std::vector<Connection*> out;
  for (auto& [h, c] : conns_)
    if (!c.extra && !c.closed) out.push_back(&c);
  return out;
}

// What counts as one of progr's queued tasks (under_task_limit's count):
// not the one running, nor a command that has not run yet.
bool Runtime::is_queued(int64_t id, const TaskEntry& e) const {
  return e.task && !e.killed && id != current_ && !e.task->frames().empty() &&
         (e.state == TaskEntry::Sleeping || (e.state == TaskEntry::Ready && e.persisted));
}

int64_t Runtime::queued_tasks_of(int64_t progr) {
  int64_t n = 0;
  for (auto& [id, e] : tasks_)
    if (is_queued(id, *e) && e->task->frames().back().progr == progr) ++n;
  return n;
}

std::set<int64_t> Runtime::queued_task_owners() {
  std::set<int64_t> out;
  for (auto& [id, e] : tasks_)
    if (is_queued(id, *e)) out.insert(e->task->frames().back().progr);
  return out;
}

}  // namespace echo::actors
