// The tasks waiting for the world token, in two lines: commands (foreground)
// and the rest (forked and resumed tasks, event handlers). When both have
// tasks waiting they take turns, so that thousands of forked tasks cannot
// keep a player's command waiting behind all of them (a fork bomb stalled
// every player for seconds), and a stream of commands cannot starve them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace echo::actors {

class TokenQueue {
 public:
  void push(int64_t id, bool foreground) { (foreground ? fg_ : bg_).push_back(id); }
  bool empty() const { return fg_.empty() && bg_.empty(); }
  size_t size() const { return fg_.size() + bg_.size(); }
  // The next task: the other line's turn when both wait. Not when empty().
  int64_t pop() {
    bool fg = !fg_.empty() && (bg_.empty() || !last_fg_);
    std::deque<int64_t>& q = fg ? fg_ : bg_;
    int64_t id = q.front();
    q.pop_front();
    last_fg_ = fg;
    return id;
  }
  void erase(int64_t id) {
    std::erase(fg_, id);
    std::erase(bg_, id);
  }
  // Its place in its own line, from 1; 0 when it is not waiting.
  size_t place(int64_t id) const {
    for (const std::deque<int64_t>* q : {&fg_, &bg_}) {
      auto at = std::find(q->begin(), q->end(), id);
      if (at != q->end()) return size_t(at - q->begin()) + 1;
    }
    return 0;
  }

 private:
  std::deque<int64_t> fg_, bg_;
  bool last_fg_ = false;
};

}  // namespace echo::actors
