// ToastStunt's SQLite builtins (src/sqlite.cc): sqlite_open, sqlite_close,
// sqlite_handles, sqlite_info, sqlite_query, sqlite_execute,
// sqlite_last_insert_row_id, sqlite_limit and sqlite_interrupt, wizards
// only.
//
// As ToastStunt: a database is a file under the files directory (the file
// builtins' path rules, fileio.cpp), or ":memory:", or "" (a temporary
// one); at most $server_options.sqlite_max_handles (20) are open; a
// handle's options are SQLITE_PARSE_TYPES (2: numbers and floats come back
// as INT and FLOAT, NULL as "NULL"), SQLITE_PARSE_OBJECTS (4: "#12" as
// OBJ) and SQLITE_SANITIZE_STRINGS (8: newlines as tabs), 6 unless given;
// a statement that fails answers SQLite's message as a STR, not an error;
// sqlite_query() and sqlite_execute() run on a background thread when the
// verb's thread mode is on, and a handle in use by one cannot be closed.
// SQL may use REGEXP (PCRE2), as in ToastStunt.
//
// Echo also keeps SQLite itself inside the files directory: every
// connection opens its files through a VFS that refuses a path outside it
// (ATTACH, VACUUM INTO, a symlink), URI file names are off, and the
// extension loader and fts3_tokenizer()'s pointer form stay disabled.
//
// A database is outside the world: a speculative segment cannot take back
// a write, so every one of these builtins makes its segment run alone
// (World::exclusive_only). Handles belong to the process, as ToastStunt's.
#include <sqlite3.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lang/builtins/helpers.h"
#include "lang/world/world.h"

namespace echo::bi {

namespace {

constexpr int64_t kMaxHandles = 20;  // ToastStunt's SQLITE_MAX_HANDLES
constexpr int64_t kParseTypes = 2, kParseObjects = 4, kSanitize = 8;
constexpr const char* kVfsName = "echo-files";

struct Conn {
  sqlite3* db = nullptr;
  std::string path;  // ToastStunt's: as resolved under the files directory
  int64_t options = kParseTypes | kParseObjects;
  std::atomic<int64_t> locks{0};  // queries running on it
  ~Conn() {
    if (db) sqlite3_close_v2(db);
  }
};

std::mutex g_mu;  // the handle table
std::map<int64_t, std::shared_ptr<Conn>> g_conns;
int64_t g_next = 1;  // as ToastStunt: not reused until every handle is closed

// ---- the confining VFS ------------------------------------------------------

sqlite3_vfs g_vfs;  // the default VFS with the file names checked

sqlite3_vfs* real_vfs() { return static_cast<sqlite3_vfs*>(g_vfs.pAppData); }

// The files directory, resolved; "" when it cannot be made.
std::string files_root() {
  std::string root = files_directory();
  mkdir(root.c_str(), 0755);
  return real_path(root);
}

// Whether a full path SQLite wants to use lies under the files directory:
// what it is when it exists (a dangling symlink does not), else its
// directory.
bool confined(const char* path) {
  std::string root = files_root();
  if (root.empty() || !path) return false;
  std::string p = path, resolved;
  struct stat st {};
  if (lstat(p.c_str(), &st) == 0) {
    resolved = real_path(p);
  } else {
    size_t slash = p.rfind('/');
    resolved = real_path(slash == std::string::npos || slash == 0 ? std::string("/") : p.substr(0, slash));
  }
  return !resolved.empty() && path_within(resolved, root);
}

// A relative name is under the files directory (ATTACH 'other.db').
int vfs_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  std::string p = name;
  if (p.empty() || p[0] != '/') {
    std::string root = files_root();
    if (root.empty()) return SQLITE_CANTOPEN;
    p = root + "/" + p;
  }
  int rc = real_vfs()->xFullPathname(real_vfs(), p.c_str(), n, out);
  if (rc != SQLITE_OK && rc != SQLITE_OK_SYMLINK) return rc;
  return confined(out) ? rc : SQLITE_CANTOPEN;
}

int vfs_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  if (name && !confined(name)) {
    f->pMethods = nullptr;  // nothing to close
    return SQLITE_CANTOPEN;
  }
  return real_vfs()->xOpen(real_vfs(), name, f, flags, out_flags);
}

