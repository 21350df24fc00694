// The operator's console socket (/ws/console, docs/web.md): once a second,
// the actors, tasks and connections of the moment (GET /api/monitor's
// answer, WebRequest::Monitor) to every console whose wizard logged in on
// it. Unlike /ws it is no connection in the world: opening the console runs
// no #0:user_connected and the wizard does not join connected_players().
//
// Client to server: {"type": "auth", "token"} (or the token in
// Sec-WebSocket-Protocol as "token.<hex>" beside "echo"), {"type": "watch",
// "filter", "limit"} (the actors wanted: a name or kind filter and at most
// `limit` rows, 1 to 1000), {"type": "ping"}.
// Server to client: {"type": "monitor", ...}, {"type": "error", "error",
// "message"}, {"type": "pong"}, and a close frame whose code says why: 4401
// not logged in (within 10 s, or the token is unknown or revoked), 4403 not
// a wizard, 1008 over the message rate, 1009 a frame too big, 1001 the
// server stops.
#include <caf/all.hpp>

#include <cstring>

#include "net/http_impl.h"

namespace echo::net {

namespace {

constexpr int kCloseAuth = 4401, kCloseForbidden = 4403, kClosePolicy = 1008, kCloseTooBig = 1009;
constexpr double kLoginSeconds = 10;  // an unauthenticated console is closed after this
constexpr int64_t kDefaultRows = 200, kMaxRows = 1000;

Json error_frame(const std::string& error, const std::string& message) {
  return Json::object({{"type", "error"}, {"error", error}, {"message", message}});
}

}  // namespace

struct ConsoleConn {
  WsConn ws;
  double opened = 0;
  std::atomic<bool> in_flight{false};  // a Monitor request is on its way: the next tick skips it
  std::mutex mu;                        // guards the rest
  int64_t player = -1;                  // the wizard, once logged in
  std::string token;
  std::string filter;
  int64_t limit = kDefaultRows;
};

// The console sockets, and the thread that asks for their frames.
struct ConsoleHub {
  HttpServer::Impl& s;
  std::mutex mu;
  std::unordered_map<ConsoleConn*, std::shared_ptr<ConsoleConn>> conns;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stop = false;
  std::thread pusher;

  explicit ConsoleHub(HttpServer::Impl& server) : s(server) { pusher = std::thread([this] { run(); }); }
  ~ConsoleHub() {
    {
      std::lock_guard<std::mutex> lk(stop_mu);
      stop = true;
    }
    stop_cv.notify_all();
    if (pusher.joinable()) pusher.join();
  }

  std::vector<std::shared_ptr<ConsoleConn>> all() {
    std::lock_guard<std::mutex> lk(mu);
    std::vector<std::shared_ptr<ConsoleConn>> v;
    for (auto& [p, c] : conns) v.push_back(c);
    return v;
  }

  // Asks the world for one frame for `c` (unless one is on its way); its
  // answer goes out from the runtime's thread.
  void push(const std::shared_ptr<ConsoleConn>& c) {
    actors::WebRequest req;
    req.kind = actors::WebRequest::Monitor;
    std::string token;
    {
      std::lock_guard<std::mutex> lk(c->mu);
      if (c->player < 0) return;
      req.player = c->player;
      req.name = c->filter;
      req.limit = c->limit;
      token = c->token;
    }
    if (c->in_flight.exchange(true)) return;
    // A logout or boot_player() since: the console ends with the session.
    if (s.web.authenticate(token) != req.player) {
      c->in_flight = false;
      ws_send(c->ws, error_frame("unauthorized", "the session ended").dump());
      ws_close(c->ws, kCloseAuth, "the session ended");
      return;
    }
    std::weak_ptr<ConsoleConn> weak = c;
    s.web.request(std::move(req), [weak](actors::WebReply r) {
      auto c = weak.lock();
      if (!c) return;
      if (r.status >= 300) {
        ws_send(c->ws, error_frame(r.error, r.message).dump());
        if (r.status == 403) ws_close(c->ws, kCloseForbidden, "wizards only");
      } else {
        try {
          Json frame = to_json(r.body);
          frame.set("type", "monitor");
          ws_send(c->ws, frame.dump());
        } catch (const JsonError& e) {
          ws_send(c->ws, error_frame("unrepresentable", e.what()).dump());
        }
      }
      c->in_flight = false;
    });
  }

