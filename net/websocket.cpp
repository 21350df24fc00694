// The WebSocket gateway (/ws): JSON frames to and from a web session, which
// is a runtime connection logged in as the player (docs/web.md).
//
// Client to server: {"type": "auth", "token", "last_seq", "batch"} (unless the token
// came in Sec-WebSocket-Protocol as "token.<hex>" beside "echo"),
// {"type": "command", "command", "args"}, {"type": "event", "name",
// "target", "data"}, {"type": "subscribe"/"unsubscribe", "target"},
// {"type": "room"} (the room frame again), {"type": "ping"}.
// Server to client: {"type": "welcome"}, {"type": "output", "text", "seq"},
// {"type": "event"}, {"type": "room"} (who and what is here, on each change),
// {"type": "reload"}, {"type": "error"}, {"type": "pong"}, and a close frame
// whose code says why (4001 session ended, 4401 not logged in, 1008 rate,
// 1009 frame too big).
#include <caf/all.hpp>

#include <chrono>
#include <cstring>
#include <thread>

#include "actors/messages.h"
#include "net/http_impl.h"

namespace echo::net {

namespace {

constexpr int kCloseEnded = 4001, kCloseAuth = 4401, kClosePolicy = 1008, kCloseTooBig = 1009;

Json error_frame(const std::string& error, const std::string& message) {
  return Json::object({{"type", "error"}, {"error", error}, {"message", message}});
}

// Numbers a frame, keeps it for replay and sends it to every attached
// WebSocket.
void publish(WebSession& ws, Json frame) {
  std::vector<WsConn*> to;
  std::string text;
  {
    std::lock_guard<std::mutex> lk(ws.mu);
    frame.set("seq", ++ws.seq);
    text = frame.dump();
    ws.replay.emplace_back(ws.seq, text);
    ws.replay_bytes += text.size();
    while (ws.replay.size() > WebSession::kReplayFrames || ws.replay_bytes > WebSession::kReplayBytes) {
      ws.replay_bytes -= ws.replay.front().second.size();
      ws.replay.pop_front();
    }
    to.assign(ws.attached.begin(), ws.attached.end());
    for (WsConn* c : to) ws_send(*c, text);  // under ws.mu: a closing WebSocket is detached under it too
  }
}

// The runtime's output for the session: whole lines become output frames.
void pump(HttpServer::Impl& s, const std::shared_ptr<WebSession>& ws) {
  std::shared_ptr<actors::OutputQueue> out;
  {
    std::lock_guard<std::mutex> lk(ws->mu);
    out = ws->conn.out;
  }
  if (!out) return;  // attach() has not set it yet: it kicks again once it has
  for (;;) {
    actors::OutputQueue::Chunk chunk = out->take(64 * 1024);
    out->set_in_flight(0);
    if (!chunk.bytes.empty()) {
      std::string text = std::move(ws->partial) + chunk.bytes;
      ws->partial.clear();
      size_t start = 0;
      for (;;) {
        size_t nl = text.find("\r\n", start);
        if (nl == std::string::npos) break;
        publish(*ws, Json::object({{"type", "output"}, {"text", text.substr(start, nl - start)}}));
        start = nl + 2;
      }
      ws->partial = text.substr(start);
    }
    if (chunk.event && chunk.event->is_list() && chunk.event->list_len() == 4) {
      const Value& e = *chunk.event;
      ToJsonOptions o;
      o.unsupported = Unsupported::Placeholder;  // a function in an event's data: named, not fatal
      Json args;
      try {
        args = to_json(e.list_at(3), o);
      } catch (const JsonError& err) {
        args = Json::object({{"unsupported", err.what()}});
      }
      publish(*ws, Json::object({{"type", "event"},
                                 {"name", std::string(e.list_at(0).as_str())},
                                 {"source", Json::object({{"obj", e.list_at(1).as_obj()}})},
                                 {"target", Json::object({{"obj", e.list_at(2).as_obj()}})},
                                 {"data", std::move(args)}}));
    }
    if (chunk.event && chunk.event->is_list() && chunk.event->list_len() == 2 && chunk.event->list_at(0).is_str()) {
      // A frame of its own ({type, members}: the room watch's "room").
      Json frame;
      try {
        frame = to_json(chunk.event->list_at(1));
      } catch (const JsonError& err) {
        frame = Json::object({{"unsupported", err.what()}});
      }
      if (frame.is_object()) {
        frame.set("type", std::string(chunk.event->list_at(0).as_str()));
        publish(*ws, std::move(frame));
      }
    }
    if (chunk.close) {
      if (!ws->partial.empty()) publish(*ws, Json::object({{"type", "output"}, {"text", ws->partial}}));
      std::vector<WsConn*> to;
      {
        std::lock_guard<std::mutex> lk(ws->mu);
        ws->ended = true;
        to.assign(ws->attached.begin(), ws->attached.end());
        for (WsConn* c : to) ws_close(*c, kCloseEnded, "the session ended");
      }
      std::lock_guard<std::mutex> lk(s.sessions_mu);
      if (auto it = s.web_sessions.find(ws->token); it != s.web_sessions.end() && it->second == ws)
        s.web_sessions.erase(it);
      return;
    }
    if (chunk.bytes.empty() && !chunk.event) return;
  }
}

caf::behavior session_actor(caf::event_based_actor* self, HttpServer::Impl* s, std::weak_ptr<WebSession> weak) {
  // Its row in the monitor's table: named at the first message after
  // attach() set the connection, gone with the actor.
  auto label = std::make_shared<std::string>();
  actors::SessionPort port = s->sessions;
  self->attach_functor([port, label] {
    if (!label->empty()) port.gone(*label);
  });
  return {
      [=](actors::output_atom) {
        auto t0 = std::chrono::steady_clock::now();
        if (auto ws = weak.lock()) {
          pump(*s, ws);
          actors::ConnHandle h;
          {
            std::lock_guard<std::mutex> lk(ws->mu);  // attach() sets conn under it
            h = ws->conn.handle;
          }
          if (h) {
            if (label->empty()) *label = "web session " + std::to_string(h);
            port.stats(*label, h, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
          }
          if (ws->ended) self->quit();
        } else {
          self->quit();
        }
      },
      [=](actors::resume_input_atom) {},  // its reading thread waits on the meter itself
      [=](actors::abort_atom) {  // the server stops
        if (auto ws = weak.lock()) {
          std::lock_guard<std::mutex> lk(ws->mu);
          ws->ended = true;
          for (WsConn* c : ws->attached) ws_close(*c, 1001, "the server is stopping");
        }
        self->quit();
      },
  };
}

// Attaches a WebSocket to the token's session (made, with its runtime
// connection, if it has none) and replays what it missed after last_seq.
void attach(HttpServer::Impl& s, WsConn& c, const std::string& token, int64_t last_seq) {
  int64_t player = s.web.authenticate(token);
  if (player < 0) {
    ws_send(c, error_frame("unauthorized", "the session token is unknown or has expired").dump());
    ws_close(c, kCloseAuth, "not logged in");
    return;
  }
  bool fresh = false;
  std::shared_ptr<WebSession> ws;
  {
    std::lock_guard<std::mutex> lk(s.sessions_mu);
    auto it = s.web_sessions.find(token);
    if (it != s.web_sessions.end() && !it->second->ended) {
      ws = it->second;
    } else {
      ws = std::make_shared<WebSession>();
      ws->token = token;
      ws->player = player;
      // Under sessions_mu: a second tab finding it sees its connection.
      ws->actor = s.sys.spawn(session_actor, &s, std::weak_ptr<WebSession>(ws));
      // The runtime may have output for it (user_connected) and kick the
      // actor before open_as() returns: the actor reads conn under ws->mu,
      // finds none and waits for the kick below.
      actors::Session conn = s.web.open_as(ws->actor, "web " + c.address, player);
      {
        std::lock_guard<std::mutex> lk(ws->mu);
        ws->conn = conn;
      }
      caf::anon_send(ws->actor, actors::output_atom::value);
      s.web_sessions[token] = ws;
      fresh = true;
    }
  }
  std::lock_guard<std::mutex> lk(ws->mu);
  c.session = ws;
  ws->attached.insert(&c);
  ws->detached_since = 0;
  // A session made by this WebSocket may have frames already: the runtime's
  // first output (user_connected, "*** Connected ***") can be pumped between
  // open_as() above and the attach. They are its, all of them: replayed
  // after a welcome that says nothing has been seen. (Another WebSocket
  // without last_seq starts from now, as a second tab does.)
  bool whole = fresh && last_seq < 0;
  ws_send(c, Json::object({{"type", "welcome"}, {"player", Json::object({{"obj", player}})},
                           {"seq", whole ? uint64_t(0) : ws->seq}}).dump());
  if (last_seq < 0 && !whole) return;
  uint64_t from = whole ? 0 : uint64_t(last_seq);
  uint64_t oldest = ws->replay.empty() ? ws->seq + 1 : ws->replay.front().first;
  if ((fresh && last_seq > 0) || from + 1 < oldest) {
    ws_send(c, Json::object({{"type", "reload"}, {"reason", "the frames after " + std::to_string(from) + " are gone"}}).dump());
    return;
  }
  for (auto& [seq, text] : ws->replay)
    if (seq > from) ws_send(c, text);
}

// A typed line for the connection: newlines split it into several (a
// pasted .program), control characters but tab are dropped, as telnet's
// LineFilter drops them.
std::vector<std::string> command_lines(const std::string& command) {
  std::vector<std::string> out(1);
  for (char ch : command) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (ch == '\n') out.emplace_back();
    else if (u >= 0x20 || ch == '\t') out.back().push_back(ch);
  }
  if (out.size() > 1 && out.back().empty()) out.pop_back();
  return out;
}

int on_connect(const mg_connection* conn, void* data) {
  auto& s = *static_cast<HttpServer::Impl*>(data);
  const mg_request_info* ri = mg_get_request_info(conn);
  std::string addr = ri->remote_addr;
  int64_t max = s.sessions.max_connections_per_ip();
  {
    std::lock_guard<std::mutex> lk(s.ws_mu);
    int64_t& n = s.ws_per_address[addr];
    if (max > 0 && n >= max) return 1;  // refused before the handshake
    ++n;
  }
  auto* c = new WsConn;
  c->conn = const_cast<mg_connection*>(conn);
  c->address = addr;
  if (const char* protos = mg_get_header(conn, "Sec-WebSocket-Protocol")) {
    std::string p = protos;
    size_t at = p.find("token.");
    if (at != std::string::npos) {
      size_t end = p.find_first_of(", ", at);
      c->offered_token = p.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
    }
  }
  mg_set_user_connection_data(conn, c);
  ++s.ws_open;
  return 0;
}

void on_ready(mg_connection* conn, void* data) {
  auto& s = *static_cast<HttpServer::Impl*>(data);
  auto* c = static_cast<WsConn*>(mg_get_user_connection_data(conn));
  if (c) c->writer = std::thread(ws_writer, c);
  if (c && !c->offered_token.empty()) attach(s, *c, c->offered_token, -1);
}

int on_data(mg_connection* conn, int bits, char* bytes, size_t len, void* data) {
  auto& s = *static_cast<HttpServer::Impl*>(data);
  auto* c = static_cast<WsConn*>(mg_get_user_connection_data(conn));
  if (!c) return 0;
  int opcode = bits & 0x0F;
  if (opcode == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE) return 0;
  {
    std::lock_guard<std::mutex> lk(c->write_mu);
    if (c->closing) return 0;  // cut off (it fell behind, or a write failed): whatever it says ends it
  }
  if (opcode == MG_WEBSOCKET_OPCODE_PING || opcode == MG_WEBSOCKET_OPCODE_PONG) return 1;
  if (len > s.opt.max_frame) {
    ws_close(*c, kCloseTooBig, "frame over " + std::to_string(s.opt.max_frame) + " bytes");
    ws_flush(*c);
    return 0;
  }
  double now = unix_time();
  if (now - c->window_start >= 1) {
    c->window_start = now;
    c->window_count = 0;
  }
  if (++c->window_count > s.opt.messages_per_second) {
    ws_close(*c, kClosePolicy, "over " + std::to_string(s.opt.messages_per_second) + " messages a second");
    ws_flush(*c);
    return 0;
  }
  if (opcode != MG_WEBSOCKET_OPCODE_TEXT) {
    ws_send(*c, error_frame("bad_frame", "frames are JSON text").dump());
    return 1;
  }
  JsonParse p = parse_json(std::string_view(bytes, len));
  if (!p || !p.value.is_object() || !p.value.find("type") || !p.value["type"].is_string()) {
    ws_send(*c, error_frame("bad_json", p ? "a frame is an object with a \"type\"" : p.error.describe()).dump());
    return 1;
  }
  const Json& f = p.value;
  const std::string& type = f["type"].as_string();
  if (type == "ping") {
    ws_send(*c, Json::object({{"type", "pong"}}).dump());
    return 1;
  }
  if (type == "auth") {
    const Json* t = f.find("token");
    const Json* last = f.find("last_seq");
    if (!t || !t->is_string()) {
      ws_send(*c, error_frame("bad_request", "auth needs a \"token\"").dump());
      return 1;
    }
    if (c->session) {
      ws_send(*c, error_frame("bad_request", "already logged in").dump());
      return 1;
    }
    if (const Json* b = f.find("batch"); b && b->is_bool() && b->as_bool()) {
      std::lock_guard<std::mutex> lk(c->write_mu);
      c->batch = true;
    }
    attach(s, *c, t->as_string(), last && last->is_int() ? last->as_int() : -1);
    bool closing;
    {
      std::lock_guard<std::mutex> lk(c->write_mu);
      closing = c->closing;
    }
    if (!closing) return 1;
    ws_flush(*c);  // the refusal and its close frame go out first
    return 0;
  }
  std::shared_ptr<WebSession> ws = c->session;
  if (!ws) {
    ws_send(*c, error_frame("unauthorized", "send {\"type\": \"auth\", \"token\": ...} first").dump());
    return 1;
  }
  if (type == "command") {
    const Json* cmd = f.find("command");
    if (!cmd || !cmd->is_string()) {
      ws_send(*c, error_frame("bad_request", "command needs a \"command\" string").dump());
      return 1;
    }
    std::string line = cmd->as_string();
    if (const Json* args = f.find("args"); args && args->is_array())
      for (const Json& a : args->as_array())
        if (a.is_string()) line += " " + a.as_string();
    std::vector<std::string> lines = command_lines(line);
    int64_t bytes = actors::InputMeter::bytes_of(lines);
    s.sessions.lines(ws->conn.handle, std::move(lines));
    // Too much typed ahead (InputMeter): this connection's thread stops
    // reading until the runtime has taken most of it.
    std::shared_ptr<actors::OutputQueue> out;
    {
      std::lock_guard<std::mutex> lk(ws->mu);
      out = ws->conn.out;
    }
    auto ended = [&ws] {
      std::lock_guard<std::mutex> lk(ws->mu);
      return ws->ended;
    };
    if (out && out->input.queued.fetch_add(bytes) + bytes > actors::InputMeter::kHigh)
      while (out->input.queued.load() >= actors::InputMeter::kLow && !s.stopping.load() && !ended())
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return 1;
  }
  if (type == "event") {
    const Json* name = f.find("name");
    const Json* target = f.find("target");
    if (!name || !name->is_string() || !target || !target->is_string()) {
      ws_send(*c, error_frame("bad_request", "event needs \"name\" and \"target\" strings").dump());
      return 1;
    }
    actors::WebRequest req;
    req.kind = actors::WebRequest::EmitEvent;
    req.player = ws->player;
    req.object = target->as_string();
    req.name = name->as_string();
    req.value = Value::null();
    if (const Json* d = f.find("data")) {
      try {
        req.value = from_json(*d, "data");
      } catch (const JsonError& e) {
        ws_send(*c, error_frame("bad_value", e.what()).dump());
        return 1;
      }
    }
    std::weak_ptr<WebSession> weak = ws;
    s.web.request(std::move(req), [weak](actors::WebReply r) {
      if (r.status < 300) return;  // handlers' output arrives as output frames
      if (auto w = weak.lock()) publish(*w, error_frame(r.error, r.message));
    });
    return 1;
  }
  if (type == "room") {  // the room frame again (a page loaded afresh has none)
    actors::WebRequest req;
    req.kind = actors::WebRequest::Room;
    req.player = ws->player;
    req.conn = ws->conn.handle;
    std::weak_ptr<WebSession> weak = ws;
    s.web.request(std::move(req), [weak](actors::WebReply r) {
      if (r.status < 300) return;
      if (auto w = weak.lock()) publish(*w, error_frame(r.error, r.message));
    });
    return 1;
  }
  if (type == "subscribe" || type == "unsubscribe") {
    const Json* target = f.find("target");
    if (!target || !target->is_string()) {
      ws_send(*c, error_frame("bad_request", type + " needs a \"target\" string").dump());
      return 1;
    }
    actors::WebRequest req;
    req.kind = type == "subscribe" ? actors::WebRequest::Subscribe : actors::WebRequest::Unsubscribe;
    req.player = ws->player;
    req.object = target->as_string();
    req.conn = ws->conn.handle;
    std::weak_ptr<WebSession> weak = ws;
    s.web.request(std::move(req), [weak, type](actors::WebReply r) {
      auto w = weak.lock();
      if (!w) return;
      if (r.status >= 300) {
        publish(*w, error_frame(r.error, r.message));
        return;
      }
      Json frame = Json::object({{"type", type == "subscribe" ? "subscribed" : "unsubscribed"}});
      try {
        frame.set("target", to_json(r.body).as_object().front().second);
      } catch (const std::exception&) {
      }
      publish(*w, std::move(frame));
    });
    return 1;
  }
  ws_send(*c, error_frame("bad_request", "unknown frame type \"" + type + "\"").dump());
  return 1;
}

void on_close(const mg_connection* conn, void* data) {
  auto& s = *static_cast<HttpServer::Impl*>(data);
  auto* c = static_cast<WsConn*>(mg_get_user_connection_data(conn));
  if (!c) return;
  if (auto ws = c->session) {
    std::lock_guard<std::mutex> lk(ws->mu);
    ws->attached.erase(c);
    if (ws->attached.empty()) ws->detached_since = unix_time();
  }
  {
    std::lock_guard<std::mutex> lk(s.ws_mu);
    if (--s.ws_per_address[c->address] <= 0) s.ws_per_address.erase(c->address);
  }
  {
    std::lock_guard<std::mutex> lk(c->write_mu);
    c->stop = true;
    c->closing = true;
  }
  c->outbox_cv.notify_all();
  if (c->writer.joinable()) c->writer.join();  // a write in progress fails or times out: the socket is going
  --s.ws_open;
  delete c;
}

// Sends one frame in one write (a server's frames are not masked, and
// never compressed: an uncompressed frame is valid even where
// permessage-deflate was agreed). CivetWeb's mg_websocket_write writes the
// header and the payload apart: with TCP_NODELAY two segments, and two
// wakeups for the client, per frame.
int write_frame(mg_connection* conn, int opcode, const char* data, size_t len) {
  std::string f;
  f.reserve(len + 10);
  f.push_back(char(0x80 | opcode));
  if (len < 126) {
    f.push_back(char(len));
  } else if (len < 65536) {
    f.push_back(char(126));
    f.push_back(char(len >> 8));
    f.push_back(char(len & 0xFF));
  } else {
    f.push_back(char(127));
    for (int shift = 56; shift >= 0; shift -= 8) f.push_back(char((uint64_t(len) >> shift) & 0xFF));
  }
  f.append(data, len);
  mg_lock_connection(conn);  // as mg_websocket_write does: CivetWeb's own pongs take it too
  int n = mg_write(conn, f.data(), f.size());
  mg_unlock_connection(conn);
  return n;
}

}  // namespace

namespace {

// With write_mu held: queues the close frame; nothing goes out after it.
void queue_close(WsConn& c, int code, const std::string& why) {
  if (c.closing) return;
  c.closing = true;
  std::string payload;
  payload.push_back(char((code >> 8) & 0xFF));
  payload.push_back(char(code & 0xFF));
  payload += why.substr(0, 120);
  c.outbox.emplace_back(MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, std::move(payload));
  c.outbox_cv.notify_all();
}

}  // namespace

// A batch message's size, about (a frame bigger than this goes alone).
constexpr size_t kBatchBytes = 256 * 1024;

void ws_writer(WsConn* c) {
  std::unique_lock<std::mutex> lk(c->write_mu);
  for (;;) {
    c->outbox_cv.wait(lk, [c] { return c->stop || !c->outbox.empty(); });
    if (c->stop) return;
    auto [opcode, payload] = std::move(c->outbox.front());
    c->outbox.pop_front();
    if (opcode == MG_WEBSOCKET_OPCODE_TEXT) c->outbox_bytes -= payload.size();
    if (c->batch && opcode == MG_WEBSOCKET_OPCODE_TEXT && !c->outbox.empty() &&
        c->outbox.front().first == MG_WEBSOCKET_OPCODE_TEXT) {
      // The frames that piled up while the last write went out, as one
      // message: a browser pays per message, and a burst is thousands.
      std::string joined = "[" + payload;
      while (!c->outbox.empty() && c->outbox.front().first == MG_WEBSOCKET_OPCODE_TEXT &&
             joined.size() + c->outbox.front().second.size() < kBatchBytes) {
        joined += ",";
        joined += c->outbox.front().second;
        c->outbox_bytes -= c->outbox.front().second.size();
        c->outbox.pop_front();
      }
      payload = joined + "]";
    }
    lk.unlock();
    bool ok = write_frame(c->conn, opcode, payload.data(), payload.size()) > 0;
    lk.lock();
    if (!ok || opcode == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE) {  // nothing more can go out
      c->closing = true;
      c->outbox.clear();
      c->outbox_bytes = 0;
    }
    c->outbox_cv.notify_all();  // ws_flush waits for an empty outbox
  }
}

void ws_flush(WsConn& c) {
  std::unique_lock<std::mutex> lk(c.write_mu);
  c.outbox_cv.wait_for(lk, std::chrono::seconds(1), [&c] { return c.outbox.empty() || c.stop; });
}

void ws_close(WsConn& c, int code, const std::string& why) {
  std::lock_guard<std::mutex> lk(c.write_mu);
  queue_close(c, code, why);
}

bool ws_send(WsConn& c, const std::string& text) {
  std::lock_guard<std::mutex> lk(c.write_mu);
  if (c.closing) return false;
  if (c.outbox_bytes + text.size() > WsConn::kMaxOutbox) {  // it does not read
    queue_close(c, 1008, "output not read: over 1 MiB waiting");
    return false;
  }
  c.outbox_bytes += text.size();
  c.outbox.emplace_back(MG_WEBSOCKET_OPCODE_TEXT, text);
  c.outbox_cv.notify_all();
  return true;
}

void HttpServer::Impl::register_websocket() {
  static const char* kProtocols[] = {"echo", nullptr};
  static mg_websocket_subprotocols subprotocols{1, kProtocols};
  mg_set_websocket_handler_with_subprotocols(ctx, "/ws", &subprotocols, on_connect, on_ready, on_data, on_close,
                                             this);
}

void HttpServer::Impl::sweep() {
  std::unique_lock<std::mutex> lk(stop_mu);
  while (!stopping) {
    stop_cv.wait_for(lk, std::chrono::seconds(1));
    double now = unix_time();
    std::vector<std::shared_ptr<WebSession>> expired;
    {
      std::lock_guard<std::mutex> sl(sessions_mu);
      for (auto it = web_sessions.begin(); it != web_sessions.end();) {
        WebSession& ws = *it->second;
        std::lock_guard<std::mutex> wl(ws.mu);
        if (ws.attached.empty() && ws.detached_since > 0 && now - ws.detached_since > opt.detached_grace) {
          expired.push_back(it->second);
          it = web_sessions.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& ws : expired) {
      sessions.closed(ws->conn.handle);  // #0:user_disconnected
      caf::anon_send_exit(ws->actor, caf::exit_reason::user_shutdown);
    }
    std::lock_guard<std::mutex> ll(login_mu);
    std::erase_if(login_failures, [&](auto& kv) { return now - kv.second.window_start >= 60; });
  }
}

void HttpServer::Impl::close_all_websockets() {
  std::lock_guard<std::mutex> sl(sessions_mu);
  for (auto& [token, ws] : web_sessions) {
    std::lock_guard<std::mutex> wl(ws->mu);
    for (WsConn* c : ws->attached) ws_close(*c, 1001, "the server is stopping");
  }
}

}  // namespace echo::net