int vfs_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  if (!confined(name)) return SQLITE_IOERR_DELETE;
  return real_vfs()->xDelete(real_vfs(), name, sync_dir);
}

int vfs_access(sqlite3_vfs*, const char* name, int flags, int* res) {
  if (!confined(name)) {
    *res = 0;
    return SQLITE_OK;
  }
  return real_vfs()->xAccess(real_vfs(), name, flags, res);
}

// REGEXP(pattern, string), ToastStunt's sqlite_regexp: PCRE2, bounded as
// pcre_match() is.
void sql_regexp(sqlite3_context* c, int, sqlite3_value** argv) {
  const char* pattern = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  if (!pattern) return sqlite3_result_error(c, "SQLite REGEXP called with invalid pattern.", -1);
  const char* subject = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  if (!subject) return sqlite3_result_error(c, "SQLite REGEXP called with invalid string.", -1);
  int code;
  PCRE2_SIZE offset;
  std::unique_ptr<pcre2_code, void (*)(pcre2_code*)> re(
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED, 0, &code, &offset, nullptr),
      pcre2_code_free);
  if (!re) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    return sqlite3_result_error(c, reinterpret_cast<const char*>(msg), -1);
  }
  std::unique_ptr<pcre2_match_context, void (*)(pcre2_match_context*)> mc(pcre2_match_context_create(nullptr),
                                                                          pcre2_match_context_free);
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> md(
      pcre2_match_data_create_from_pattern(re.get(), nullptr), pcre2_match_data_free);
  if (!mc || !md) return sqlite3_result_error_nomem(c);
  pcre2_set_match_limit(mc.get(), 100000);
  pcre2_set_depth_limit(mc.get(), 10000);
  int rc = pcre2_match(re.get(), reinterpret_cast<PCRE2_SPTR>(subject), std::strlen(subject), 0, 0, md.get(),
                       mc.get());
  sqlite3_result_int(c, rc >= 0);
}

// Once: URI file names off (a "file:...?vfs=unix" ATTACH would skip the
// check), and the VFS registered.
void init_sqlite() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Fails (SQLITE_MISUSE) if something else started SQLite first; the
    // authorizer still refuses an ATTACH of a URI then.
    sqlite3_config(SQLITE_CONFIG_URI, 0);
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    g_vfs = *real;
    g_vfs.zName = kVfsName;
    g_vfs.pAppData = real;
    g_vfs.pNext = nullptr;
    g_vfs.xFullPathname = vfs_full_pathname;
    g_vfs.xOpen = vfs_open;
    g_vfs.xDelete = vfs_delete;
    g_vfs.xAccess = vfs_access;
    sqlite3_vfs_register(&g_vfs, 0);
  });
}

// ATTACH of a URI (or of a name computed at run time, which could be one)
// is refused whatever SQLite's URI setting.
int authorize(void*, int action, const char* a1, const char*, const char*, const char*) {
  if (action != SQLITE_ATTACH) return SQLITE_OK;
  if (!a1 || strncasecmp(a1, "file:", 5) == 0) return SQLITE_DENY;
  return SQLITE_OK;
}

// ---- handles ----------------------------------------------------------------

// Every SQLite builtin begins here: wizards only (E_PERM), and alone.
std::shared_ptr<Conn> find_conn(int64_t h) {
  std::lock_guard lock(g_mu);
  auto it = g_conns.find(h);
  return it == g_conns.end() ? nullptr : it->second;
}

// ToastStunt's sqlite_close and sqlite_interrupt raise with a message, the
// others plain E_INVARG.
std::shared_ptr<Conn> conn_or_raise(const Value& h, bool with_message) {
  std::shared_ptr<Conn> c = find_conn(h.as_int());
  if (!c && with_message) raise(E_INVARG, "Invalid database handle", h);
  if (!c) raise(E_INVARG);
  return c;
}

