#include "actors/http_read.h"

#include <http_parser.h>

#include "lang/builtins/helpers.h"
#include "lang/map.h"

namespace echo::actors {

struct HttpReader::State {
  http_parser parser;
  http_parser_settings settings;
  bool done = false;
  bool in_value = false;  // the last header bytes were a value's
  std::string uri, field, value, body;
  bool has_uri = false, has_headers = false, has_body = false;
  bool bad_path = false;
  int64_t max_bytes = 0, bytes = 0;  // the parts' size so far, bounded
  bool overflow = false;
  // Appends to one of the parts, as a binary string; 1 (stop) past the bound.
  int add(std::string& to, const char* at, size_t n) {
    std::string part = bi::raw_to_binary(std::string_view(at, n));
    bytes += int64_t(part.size());
    if (bytes > max_bytes) {
      overflow = true;
      return 1;
    }
    to += part;
    return 0;
  }
  const char* fed = nullptr;  // the bytes being fed, and whether those before them ended a line
  bool fed_after_lf = false;
  Value headers = Value::empty_map();

  static State& of(http_parser* p) { return *static_cast<State*>(p->data); }

  // tasks.c maybe_complete_header: a header is whole when the next field
  // (or the end of the headers) starts after its value.
  void complete_header() {
    has_headers = true;
    if (!in_value) return;
    headers.map_mut()->set(Value::str(field), Value::str(value));
    field.clear();
    value.clear();
    in_value = false;
  }
};

HttpReader::HttpReader(bool request, int64_t max_bytes) : st_(std::make_unique<State>()) {
  st_->max_bytes = max_bytes;
  http_parser_init(&st_->parser, request ? HTTP_REQUEST : HTTP_RESPONSE);
  st_->parser.data = st_.get();
  http_parser_settings& s = st_->settings;
  http_parser_settings_init(&s);
  // As tasks.c's create_or_extend, every part comes back as a binary
  // string ("line2~09" for a tab), the bytes being whatever the client sent.
  s.on_url = [](http_parser* p, const char* at, size_t n) {
    State& st = State::of(p);
    // http_parser 1.0 (ToastStunt's) refuses a byte past ASCII in a URL;
    // 2.9 takes it. Refused here, as INVALID_PATH.
    for (size_t i = 0; i < n; ++i)
      if (static_cast<unsigned char>(at[i]) >= 0x80) {
        st.bad_path = true;
        return 1;
      }
    st.has_uri = true;
    return st.add(st.uri, at, n);
  };
  s.on_header_field = [](http_parser* p, const char* at, size_t n) {
    State& st = State::of(p);
    st.complete_header();
    return st.add(st.field, at, n);
  };
  s.on_header_value = [](http_parser* p, const char* at, size_t n) {
    State& st = State::of(p);
    // A folded line's leading blanks: http_parser 1.0 dropped them
    // ("abc" CRLF TAB "def" is "abcdef"), 2.9 keeps them.
    bool line_start = at == st.fed ? st.fed_after_lf : at[-1] == '\n';
    if (st.in_value && line_start)
      while (n > 0 && (*at == ' ' || *at == '\t')) ++at, --n;
    st.in_value = true;
    return st.add(st.value, at, n);
  };
  s.on_headers_complete = [](http_parser* p) {
    State::of(p).complete_header();
    // A kept-alive response with neither a length nor chunks has no body
    // in ToastStunt's http_parser 1.0 ("HTTP/1.1 404 Not Found" and a blank
    // line is whole); 2.9 would read it to the connection's end. 1: no body.
    bool keep_alive = p->http_major > 1 || (p->http_major == 1 && p->http_minor >= 1)
                          ? !(p->flags & F_CONNECTION_CLOSE)
                          : (p->flags & F_CONNECTION_KEEP_ALIVE) != 0;
    bool sized = (p->flags & F_CHUNKED) || p->content_length != ULLONG_MAX;
    return p->type == HTTP_RESPONSE && !sized && keep_alive ? 1 : 0;
  };
  s.on_body = [](http_parser* p, const char* at, size_t n) {
    State& st = State::of(p);
    st.has_body = true;
    return st.add(st.body, at, n);
  };
  s.on_message_complete = [](http_parser* p) {
    State::of(p).done = true;
    // The rest of the bytes read belong to the next message, which is not
    // this call's (ToastStunt drops them too).
    http_parser_pause(p, 1);
    return 0;
  };
}

HttpReader::~HttpReader() = default;

bool HttpReader::overflowed() const { return st_->overflow; }

bool HttpReader::feed(std::string_view binary_line) {
  State& st = *st_;
  std::string raw;
  if (!bi::binary_to_raw(binary_line, &raw)) {  // tasks.c: forced input that is not binary
    answer_ = Value::integer(0);
    return true;
  }
  st.fed = raw.data();
  http_parser_execute(&st.parser, &st.settings, raw.data(), raw.size());
  if (!raw.empty()) st.fed_after_lf = raw.back() == '\n';
  if (st.overflow) return true;
  http_errno err = HTTP_PARSER_ERRNO(&st.parser);
  bool broken = err != HPE_OK && err != HPE_PAUSED;
  if (!st.done && !broken && !st.parser.upgrade) return false;
  Value m = Value::empty_map();
  MapObj* out = m.map_mut();
  if (st.done) {
    if (st.parser.type == HTTP_REQUEST)
      out->set(Value::str("method"), Value::str(http_method_str(http_method(st.parser.method))));
    else
      out->set(Value::str("status"), Value::integer(st.parser.status_code));
    if (st.has_uri) out->set(Value::str("uri"), Value::str(st.uri));
    if (st.has_headers) out->set(Value::str("headers"), st.headers);
    if (st.has_body) out->set(Value::str("body"), Value::str(st.body));
  }
  if (broken) {
    // ToastStunt's http_parser (1.0) names its errors without the "HPE_"
    // that Debian's (2.9) puts before them: "INVALID_METHOD".
    if (st.bad_path) err = HPE_INVALID_PATH;
    std::string_view name = http_errno_name(err);
    if (name.substr(0, 4) == "HPE_") name.remove_prefix(4);
    out->set(Value::str("error"), make_list({Value::str(name), Value::str(http_errno_description(err))}));
  } else if (st.parser.upgrade) {
    out->set(Value::str("upgrade"), Value::integer(1));
  }
  answer_ = m;
  return true;
}

}  // namespace echo::actors
