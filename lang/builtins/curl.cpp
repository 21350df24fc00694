// curl() (ToastStunt's curl.cc), wizards only, through libcurl:
//
//   curl(url [, include_headers [, timeout]])   the legacy form
//   curl(url, options)                          the options map
//
// The options are ToastStunt's: "method" (GET, HEAD, POST, PUT, PATCH,
// DELETE, OPTIONS), "body" (a binary string; POST unless a method is
// given), "json" (a value sent as JSON), "headers" (a map of names to a
// string or a list of strings), "timeout" (seconds, 1 to
// $server_options.curl_max_timeout, 300), "max_size" (lowers the cap on
// the response), "follow_redirects" (true for 5, or a count up to 20),
// "parse" (the body read as JSON), "full" (["status", "headers", "body",
// "url"]), "include_headers" (the raw headers before the body),
// "user_agent". A bad option raises E_INVARG with a message.
//
// The answer is the body as a binary string; a transfer that fails answers
// ["error" -> E_INVARG, "message" -> libcurl's message] (E_QUOTA when the
// response passes $server_options.curl_max_response_bytes, 10 MiB, or the
// max_size option), not raised, as in ToastStunt. The default timeout is
// $server_options.curl_timeout, 60 seconds.
//
// Echo allows http and https only (ToastStunt also dict), for the request
// and for redirects; TLS is always verified. The task suspends for the
// transfer on a thread of its own, whatever the thread mode (as exec():
// a request may take a minute), and kill_task() or a stopping server ends
// it (abort_curl()). A request cannot be taken back: the segment runs alone.
#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lang/builtins/helpers.h"
#include "lang/vm.h"
#include "lang/world/world.h"

namespace echo {

namespace {

// The transfers running, by task, each with its flag for abort_curl().
std::mutex g_curl_mu;
std::multimap<int64_t, std::shared_ptr<std::atomic<bool>>> g_transfers;

}  // namespace

void abort_curl(int64_t task_id) {
  std::lock_guard lock(g_curl_mu);
  auto [from, to] = g_transfers.equal_range(task_id);
  for (auto it = from; it != to; ++it) *it->second = true;
}

void abort_all_curl() {
  std::lock_guard lock(g_curl_mu);
  for (auto& [task, flag] : g_transfers) *flag = true;
}

}  // namespace echo

