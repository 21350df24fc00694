// Textdump reader: the whole file in memory, parsed line by line from a
// string_view (no allocation per line). See textdump.h for the formats.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <istream>
#include <iterator>
#include <optional>
#include <unordered_map>

#include "lang/map.h"
#include "storage/textdump.h"
#include "storage/textdump_internal.h"

namespace echo::storage {

TextdumpError::TextdumpError(size_t line, const std::string& message)
    : std::runtime_error(line ? "line " + std::to_string(line) + ": " + message : message),
      line_(line),
      message_(message) {}

namespace detail {

std::string quote(std::string_view s) {
  std::string r = "'";
  size_t n = std::min<size_t>(s.size(), 40);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    r += (c < 32 || c == 127) ? '?' : char(c);
  }
  if (s.size() > n) r += "...";
  return r + "'";
}

}  // namespace detail

namespace {

using detail::quote;

constexpr std::string_view kHeaderPrefix = "** LambdaMOO Database, Format Version ";
constexpr std::string_view kHeaderSuffix = " **";

bool parse_int(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "12 34 -5" -> up to max integers separated by single spaces; false unless
// the whole line is such a list of at least min integers.
bool parse_ints(std::string_view s, int64_t* out, int min, int max, int* count) {
  int n = 0;
  while (true) {
    size_t sp = s.find(' ');
    if (n == max || !parse_int(s.substr(0, sp), &out[n])) return false;
    ++n;
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  *count = n;
  return n >= min;
}

// "N suffix" -> N.
bool count_line(std::string_view line, std::string_view suffix, int64_t* n) {
  size_t sp = line.find(' ');
  return sp != std::string_view::npos && line.substr(sp) == suffix &&
         parse_int(line.substr(0, sp), n);
}

bool is_connections_header(std::string_view line, int64_t* n, bool* listeners) {
  if (count_line(line, " active connections with listeners", n)) {
    *listeners = true;
    return true;
  }
  *listeners = false;
  return count_line(line, " active connections", n);
}

class Reader {
 public:
  Reader(std::string_view text, ProgressFn progress) : text_(text), progress_(std::move(progress)) {
    total_lines_ = size_t(std::count(text.begin(), text.end(), '\n'));
    if (!text.empty() && text.back() != '\n') ++total_lines_;
    step_ = std::max<uint64_t>(1, text.size() / 100);
  }

  WorldImage read();

 private:
  // ---- lines ----
  [[noreturn]] void fail(const std::string& msg) const { throw TextdumpError(line_, msg); }
  [[noreturn]] void fail_eof(const char* what) const {
    throw TextdumpError(line_ + 1, std::string("expected ") + what + " but found the end of the file");
  }
  bool at_end() const { return pos_ >= text_.size(); }
  std::optional<std::string_view> peek_line() const {
    if (at_end()) return std::nullopt;
    size_t nl = text_.find('\n', pos_);
    return text_.substr(pos_, (nl == std::string_view::npos ? text_.size() : nl) - pos_);
  }
  std::string_view next_line(const char* what) {
    if (at_end()) fail_eof(what);
    const char* start = text_.data() + pos_;
    size_t left = text_.size() - pos_;
    const void* nl = std::memchr(start, '\n', left);
    size_t len = nl ? size_t(static_cast<const char*>(nl) - start) : left;
    pos_ += len + (nl ? 1 : 0);
    ++line_;
    return {start, len};
  }
  int64_t read_int(const char* what) {
    if (at_end()) fail_eof((std::string("an integer (") + what + ")").c_str());
    std::string_view l = next_line(what);
    int64_t n;
    if (!parse_int(l, &n))
      fail(std::string("expected an integer (") + what + ") but found " + quote(l));
    return n;
  }
  // A count of items each taking at least min_lines lines: never more than
  // the rest of the file can hold.
  int64_t read_count(const char* what, size_t min_lines) {
    int64_t n = read_int(what);
    check_count(n, what, min_lines);
    return n;
  }
  void check_count(int64_t n, const char* what, size_t min_lines) const {
    if (n < 0) fail(std::string("expected a count (") + what + ") but found " + std::to_string(n));
    size_t left = total_lines_ - line_;
    if (uint64_t(n) > left / min_lines)
      fail(std::string(what) + " " + std::to_string(n) + " is more than the " +
           std::to_string(left) + " lines left in the file can hold");
  }
  std::string_view read_header(std::string_view suffix, const char* what, int64_t* n) {
    if (at_end()) fail_eof(what);
    std::string_view l = next_line(what);
    if (!count_line(l, suffix, n))
      fail(std::string("expected ") + what + " but found " + quote(l));
    if (*n < 0) fail(std::string("negative count in ") + quote(l));
    check_count(*n, what, 1);
    return l;
  }
  void report_progress() {
    if (progress_ && pos_ >= next_report_) {
      progress_(pos_, text_.size());
      next_report_ = pos_ + step_;
    }
  }

  // ---- values ----
  bool value(Value* out) { return value_of_type(read_int("value type"), out); }
  bool value_of_type(int64_t type, Value* out);
  bool scalar(int64_t type, Value* out);
  StoredValue stored_value();
  Value plain_value(const char* what);
  void skip_waif();

  // ---- objects and programs ----
  void read_object(WorldImage& image, Object& o, bool anonymous);
  void read_verbs_and_properties(Object& o);
  void read_programs(WorldImage& image, int64_t count);

  // ---- sections kept verbatim ----
  using Body = void (Reader::*)(int64_t count, bool listeners);
  void section(WorldImage& image, const char* name, bool required,
               std::initializer_list<const char*> next_headers, Body body);
  bool header_for(const std::string& name, std::string_view line, int64_t* n, bool* listeners) const;
  bool at_header(std::initializer_list<const char*> names) const;
  void pending_body(int64_t count, bool);
  void clocks_body(int64_t count, bool);
  void queued_body(int64_t count, bool);
  void suspended_body(int64_t count, bool);
  void interrupted_body(int64_t count, bool);
  void connections_body(int64_t count, bool listeners);
  void skip_program(const char* what);
  void skip_activ_as_pi();
  void skip_rt_env();
  void skip_vm();
  void skip_activ();

  std::string_view text_;
  ProgressFn progress_;
  size_t pos_ = 0;
  size_t line_ = 0;  // lines consumed; the line just read is line_
  size_t total_lines_ = 0;
  uint64_t next_report_ = 0;
  uint64_t step_ = 1;
  int version_ = 0;
  int waif_depth_ = 0;  // skip_waif() calls value() for the waif's properties
};

// ---------------------------------------------------------------- values

// Reads a value whose type code is read into *out; when out is null, or the
// value holds a type Value cannot represent, only skips it (returning false in
// the second case).
// Lists and maps are read with an explicit stack, not by recursion, so that
// nesting of any depth is read; every count is checked against the lines
// left, so the stack cannot grow past what the file holds.
bool Reader::value_of_type(int64_t first_type, Value* out) {
  // A list, map or ITER whose values are being read.
  struct Open {
    int64_t type;  // 4 LIST, 10 MAP, 11 ITER
    int64_t n, filled;
    bool want;  // the container is being built (else only skipped)
    bool ok;    // everything read into it so far is representable
    Value v;
    Value key;  // a map's key, until its value is read
  };
  std::vector<Open> stack;
  for (bool first = true;; first = false) {
    bool want = stack.empty() ? out != nullptr : stack.back().want && stack.back().ok;
    int64_t type = first ? first_type : read_int("value type");
    Value v;
    bool ok = true;
    int64_t n = 0;
    switch (type) {
      case 4:  // LIST
        n = read_count("list length", 1);
        if (uint64_t(n) > UINT32_MAX) fail("list of " + std::to_string(n) + " elements");
        // Allocate up front only what a small list needs, so a corrupt length
        // costs no more memory than the elements actually read.
        if (want) v = n <= 4096 ? Value::list_of_size(uint32_t(n)) : Value::empty_list();
        break;
      case 10:  // MAP
        n = read_count("map size", 2) * 2;
        if (want) v = Value::empty_map();
        break;
      case 11:  // ITER: the value it iterates follows
        n = 1;
        want = ok = false;
        break;
      default:
        ok = scalar(type, want ? &v : nullptr);
    }
    if (n) {
      stack.push_back({type, n, 0, want, ok, std::move(v), Value()});
      continue;
    }
    // v is complete: place it, and every container it completes, upwards.
    for (;;) {
      if (stack.empty()) {
        if (ok && out) *out = std::move(v);
        return ok;
      }
      Open& o = stack.back();
      if (!ok) {
        o.ok = false;
      } else if (o.want && o.ok) {
        if (o.type == 4) {
          if (o.n <= 4096) o.v.list_mut()->items()[o.filled] = std::move(v);
          else list_append(o.v, std::move(v));
        } else if (o.filled % 2 == 0) {
          if (!valid_map_key(v)) fail(std::string("a map key cannot be a ") + type_name(v.type()));
          o.key = std::move(v);
        } else {
          o.v.map_mut()->set(std::move(o.key), std::move(v));
        }
      }
      if (++o.filled < o.n) break;
      ok = o.ok;
      v = std::move(o.v);
      stack.pop_back();
    }
  }
}

// Reads a value of a type code that holds no other values; as value().
bool Reader::scalar(int64_t type, Value* out) {
  switch (type) {
    case 0: {  // INT
      int64_t n = read_int("integer value");
      if (out) *out = Value::integer(n);
      return true;
    }
    case 1: {  // OBJ
      int64_t n = read_int("object number");
      if (out) *out = Value::obj(n);
      return true;
    }
    case 2: {  // STR
      std::string_view s = next_line("a string value");
      if (out) *out = Value::str(s);
      return true;
    }
    case 3: {  // ERR
      int64_t n = read_int("error code");
      if (out) *out = Value::err(static_cast<Error>(n));
      return true;
    }
    case 5:  // CLEAR
      if (out) *out = Value::clear();
      return true;
    case 6:  // NONE
      if (out) *out = Value::none();
      return true;
    case 7:   // CATCH
    case 8:   // FINALLY
    case 12:  // ANON: the number of its slot
      read_int(type == 12 ? "anonymous object number" : "handler marker");
      return false;
    case 9: {  // FLOAT
      std::string_view l = next_line("a float value");
      double d;
      auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), d);
      if (l.empty() || ec != std::errc() || p != l.data() + l.size())
        fail("expected a float but found " + quote(l));
      if (out) *out = Value::flt(d);
      return true;
    }
    case 13:  // WAIF
      skip_waif();
      return false;
    case 14: {  // BOOL
      int64_t n = read_int("boolean value");
      if (out) *out = Value::boolean(n != 0);
      return true;
    }
    case -1:  // TYPE_ANY: a NONE in format 0
      if (version_ == kFormatPrehistory) {
        if (out) *out = Value::none();
        return true;
      }
      [[fallthrough]];
    default:
      fail("unknown value type code " + std::to_string(type));
  }
}

// ToastStunt's read_waif(): "c INDEX" (class, owner, property count, then
// index/value pairs up to -1) or "r INDEX" (a reference), then a "." line.
void Reader::skip_waif() {
  std::string_view l = next_line("a waif header");
  int64_t index;
  if (l.size() < 3 || (l[0] != 'c' && l[0] != 'r') || l[1] != ' ' || !parse_int(l.substr(2), &index))
    fail("expected a waif header ('c N' or 'r N') but found " + quote(l));
  if (l[0] == 'c') {
    read_int("waif class");
    read_int("waif owner");
    read_count("waif property count", 1);
    // Waifs within waifs recurse here: bounded, as ToastStunt's reader is.
    if (++waif_depth_ > kMaxValueDepth) fail("waifs nested more than " + std::to_string(kMaxValueDepth) + " deep");
    while (read_int("waif property index") >= 0) value(nullptr);
    --waif_depth_;
  }
  next_line("the '.' ending a waif");
}

StoredValue Reader::stored_value() {
  size_t start = pos_;
  StoredValue sv;
  if (!value(&sv.value)) {
    sv.value = Value();
    sv.raw.assign(text_.substr(start, pos_ - start));
    if (sv.raw.back() != '\n') sv.raw += '\n';
  }
  return sv;
}

Value Reader::plain_value(const char* what) {
  Value v;
  if (!value(&v)) fail(std::string(what) + " holds an anonymous object, a waif or a VM marker");
  return v;
}

// ---------------------------------------------------------------- objects

void Reader::read_verbs_and_properties(Object& o) {
  int64_t n = read_count("verb count", 4);
  o.verbs.resize(size_t(n));
  for (Verb& v : o.verbs) {
    v.names = next_line("a verb name");
    v.owner = read_int("verb owner");
    v.perms = read_int("verb permissions");
    v.prep = read_int("verb preposition");
  }
  n = read_count("property definition count", 1);
  o.propdefs.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i) o.propdefs.emplace_back(next_line("a property name"));
  n = read_count("property value count", 3);
  o.propvals.resize(size_t(n));
  for (PropVal& p : o.propvals) {
    p.value = stored_value();
    p.owner = read_int("property owner");
    p.perms = read_int("property permissions");
  }
}

