// The HTTP API on CivetWeb (docs/web.md). Each request is parsed and checked
// here, on a CivetWeb worker, then handed to the runtime (actors/web.h) as a
// message; the worker waits for the answer, at most request_timeout.
#include "net/http.h"

#include <caf/all.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <stdexcept>

#include "net/assets.h"
#include "net/http_impl.h"
#include "net/telnet.h"

namespace echo::net {

double unix_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

using actors::WebReply;
using actors::WebRequest;

struct Request {
  mg_connection* conn;
  std::string method;
  std::vector<std::string> params;  // the {id} / {name} parts of the path, decoded
  std::string body;
  int64_t player = -1;
  std::string token;
  std::string address;
};

struct Answer {
  int status = 200;
  Json body;
};

Answer error_answer(int status, std::string error, std::string message) {
  return Answer{status, Json::object({{"error", std::move(error)}, {"message", std::move(message)}})};
}

Answer from_reply(const WebReply& r) {
  if (r.status < 300) {
    try {
      return Answer{r.status, to_json(r.body)};
    } catch (const JsonError& e) {
      return error_answer(422, "unrepresentable", std::string("the answer has no JSON form: ") + e.what());
    }
  }
  Answer a = error_answer(r.status, r.error, r.message);
  if (!r.traceback.empty()) {
    Json tb = Json::array();
    for (auto& l : r.traceback) tb.push_back(l);
    a.body.set("traceback", std::move(tb));
  }
  if (!r.compile_errors.empty()) {
    Json errs = Json::array();
    for (auto& e : r.compile_errors)
      errs.push_back(Json::object({{"line", e.line}, {"column", e.column}, {"message", e.message}}));
    a.body.set("errors", std::move(errs));
  }
  return a;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

// The head and the body in one write: one segment for a small answer.
void send(mg_connection* conn, int status, std::string_view body, const char* type = "application/json",
          const char* extra = "") {
  char head[512];
  int n = std::snprintf(head, sizeof head,
                        "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
                        "X-Content-Type-Options: nosniff\r\n%s\r\n",
                        status, reason(status), type, body.size(), extra);
  std::string out;
  out.reserve(size_t(n) + body.size());
  out.append(head, size_t(n));
  out += body;
  mg_write(conn, out.data(), out.size());
}

// ---- the routes ----------------------------------------------------------------

using Handler = std::function<Answer(HttpServer::Impl&, Request&)>;

struct Route {
  const char* method;
  const char* path;  // "{id}" and "{name}" segments are parameters
  bool login;        // needs a session token
  const char* summary;
  Handler handler;
};

// The request's JSON body (an object), or a 400 answer.
bool parse_body(const Request& rq, Json& out, Answer& fail) {
  JsonParse p = parse_json(rq.body);
  if (!p) {
    fail = error_answer(400, "bad_json", "the body is not JSON: " + p.error.describe());
    return false;
  }
  if (!p.value.is_object()) {
    fail = error_answer(400, "bad_request", "the body must be a JSON object");
    return false;
  }
  out = std::move(p.value);
  return true;
}

// A string member, or a 400 answer.
bool member_string(const Json& body, const char* key, std::string& out, Answer& fail, bool required = true) {
  const Json* v = body.find(key);
  if (!v) {
    if (required) fail = error_answer(400, "bad_request", std::string("missing member \"") + key + "\"");
    return !required;
  }
  if (!v->is_string()) {
    fail = error_answer(400, "bad_request", std::string("\"") + key + "\" must be a string");
    return false;
  }
  out = v->as_string();
  return true;
}

// A member holding an Echo value (docs/web.md, "Values in JSON"), or a 400.
bool member_value(const Json& body, const char* key, Value& out, Answer& fail) {
  const Json* v = body.find(key);
  if (!v) {
    fail = error_answer(400, "bad_request", std::string("missing member \"") + key + "\"");
    return false;
  }
  try {
    out = from_json(*v, key);
    return true;
  } catch (const JsonError& e) {
    fail = error_answer(400, "bad_value", e.what());
    return false;
  }
}

// A request of `kind` from the logged-in player, with the path's {id} and
// {name} as its object and name.
WebRequest request_for(const Request& rq, WebRequest::Kind kind) {
  WebRequest req;
  req.kind = kind;
  req.player = rq.player;
  if (!rq.params.empty()) req.object = rq.params[0];
  if (rq.params.size() > 1) req.name = rq.params[1];
  return req;
}

// Waits for the world's answer, at most request_timeout; false (with the
// 503 or 504 in `fail`) when it does not come. In steps, so that a server
// stopping (whose tasks no longer run) lets its workers go at once.
template <class T>
bool await(HttpServer::Impl& s, std::future<T>& fut, Answer& fail) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(s.opt.request_timeout);
  while (fut.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (s.stopping.load()) {
      fail = error_answer(503, "stopping", "the server is shutting down");
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      fail = error_answer(504, "timeout", "the world did not answer in time");
      return false;
    }
  }
  return true;
}

Answer ask(HttpServer::Impl& s, WebRequest req) {
  auto promise = std::make_shared<std::promise<WebReply>>();
  auto fut = promise->get_future();
  s.web.request(std::move(req), [promise](WebReply r) { promise->set_value(std::move(r)); });
  Answer fail;
  if (!await(s, fut, fail)) return fail;
  return from_reply(fut.get());
}

Answer login(HttpServer::Impl& s, Request& rq) {
  Json body;
  Answer fail;
  std::string name, password;
  if (!parse_body(rq, body, fail) || !member_string(body, "name", name, fail) ||
      !member_string(body, "password", password, fail))
    return fail;
  double now = unix_time();
  {
    std::lock_guard<std::mutex> lk(s.login_mu);
    auto& f = s.login_failures[rq.address];
    if (now - f.window_start >= 60) f = {now, 0};
    if (f.count >= s.opt.login_failures_per_minute)
      return error_answer(429, "rate_limited", "too many failed logins from your address; wait a minute");
  }
  auto promise = std::make_shared<std::promise<actors::WebLogin>>();
  auto fut = promise->get_future();
  bool create = false;
  if (const Json* c = body.find("create")) {
    if (!c->is_bool()) return error_answer(400, "bad_request", "\"create\" must be true or false");
    create = c->as_bool();
  }
  s.web.login(name, password, rq.address, [promise](actors::WebLogin l) { promise->set_value(std::move(l)); },
              create);
  if (!await(s, fut, fail)) return fail;
  actors::WebLogin l = fut.get();
  if (l.player < 0) {
    std::lock_guard<std::mutex> lk(s.login_mu);
    ++s.login_failures[rq.address].count;
    return error_answer(401, "login_failed", l.message);
  }
  return Answer{200, Json::object({{"token", l.token}, {"player", Json::object({{"obj", l.player}})},
                                   {"expires", l.expires}})};
}

Answer logout(HttpServer::Impl& s, Request& rq) {
  s.web.logout(rq.token);
  std::shared_ptr<WebSession> ws;
  {
    std::lock_guard<std::mutex> lk(s.sessions_mu);
    if (auto it = s.web_sessions.find(rq.token); it != s.web_sessions.end()) {
      ws = it->second;
      s.web_sessions.erase(it);
    }
  }
  if (ws) {
    s.sessions.closed(ws->conn.handle);  // #0:user_disconnected
    caf::anon_send_exit(ws->actor, caf::exit_reason::user_shutdown);
    std::lock_guard<std::mutex> lk(ws->mu);
    ws->ended = true;
    for (WsConn* c : ws->attached) ws_close(*c, 4001, "logged out");
  }
  return Answer{200, Json::object({{"ok", true}})};
}

Answer health(HttpServer::Impl& s, Request&) {
  actors::WebPort::Health h = s.web.health();
  return Answer{h.store_writable ? 200 : 503,
                Json::object({{"status", h.store_writable ? "ok" : "stopping"},
                              {"store_writable", h.store_writable},
                              {"unsynced_commits", h.unsynced_commits},
                              {"tasks", h.tasks},
                              {"connections", h.connections},
                              {"uptime_seconds", h.uptime_seconds}})};
}

Answer simple(HttpServer::Impl& s, Request& rq, WebRequest::Kind kind) { return ask(s, request_for(rq, kind)); }

Answer call_verb(HttpServer::Impl& s, Request& rq) {
  Json body;
  Answer fail;
  WebRequest req = request_for(rq, WebRequest::CallVerb);
  if (!parse_body(rq, body, fail) || !member_string(body, "verb", req.name, fail)) return fail;
  req.args = Value::empty_list();
  if (const Json* a = body.find("args")) {
    if (!a->is_array()) return error_answer(400, "bad_request", "\"args\" must be an array");
    if (!member_value(body, "args", req.args, fail)) return fail;
  }
  return ask(s, std::move(req));
}

Answer put_verb(HttpServer::Impl& s, Request& rq) {
  Json body;
  Answer fail;
  WebRequest req = request_for(rq, WebRequest::PutVerb);
  if (!parse_body(rq, body, fail) || !member_string(body, "source", req.source, fail) ||
      !member_string(body, "syntax", req.syntax, fail, false))
    return fail;
  return ask(s, std::move(req));
}

Answer put_property(HttpServer::Impl& s, Request& rq) {
  Json body;
  Answer fail;
  WebRequest req = request_for(rq, WebRequest::PutProperty);
  if (!parse_body(rq, body, fail) || !member_value(body, "value", req.value, fail)) return fail;
  return ask(s, std::move(req));
}

// Optional "perms": only the letters a verb or property may carry.
bool member_perms(const Json& body, const char* letters, std::string& out, Answer& fail) {
  if (!member_string(body, "perms", out, fail, false)) return false;
  if (out.size() > 4 || out.find_first_not_of(letters) != std::string::npos) {
    fail = error_answer(400, "bad_request", std::string("\"perms\" is made of the letters ") + letters);
    return false;
  }
  return true;
}

// POST /api/objects/{id}/verbs {"names", "perms"?: "rxd", "args"?: ["this", "none", "this"]}.
Answer add_verb(HttpServer::Impl& s, Request& rq) {
  Json body;
  Answer fail;
  WebRequest req = request_for(rq, WebRequest::AddVerb);
  req.perms = "rxd";
  if (!parse_body(rq, body, fail) || !member_string(body, "names", req.name, fail) ||
      !member_perms(body, "rwxd", req.perms, fail))
    return fail;
  if (req.name.empty() || req.name.size() > 256)
    return error_answer(400, "bad_request", "\"names\" is 1 to 256 characters");
  req.args = make_list({Value::str("this"), Value::str("none"), Value::str("this")});
  if (const Json* a = body.find("args")) {
    bool three = a->is_array() && a->size() == 3;
    for (size_t i = 0; three && i < 3; ++i) three = (*a)[i].is_string() && (*a)[i].as_string().size() <= 64;
    if (!three) return error_answer(400, "bad_request", "\"args\" is three strings: [dobj, prep, iobj]");
    if (!member_value(body, "args", req.args, fail)) return fail;
  }
  return ask(s, std::move(req));
}

// POST /api/objects/{id}/properties {"name", "value"?: 0, "perms"?: "rc"}.
Answer add_property(HttpServer::Impl& s, Request& rq) {
  Json body;
  Answer fail;
  WebRequest req = request_for(rq, WebRequest::AddProperty);
  req.perms = "rc";
  req.value = Value::integer(0);
  if (!parse_body(rq, body, fail) || !member_string(body, "name", req.name, fail) ||
      !member_perms(body, "rwc", req.perms, fail))
    return fail;
  if (req.name.empty() || req.name.size() > 256)
    return error_answer(400, "bad_request", "\"name\" is 1 to 256 characters");
  if (body.find("value") && !member_value(body, "value", req.value, fail)) return fail;
  return ask(s, std::move(req));
}

Answer eval(HttpServer::Impl& s, Request& rq) {
  Json body;
  Answer fail;
  WebRequest req = request_for(rq, WebRequest::Eval);
  if (!parse_body(rq, body, fail) || !member_string(body, "code", req.source, fail) ||
      !member_string(body, "syntax", req.syntax, fail, false))
    return fail;
  return ask(s, std::move(req));
}

Answer emit_event(HttpServer::Impl& s, Request& rq) {
  Json body;
  Answer fail;
  WebRequest req = request_for(rq, WebRequest::EmitEvent);
  if (!parse_body(rq, body, fail) || !member_string(body, "target", req.object, fail) ||
      !member_string(body, "name", req.name, fail))
    return fail;
  req.value = Value::null();
  if (body.find("data") && !member_value(body, "data", req.value, fail)) return fail;
  return ask(s, std::move(req));
}

Answer task_result(HttpServer::Impl& s, Request& rq) {
  WebRequest req = request_for(rq, WebRequest::TaskResult);
  char* end = nullptr;
  req.task = std::strtoll(rq.params[0].c_str(), &end, 10);
  if (rq.params[0].empty() || *end) return error_answer(400, "bad_request", "a task id is a number");
  return ask(s, std::move(req));
}

// GET /api/events?since=N&limit=N&type=T (wizards).
Answer event_log(HttpServer::Impl& s, Request& rq) {
  WebRequest req = request_for(rq, WebRequest::EventLog);
  const mg_request_info* ri = mg_get_request_info(rq.conn);
  const char* q = ri->query_string ? ri->query_string : "";
  size_t qlen = std::strlen(q);
  char buf[256];
  auto number = [&](const char* name, int64_t& out) {
    if (mg_get_var(q, qlen, name, buf, sizeof buf) < 0) return true;
    char* end = nullptr;
    out = std::strtoll(buf, &end, 10);
    return *buf && !*end && out >= 0;
  };
  if (!number("since", req.since) || !number("limit", req.limit))
    return error_answer(400, "bad_request", "since and limit are whole numbers");
  if (mg_get_var(q, qlen, "type", buf, sizeof buf) >= 0) req.name = buf;
  return ask(s, std::move(req));
}

// The operator's console (wizards): ?filter=&limit= for the actors, and
// the task's number from /api/monitor/tasks/{id}/kill.
Answer monitor(HttpServer::Impl& s, Request& rq, WebRequest::Kind kind) {
  WebRequest req = request_for(rq, kind);
  req.limit = 200;
  if (kind == WebRequest::KillTask) {
    char* end = nullptr;
    req.task = std::strtoll(rq.params[0].c_str(), &end, 10);
    if (rq.params[0].empty() || *end) return error_answer(400, "bad_request", "a task id is a number");
  }
  const mg_request_info* ri = mg_get_request_info(rq.conn);
  const char* q = ri->query_string ? ri->query_string : "";
  char buf[256];
  if (mg_get_var(q, std::strlen(q), "filter", buf, sizeof buf) >= 0) req.name = buf;
  if (mg_get_var(q, std::strlen(q), "limit", buf, sizeof buf) >= 0) {
    char* end = nullptr;
    req.limit = std::strtoll(buf, &end, 10);
    if (!*buf || *end || req.limit < 1 || req.limit > 1000)
      return error_answer(400, "bad_request", "limit is a whole number from 1 to 1000");
  }
  return ask(s, std::move(req));
}

Answer openapi(HttpServer::Impl& s, Request& rq);
Answer metrics(HttpServer::Impl& s, Request& rq);

const std::vector<Route>& routes() {
  static const std::vector<Route> r = {
      {"POST", "/api/login", false, "Log in with the world's own login; answers a session token", login},
      {"POST", "/api/logout", true, "End this session", logout},
      {"GET", "/api/health", false, "Whether the store is writable and how far commits lag", health},
      {"GET", "/metrics", false, "Prometheus metrics", metrics},
      {"GET", "/api/openapi.json", false, "This description", openapi},
      {"GET", "/api/objects/{id}", true, "An object as the player may see it",
       [](auto& s, auto& rq) { return simple(s, rq, WebRequest::GetObject); }},
      {"POST", "/api/objects/{id}/methods", true, "Call a verb: {\"verb\", \"args\"}", call_verb},
      {"GET", "/api/objects/{id}/verbs/{name}", true, "A verb's code and info",
       [](auto& s, auto& rq) { return simple(s, rq, WebRequest::GetVerb); }},
      {"PUT", "/api/objects/{id}/verbs/{name}", true, "Program a verb: {\"source\", \"syntax\"}", put_verb},
      {"GET", "/api/objects/{id}/properties/{name}", true, "A property's value",
       [](auto& s, auto& rq) { return simple(s, rq, WebRequest::GetProperty); }},
      {"PUT", "/api/objects/{id}/properties/{name}", true, "Set a property: {\"value\"}", put_property},
      {"POST", "/api/objects/{id}/verbs", true, "Add a verb: {\"names\", \"perms\", \"args\"}", add_verb},
      {"DELETE", "/api/objects/{id}/verbs/{name}", true, "Delete a verb",
       [](auto& s, auto& rq) { return simple(s, rq, WebRequest::DeleteVerb); }},
      {"POST", "/api/objects/{id}/properties", true, "Add a property: {\"name\", \"value\", \"perms\"}",
       add_property},
      {"DELETE", "/api/objects/{id}/properties/{name}", true, "Delete a property",
       [](auto& s, auto& rq) { return simple(s, rq, WebRequest::DeleteProperty); }},
      {"GET", "/api/players/{id}", true, "A player: name, connected, idle, location",
       [](auto& s, auto& rq) { return simple(s, rq, WebRequest::GetPlayer); }},
      {"POST", "/api/events", true, "Emit an event: {\"target\", \"name\", \"data\"}", emit_event},
      {"GET", "/api/events", true, "The event log (wizards): ?since=&type=&limit=", event_log},
      {"POST", "/api/eval", true, "Run code as the player (programmers): {\"code\", \"syntax\"}", eval},
      {"GET", "/api/tasks/{id}", true, "The outcome of a call answered 202", task_result},
      {"GET", "/api/monitor", true, "Console (wizards): actors (?filter=&limit=), tasks, connections, last sample",
       [](auto& s, auto& rq) { return monitor(s, rq, WebRequest::Monitor); }},
      {"GET", "/api/monitor/series", true, "Console (wizards): the last 300 one-second samples",
       [](auto& s, auto& rq) { return monitor(s, rq, WebRequest::MonitorSeries); }},
      {"GET", "/api/monitor/snapshots", true, "Console (wizards): the store's snapshots",
       [](auto& s, auto& rq) { return monitor(s, rq, WebRequest::Snapshots); }},
      {"POST", "/api/monitor/snapshots", true, "Console (wizards): take a snapshot now (202)",
       [](auto& s, auto& rq) { return monitor(s, rq, WebRequest::TakeSnapshot); }},
      {"POST", "/api/monitor/tasks/{id}/kill", true, "Console (wizards): kill_task(id) as the wizard",
       [](auto& s, auto& rq) { return monitor(s, rq, WebRequest::KillTask); }},
  };
  return r;
}

Answer openapi(HttpServer::Impl&, Request&) {
  Json paths = Json::object();
  for (const Route& r : routes()) {
    Json op = Json::object({{"summary", r.summary}});
    if (r.login) op.set("security", Json::array({Json::object({{"bearer", Json::array()}})}));
    std::string lower = r.method;
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    Json* p = paths.find(r.path);
    if (!p) {
      paths.set(r.path, Json::object());
      p = paths.find(r.path);
    }
    p->set(lower, std::move(op));
  }
  return Answer{200, Json::object({{"openapi", "3.0.3"},
                                   {"info", Json::object({{"title", "Echo HTTP API"}, {"version", "1"}})},
                                   {"components", Json::object({{"securitySchemes",
                                                                 Json::object({{"bearer", Json::object({{"type", "http"},
                                                                                                        {"scheme", "bearer"}})}})}})},
                                   {"paths", std::move(paths)}})};
}

// Splits "/api/objects/12/verbs/look" against a route's path; fills params.
bool match(const char* pattern, const std::string& path, std::vector<std::string>& params) {
  params.clear();
  std::string_view p(pattern), u(path);
  while (!p.empty() || !u.empty()) {
    if (p.empty() || u.empty() || p[0] != '/' || u[0] != '/') return false;
    p.remove_prefix(1);
    u.remove_prefix(1);
    size_t pe = p.find('/'), ue = u.find('/');
    std::string_view ps = p.substr(0, pe), us = u.substr(0, ue);
    if (!ps.empty() && ps[0] == '{') {
      if (us.empty()) return false;
      std::string decoded(us.size() + 1, '\0');
      int n = mg_url_decode(us.data(), int(us.size()), decoded.data(), int(decoded.size()), 0);
      if (n < 0) return false;
      decoded.resize(size_t(n));
      params.push_back(std::move(decoded));
    } else if (ps != us) {
      return false;
    }
    p = pe == std::string_view::npos ? std::string_view() : p.substr(pe);
    u = ue == std::string_view::npos ? std::string_view() : u.substr(ue);
  }
  return true;
}

// The body, up to max+1 bytes (past max: too large).
bool read_body(mg_connection* conn, size_t max, std::string& out) {
  const mg_request_info* ri = mg_get_request_info(conn);
  if (ri->content_length > 0 && size_t(ri->content_length) > max) return false;
  char buf[16384];
  int n;
  while ((n = mg_read(conn, buf, sizeof buf)) > 0) {
    out.append(buf, size_t(n));
    if (out.size() > max) return false;
  }
  return true;
}

std::string bearer(mg_connection* conn) {
  const char* h = mg_get_header(conn, "Authorization");
  if (!h) return {};
  std::string_view v(h);
  if (v.size() < 7 || strncasecmp(h, "Bearer ", 7) != 0) return {};
  v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return std::string(v);
}

int handle(mg_connection* conn, void* data) {
  auto& s = *static_cast<HttpServer::Impl*>(data);
  auto t0 = std::chrono::steady_clock::now();
  const mg_request_info* ri = mg_get_request_info(conn);
  std::string path = ri->local_uri ? ri->local_uri : "";
  Request rq{conn, ri->request_method ? ri->request_method : "", {}, {}, -1, {}, ri->remote_addr};
  const Route* found = nullptr;
  bool path_known = false;
  std::vector<std::string> params;
  for (const Route& r : routes()) {
    if (!match(r.path, path, params)) continue;
    path_known = true;
    if (rq.method == r.method) {
      found = &r;
      rq.params = params;
      break;
    }
  }
  Answer a;
  std::string route_name = found ? std::string(found->method) + " " + found->path : "other";
  if (!found) {
    a = path_known ? error_answer(405, "method_not_allowed", rq.method + " is not allowed on " + path)
                   : error_answer(404, "not_found", "no such endpoint: " + path);
  } else if (!read_body(conn, s.opt.max_body, rq.body)) {
    a = error_answer(413, "too_large", "the body is over " + std::to_string(s.opt.max_body) + " bytes");
  } else {
    if (found->login) {
      rq.token = bearer(conn);
      rq.player = rq.token.empty() ? -1 : s.web.authenticate(rq.token);
    }
    if (found->login && rq.player < 0)
      a = error_answer(401, "unauthorized",
                       rq.token.empty() ? "log in first (POST /api/login), then send Authorization: Bearer TOKEN"
                                        : "the session token is unknown or has expired");
    else
      try {
        a = found->handler(s, rq);
      } catch (const std::exception& e) {
        a = error_answer(500, "server_error", e.what());
      }
  }
  if (found && std::strcmp(found->path, "/metrics") == 0 && a.status == 200 && a.body.is_string())
    send(conn, 200, a.body.as_string(), "text/plain; version=0.0.4");
  else
    send(conn, a.status, a.body.dump());
  s.count(route_name, a.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return a.status;
}

Answer metrics(HttpServer::Impl& s, Request&) {
  actors::WebPort::Health h = s.web.health();
  std::string out;
  auto line = [&](const std::string& name, const std::string& labels, double v) {
    char num[64];
    std::snprintf(num, sizeof num, "%.17g", v);
    out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + num + "\n";
  };
  out += "# TYPE echo_tasks gauge\n";
  line("echo_tasks", "", double(h.tasks));
  out += "# TYPE echo_connections gauge\n";
  line("echo_connections", "", double(h.connections));
  out += "# TYPE echo_actors gauge\n";
  line("echo_actors", "", double(h.actors));
  out += "# TYPE echo_commits_total counter\n";
  line("echo_commits_total", "", double(h.commits));
  out += "# TYPE echo_unsynced_commits gauge\n";
  line("echo_unsynced_commits", "", double(h.unsynced_commits));
  out += "# TYPE echo_conflicts_total counter\n";
  line("echo_conflicts_total", "", double(h.conflicts));
  out += "# TYPE echo_reruns_total counter\n";
  line("echo_reruns_total", "", double(h.reruns));
  out += "# TYPE echo_websockets gauge\n";
  line("echo_websockets", "", double(s.ws_open.load()));
  out += "# TYPE echo_uptime_seconds gauge\n";
  line("echo_uptime_seconds", "", h.uptime_seconds);
  out += "# TYPE echo_http_requests_total counter\n";
  for (auto& [route, st] : s.route_stats)
    for (int c = 0; c < 6; ++c)
      if (uint64_t n = st.count[c].load())
        line("echo_http_requests_total", "route=\"" + route + "\",code=\"" + (c ? std::to_string(c) + "xx" : "other") + "\"",
             double(n));
  out += "# TYPE echo_http_request_seconds histogram\n";
  for (auto& [route, st] : s.route_stats) {
    uint64_t total = 0;
    for (int c = 0; c < 6; ++c) total += st.count[c].load();
    if (!total) continue;
    uint64_t cumulative = 0;
    for (int b = 0; b < 12; ++b) {
      cumulative += st.buckets[b].load();
      char le[32];
      std::snprintf(le, sizeof le, "%g", HttpServer::Impl::kBuckets[b]);
      line("echo_http_request_seconds_bucket", "route=\"" + route + "\",le=\"" + le + "\"", double(cumulative));
    }
    line("echo_http_request_seconds_bucket", "route=\"" + route + "\",le=\"+Inf\"", double(total));
    line("echo_http_request_seconds_sum", "route=\"" + route + "\"", double(st.sum_us.load()) / 1e6);
    line("echo_http_request_seconds_count", "route=\"" + route + "\"", double(total));
  }
  return Answer{200, Json(out)};
}

// The browser client: /, /console and /assets/NAME, from the binary. The page may
// load only its own files and talk only to this server.
int serve_asset(mg_connection* conn, void*) {
  const mg_request_info* ri = mg_get_request_info(conn);
  std::string_view uri = ri->local_uri ? ri->local_uri : "";
  const Asset* a = nullptr;
  if (uri == "/" || uri == "/index.html") a = find_asset("index.html");
  else if (uri == "/console") a = find_asset("console.html");
  else if (uri.rfind("/assets/", 0) == 0) a = find_asset(uri.substr(8));
  if (!a || std::strcmp(ri->request_method, "GET") != 0) {
    send(conn, a ? 405 : 404, a ? "method not allowed\n" : "not found\n", "text/plain; charset=utf-8");
    return a ? 405 : 404;
  }
  send(conn, 200, a->text, std::string(a->mime).c_str(),
       "Content-Security-Policy: default-src 'self'; connect-src 'self'; frame-ancestors 'none'\r\n");
  return 200;
}

// CivetWeb reads the certificate and its key from one PEM file (and calls
// through null pointers if an init_ssl callback sets the context up
// instead): the two files are joined into a private temporary one, read at
// start and removed.
std::string joined_pem(const std::string& cert, const std::string& key) {
  auto slurp = [](const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot serve HTTPS: cannot read " + path + ": " + std::strerror(errno));
    std::string text;
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    return text;
  };
  std::string pem = slurp(cert) + "\n" + slurp(key);
  char path[] = "/tmp/echo-tls-XXXXXX";
  int fd = mkstemp(path);  // mode 0600: the key stays private
  if (fd < 0) throw std::runtime_error(std::string("cannot serve HTTPS: no temporary file: ") + std::strerror(errno));
  bool ok = write(fd, pem.data(), pem.size()) == ssize_t(pem.size());
  close(fd);
  if (!ok) {
    unlink(path);
    throw std::runtime_error("cannot serve HTTPS: cannot write a temporary file");
  }
  return path;
}

int log_message(const mg_connection*, const char* message) {
  std::fprintf(stderr, "HTTP: %s\n", message);
  return 1;
}

}  // namespace

void HttpServer::Impl::count(const std::string& route, int status, double seconds) {
  auto it = route_stats.find(route);
  if (it == route_stats.end()) return;
  RouteStats& st = it->second;
  int c = status / 100;
  ++st.count[c >= 1 && c <= 5 ? c : 0];
  int b = 0;
  while (b < 12 && seconds > kBuckets[b]) ++b;
  if (b < 12) ++st.buckets[b];
  st.sum_us += uint64_t(seconds * 1e6);
}

HttpServer::HttpServer(caf::actor_system& sys, actors::SessionPort sessions, actors::WebPort web, HttpOptions options)
    : impl_(std::make_unique<Impl>(sys, sessions, web, std::move(options))) {
  Impl& s = *impl_;
  for (const Route& r : routes()) s.route_stats[std::string(r.method) + " " + r.path];
  s.route_stats["other"];
  bool tls = !s.opt.tls_cert.empty() || !s.opt.tls_key.empty();
  if (tls && (s.opt.tls_cert.empty() || s.opt.tls_key.empty()))
    throw std::runtime_error("TLS needs both --tls-cert and --tls-key");
  if (std::string why = port_problem(s.opt.bind, s.opt.port, "--http-port"); !why.empty())
    throw std::runtime_error(why);
  if (tls && !dlopen(ECHO_TLS_SHIM, RTLD_NOW | RTLD_GLOBAL))  // before CivetWeb opens libssl.so
    throw std::runtime_error(std::string("cannot serve HTTPS: ") + dlerror());
  mg_init_library(tls ? MG_FEATURES_TLS : 0);
  std::string ports = s.opt.bind + ":" + std::to_string(s.opt.port) + (tls ? "s" : "");
  std::string threads = std::to_string(s.opt.threads);
  std::vector<const char*> cfg = {"listening_ports", ports.c_str(),
                                  "num_threads", threads.c_str(),
                                  // A request must arrive whole within 10 s and an idle
                                  // keep-alive connection lets its worker go after 5 s:
                                  // slow clients (slowloris) hold workers for that long.
                                  "request_timeout_ms", "10000",
                                  "enable_keep_alive", "yes",
                                  "keep_alive_timeout_ms", "5000",
                                  // Nagle holds a write behind an unacknowledged one until
                                  // the client's delayed ACK (40 ms on Linux): answers and
                                  // frames here are small and wanted at once.
                                  "tcp_nodelay", "1",
                                  "enable_websocket_ping_pong", "yes",
                                  "websocket_timeout_ms", "120000",
                                  "document_root", nullptr};
  cfg.pop_back();
  cfg.pop_back();
  std::string pem;
  if (tls) {
    pem = joined_pem(s.opt.tls_cert, s.opt.tls_key);
    cfg.push_back("ssl_certificate");
    cfg.push_back(pem.c_str());
  }
  cfg.push_back(nullptr);
  mg_callbacks cb{};
  cb.log_message = log_message;
  mg_init_data init{};
  init.callbacks = &cb;
  init.user_data = &s;
  init.configuration_options = cfg.data();
  mg_error_data err{};
  char errtext[256] = "";
  err.text = errtext;
  err.text_buffer_size = sizeof errtext;
  s.ctx = mg_start2(&init, &err);
  if (!pem.empty()) unlink(pem.c_str());
  if (!s.ctx)
    throw std::runtime_error("cannot serve HTTP on " + s.opt.bind + " port " + std::to_string(s.opt.port) + ": " +
                             (errtext[0] ? errtext : "CivetWeb failed to start"));
  mg_server_port sp[4];
  int n = mg_get_server_ports(s.ctx, 4, sp);
  if (n > 0) s.bound_port = uint16_t(sp[0].port);
  mg_set_request_handler(s.ctx, "/api", handle, &s);
  mg_set_request_handler(s.ctx, "/metrics", handle, &s);
  mg_set_request_handler(s.ctx, "/$", serve_asset, &s);
  mg_set_request_handler(s.ctx, "/index.html$", serve_asset, &s);
  mg_set_request_handler(s.ctx, "/assets/", serve_asset, &s);
  mg_set_request_handler(s.ctx, "/console$", serve_asset, &s);
  s.register_websocket();
  s.register_console();
  s.sweeper = std::thread([&s] { s.sweep(); });
}

HttpServer::~HttpServer() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lk(s.stop_mu);  // the sweeper checks it under stop_mu
    s.stopping = true;
  }
  s.stop_cv.notify_all();
  if (s.sweeper.joinable()) s.sweeper.join();
  s.close_all_websockets();
  s.close_consoles();
  if (s.ctx) mg_stop(s.ctx);
}

uint16_t HttpServer::port() const { return impl_->bound_port; }
bool HttpServer::tls() const { return !impl_->opt.tls_cert.empty(); }

}  // namespace echo::net