namespace echo::bi {

namespace {

constexpr int64_t kTimeout = 60;                        // ToastStunt's CURL_TIMEOUT
constexpr int64_t kMaxTimeout = 300;                    // CURL_MAX_TIMEOUT
constexpr int64_t kMaxBytes = int64_t(10) << 20;        // CURL_MAX_RESPONSE_BYTES
constexpr int64_t kMaxBytesCeiling = int64_t(256) << 20;  // CURL_RESPONSE_BYTES_CEILING
constexpr size_t kMaxHeaderBytes = 256 * 1024;          // CURL_RESPONSE_HEADER_LIMIT
constexpr int64_t kRedirects = 5, kMaxRedirects = 20;   // CURL_MAX_REDIRECTS(_LIMIT)
constexpr const char* kProtocols = "http,https";
constexpr const char* kUserAgent = "Echo";

// Everything the transfer needs, resolved on the task's thread: the work
// touches no Value of the task and not the world.
struct Request {
  std::string url;
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value" lines
  bool has_body = false;
  std::string body;
  std::string user_agent = kUserAgent;
  long timeout = kTimeout;
  size_t max_size = kMaxBytes;
  long max_redirs = -1;  // < 0: not followed
  bool include_headers = false;
  bool parse = false;
  bool full = false;
};

// A bounded buffer for libcurl's write callbacks.
struct Sink {
  std::string data;
  size_t limit;
  bool overflowed = false;
};

size_t write_sink(char* p, size_t size, size_t n, void* userp) {
  Sink* s = static_cast<Sink*>(userp);
  size_t len = size * n;
  if (len > s->limit || s->data.size() > s->limit - len) {
    s->overflowed = true;
    return 0;  // libcurl ends the transfer (CURLE_WRITE_ERROR)
  }
  s->data.append(p, len);
  return len;
}

int progress(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(clientp)->load() ? 1 : 0;
}

// ToastStunt's make_error_map.
Value error_map(Error e, std::string_view message) {
  Value m = Value::empty_map();
  m.map_mut()->set(Value::str("error"), Value::err(e));
  m.map_mut()->set(Value::str("message"), str(message));
  return m;
}

// ToastStunt's parse_response_headers: the last response's headers (a
// redirect or a 100 Continue starts over), names and values as binary
// strings, a repeated name's values as a list.
Value header_map(std::string_view raw) {
  Value m = Value::empty_map();
  size_t i = 0;
  while (i < raw.size()) {
    size_t start = i, end = raw.find('\n', i);
    if (end == std::string_view::npos) end = raw.size();
    i = end + 1;
    if (end > start && raw[end - 1] == '\r') --end;
    std::string_view line = raw.substr(start, end - start);
    if (line.empty()) continue;
    if (line.size() >= 5 && strncasecmp(line.data(), "HTTP/", 5) == 0) {
      m = Value::empty_map();
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    Value key = str(raw_to_binary(line.substr(0, colon)));
    Value value = str(raw_to_binary(v));
    MapObj* mo = m.map_mut();
    long at = mo->find(key);
    if (at < 0) {
      mo->set(std::move(key), std::move(value));
    } else {
      Value old = mo->entries[size_t(at)].second;
      Value list = old.is_list() ? old : make_list({old});
      list_append(list, std::move(value));
      check_list_value(list);
      mo->set(std::move(key), std::move(list));
    }
  }
  check_map_value(m);
  return m;
}

// The transfer, on the background thread.
Value transfer(const Request& r, int64_t task_id, const ValueLimits& limits) {
  ValueLimitsScope scope(&limits);
  auto aborted = std::make_shared<std::atomic<bool>>(false);
  std::multimap<int64_t, std::shared_ptr<std::atomic<bool>>>::iterator reg;
  {
    std::lock_guard lock(g_curl_mu);
    reg = g_transfers.emplace(task_id, aborted);
  }
  struct Unregister {
    std::multimap<int64_t, std::shared_ptr<std::atomic<bool>>>::iterator it;
    ~Unregister() {
      std::lock_guard lock(g_curl_mu);
      g_transfers.erase(it);
    }
  } unregister{reg};
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return error_map(E_QUOTA, "Could not initialize curl handle");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
  for (const std::string& h : r.headers) {
    curl_slist* next = curl_slist_append(headers.get(), h.c_str());
    if (!next) return error_map(E_QUOTA, "Out of memory building request headers");
    headers.release();
    headers.reset(next);
  }
  Sink body{{}, r.max_size}, head{{}, kMaxHeaderBytes};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, kProtocols);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_USERAGENT, r.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT, r.timeout);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // the cap applies to the decoded body
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, aborted.get());
  if (r.include_headers) curl_easy_setopt(c, CURLOPT_HEADER, 1L);
  if (r.full) {
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, write_sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
  }
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (r.has_body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.size()));
  }
  if (r.method == "HEAD")
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (r.method == "POST")
    curl_easy_setopt(c, CURLOPT_POST, 1L);
  else if (r.method != "GET")
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  if (r.max_redirs >= 0) {
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, r.max_redirs);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, kProtocols);
    if (r.has_body && r.method != "POST") curl_easy_setopt(c, CURLOPT_POSTREDIR, long(CURL_REDIR_POST_ALL));
  }
  CURLcode res = curl_easy_perform(c);
  if (res != CURLE_OK) {
    if (body.overflowed || head.overflowed || res == CURLE_FILESIZE_EXCEEDED)
      return error_map(E_QUOTA, "Response exceeded the maximum allowed size");
    if (*aborted) return error_map(E_INTRPT, "Transfer aborted");
    return error_map(E_INVARG, curl_easy_strerror(res));
  }
  Value result;
  if (r.parse) {
    if (!json_parse_whole(body.data, &result)) return error_map(E_INVARG, "Response body is not valid JSON");
  } else {
    result = str(raw_to_binary(body.data));
  }
  if (!r.full) return result;
  long status = 0;
  char* url = nullptr;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &url);
  Value m = Value::empty_map();
  MapObj* mo = m.map_mut();
  mo->set(Value::str("status"), integer(status));
  mo->set(Value::str("headers"), header_map(head.data));
  mo->set(Value::str("body"), std::move(result));
  mo->set(Value::str("url"), str(raw_to_binary(url ? std::string_view(url) : std::string_view(r.url))));
  check_map_value(m);
  return m;
}