// "#N" or "#N recycled" ("# N" too, as the servers' scanf reads it), then the
// object in the version's layout. Permanent objects must come in order.
void Reader::read_object(WorldImage& image, Object& o, bool anonymous) {
  std::string_view l = next_line("an object header ('#N')");
  o.line = line_;
  std::string_view rest = l;
  bool ok = !rest.empty() && rest[0] == '#';
  if (ok) rest.remove_prefix(1);
  bool spaced = !rest.empty() && rest[0] == ' ';
  while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  size_t sp = rest.find(' ');
  ok = ok && parse_int(rest.substr(0, sp), &o.id);
  if (ok && sp != std::string_view::npos) {
    ok = rest.substr(sp) == " recycled";
    o.recycled = true;
    o.recycled_spaced = spaced;
  }
  if (!ok) fail("expected an object header ('#N' or '#N recycled') but found " + quote(l));
  // The object being read is already in image.objects (or image.anonymous).
  Objid expected = Objid(image.objects.size()) - (anonymous ? 0 : 1);
  if (!anonymous && o.id != expected)
    fail("expected object #" + std::to_string(expected) + " but found #" + std::to_string(o.id));
  if (anonymous && o.id < expected)
    fail("anonymous object #" + std::to_string(o.id) + " has the number of a permanent object");
  if (o.recycled) return;

  o.name = next_line("an object name");
  if (version_ < kFormatNextGen) {
    o.handles = next_line("the (obsolete) handles line");
    o.flags = read_int("object flags");
    o.owner = read_int("object owner");
    Links4 k;
    k.location = read_int("location");
    k.contents = read_int("first content");
    k.next = read_int("next in location");
    k.parent = read_int("parent");
    k.child = read_int("first child");
    k.sibling = read_int("next sibling");
    o.v4 = k;
  } else {
    o.flags = read_int("object flags");
    o.owner = read_int("object owner");
    o.location = plain_value("location");
    if (version_ >= kFormatLastMove) o.last_move = stored_value();
    o.contents = plain_value("contents");
    o.parents = plain_value("parents");
    o.children = plain_value("children");
  }
  read_verbs_and_properties(o);
}

