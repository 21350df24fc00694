// The RPC listener (net/rpc/server.h): the KJ thread, the Gate (the only
// thing a connection reaches before authenticating) and the Session, whose
// every call is one request to the runtime (actors/web.h), as over HTTP.
#include "net/rpc/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "lang/map.h"
#include "net/rpc/guard.h"
#include "net/rpc/server_impl.h"
#include "net/rpc/values.h"

namespace echo::rpc {

namespace {

using actors::WebReply;
using actors::WebRequest;

constexpr size_t kMaxName = 256;       // object references, verb and property names, syntaxes
constexpr size_t kMaxCode = 1 << 20;   // code and verb source
constexpr size_t kMaxArgs = 10000;     // a verb call's arguments
constexpr size_t kMaxNarratives = 4;   // subscriptions open at once, per connection

// What one connection holds (KJ thread only).
struct ConnectionBudget {
  size_t sessions = 0, narratives = 0;
};

std::string text(capnp::Text::Reader t, size_t max, const char* what) {
  if (t.size() > max) refuse(std::string(what) + " is longer than " + std::to_string(max) + " bytes");
  return std::string(t.cStr(), t.size());
}

// A request's syntax: empty (the default), "moo" or "echo"; the runtime
// checks it again (one rule), this only bounds it.
std::string syntax_of(capnp::Text::Reader t) { return text(t, 16, "syntax"); }

// The member of a map answer that is the answer itself ("result" of a task,
// "value" of a property read), or the whole of it.
Value member_or_all(const Value& body, const char* member) {
  if (!member || !body.is_map()) return body;
  long i = body.map_obj()->find(Value::str(member));
  return i >= 0 ? body.map_obj()->entries[size_t(i)].second : body;
}

void fill(schema::Outcome::Builder out, const WebReply& r, const char* member) {
  if (r.status == 202 && r.body.is_map()) {  // a task that suspended or reads: {"task": id}
    long i = r.body.map_obj()->find(Value::str("task"));
    if (i >= 0 && r.body.map_obj()->entries[size_t(i)].second.is_int()) {
      out.setRunning(r.body.map_obj()->entries[size_t(i)].second.as_int());
      return;
    }
  }
  if (r.status < 300) {
    try {
      to_wire(member_or_all(r.body, member), out.initOk());
      return;
    } catch (const ValueError& e) {
      auto f = out.initFailed();
      f.setError("unrepresentable");
      f.setMessage(std::string("the answer has no wire form: ") + e.what());
      return;
    }
  }
  auto f = out.initFailed();
  f.setError(r.error);
  f.setMessage(r.message);
  if (!r.traceback.empty()) {
    auto tb = f.initTraceback(unsigned(r.traceback.size()));
    for (size_t i = 0; i < r.traceback.size(); ++i) tb.set(unsigned(i), r.traceback[i]);
  }
  if (!r.compile_errors.empty()) {
    auto ce = f.initCompileErrors(unsigned(r.compile_errors.size()));
    for (size_t i = 0; i < r.compile_errors.size(); ++i) {
      ce[unsigned(i)].setLine(uint32_t(r.compile_errors[i].line));
      ce[unsigned(i)].setColumn(uint32_t(r.compile_errors[i].column));
      ce[unsigned(i)].setMessage(r.compile_errors[i].message);
    }
  }
}

// A player's capability. A token session is checked again at every call,
// so a logout or boot_player() ends it at once; a key session lasts as long
// as its connection.
class SessionImpl final : public schema::Session::Server {
 public:
  SessionImpl(RpcServer::Impl& s, int64_t player, std::string token, std::string address,
              std::shared_ptr<ConnectionBudget> budget)
      : s_(s), player_(player), token_(std::move(token)), address_(std::move(address)), budget_(std::move(budget)) {
    ++budget_->sessions;
  }
  ~SessionImpl() { --budget_->sessions; }

