// The token's two lines (actors/token_queue.h): commands and other tasks
// take turns; an erased task never comes out; and nothing walks a line per
// task, so a fork bomb's 15,000 queued tasks are erased and placed quickly.
#include <catch2/catch.hpp>

#include <chrono>

#include "actors/token_queue.h"

using echo::actors::TokenQueue;

TEST_CASE("token queue: the two lines take turns; erased tasks never come out", "[token]") {
  TokenQueue q;
  for (int64_t id : {1, 2, 3}) q.push(id, false);
  for (int64_t id : {10, 11}) q.push(id, true);
  CHECK(q.size() == 5);
  q.erase(2);
  q.erase(99);  // not waiting: nothing happens
  CHECK(q.size() == 4);
  auto places = q.places();
  CHECK(places.at(1) == 1);
  CHECK(places.at(3) == 2);  // 2 was erased: 3 moved up
  CHECK(places.at(10) == 1);
  CHECK(places.at(11) == 2);
  CHECK_FALSE(places.count(2));
  std::vector<int64_t> order;
  while (!q.empty()) order.push_back(q.pop());
  CHECK(order == std::vector<int64_t>{10, 1, 11, 3});
  // Erased, then queued again: it comes out once.
  q.push(5, false);
  q.erase(5);
  q.push(5, true);
  CHECK(q.size() == 1);
  CHECK(q.pop() == 5);
  CHECK(q.empty());
}

TEST_CASE("token queue: 15,000 tasks are erased and placed without a walk each", "[token]") {
  TokenQueue q;
  const int64_t n = 15000;
  for (int64_t id = 1; id <= n; ++id) q.push(id, id % 100 == 0);
  auto t0 = std::chrono::steady_clock::now();
  auto places = q.places();
  CHECK(places.size() == size_t(n));
  for (int64_t id = 1; id <= n; id += 2) q.erase(id);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(q.size() == size_t(n / 2));
  CHECK(took < 1.0);  // a walk per task: 112M steps, seconds under ASan
  int64_t popped = 0;
  bool all_even = true;
  while (!q.empty()) {
    all_even = all_even && q.pop() % 2 == 0;
    ++popped;
  }
  CHECK(all_even);
  CHECK(popped == n / 2);
}