void Reader::read_programs(WorldImage& image, int64_t count) {
  std::unordered_map<Objid, size_t> anon_index;
  for (size_t i = 0; i < image.anonymous.size(); ++i) anon_index[image.anonymous[i].id] = i;
  for (int64_t i = 0; i < count; ++i) {
    report_progress();
    std::string_view l = next_line("a verb program header ('#O:V')");
    size_t colon = l.find(':');
    int64_t oid, vnum;
    if (l.empty() || l[0] != '#' || colon == std::string_view::npos ||
        !parse_int(l.substr(1, colon - 1), &oid) || !parse_int(l.substr(colon + 1), &vnum))
      fail("expected a verb program header ('#O:V') but found " + quote(l));
    Object* o = nullptr;
    if (oid >= 0 && size_t(oid) < image.objects.size() && !image.objects[size_t(oid)].recycled)
      o = &image.objects[size_t(oid)];
    else if (auto it = anon_index.find(oid); it != anon_index.end() && !image.anonymous[it->second].recycled)
      o = &image.anonymous[it->second];
    if (!o) fail("program for #" + std::to_string(oid) + ":" + std::to_string(vnum) + ", which is not an object");
    if (vnum < 0 || uint64_t(vnum) >= o->verbs.size())
      fail("program for verb " + std::to_string(vnum) + " of #" + std::to_string(oid) + ", which has " +
           std::to_string(o->verbs.size()) + " verbs");
    size_t start = pos_;
    size_t end = pos_;
    while (true) {
      if (at_end()) fail_eof("the '.' line ending a verb program");
      end = pos_;
      if (next_line("the '.' line ending a verb program") == ".") break;
    }
    o->verbs[size_t(vnum)].program.emplace(text_.substr(start, end - start));
    std::string& p = *o->verbs[size_t(vnum)].program;
    if (!p.empty() && p.back() != '\n') p += '\n';
  }
}