// ---- the options ------------------------------------------------------------

// RFC 7230 token characters: the only bytes a header name may hold.
bool valid_header_name(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && !std::strchr("!#$%&'*+-.^_`|~", c)) return false;
  return true;
}

// No CR, LF, NUL or other control byte but tab: no header injection.
bool valid_header_value(std::string_view s) {
  for (unsigned char c : s)
    if (c == '\r' || c == '\n' || c == 0x7f || (c < 0x20 && c != '\t')) return false;
  return true;
}

struct Options {
  Request& req;
  int64_t max_timeout;
  bool have_method = false, have_body = false, have_json = false, sent_content_type = false;

  void add_header(std::string_view name, std::string_view value) {
    if (!valid_header_name(name)) raise(E_INVARG, "Invalid header name", str(name));
    if (!valid_header_value(value)) raise(E_INVARG, "Invalid header value", str(name));
    // libcurl sends "Name;" as a header with an empty value.
    req.headers.push_back(value.empty() ? std::string(name) + ";" : std::string(name) + ": " + std::string(value));
    if (compare_ci(name, "Content-Type") == 0) sent_content_type = true;
  }

  void header(const Value& k, const Value& v) {
    if (!k.is_str()) raise(E_INVARG, "Header names must be strings");
    if (v.is_str()) return add_header(k.as_str(), v.as_str());
    if (!v.is_list()) raise(E_INVARG, "Header values must be strings or lists of strings", k);
    for (uint32_t i = 0; i < v.list_len(); ++i) {
      const Value& item = v.list_at(i);
      if (!item.is_str()) raise(E_INVARG, "Header values must be strings", k);
      add_header(k.as_str(), item.as_str());
    }
  }

  void option(const Value& k, const Value& v) {
    if (!k.is_str()) raise(E_INVARG, "Option names must be strings");
    std::string_view name = k.as_str();
    auto is = [&](const char* n) { return compare_ci(name, n) == 0; };
    if (is("method")) {
      if (!v.is_str()) raise(E_INVARG, "\"method\" must be a string");
      std::string m(v.as_str());
      for (char& ch : m) ch = char(upper(ch));
      static const char* const kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
      bool ok = false;
      for (const char* known : kMethods) ok = ok || m == known;
      if (!ok) raise(E_INVARG, "Unsupported request method", v);
      req.method = m;
      have_method = true;
    } else if (is("body")) {
      if (!v.is_str()) raise(E_INVARG, "\"body\" must be a (binary) string");
      if (!binary_to_raw(v.as_str(), &req.body)) raise(E_INVARG, "\"body\" is an invalid binary string");
      req.has_body = have_body = true;
    } else if (is("json")) {
      if (!json_generate(v, &req.body)) raise(E_INVARG, "\"json\" value cannot be represented as JSON");
      req.has_body = have_json = true;
    } else if (is("headers")) {
      if (!v.is_map()) raise(E_INVARG, "\"headers\" must be a map");
      for (const auto& [hk, hv] : v.map_obj()->entries) header(hk, hv);
    } else if (is("timeout")) {
      if (!v.is_int()) raise(E_INVARG, "\"timeout\" must be an integer");
      if (v.as_int() < 1 || v.as_int() > max_timeout)
        raise(E_INVARG, "\"timeout\" must be between 1 and $server_options.curl_max_timeout seconds", v);
      req.timeout = long(v.as_int());
    } else if (is("max_size")) {
      if (!v.is_int() || v.as_int() < 1) raise(E_INVARG, "\"max_size\" must be a positive integer");
      if (uint64_t(v.as_int()) < req.max_size) req.max_size = size_t(v.as_int());  // lowered only
    } else if (is("follow_redirects")) {
      if (!v.is_int() && !v.is_bool()) raise(E_INVARG, "\"follow_redirects\" must be an integer or boolean");
      int64_t n = v.is_bool() ? (v.truthy() ? 1 : 0) : v.as_int();
      if (n < 0 || n > kMaxRedirects) raise(E_INVARG, "\"follow_redirects\" is out of range", integer(n));
      req.max_redirs = n == 0 ? -1 : n == 1 ? kRedirects : long(n);
    } else if (is("parse")) {
      req.parse = v.truthy();
    } else if (is("full")) {
      req.full = v.truthy();
    } else if (is("include_headers")) {
      req.include_headers = v.truthy();
    } else if (is("user_agent")) {
      if (!v.is_str() || !valid_header_value(v.as_str())) raise(E_INVARG, "\"user_agent\" must be a plain string");
      req.user_agent = std::string(v.as_str());
    } else {
      raise(E_INVARG, "Unknown curl option", k);
    }
  }

