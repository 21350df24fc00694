// RpcServer's insides, shared by server.cpp (the listener, the Gate and the
// Session) and narrative.cpp (subscriptions). Everything here lives on the
// KJ thread unless it says otherwise.
#pragma once

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <atomic>
#include <functional>
#include <future>
#include <thread>
#include <unordered_map>
#include <vector>
#include <map>
#include <mutex>
#include <string>

#include "net/rpc/echo.capnp.h"
#include "net/rpc/server.h"

namespace echo::rpc {

// A wake-up from any thread for the KJ thread. A kick that comes while
// nothing waits is remembered, so none is lost between a look that found
// nothing and the wait that follows it.
struct Wakeup {
  std::mutex mu;
  kj::Own<kj::CrossThreadPromiseFulfiller<void>> wake;
  bool kicked = false;

  void kick() {  // any thread
    std::lock_guard<std::mutex> lk(mu);
    if (wake) {
      wake->fulfill();
      wake = nullptr;
    } else {
      kicked = true;
    }
  }
  kj::Promise<void> next() {  // the KJ thread: resolves at the next kick (at once if one came)
    std::lock_guard<std::mutex> lk(mu);
    if (kicked) {
      kicked = false;
      return kj::READY_NOW;
    }
    auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
    wake = kj::mv(paf.fulfiller);
    return kj::mv(paf.promise);
  }
};

// The runtime's answers on their way to the KJ thread, together: a burst of
// answers (64 pipelined calls, say) costs the KJ thread one wake-up, not one
// each.
struct Answers {
  std::mutex mu;
  std::vector<std::pair<uint64_t, actors::WebReply>> ready;
  Wakeup wakeup;
};

struct RpcServer::Impl {
  caf::actor_system& sys;
  actors::SessionPort sessions;
  actors::WebPort web;
  RpcOptions opt;
  std::string key;  // the wizard key (64 hex digits); empty: none
  kj::Timer* timer = nullptr;
  std::map<std::string, size_t> per_address;  // open connections
  size_t connections = 0;

  // The KJ thread, and how it is told to stop (from any thread).
  std::thread thread;
  std::mutex stop_mu;
  kj::Own<kj::CrossThreadPromiseFulfiller<void>> stop;
  uint16_t port = 0;
  void run(std::promise<void>& ready);  // the thread's body: ready once listening

  Impl(caf::actor_system& s, actors::SessionPort p, actors::WebPort w, RpcOptions o)
      : sys(s), sessions(p), web(w), opt(std::move(o)) {}
  void log(const std::string& line) const {
    if (opt.log) opt.log(line);
  }
  // A request to the runtime; the promise resolves on this (KJ) thread.
  kj::Promise<actors::WebReply> ask(actors::WebRequest req);
  // Answers come back through `answers`, and deliver_answers() (a loop on
  // the KJ thread) hands each to its caller by number.
  std::shared_ptr<Answers> answers = std::make_shared<Answers>();
  std::unordered_map<uint64_t, kj::Own<kj::PromiseFulfiller<actors::WebReply>>> awaiting;
  uint64_t next_question = 1;
  kj::Promise<void> deliver_answers();
};

// A refusal the client reads as the exception's description.
[[noreturn]] void refuse(const std::string& why);

// Session.subscribe: a connection of `player` whose output goes to `listener`.
// `gone` runs when the narrative ends for good (its capability dropped).
kj::Own<schema::Narrative::Server> open_narrative(RpcServer::Impl& s, int64_t player, const std::string& address,
                                                  schema::Listener::Client listener, std::function<void()> gone);

}  // namespace echo::rpc