// ---------------------------------------------------------------- sections

bool Reader::header_for(const std::string& name, std::string_view line, int64_t* n, bool* listeners) const {
  if (name == "active connections") return is_connections_header(line, n, listeners);
  return count_line(line, " " + name, n);
}

bool Reader::at_header(std::initializer_list<const char*> names) const {
  std::optional<std::string_view> l = peek_line();
  int64_t n;
  bool listeners;
  for (const char* name : names)
    if (l && header_for(name, *l, &n, &listeners)) return true;
  return false;
}

// One section kept verbatim. Its layout is checked as the server reads it;
// when that fails on a suspended or interrupted task section (a builtin's
// saved state this reader does not know), the section runs to the next of
// next_headers instead, unchecked.
void Reader::section(WorldImage& image, const char* name, bool required,
                     std::initializer_list<const char*> next_headers, Body body) {
  if (!required && at_end()) return;
  RawSection s;
  s.name = name;
  s.line = line_ + 1;
  size_t start = pos_;
  bool listeners = false;
  std::string what = std::string("the '") + name + "' header";
  std::string_view l = next_line(what.c_str());
  if (!header_for(s.name, l, &s.count, &listeners))
    fail("expected " + what + " ('N " + name + "') but found " + quote(l));
  check_count(s.count, name, 1);
  size_t body_pos = pos_, body_line = line_;
  try {
    (this->*body)(s.count, listeners);
    // A section that reads well must also end where the next one starts.
    if (next_headers.size() && !at_end() && !at_header(next_headers)) {
      std::string_view peek = next_line("");
      fail(std::string("expected the end of the '") + name + "' section but found " + quote(peek));
    }
  } catch (const TextdumpError&) {
    if (next_headers.size() == 0) throw;
    size_t fail_pos = pos_, fail_line = line_;
    pos_ = body_pos;
    line_ = body_line;
    bool found = false;
    while (!at_end() && !(found = at_header(next_headers))) next_line("");
    // Running into the end of the file is only a section end where the
    // servers allow the following sections to be missing.
    if (!found && (required || version_ >= kFormatAnon)) {
      pos_ = fail_pos;
      line_ = fail_line;
      throw;
    }
    s.checked = false;
  }
  s.text.assign(text_.substr(start, pos_ - start));
  if (s.text.back() != '\n') s.text += '\n';
  image.sections.push_back(std::move(s));
}