  kj::Promise<void> whoami(WhoamiContext c) override {
    WebRequest r = req(WebRequest::GetPlayer);
    r.object = "#" + std::to_string(player_);
    return answer(c, std::move(r));
  }
  kj::Promise<void> eval(EvalContext c) override {
    WebRequest r = req(WebRequest::Eval);
    r.source = text(c.getParams().getCode(), kMaxCode, "code");
    r.syntax = syntax_of(c.getParams().getSyntax());
    return answer(c, std::move(r));
  }
  kj::Promise<void> call(CallContext c) override {
    auto p = c.getParams();
    WebRequest r = req(WebRequest::CallVerb, p.getObject(), p.getVerb());
    if (p.getArgs().size() > kMaxArgs) refuse("a call takes at most 10000 arguments");
    r.args = Value::empty_list();
    try {
      for (auto a : p.getArgs()) list_append(r.args, from_wire(a));
    } catch (const ValueError& e) {
      refuse(std::string("args: ") + e.what());
    }
    return answer(c, std::move(r));
  }
  kj::Promise<void> object(ObjectContext c) override {
    return answer(c, req(WebRequest::GetObject, c.getParams().getObject()));
  }
  kj::Promise<void> getProperty(GetPropertyContext c) override {
    return answer(c, req(WebRequest::GetProperty, c.getParams().getObject(), c.getParams().getName()));
  }
  kj::Promise<void> setProperty(SetPropertyContext c) override {
    auto p = c.getParams();
    WebRequest r = req(WebRequest::PutProperty, p.getObject(), p.getName());
    try {
      r.value = from_wire(p.getValue());
    } catch (const ValueError& e) {
      refuse(std::string("value: ") + e.what());
    }
    return answer(c, std::move(r));
  }
  kj::Promise<void> verbs(VerbsContext c) override {
    return answer(c, req(WebRequest::ListVerbs, c.getParams().getObject()));
  }
  kj::Promise<void> getVerb(GetVerbContext c) override {
    return answer(c, req(WebRequest::GetVerb, c.getParams().getObject(), c.getParams().getName()));
  }
  kj::Promise<void> program(ProgramContext c) override {
    auto p = c.getParams();
    WebRequest r = req(WebRequest::PutVerb, p.getObject(), p.getName());
    r.source = text(p.getSource(), kMaxCode, "source");
    r.syntax = syntax_of(p.getSyntax());
    return answer(c, std::move(r));
  }
  kj::Promise<void> create(CreateContext c) override {
    return answer(c, req(WebRequest::CreateObject, c.getParams().getParent()));
  }
  kj::Promise<void> recycle(RecycleContext c) override {
    return answer(c, req(WebRequest::RecycleObject, c.getParams().getObject()));
  }
  kj::Promise<void> tasks(TasksContext c) override { return answer(c, req(WebRequest::QueuedTasks)); }
  kj::Promise<void> killTask(KillTaskContext c) override {
    WebRequest r = req(WebRequest::KillOwnTask);
    r.task = c.getParams().getTask();
    return answer(c, std::move(r));
  }
  kj::Promise<void> taskResult(TaskResultContext c) override {
    WebRequest r = req(WebRequest::TaskResult);
    r.task = c.getParams().getTask();
    return answer(c, std::move(r));
  }
  kj::Promise<void> snapshot(SnapshotContext c) override {
    s_.log("RPC: #" + std::to_string(player_) + " from " + address_ + " asks for a snapshot");
    return answer(c, req(WebRequest::TakeSnapshot));
  }
  kj::Promise<void> monitor(MonitorContext c) override {
    WebRequest r = req(WebRequest::Monitor);
    r.name = text(c.getParams().getFilter(), kMaxName, "filter");
    r.limit = c.getParams().getLimit();
    if (r.limit < 1 || r.limit > 1000) refuse("limit is from 1 to 1000");
    return answer(c, std::move(r));
  }
  kj::Promise<void> subscribe(SubscribeContext c) override {
    check();
    if (budget_->narratives >= kMaxNarratives) refuse("at most 4 narratives per connection");
    ++budget_->narratives;
    c.getResults().setNarrative(open_narrative(s_, player_, address_, c.getParams().getListener(),
                                               [b = budget_] { --b->narratives; }));
    return kj::READY_NOW;
  }