// ---- values -----------------------------------------------------------------

void sanitize(std::string& s) {
  for (char& ch : s)
    if (ch == '\n') ch = '\t';
}

// ToastStunt's parse_number: an integer, blanks after it only.
bool parse_int(const std::string& s, int64_t* out) {
  const char* p = s.c_str();
  char* end;
  errno = 0;
  long long n = std::strtoll(p, &end, 10);
  if (end == p || errno == ERANGE) return false;  // ToastStunt clamps an overflow; Echo reads it as a float
  while (*end == ' ') ++end;
  if (*end) return false;
  *out = n;
  return true;
}

// ToastStunt's parse_float; only a finite one (MOO has no NaN or infinity).
bool parse_float(const std::string& s, double* out) {
  const char* p = s.c_str();
  char* end;
  double d = std::strtod(p, &end);
  if (end == p) return false;
  while (*end == ' ') ++end;
  if (*end || !std::isfinite(d)) return false;
  *out = d;
  return true;
}

// A column's text (nullptr for NULL) as ToastStunt converts it: NULL is
// "NULL" when parsing types, "" when not; a C string, so cut at a NUL.
Value column_value(const char* text, int64_t options) {
  std::string s = text ? std::string(text) : std::string();
  if (options & kSanitize) sanitize(s);
  if (!(options & kParseTypes)) return str(s);
  if (!text) return Value::str("NULL");
  int64_t n;
  double d;
  if (s.size() > 1 && s[0] == '#' && (options & kParseObjects) && parse_int(s.substr(1), &n)) return Value::obj(n);
  if (parse_int(s, &n)) return integer(n);
  if (parse_float(s, &d)) return Value::flt(d);
  return str(s);
}

// Rows as they come, checked against the task's limits as they grow (a
// query may answer more than any list may hold).
class Rows {
 public:
  explicit Rows(const ValueLimits& limits) : limits_(limits) {}
  void add(std::vector<Value> row) {
    check_list_length(rows_.size() + 1);
    bytes_ += 32;
    for (const Value& v : row) bytes_ += value_bytes(v);
    if (limits_.max_list_bytes > 0 && bytes_ > limits_.max_list_bytes) throw ValueTooLarge();
    rows_.push_back(list_from(std::move(row)));
  }
  Value done() { return list_from(std::move(rows_)); }

 private:
  const ValueLimits& limits_;
  std::vector<Value> rows_;
  int64_t bytes_ = 32;
};

// One statement's rows into `rows` (with {name, value} pairs when
// `headers`); false, with SQLite's message in *error, when a step fails.
bool step_all(sqlite3* db, sqlite3_stmt* stmt, int64_t options, bool headers, Rows& rows, std::string* error) {
  int cols = sqlite3_column_count(stmt);
  for (;;) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) return true;
    if (rc != SQLITE_ROW) {
      *error = sqlite3_errmsg(db);
      return false;
    }
    std::vector<Value> row;
    row.reserve(size_t(cols));
    for (int i = 0; i < cols; ++i) {
      Value v = column_value(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)), options);
      if (headers) {
        const char* name = sqlite3_column_name(stmt, i);
        v = make_list({str(name ? name : ""), std::move(v)});
      }
      row.push_back(std::move(v));
    }
    rows.add(std::move(row));
  }
}

using Stmt = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

// sqlite_query's work: every statement of `sql` in turn, as sqlite3_exec(),
// their rows together.
Value run_query(const std::shared_ptr<Conn>& c, const std::string& sql, bool headers, const ValueLimits& limits) {
  ValueLimitsScope scope(&limits);
  Rows rows(limits);
  const char* tail = sql.c_str();
  const char* end = tail + sql.size();
  std::string error;
  while (tail < end && *tail) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(c->db, tail, int(end - tail), &raw, &tail) != SQLITE_OK) return str(sqlite3_errmsg(c->db));
    if (!raw) continue;  // blanks or a comment
    Stmt stmt(raw, sqlite3_finalize);
    if (!step_all(c->db, stmt.get(), c->options, headers, rows, &error)) return str(error);
  }
  return rows.done();
}