void Reader::pending_body(int64_t count, bool) {
  for (int64_t i = 0; i < count; ++i) value(nullptr);
}

void Reader::clocks_body(int64_t count, bool) {
  for (int64_t i = 0; i < count; ++i) {
    std::string_view l = next_line("a clock");
    int64_t v[3];
    int n;
    if (!parse_ints(l, v, 3, 3, &n)) fail("expected a clock ('N N N') but found " + quote(l));
  }
}

void Reader::skip_program(const char* what) {
  while (next_line(what) != ".") {
  }
}

void Reader::skip_activ_as_pi() {
  value(nullptr);  // the dummy -111
  if (version_ >= kFormatThis) value(nullptr);      // this
  if (version_ >= kFormatAnon) value(nullptr);      // vloc
  if (version_ >= kFormatThreaded) read_int("threaded mode");
  std::string_view l = next_line("an activation's numbers");
  int64_t v[9];
  int n;
  if (!parse_ints(l, v, 9, 9, &n)) fail("expected an activation's nine numbers but found " + quote(l));
  for (int i = 0; i < 6; ++i) next_line("an activation string");  // 4 obsolete, verb, verbname
}

void Reader::skip_rt_env() {
  int64_t n;
  read_header(" variables", "a variables count ('N variables')", &n);
  for (int64_t i = 0; i < n; ++i) {
    next_line("a variable name");
    value(nullptr);
  }
}