  void run() {
    std::unique_lock<std::mutex> lk(stop_mu);
    while (!stop) {
      stop_cv.wait_for(lk, std::chrono::seconds(1));
      if (stop || s.stopping.load()) continue;
      lk.unlock();
      double now = unix_time();
      for (auto& c : all()) {
        bool anonymous;
        {
          std::lock_guard<std::mutex> cl(c->mu);
          anonymous = c->player < 0;
        }
        if (!anonymous)
          push(c);
        else if (now - c->opened > kLoginSeconds)
          ws_close(c->ws, kCloseAuth, "not logged in");
      }
      lk.lock();
    }
  }
};

namespace {

ConsoleHub& hub(void* data) { return *static_cast<HttpServer::Impl*>(data)->console; }

void log_in(ConsoleHub& h, const std::shared_ptr<ConsoleConn>& c, const std::string& token) {
  int64_t player = h.s.web.authenticate(token);
  if (player < 0) {
    ws_send(c->ws, error_frame("unauthorized", "the session token is unknown or has expired").dump());
    ws_close(c->ws, kCloseAuth, "not logged in");
    return;
  }
  {
    std::lock_guard<std::mutex> lk(c->mu);
    c->player = player;
    c->token = token;
  }
  h.push(c);  // at once: a non-wizard hears 4403 now
}

std::shared_ptr<ConsoleConn> find(ConsoleHub& h, const mg_connection* conn) {
  auto* p = static_cast<ConsoleConn*>(mg_get_user_connection_data(conn));
  std::lock_guard<std::mutex> lk(h.mu);
  auto it = h.conns.find(p);
  return it == h.conns.end() ? nullptr : it->second;
}

int on_connect(const mg_connection* conn, void* data) {
  auto& s = *static_cast<HttpServer::Impl*>(data);
  const mg_request_info* ri = mg_get_request_info(conn);
  std::string addr = ri->remote_addr;
  int64_t max = s.sessions.max_connections_per_ip();
  {
    std::lock_guard<std::mutex> lk(s.ws_mu);  // consoles count with the other WebSockets
    int64_t& n = s.ws_per_address[addr];
    if (max > 0 && n >= max) return 1;
    ++n;
  }
  auto c = std::make_shared<ConsoleConn>();
  c->ws.conn = const_cast<mg_connection*>(conn);
  c->ws.address = addr;
  c->opened = unix_time();
  if (const char* protos = mg_get_header(conn, "Sec-WebSocket-Protocol")) {
    std::string p = protos;
    if (size_t at = p.find("token."); at != std::string::npos) {
      size_t end = p.find_first_of(", ", at);
      c->ws.offered_token = p.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
    }
  }
  mg_set_user_connection_data(conn, c.get());
  {
    ConsoleHub& h = hub(data);
    std::lock_guard<std::mutex> lk(h.mu);
    h.conns[c.get()] = c;
  }
  ++s.ws_open;
  return 0;
}

void on_ready(mg_connection* conn, void* data) {
  ConsoleHub& h = hub(data);
  auto c = find(h, conn);
  if (!c) return;
  c->ws.writer = std::thread(ws_writer, &c->ws);
  if (!c->ws.offered_token.empty()) log_in(h, c, c->ws.offered_token);
}

int on_data(mg_connection* conn, int bits, char* bytes, size_t len, void* data) {
  ConsoleHub& h = hub(data);
  auto c = find(h, conn);
  if (!c) return 0;
  WsConn& ws = c->ws;
  int opcode = bits & 0x0F;
  if (opcode == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE) return 0;
  {
    std::lock_guard<std::mutex> lk(ws.write_mu);
    if (ws.closing) return 0;
  }
  if (opcode == MG_WEBSOCKET_OPCODE_PING || opcode == MG_WEBSOCKET_OPCODE_PONG) return 1;
  auto refuse = [&](int code, const std::string& why) {
    ws_close(ws, code, why);
    ws_flush(ws);
    return 0;
  };
  if (len > h.s.opt.max_frame)
    return refuse(kCloseTooBig, "frame over " + std::to_string(h.s.opt.max_frame) + " bytes");
  double now = unix_time();
  if (now - ws.window_start >= 1) {
    ws.window_start = now;
    ws.window_count = 0;
  }
  if (++ws.window_count > h.s.opt.messages_per_second)
    return refuse(kClosePolicy, "over " + std::to_string(h.s.opt.messages_per_second) + " messages a second");
  JsonParse p = opcode == MG_WEBSOCKET_OPCODE_TEXT ? parse_json(std::string_view(bytes, len)) : JsonParse{};
  if (opcode != MG_WEBSOCKET_OPCODE_TEXT || !p || !p.value.is_object() || !p.value.find("type") ||
      !p.value["type"].is_string()) {
    ws_send(ws, error_frame("bad_json", "a frame is a JSON object with a \"type\"").dump());
    return 1;
  }
  const Json& f = p.value;
  const std::string& type = f["type"].as_string();
  if (type == "ping") {
    ws_send(ws, Json::object({{"type", "pong"}}).dump());
    return 1;
  }
  if (type == "auth") {
    const Json* t = f.find("token");
    if (!t || !t->is_string()) {
      ws_send(ws, error_frame("bad_request", "auth needs a \"token\"").dump());
      return 1;
    }
    log_in(h, c, t->as_string());
    return 1;
  }
  if (type == "watch") {
    const Json* filter = f.find("filter");
    const Json* limit = f.find("limit");
    if ((filter && !filter->is_string()) || (limit && !limit->is_int())) {
      ws_send(ws, error_frame("bad_request", "watch: \"filter\" is a string, \"limit\" a number").dump());
      return 1;
    }
    std::string text = filter ? filter->as_string() : "";
    if (text.size() > 200 || (limit && (limit->as_int() < 1 || limit->as_int() > kMaxRows))) {
      ws_send(ws, error_frame("bad_request", "watch: a filter of 200 bytes at most, a limit from 1 to 1000").dump());
      return 1;
    }
    bool logged_in;
    {
      std::lock_guard<std::mutex> lk(c->mu);
      c->filter = std::move(text);
      if (limit) c->limit = limit->as_int();
      logged_in = c->player >= 0;
    }
    if (logged_in) h.push(c);  // the new view at once, not at the next tick
    return 1;
  }
  ws_send(ws, error_frame("bad_request", "unknown frame type \"" + type + "\"").dump());
  return 1;
}

void on_close(const mg_connection* conn, void* data) {
  auto& s = *static_cast<HttpServer::Impl*>(data);
  ConsoleHub& h = hub(data);
  std::shared_ptr<ConsoleConn> c;
  {
    auto* p = static_cast<ConsoleConn*>(mg_get_user_connection_data(conn));
    std::lock_guard<std::mutex> lk(h.mu);
    auto it = h.conns.find(p);
    if (it == h.conns.end()) return;
    c = std::move(it->second);
    h.conns.erase(it);
  }
  {
    std::lock_guard<std::mutex> lk(s.ws_mu);
    if (--s.ws_per_address[c->ws.address] <= 0) s.ws_per_address.erase(c->ws.address);
  }
  {
    std::lock_guard<std::mutex> lk(c->ws.write_mu);
    c->ws.stop = true;
    c->ws.closing = true;  // an answer still on its way is dropped
  }
  c->ws.outbox_cv.notify_all();
  if (c->ws.writer.joinable()) c->ws.writer.join();
  --s.ws_open;
}  // c goes with the last answer that holds it

}  // namespace

void HttpServer::Impl::register_console() {
  console = std::make_shared<ConsoleHub>(*this);
  static const char* kProtocols[] = {"echo", nullptr};
  static mg_websocket_subprotocols subprotocols{1, kProtocols};
  mg_set_websocket_handler_with_subprotocols(ctx, "/ws/console", &subprotocols, on_connect, on_ready, on_data,
                                             on_close, this);
}

void HttpServer::Impl::close_consoles() {
  if (!console) return;
  for (auto& c : console->all()) ws_close(c->ws, 1001, "the server is stopping");
}

}  // namespace echo::net