// A parameter as ToastStunt binds it: STR as text, INT, FLOAT, OBJ as
// "#12"; anything else stays NULL. Echo binds BOOL as 1 or 0 (ToastStunt
// leaves it NULL) and an INT whole (ToastStunt cuts it to 32 bits).
struct Param {
  enum Kind { Null, Text, Int, Float } kind = Null;
  std::string text;
  int64_t i = 0;
  double f = 0;
};

Param to_param(const Value& v) {
  Param p;
  if (v.is_str()) {
    p.kind = Param::Text;
    p.text = std::string(v.as_str());
  } else if (v.is_int()) {
    p.kind = Param::Int;
    p.i = v.as_int();
  } else if (v.is_bool()) {
    p.kind = Param::Int;
    p.i = v.truthy() ? 1 : 0;
  } else if (v.is_float()) {
    p.kind = Param::Float;
    p.f = v.as_float();
  } else if (v.is_obj()) {
    p.kind = Param::Text;
    p.text = "#" + std::to_string(v.as_obj());
  }
  return p;
}

// sqlite_execute's work: the first statement of `sql`, with its parameters.
Value run_execute(const std::shared_ptr<Conn>& c, const std::string& sql, const std::vector<Param>& params,
                  const ValueLimits& limits) {
  ValueLimitsScope scope(&limits);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(c->db, sql.c_str(), int(sql.size()), &raw, nullptr) != SQLITE_OK)
    return str(sqlite3_errmsg(c->db));
  if (!raw) return Value::empty_list();  // no statement at all
  Stmt stmt(raw, sqlite3_finalize);
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    int at = int(i + 1);
    // As ToastStunt, a parameter past the statement's is ignored.
    if (p.kind == Param::Text)
      sqlite3_bind_text64(stmt.get(), at, p.text.data(), p.text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    else if (p.kind == Param::Int)
      sqlite3_bind_int64(stmt.get(), at, p.i);
    else if (p.kind == Param::Float)
      sqlite3_bind_double(stmt.get(), at, p.f);
  }
  Rows rows(limits);
  std::string error;
  if (!step_all(c->db, stmt.get(), c->options, false, rows, &error)) return str(error);
  return rows.done();
}

// Held by a query's work while it may run: sqlite_close() waits for none.
struct Lease {
  std::shared_ptr<Conn> conn;
  explicit Lease(std::shared_ptr<Conn> c) : conn(std::move(c)) { ++conn->locks; }
  ~Lease() { --conn->locks; }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
};

// ---- the builtins -----------------------------------------------------------