void Reader::queued_body(int64_t count, bool) {
  for (int64_t i = 0; i < count; ++i) {
    std::string_view l = next_line("a queued task header");
    int64_t v[4];
    int n;
    if (!parse_ints(l, v, 4, 4, &n)) fail("expected a queued task header ('0 LINE START ID') but found " + quote(l));
    skip_activ_as_pi();
    skip_rt_env();
    skip_program("the '.' ending a forked program");
  }
}

void Reader::skip_activ() {
  if (version_ >= kFormatFloat) {
    std::string_view l = next_line("a 'language version N' line");
    int64_t v;
    if (l.substr(0, 17) != "language version " || !parse_int(l.substr(17), &v))
      fail("expected 'language version N' but found " + quote(l));
  }
  skip_program("the '.' ending a suspended frame's program");
  skip_rt_env();
  int64_t n;
  read_header(" rt_stack slots in use", "'N rt_stack slots in use'", &n);
  for (int64_t i = 0; i < n; ++i) value(nullptr);
  skip_activ_as_pi();
  value(nullptr);  // temp
  std::string_view l = next_line("a frame's program counters");
  int64_t pcs[3];
  int c;
  if (!parse_ints(l, pcs, 2, 3, &c)) fail("expected a frame's program counters but found " + quote(l));
  if (pcs[1] != 0) {
    next_line("a builtin function name");
    // The builtins' own saved state: the servers' one-line "bf_NAME data: ..."
    // lines; any other layout makes the section fall back (see section()).
    while (auto p = peek_line()) {
      if (p->substr(0, 3) != "bf_" || p->find(" data: ") == std::string_view::npos) break;
      next_line("");
    }
  }
}

void Reader::skip_vm() {
  if (version_ >= kFormatTaskLocal) value(nullptr);  // task local
  std::string_view l = next_line("a VM header");
  int64_t v[4];
  int n;
  if (!parse_ints(l, v, 3, 4, &n) || v[0] < 0) fail("expected a VM header ('TOP VECTOR FUNC [MAX]') but found " + quote(l));
  check_count(v[0] + 1, "frame count", 8);
  for (int64_t i = 0; i <= v[0]; ++i) skip_activ();
}

void Reader::suspended_body(int64_t count, bool) {
  for (int64_t i = 0; i < count; ++i) {
    std::string_view l = next_line("a suspended task header");
    int64_t v[3];
    int n;
    if (!parse_ints(l, v, 2, 3, &n)) fail("expected a suspended task header ('START ID [TYPE]') but found " + quote(l));
    if (n == 3) value_of_type(v[2], nullptr);
    skip_vm();
  }
}

void Reader::interrupted_body(int64_t count, bool) {
  for (int64_t i = 0; i < count; ++i) {
    std::string_view l = next_line("an interrupted task header");
    int64_t id;
    size_t sp = l.find(' ');
    if (sp == std::string_view::npos || !parse_int(l.substr(0, sp), &id))
      fail("expected an interrupted task header ('ID STATUS') but found " + quote(l));
    skip_vm();
  }
}

void Reader::connections_body(int64_t count, bool listeners) {
  for (int64_t i = 0; i < count; ++i) {
    std::string_view l = next_line("an active connection");
    int64_t v[2];
    int n;
    if (!parse_ints(l, v, listeners ? 2 : 1, listeners ? 2 : 1, &n))
      fail("expected an active connection ('" + std::string(listeners ? "PLAYER LISTENER" : "PLAYER") +
           "') but found " + quote(l));
  }
}

// ---------------------------------------------------------------- file

