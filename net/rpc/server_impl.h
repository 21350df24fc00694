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
#include <map>
#include <mutex>
#include <string>

#include "net/rpc/echo.capnp.h"
#include "net/rpc/server.h"

namespace echo::rpc {

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
  kj::Promise<actors::WebReply> ask(actors::WebRequest req) const;
};

// A refusal the client reads as the exception's description.
[[noreturn]] void refuse(const std::string& why);

// Session.subscribe: a connection of `player` whose output goes to `listener`.
// `gone` runs when the narrative ends for good (its capability dropped).
kj::Own<schema::Narrative::Server> open_narrative(RpcServer::Impl& s, int64_t player, const std::string& address,
                                                  schema::Listener::Client listener, std::function<void()> gone);

}  // namespace echo::rpc
