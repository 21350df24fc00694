// The tasks waiting for the world token, in two lines: commands (foreground)
// and the rest (forked and resumed tasks, event handlers). When both have
// tasks waiting they take turns, so that thousands of forked tasks cannot
// keep a player's command waiting behind all of them (a fork bomb stalled
// every player for seconds), and a stream of commands cannot starve them.
//
// Nothing here walks a line per task: a fork bomb queues 15,000 tasks, and
// erasing each one killed (or finding each one's place for the monitor) by a
// walk made both quadratic, seconds under the world lock. An erased task is
// dropped when it reaches the front.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace echo::actors {

class TokenQueue {
 public:
  void push(int64_t id, bool foreground) {
    (foreground ? fg_ : bg_).push_back(id);
    ++queued_[id];
  }
  bool empty() const { return queued_.empty(); }
  size_t size() const { return queued_.size(); }
  // The next task: the other line's turn when both wait. Not when empty().
  int64_t pop() {
    for (;;) {
      bool fg = !fg_.empty() && (bg_.empty() || !last_fg_);
      std::deque<int64_t>& q = fg ? fg_ : bg_;
      int64_t id = q.front();
      q.pop_front();
      if (auto g = gone_.find(id); g != gone_.end()) {  // erased while it waited
        gone_.erase(g);
        continue;
      }
      if (auto it = queued_.find(id); it != queued_.end() && --it->second == 0) queued_.erase(it);
      last_fg_ = fg;
      return id;
    }
  }
  void erase(int64_t id) {
    auto it = queued_.find(id);
    if (it == queued_.end()) return;
    for (int n = it->second; n > 0; --n) gone_.insert(id);
    queued_.erase(it);
  }
  // Each waiting task's place in its own line, from 1 (one walk for all).
  std::unordered_map<int64_t, size_t> places() const {
    std::unordered_map<int64_t, size_t> out;
    for (const std::deque<int64_t>* q : {&fg_, &bg_}) {
      size_t n = 0;
      for (int64_t id : *q)
        if (queued_.count(id)) out.try_emplace(id, ++n);
    }
    return out;
  }

 private:
  std::deque<int64_t> fg_, bg_;
  std::unordered_map<int64_t, int> queued_;  // how many times each waits (once, in practice)
  std::unordered_multiset<int64_t> gone_;    // erased, still in a line
  bool last_fg_ = false;
};

}  // namespace echo::actors
