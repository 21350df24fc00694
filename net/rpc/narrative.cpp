// Session.subscribe: a connection of the player, opened as a browser's is
// (WebPort::open_as), whose output goes to the client's Listener.
//
// Flow control. The runtime queues the connection's output in its
// OutputQueue, bounded by $server_options.max_queued_output exactly as for
// a telnet client (the oldest lines dropped, with LambdaMOO's overflow
// notice). This side takes a chunk only when the Listener's streaming calls
// have room (Cap'n Proto's `-> stream` window) and marks it in flight until
// the call returns, so a slow client holds at most the queue's limit and
// one window, and never holds up a task.
//
// Threads. The runtime tells a session of new output with output_atom to a
// CAF actor; here that actor only wakes the KJ side (Tap), which does the
// rest on the KJ thread.
#include <caf/all.hpp>

#include <mutex>

#include "actors/messages.h"
#include "actors/output_queue.h"
#include "net/rpc/server_impl.h"
#include "net/rpc/values.h"

namespace echo::rpc {

namespace {

constexpr size_t kChunk = 16 * 1024;     // bytes taken from the queue at a time
constexpr size_t kMaxLine = 64 * 1024;   // a typed line (as telnet's LineFilter)

caf::behavior tap_actor(caf::event_based_actor* self, std::shared_ptr<Wakeup> tap) {
  return {
      [=](actors::output_atom) { tap->kick(); },
      [=](actors::resume_input_atom) {},  // Narrative.type waits on the meter itself
      [=](actors::abort_atom) {           // the server stops
        tap->kick();
        self->quit();
      },
  };
}

class NarrativeImpl final : public schema::Narrative::Server {
 public:
  NarrativeImpl(RpcServer::Impl& s, int64_t player, const std::string& address, schema::Listener::Client listener,
                std::function<void()> gone)
      : s_(s), listener_(kj::mv(listener)), tap_(std::make_shared<Wakeup>()), gone_(std::move(gone)) {
    actor_ = s.sys.spawn(tap_actor, tap_);
    conn_ = s.web.open_as(actor_, "rpc " + address, player);
    s.log("RPC: #" + std::to_string(player) + " from " + address + " follows its narrative");
    pump_ = pump().eagerlyEvaluate([this](kj::Exception&& e) { end(e.getDescription().cStr()); });
  }
  ~NarrativeImpl() noexcept(false) {
    if (!ended_) s_.sessions.closed(conn_.handle);  // #0:user_disconnected
    caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
    if (gone_) gone_();
  }

  kj::Promise<void> type(TypeContext c) override {
    if (ended_) refuse("the narrative's connection has ended");
    auto t = c.getParams().getLine();
    if (t.size() > kMaxLine) refuse("a line is at most 65536 bytes");
    // As telnet's filter: printable bytes and tabs; a newline starts a line.
    std::vector<std::string> lines(1);
    for (char ch : std::string_view(t.cStr(), t.size())) {
      unsigned char u = static_cast<unsigned char>(ch);
      if (ch == '\n') lines.emplace_back();
      else if (u >= 0x20 || ch == '\t') lines.back().push_back(ch);
    }
    if (lines.size() > 1 && lines.back().empty()) lines.pop_back();
    int64_t bytes = actors::InputMeter::bytes_of(lines);
    s_.sessions.lines(conn_.handle, std::move(lines));
    // Typed ahead past LambdaMOO's MAX_QUEUED_INPUT: the call returns once
    // the runtime has taken most of it, so a client that waits for its
    // calls (or hits its flow limit) is held back instead of growing us.
    if (conn_.out && conn_.out->input.queued.fetch_add(bytes) + bytes > actors::InputMeter::kHigh) return drained();
    return kj::READY_NOW;
  }

 private:
  kj::Promise<void> drained() {
    if (ended_ || conn_.out->input.queued.load() < actors::InputMeter::kLow) return kj::READY_NOW;
    return s_.timer->afterDelay(10 * kj::MILLISECONDS).then([this] { return drained(); });
  }

  kj::Promise<void> pump() {
    actors::OutputQueue::Chunk chunk = conn_.out->take(kChunk);
    if (chunk.bytes.empty() && !chunk.event && !chunk.close) {
      conn_.out->set_in_flight(0);
      return tap_->next().then([this] { return pump(); });
    }
    conn_.out->set_in_flight(chunk.bytes.size());  // counted in buffered_output_length() until sent
    kj::Promise<void> sent = kj::READY_NOW;
    if (!chunk.bytes.empty()) sent = send_lines(std::move(chunk.bytes));
    if (chunk.event && chunk.event->is_list() && chunk.event->list_len() == 4 && chunk.event->list_at(0).is_str())
      sent = sent.then([this, ev = *chunk.event] { return send_event(ev); });
    // Room frames (a list of 2) are the browser client's; they are skipped.
    if (chunk.close) return sent.then([this] { end("the connection was closed by the world", false); });
    return sent.then([this] { return pump(); });
  }

  kj::Promise<void> send_lines(std::string bytes) {
    std::string text = std::move(partial_) + bytes;
    partial_.clear();
    std::vector<std::string_view> lines;
    size_t start = 0;
    for (size_t nl; (nl = text.find("\r\n", start)) != std::string::npos; start = nl + 2)
      lines.push_back(std::string_view(text).substr(start, nl - start));
    partial_ = text.substr(start);
    if (lines.empty()) return kj::READY_NOW;
    auto req = listener_.outputRequest();
    auto l = req.initLines(unsigned(lines.size()));
    for (size_t i = 0; i < lines.size(); ++i)
      l.set(unsigned(i), kj::arrayPtr(reinterpret_cast<const kj::byte*>(lines[i].data()), lines[i].size()));
    return req.send();
  }

  kj::Promise<void> send_event(const Value& ev) {
    auto req = listener_.eventRequest();
    req.setName(std::string(ev.list_at(0).as_str()));
    req.setSource(ev.list_at(1).is_obj() ? ev.list_at(1).as_obj() : -1);
    req.setTarget(ev.list_at(2).is_obj() ? ev.list_at(2).as_obj() : -1);
    try {
      to_wire(ev.list_at(3), req.initData());
    } catch (const ValueError& e) {
      req.initData().setStr(kj::StringPtr(e.what()).asBytes());  // named, not fatal: the event still arrives
    }
    return req.send();
  }

  // `ours`: the client went (the runtime is told); else the runtime closed it.
  void end(const std::string& why, bool ours = true) {
    if (ended_) return;
    ended_ = true;
    if (ours) s_.sessions.closed(conn_.handle);
    auto req = listener_.endedRequest();
    req.setWhy(why);
    ending_ = req.send().ignoreResult().catch_([](kj::Exception&&) {}).eagerlyEvaluate(nullptr);
  }

  RpcServer::Impl& s_;
  schema::Listener::Client listener_;
  std::shared_ptr<Wakeup> tap_;
  std::function<void()> gone_;
  caf::actor actor_;
  actors::Session conn_;
  std::string partial_;  // output after the last line end
  bool ended_ = false;
  kj::Promise<void> pump_ = nullptr;
  kj::Promise<void> ending_ = nullptr;
};

}  // namespace

kj::Own<schema::Narrative::Server> open_narrative(RpcServer::Impl& s, int64_t player, const std::string& address,
                                                  schema::Listener::Client listener, std::function<void()> gone) {
  return kj::heap<NarrativeImpl>(s, player, address, kj::mv(listener), std::move(gone));
}

}  // namespace echo::rpc