 private:
  void check() const {
    if (!token_.empty() && s_.web.authenticate(token_) != player_)
      refuse("the session token has expired or was revoked (log in again)");
  }
  WebRequest req(WebRequest::Kind kind, capnp::Text::Reader object = nullptr,
                 capnp::Text::Reader name = nullptr) const {
    check();
    WebRequest r;
    r.kind = kind;
    r.player = player_;
    if (object != nullptr) r.object = text(object, kMaxName, "an object reference");
    if (name != nullptr) r.name = text(name, kMaxName, "a name");
    return r;
  }
  template <class Context>
  kj::Promise<void> answer(Context c, WebRequest r) {
    const char* member = nullptr;
    switch (r.kind) {
      case WebRequest::GetProperty: member = "value"; break;
      case WebRequest::GetObject: case WebRequest::GetPlayer: case WebRequest::GetVerb: case WebRequest::ListVerbs:
      case WebRequest::Monitor: case WebRequest::TakeSnapshot: member = nullptr; break;
      default: member = "result";  // a task's answer: {"result": value}
    }
    return s_.ask(std::move(r)).then(
        [c, member](WebReply reply) mutable { fill(c.getResults().initOutcome(), reply, member); });
  }

  RpcServer::Impl& s_;
  int64_t player_;
  std::string token_;
  std::string address_;
  std::shared_ptr<ConnectionBudget> budget_;
};

bool same_key(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;  // every byte compared: the time says nothing of where they differ
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

class GateImpl final : public schema::Gate::Server {
 public:
  GateImpl(RpcServer::Impl& s, std::string address)
      : s_(s), address_(std::move(address)), budget_(std::make_shared<ConnectionBudget>()) {}

  kj::Promise<void> version(VersionContext c) override {
    c.getResults().setProtocol(schema::PROTOCOL_VERSION);
    c.getResults().setServer("Echo 0.1");
    return kj::READY_NOW;
  }
  kj::Promise<void> withToken(WithTokenContext c) override {
    room();
    std::string token = text(c.getParams().getToken(), 64, "a token");
    int64_t player = s_.web.authenticate(token);
    if (player < 0) {
      s_.log("RPC: a refused token from " + address_);
      refuse("the session token is unknown, has expired or was revoked");
    }
    c.getResults().setSession(kj::heap<SessionImpl>(s_, player, token, address_, budget_));
    return kj::READY_NOW;
  }
  kj::Promise<void> withKey(WithKeyContext c) override {
    room();
    std::string key = text(c.getParams().getKey(), 64, "a key");
    if (s_.key.empty()) refuse("this server takes no key logins");
    if (!same_key(key, s_.key)) {
      s_.log("RPC: a wrong key from " + address_);
      refuse("the key is wrong (it is in NAME.db/rpc.key on the world's machine, new at each start)");
    }
    WebRequest r;
    r.kind = WebRequest::KeyWizard;
    r.task = c.getParams().getPlayer();
    return s_.ask(std::move(r)).then([this, c](WebReply reply) mutable {
      if (reply.status >= 300 || !reply.body.is_obj()) refuse(reply.message);
      int64_t player = reply.body.as_obj();
      s_.log("RPC: the key logs in as #" + std::to_string(player) + " from " + address_);
      c.getResults().setSession(kj::heap<SessionImpl>(s_, player, std::string(), address_, budget_));
    });
  }

 private:
  // Each login holds a Session until the client drops it: a bound, so
  // that logging in again and again cannot grow the server.
  void room() const {
    if (budget_->sessions >= s_.opt.max_sessions_per_connection)
      refuse("at most " + std::to_string(s_.opt.max_sessions_per_connection) + " sessions per connection");
  }

  RpcServer::Impl& s_;
  std::string address_;
  std::shared_ptr<ConnectionBudget> budget_;
};

std::string peer_address(kj::AsyncIoStream& s) {
  sockaddr_storage ss{};
  uint len = sizeof ss;
  try {
    s.getpeername(reinterpret_cast<sockaddr*>(&ss), &len);
  } catch (const kj::Exception&) {
    return "unknown";
  }
  char buf[INET6_ADDRSTRLEN] = "unknown";
  if (ss.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  else if (ss.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
  return buf;
}

struct Connection {
  BoundedStream stream;
  capnp::AsyncIoMessageStream raw_messages;
  GuardedMessages messages;
  capnp::TwoPartyVatNetwork network;
  capnp::RpcSystem<capnp::rpc::twoparty::VatId> rpc;
  Connection(RpcServer::Impl& s, kj::Own<kj::AsyncIoStream> raw, const std::string& address,
             capnp::ReaderOptions options)
      : stream(kj::mv(raw), s),
        raw_messages(stream),
        messages(raw_messages, s.opt.max_open_questions),
        network(messages, capnp::rpc::twoparty::Side::SERVER, options),
        rpc(capnp::makeRpcServer(network, kj::heap<GateImpl>(s, address))) {
    rpc.setFlowLimit(s.opt.flow_limit_words);
    // Bytes and messages both: each message queued in the network holds a
    // first segment of 8 KiB however little of it is used.
    stream.backlogged = [this, &s] {
      return network.getCurrentQueueSize() + stream.unsent() > s.opt.max_backlog_bytes ||
             network.getCurrentQueueCount() > s.opt.max_backlog_messages;
    };
  }
};

struct LogErrors final : kj::TaskSet::ErrorHandler {
  RpcServer::Impl& s;
  explicit LogErrors(RpcServer::Impl& i) : s(i) {}
  void taskFailed(kj::Exception&& e) override {
    if (e.getType() != kj::Exception::Type::DISCONNECTED) s.log("RPC: " + std::string(e.getDescription().cStr()));
  }
};

kj::Promise<void> accept_loop(RpcServer::Impl& s, kj::ConnectionReceiver& listener, kj::TaskSet& tasks) {
  return listener.accept().then([&s, &listener, &tasks](kj::Own<kj::AsyncIoStream> raw) {
    std::string address = peer_address(*raw);
    size_t& mine = s.per_address[address];
    if (s.connections >= s.opt.max_connections || mine >= s.opt.max_connections_per_address) {
      if (mine == 0) s.per_address.erase(address);
      s.log("RPC: refused a connection from " + address + " (" + std::to_string(s.connections) + " open, " +
            std::to_string(mine) + " from there)");
      return accept_loop(s, listener, tasks);  // `raw` closes here
    }
    ++mine;
    ++s.connections;
    capnp::ReaderOptions options;
    options.traversalLimitInWords = s.opt.traversal_limit_words;
    options.nestingLimit = 64;
    auto conn = kj::heap<Connection>(s, kj::mv(raw), address, options);
    auto closed = conn->network.onDisconnect();
    tasks.add(closed.attach(kj::defer([&s, address] {
                                if (--s.per_address[address] == 0) s.per_address.erase(address);
                                --s.connections;
                              }),
                            kj::mv(conn)));
    return accept_loop(s, listener, tasks);
  });
}

std::string random_key() {
  unsigned char b[32];
  std::ifstream r("/dev/urandom", std::ios::binary);
  if (!r.read(reinterpret_cast<char*>(b), sizeof b)) throw std::runtime_error("no random bytes for the RPC key");
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) s.push_back(d[c >> 4]), s.push_back(d[c & 15]);
  return s;
}

// Written whole under a temporary name (mode 0600 from its creation, so it
// is never readable by others), then renamed into place.
void write_key_file(const std::string& path, const std::string& key, const std::string& address) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write the RPC key file " + tmp + ": " + std::strerror(errno));
  std::string body = key + "\n" + address + "\n";
  bool ok = ::write(fd, body.data(), body.size()) == ssize_t(body.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write the RPC key file " + path);
  }
}

}  // namespace

[[noreturn]] void refuse(const std::string& why) {
  throw kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__, kj::str(why.c_str()));
}

kj::Promise<WebReply> RpcServer::Impl::ask(WebRequest req) {
  uint64_t id = next_question++;
  auto paf = kj::newPromiseAndFulfiller<WebReply>();
  awaiting.emplace(id, kj::mv(paf.fulfiller));
  web.request(std::move(req), [box = answers, id](WebReply r) {  // a runtime thread
    bool first;
    {
      std::lock_guard<std::mutex> lk(box->mu);
      box->ready.emplace_back(id, std::move(r));
      first = box->ready.size() == 1;
    }
    if (first) box->wakeup.kick();
  });
  return kj::mv(paf.promise);
}

kj::Promise<void> RpcServer::Impl::deliver_answers() {
  return answers->wakeup.next().then([this] {
    std::vector<std::pair<uint64_t, WebReply>> ready;
    {
      std::lock_guard<std::mutex> lk(answers->mu);
      ready.swap(answers->ready);
    }
    for (auto& [id, reply] : ready) {
      auto it = awaiting.find(id);
      if (it == awaiting.end()) continue;
      auto f = kj::mv(it->second);
      awaiting.erase(it);
      f->fulfill(kj::mv(reply));  // a caller gone (its promise dropped) takes nothing
    }
    return deliver_answers();
  });
}

std::string key_file_for(const std::string& store_dir) { return store_dir + "/rpc.key"; }

// ---- RpcServer: the KJ thread ---------------------------------------------------

void RpcServer::Impl::run(std::promise<void>& ready) {
  bool started = false;
  try {
    auto io = kj::setupAsyncIo();
    timer = &io.provider->getTimer();
    auto stopped = kj::newPromiseAndCrossThreadFulfiller<void>();
    {
      std::lock_guard<std::mutex> lk(stop_mu);
      stop = kj::mv(stopped.fulfiller);
    }
    auto address = io.provider->getNetwork().parseAddress(opt.bind, opt.port).wait(io.waitScope);
    auto listener = address->listen();
    port = uint16_t(listener->getPort());
    if (!opt.key_file.empty()) {
      key = random_key();
      write_key_file(opt.key_file, key, (opt.bind == "0.0.0.0" ? "127.0.0.1" : opt.bind) + ":" +
                                            std::to_string(port));
    }
    LogErrors errors(*this);
    kj::TaskSet tasks(errors);
    tasks.add(accept_loop(*this, *listener, tasks));
    tasks.add(deliver_answers());
    started = true;
    ready.set_value();
    stopped.promise.wait(io.waitScope);
    awaiting.clear();  // their promises belong to this loop
    // `tasks` goes first: every connection closes (and its narrative with
    // it) while the loop and the listener are still here.
  } catch (const kj::Exception& e) {
    std::string why = e.getDescription().cStr();
    if (!started) ready.set_exception(std::make_exception_ptr(std::runtime_error(why)));
    else log("RPC: the listener failed: " + why);
  } catch (const std::exception& e) {
    if (!started) ready.set_exception(std::current_exception());
    else log(std::string("RPC: the listener failed: ") + e.what());
  }
  timer = nullptr;
}

RpcServer::RpcServer(caf::actor_system& sys, actors::SessionPort sessions, actors::WebPort web, RpcOptions options)
    : impl_(std::make_unique<Impl>(sys, sessions, web, std::move(options))) {
  std::promise<void> ready;
  auto started = ready.get_future();
  impl_->thread = std::thread([this, &ready] { impl_->run(ready); });
  try {
    started.get();
  } catch (...) {
    impl_->thread.join();
    throw;
  }
}

RpcServer::~RpcServer() {
  {
    std::lock_guard<std::mutex> lk(impl_->stop_mu);
    if (impl_->stop) impl_->stop->fulfill();
  }
  impl_->thread.join();
  if (!impl_->opt.key_file.empty() && !impl_->key.empty()) ::unlink(impl_->opt.key_file.c_str());
}

uint16_t RpcServer::port() const { return impl_->port; }

}  // namespace echo::rpc