// sqlite_open(path [, options]): a new handle.
Value bf_sqlite_open(BuiltinContext& ctx, std::span<Value> a) {
  wizard_alone(ctx, "sqlite_open()");
  init_sqlite();
  int64_t limit = server_int_option(ctx, "sqlite_max_handles", kMaxHandles);
  {
    std::lock_guard lock(g_mu);
    if (int64_t(g_conns.size()) >= limit) raise(E_QUOTA, "Too many database connections open.", integer(0));
  }
  std::string_view name = a[0].as_str();
  std::string shown, open_path;
  if (name == ":memory:" || name.empty()) {
    shown = open_path = std::string(name);
  } else {
    shown = resolve_file_path(a[0]);  // E_INVARG for a path that leaves files/
    // SQLite is given the full path: the VFS reads a relative one as under
    // the files directory.
    std::string root = files_root();
    if (root.empty()) raise(E_FILE, std::strerror(errno), Value::str(files_directory()));
    open_path = root + "/" + std::string(name[0] == '/' ? name.substr(1) : name);
  }
  bool shared = !open_path.empty() && open_path != ":memory:";  // may already be open
  auto already_open = [&] {
    if (!shared) return;
    for (auto& [h, other] : g_conns)
      if (other->path == shown)
        raise(E_INVARG, "Database already open with handle: " + std::to_string(h), integer(h));
  };
  {
    std::lock_guard lock(g_mu);
    already_open();
  }
  auto c = std::make_shared<Conn>();
  c->path = shown;
  if (a.size() >= 2) c->options = a[1].as_int();
  int rc = sqlite3_open_v2(open_path.c_str(), &c->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, kVfsName);
  if (rc != SQLITE_OK) {
    // ToastStunt raises E_NONE with SQLite's message.
    std::string msg = c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    raise(E_NONE, msg, integer(0));
  }
  sqlite3_db_config(c->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(c->db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, nullptr);  // its pointer form
  sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_set_authorizer(c->db, authorize, nullptr);
  sqlite3_create_function(c->db, "REGEXP", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, sql_regexp, nullptr,
                          nullptr);
  std::lock_guard lock(g_mu);
  // Checked again: another thread may have opened one meanwhile.
  if (int64_t(g_conns.size()) >= limit) raise(E_QUOTA, "Too many database connections open.", integer(0));
  already_open();
  int64_t h = g_next++;
  g_conns.emplace(h, std::move(c));
  return integer(h);
}

// sqlite_close(handle)
Value bf_sqlite_close(BuiltinContext& ctx, std::span<Value> a) {
  wizard_alone(ctx, "sqlite_close()");
  std::lock_guard lock(g_mu);
  auto it = g_conns.find(a[0].as_int());
  if (it == g_conns.end()) raise(E_INVARG, "Invalid database handle", a[0]);
  if (it->second->locks.load() > 0)
    raise(E_PERM, "Handle can't be closed until all worker threads are finished", integer(0));
  g_conns.erase(it);  // closed when no one holds it
  if (g_conns.empty()) g_next = 1;
  return integer(0);
}

// sqlite_handles(): the open handles.
Value bf_sqlite_handles(BuiltinContext& ctx, std::span<Value>) {
  wizard_alone(ctx, "sqlite_handles()");
  std::lock_guard lock(g_mu);
  Value r = Value::empty_list();
  for (auto& [h, c] : g_conns) list_append(r, integer(h));
  return r;
}

// sqlite_info(handle): ["path" -> ..., "parse_types" -> 0/1,
// "parse_objects" -> 0/1, "sanitize_strings" -> 0/1, "locks" -> n].
Value bf_sqlite_info(BuiltinContext& ctx, std::span<Value> a) {
  wizard_alone(ctx, "sqlite_info()");
  std::shared_ptr<Conn> c = conn_or_raise(a[0], false);
  Value m = Value::empty_map();
  MapObj* mo = m.map_mut();
  mo->set(Value::str("path"), str(c->path));
  mo->set(Value::str("parse_types"), integer((c->options & kParseTypes) ? 1 : 0));
  mo->set(Value::str("parse_objects"), integer((c->options & kParseObjects) ? 1 : 0));
  mo->set(Value::str("sanitize_strings"), integer((c->options & kSanitize) ? 1 : 0));
  mo->set(Value::str("locks"), integer(c->locks.load()));
  return m;
}

// sqlite_query(handle, sql [, include_headers]): every row of every
// statement, or SQLite's message. An unknown handle answers E_INVARG (not
// raised), as in ToastStunt.
Value bf_sqlite_query(BuiltinContext& ctx, std::span<Value> a) {
  wizard_alone(ctx, "sqlite_query()");
  std::shared_ptr<Conn> c = find_conn(a[0].as_int());
  if (!c) return Value::err(E_INVARG);
  bool headers = a.size() >= 3 && a[2].truthy();
  auto lease = std::make_shared<Lease>(std::move(c));
  return ctx.in_background(
      [lease, sql = std::string(a[1].as_str()), headers, limits = value_limits()]() mutable {
        auto held = std::move(lease);  // let go here, before the task resumes: it may close the handle
        return run_query(held->conn, sql, headers, limits);
      },
      false, "sqlite_query()");
}

// sqlite_execute(handle, sql, values): the first statement of `sql` with
// `values` bound to its parameters (?, ?NNN, :name in order); its rows, or
// SQLite's message. An unknown handle answers E_INVARG (not raised).
Value bf_sqlite_execute(BuiltinContext& ctx, std::span<Value> a) {
  wizard_alone(ctx, "sqlite_execute()");
  std::shared_ptr<Conn> c = find_conn(a[0].as_int());
  if (!c) return Value::err(E_INVARG);
  std::vector<Param> params;
  const ListObj* l = a[2].list_obj();
  for (uint32_t i = 0; i < l->len; ++i) params.push_back(to_param(l->items()[i]));
  auto lease = std::make_shared<Lease>(std::move(c));
  return ctx.in_background(
      [lease, sql = std::string(a[1].as_str()), params = std::move(params), limits = value_limits()]() mutable {
        auto held = std::move(lease);  // as sqlite_query's
        return run_execute(held->conn, sql, params, limits);
      },
      false, "sqlite_execute()");
}

// sqlite_last_insert_row_id(handle)
Value bf_sqlite_last_insert_row_id(BuiltinContext& ctx, std::span<Value> a) {
  wizard_alone(ctx, "sqlite_last_insert_row_id()");
  return integer(sqlite3_last_insert_rowid(conn_or_raise(a[0], false)->db));
}

// sqlite_limit(handle, category, value): sets a run-time limit (a name as
// "LIMIT_LENGTH" or its number, 0..11); the value before. A negative value
// only asks.
Value bf_sqlite_limit(BuiltinContext& ctx, std::span<Value> a) {
  static const char* const kCategories[] = {
      "LIMIT_LENGTH",         "LIMIT_SQL_LENGTH",  "LIMIT_COLUMN",        "LIMIT_EXPR_DEPTH",
      "LIMIT_COMPOUND_SELECT", "LIMIT_VDBE_OP",    "LIMIT_FUNCTION_ARG",  "LIMIT_ATTACHED",
      "LIMIT_LIKE_PATTERN_LENGTH", "LIMIT_VARIABLE_NUMBER", "LIMIT_TRIGGER_DEPTH", "LIMIT_WORKER_THREADS"};
  constexpr int64_t kCount = int64_t(sizeof kCategories / sizeof kCategories[0]);
  wizard_alone(ctx, "sqlite_limit()");
  std::shared_ptr<Conn> c = conn_or_raise(a[0], false);
  int64_t category = -1;
  if (a[1].is_str()) {
    for (int64_t i = 0; i < kCount; ++i)
      if (a[1].as_str() == kCategories[i]) category = i;
  } else if (a[1].is_int()) {
    category = a[1].as_int();
  }
  if (category < 0 || category >= kCount) raise(E_INVARG);
  int64_t v = a[2].as_int();
  int value = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? -1 : int(v);
  return integer(sqlite3_limit(c->db, int(category), value));
}

// sqlite_interrupt(handle): stops what runs on it (that query answers
// "interrupted").
Value bf_sqlite_interrupt(BuiltinContext& ctx, std::span<Value> a) {
  wizard_alone(ctx, "sqlite_interrupt()");
  sqlite3_interrupt(conn_or_raise(a[0], true)->db);
  return integer(0);
}

}  // namespace

void register_sqlite_builtins(Builtins& b) {
  using A = ArgType;
  b.add({"sqlite_open", 1, 2, {A::Str, A::Int}, bf_sqlite_open});
  b.add({"sqlite_close", 1, 1, {A::Int}, bf_sqlite_close});
  b.add({"sqlite_handles", 0, 0, {}, bf_sqlite_handles});
  b.add({"sqlite_info", 1, 1, {A::Int}, bf_sqlite_info});
  b.add({"sqlite_query", 2, 3, {A::Int, A::Str, A::Any}, bf_sqlite_query});
  b.add({"sqlite_execute", 3, 3, {A::Int, A::Str, A::List}, bf_sqlite_execute});
  b.add({"sqlite_last_insert_row_id", 1, 1, {A::Int}, bf_sqlite_last_insert_row_id});
  b.add({"sqlite_limit", 3, 3, {A::Int, A::Any, A::Int}, bf_sqlite_limit});
  b.add({"sqlite_interrupt", 1, 1, {A::Int}, bf_sqlite_interrupt});
}

}  // namespace echo::bi