  // ToastStunt's checks across options, once all are read.
  void finish() {
    if (have_body && have_json) raise(E_INVARG, "\"body\" and \"json\" cannot both be given");
    if (req.has_body) {
      if (!have_method)
        req.method = "POST";
      else if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS")
        raise(E_INVARG, "This request method does not accept a body", str(req.method));
    }
    if (have_json && !sent_content_type) add_header("Content-Type", "application/json");
    if (req.include_headers && (req.full || req.parse))
      raise(E_INVARG, "\"include_headers\" cannot be combined with \"full\" or \"parse\"");
  }
};

Value bf_curl(BuiltinContext& ctx, std::span<Value> a) {
  if (!ctx.wizard()) raise(E_PERM);
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  int64_t max_timeout = std::max<int64_t>(1, server_int_option(ctx, "curl_max_timeout", kMaxTimeout));
  int64_t timeout = std::clamp<int64_t>(server_int_option(ctx, "curl_timeout", kTimeout), 1, max_timeout);
  int64_t max_bytes = server_int_option(ctx, "curl_max_response_bytes", kMaxBytes);
  if (max_bytes < 1) max_bytes = kMaxBytes;
  max_bytes = std::min(max_bytes, kMaxBytesCeiling);
  Request req;
  req.url = std::string(a[0].as_str());
  if (req.url.find('\0') != std::string::npos) raise(E_INVARG, "Invalid URL", a[0]);
  req.timeout = long(timeout);
  req.max_size = size_t(max_bytes);
  if (a.size() >= 2 && a[1].is_map()) {
    if (a.size() > 2)
      raise(E_INVARG,
            "The timeout argument cannot be combined with an options map; use the \"timeout\" option");
    Options o{req, max_timeout};
    for (const auto& [k, v] : a[1].map_obj()->entries) o.option(k, v);
    o.finish();
  } else {
    if (a.size() >= 2) req.include_headers = a[1].truthy();
    if (a.size() >= 3) {
      int64_t t = a[2].as_int();
      if (t < 1 || t > max_timeout)
        raise(E_INVARG, "Timeout must be between 1 and $server_options.curl_max_timeout seconds", a[2]);
      req.timeout = long(t);
    }
  }
  // A request cannot be taken back: run alone, not speculatively.
  if (ctx.world) static_cast<World*>(ctx.world)->exclusive_only("curl()");
  int64_t task_id = ctx.task ? ctx.task->id() : -1;
  std::string label = req.method + " " + req.url;  // for queued_tasks()
  if (label.size() > 200) label.resize(200);
  return ctx.in_background(
      [req = std::move(req), task_id, limits = value_limits()] { return transfer(req, task_id, limits); },
      /*always=*/true, std::move(label));
}

}  // namespace

void register_curl_builtins(Builtins& b) {
  b.add({"curl", 1, 3, {ArgType::Str, ArgType::Any, ArgType::Int}, bf_curl});
}

}  // namespace echo::bi