WorldImage Reader::read() {
  WorldImage image;
  std::string_view l = next_line("the header line");
  int64_t version = -1;
  if (l.substr(0, kHeaderPrefix.size()) != kHeaderPrefix || l.size() < kHeaderPrefix.size() + kHeaderSuffix.size() ||
      l.substr(l.size() - kHeaderSuffix.size()) != kHeaderSuffix ||
      !parse_int(l.substr(kHeaderPrefix.size(), l.size() - kHeaderPrefix.size() - kHeaderSuffix.size()), &version))
    fail("expected the header '** LambdaMOO Database, Format Version N **' but found " + quote(l));
  if (version < 0 || version > kFormatBool)
    fail("unknown format version " + std::to_string(version) + " (this reader knows 0 to 17)");
  version_ = int(version);
  image.format = version_;

  int64_t nobjs = 0, nprogs = 0, nusers;
  if (version_ < kFormatAnon) {
    nobjs = read_count("object count", 1);
    nprogs = read_count("verb program count", 2);
    image.header_dummy = read_int("header's third number");
    nusers = read_count("player count", 1);
  } else {
    nusers = read_count("player count", 1);
  }
  image.players.reserve(size_t(std::min<int64_t>(nusers, 65536)));
  for (int64_t i = 0; i < nusers; ++i) image.players.push_back(read_int("player"));

  if (version_ >= kFormatAnon) {
    section(image, "values pending finalization", true, {}, &Reader::pending_body);
    section(image, "clocks", true, {}, &Reader::clocks_body);
    section(image, "queued tasks", true, {}, &Reader::queued_body);
    section(image, "suspended tasks", true, {"interrupted tasks"}, &Reader::suspended_body);
    section(image, "interrupted tasks", true, {"active connections"}, &Reader::interrupted_body);
    section(image, "active connections", true, {}, &Reader::connections_body);
    nobjs = read_count("object count", 1);
  }

  image.objects.reserve(size_t(std::min<int64_t>(nobjs, 65536)));
  for (int64_t i = 0; i < nobjs; ++i) {
    report_progress();
    image.objects.emplace_back();
    read_object(image, image.objects.back(), false);
  }
  if (version_ >= kFormatAnon) {
    while (int64_t batch = read_count("anonymous object count (0 ends them)", 1)) {
      image.anonymous_batches.push_back(size_t(batch));
      for (int64_t i = 0; i < batch; ++i) {
        report_progress();
        image.anonymous.emplace_back();
        read_object(image, image.anonymous.back(), true);
      }
    }
    std::vector<Objid> ids;
    for (const Object& o : image.anonymous) ids.push_back(o.id);
    std::sort(ids.begin(), ids.end());
    if (auto d = std::adjacent_find(ids.begin(), ids.end()); d != ids.end())
      fail("two anonymous objects are numbered #" + std::to_string(*d));
  }

  if (version_ < kFormatNextGen) {
    detail::validate_links4(image);
    detail::derive_links_from4(image);
  } else {
    detail::validate_links(image);
  }
  detail::validate_propval_counts(image);

  if (version_ >= kFormatAnon) nprogs = read_count("verb program count", 2);
  read_programs(image, nprogs);

  if (version_ < kFormatAnon) {
    section(image, "clocks", true, {}, &Reader::clocks_body);
    section(image, "queued tasks", true, {}, &Reader::queued_body);
    if (version_ >= kFormatInterrupt) {
      section(image, "suspended tasks", false, {"interrupted tasks", "active connections"}, &Reader::suspended_body);
      section(image, "interrupted tasks", false, {"active connections"}, &Reader::interrupted_body);
    } else {
      section(image, "suspended tasks", false, {"active connections"}, &Reader::suspended_body);
    }
    section(image, "active connections", false, {}, &Reader::connections_body);
  }
  image.trailing.assign(text_.substr(pos_));
  if (progress_) progress_(text_.size(), text_.size());
  return image;
}

}  // namespace

WorldImage read_textdump(std::string_view text, ProgressFn progress) {
  return Reader(text, std::move(progress)).read();
}

WorldImage read_textdump(std::istream& in, ProgressFn progress) {
  // From the current position to the end: in one read when the stream can
  // tell its size, else piece by piece.
  std::string text;
  std::streampos start = in.tellg();
  std::streampos end = start;
  if (start != std::streampos(-1) && in.seekg(0, std::ios::end)) end = in.tellg();
  in.clear();
  if (start != std::streampos(-1)) in.seekg(start);
  if (end != std::streampos(-1) && end > start) {
    text.resize(size_t(end - start));
    in.read(text.data(), std::streamsize(text.size()));
    text.resize(size_t(in.gcount()));
  }
  if (!in.bad() && !in.eof()) {
    in.clear();
    text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (in.bad()) throw TextdumpError(0, "cannot read the textdump stream");
  return read_textdump(std::string_view(text), std::move(progress));
}

WorldImage read_textdump_file(const std::string& path, ProgressFn progress) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TextdumpError(0, "cannot open " + path);
  return read_textdump(in, std::move(progress));
}

}  // namespace echo::storage
