// ToastStunt's file I/O (src/fileio.cc, from the FileIO package 1.5):
// file_open() and the other file_* builtins, wizards only, confined to one
// directory (ToastStunt's files/; set_files_directory()).
//
// The semantics are ToastStunt's, quirks included: a mode string is four
// characters ("r-tn": r/w/a, + or -, text or binary, flush or not); text
// mode drops every byte that is not printable ASCII when reading (the line's
// newline too) and writes a string as it is; binary mode reads bytes as
// ~XX escapes and writes ~XX escapes as bytes; reading at the end of a file
// raises E_FILE "End of file"; an operating-system error raises E_FILE with
// strerror()'s message. Where ToastStunt has a plain bug, Echo does what it
// meant and says so below.
//
// A path may not begin with ".." or hold "/." (ToastStunt's rule, so no
// parent directories and no hidden files); a leading "/" means the files
// directory itself. Echo also refuses a path that a symlink takes outside it.
//
// Files are outside the world: a speculative segment cannot take back a
// write or a read's move of the position, so every one of these builtins
// makes its segment run alone (World::exclusive_only). Handles belong to
// the process, as ToastStunt's: any wizard's task may use one, and a
// restart closes them all.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "lang/builtins/helpers.h"
#include "lang/world/world.h"

namespace echo::bi {

namespace {

DirectorySetting g_root{"files"};
std::mutex g_mu;  // the handle table

constexpr int64_t kDefaultMaxFiles = 256;  // ToastStunt's FILE_IO_MAX_FILES
constexpr size_t kChunk = 4096;            // FILE_IO_BUFFER_LENGTH

enum Mode : uint8_t { kRead = 1, kWrite = 2, kFlush = 4 };

struct Handle {
  std::string name;  // as given to file_open()
  std::string how;   // the mode string given to file_open()
  bool binary = false;
  uint8_t mode = 0;
  FILE* file = nullptr;
};

std::map<int64_t, Handle> g_handles;  // under g_mu
int64_t g_next_handle = 1;

// ToastStunt's file_raise_errno: E_FILE with strerror() and `what` as the
// value, or "End of file" for both when errno says nothing.
[[noreturn]] void fail_errno(std::string_view what) {
  if (errno) raise(E_FILE, std::strerror(errno), Value::str(what));
  raise(E_FILE, "End of file", Value::str("End of file"));
}

// Every file builtin begins here: wizards only (E_PERM), and alone.
void enter(BuiltinContext& ctx, const char* what) {
  wizard_alone(ctx, what);
  errno = 0;
}


// The path a name stands for under the files directory (made if missing), or
// E_INVARG "Invalid pathname" with the name as the value.
std::string resolve(const Value& name_value) {
  std::string_view name = name_value.as_str();
  auto invalid = [&] { raise(E_INVARG, "Invalid pathname", name_value); };
  if (name.find('\0') != std::string_view::npos) invalid();
  if (name.size() > 1 && name[0] == '.' && name[1] == '.') invalid();
  if (name.find("/.") != std::string_view::npos) invalid();
  std::string root = files_directory();
  mkdir(root.c_str(), 0755);  // ToastStunt expects it made; Echo makes it on first use
  std::string root_real = real_path(root);
  if (root_real.empty()) raise(E_FILE, std::strerror(errno), Value::str(root));
  if (!name.empty() && name[0] == '/') name.remove_prefix(1);
  std::string path = root + "/" + std::string(name);
  // Symlinks may not lead out: the path itself when it exists (a dangling
  // link is refused), else the directory it would be made in.
  struct stat st {};
  std::string resolved;
  if (lstat(path.c_str(), &st) == 0) {
    resolved = real_path(path);
    if (resolved.empty()) invalid();
  } else {
    std::string parent = path.substr(0, path.rfind('/'));
    resolved = real_path(parent);
    if (resolved.empty()) return path;  // no such directory: the call fails with ENOENT
  }
  if (!path_within(resolved, root_real)) invalid();
  return path;
}

Handle* find_handle(const Value& h) {
  if (!h.is_int()) return nullptr;
  auto it = g_handles.find(h.as_int());
  return it == g_handles.end() ? nullptr : &it->second;
}

Handle& handle(const Value& h) {
  Handle* p = find_handle(h);
  if (!p) raise(E_INVARG, "Invalid FHANDLE", h);
  return *p;
}

Handle& readable(const Value& h) {
  Handle& f = handle(h);
  if (!(f.mode & kRead)) raise(E_INVARG, "File is open write-only", h);
  return f;
}

Handle& writable(const Value& h) {
  Handle& f = handle(h);
  if (!(f.mode & kWrite)) raise(E_INVARG, "File is open read-only", h);
  return f;
}

// ToastStunt's in_filter: text keeps printable ASCII and spaces, binary
// writes the rest as ~XX.
void add_read_bytes(std::string& out, const Handle& f, std::string_view raw) {
  if (f.binary) {
    out += raw_to_binary(raw);
  } else {
    for (unsigned char c : raw)
      if ((c >= 0x21 && c <= 0x7e) || c == ' ') out += char(c);
  }
  check_string_length(out.size());
}

// ToastStunt's out_filter: a text string as it is, a binary one decoded
// (E_INVARG "Invalid binary string" when it is not one).
std::string write_bytes(const Handle& f, const Value& h, const Value& data) {
  if (!f.binary) return std::string(data.as_str());
  std::string raw;
  if (!binary_to_raw(data.as_str(), &raw)) raise(E_INVARG, "Invalid binary string", h);
  return raw;
}

// One line with its newline, or nullopt at the end of the file (or an error:
// errno tells).
std::optional<std::string> get_line(FILE* f) {
  char* line = nullptr;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, f);
  std::optional<std::string> r;
  if (n >= 0) r.emplace(line, size_t(n));
  std::free(line);
  return r;
}

// ---- open and close -------------------------------------------------------

// file_open(name, mode): a new handle.
Value bf_file_open(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_open()");
  std::string path = resolve(a[0]);
  std::string_view m = a[1].as_str();
  // "r-tn": r, w or a; + (read and write) or -; t or b; f (flush after
  // each write) or n.
  Handle f;
  std::string fmode;
  bool ok = m.size() == 4 && (m[0] == 'r' || m[0] == 'w' || m[0] == 'a') && (m[1] == '+' || m[1] == '-') &&
            (m[2] == 't' || m[2] == 'b') && (m[3] == 'f' || m[3] == 'n');
  if (!ok) raise(E_INVARG, "Invalid mode string", a[1]);
  f.mode = m[0] == 'r' ? kRead : kWrite;
  fmode += m[0];
  if (m[1] == '+') {
    f.mode |= kRead | kWrite;
    fmode += '+';
  }
  f.binary = m[2] == 'b';
  if (f.binary) fmode += 'b';
  if (m[3] == 'f') f.mode |= kFlush;
  f.name = std::string(a[0].as_str());
  f.how = std::string(m);
  int64_t limit = server_int_option(ctx, "file_io_max_files", kDefaultMaxFiles);
  std::lock_guard lock(g_mu);
  if (int64_t(g_handles.size()) >= limit) raise(E_QUOTA, "Too many files open", integer(0));
  errno = 0;
  f.file = std::fopen(path.c_str(), fmode.c_str());
  if (!f.file) fail_errno("file_open");
  while (g_handles.count(g_next_handle)) ++g_next_handle;
  int64_t id = g_next_handle++;
  g_handles.emplace(id, std::move(f));
  return integer(id);
}

// file_close(handle)
Value bf_file_close(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_close()");
  std::lock_guard lock(g_mu);
  Handle& f = handle(a[0]);
  std::fclose(f.file);
  g_handles.erase(a[0].as_int());
  if (g_handles.empty()) g_next_handle = 1;  // as ToastStunt numbers them
  return integer(0);
}

// file_name(handle): the name it was opened with.
Value bf_file_name(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_name()");
  std::lock_guard lock(g_mu);
  return str(handle(a[0]).name);
}

// file_openmode(handle): the mode string it was opened with. ToastStunt's
// rebuilds one and always answers "+" (it tests read-or-write, not both)
// and "w" for "a"; this answers what file_open() was given.
Value bf_file_openmode(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_openmode()");
  std::lock_guard lock(g_mu);
  return str(handle(a[0]).how);
}

// file_handles(): the open handles.
Value bf_file_handles(BuiltinContext& ctx, std::span<Value>) {
  enter(ctx, "file_handles()");
  std::lock_guard lock(g_mu);
  Value r = Value::empty_list();
  for (auto& [id, f] : g_handles) list_append(r, integer(id));
  return r;
}

// ---- lines ----------------------------------------------------------------

// file_readline(handle): the next line, without its newline in text mode.
Value bf_file_readline(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_readline()");
  std::lock_guard lock(g_mu);
  Handle& f = readable(a[0]);
  std::optional<std::string> line = get_line(f.file);
  if (!line) fail_errno("readline");
  std::string out;
  add_read_bytes(out, f, *line);
  return str(out);
}

// file_readlines(handle, start, end): lines start..end (from 1), fewer at
// the end of the file; the position is left at the start of line `start`.
Value bf_file_readlines(BuiltinContext& ctx, std::span<Value> a) {
  int64_t begin = a[1].as_int(), end = a[2].as_int();
  if (begin < 1 || begin > end) raise(E_INVARG);  // before the wizard check, as ToastStunt
  enter(ctx, "file_readlines()");
  std::lock_guard lock(g_mu);
  Handle& f = readable(a[0]);
  std::rewind(f.file);
  int64_t line_no = 0;
  while (line_no < begin - 1) {
    if (!get_line(f.file)) fail_errno("read_line");
    ++line_no;
  }
  long start = std::ftell(f.file);
  if (start < 0) fail_errno("read_line");
  std::vector<Value> lines;
  while (line_no < end) {
    std::optional<std::string> line = get_line(f.file);
    if (!line) break;
    std::string out;
    add_read_bytes(out, f, *line);
    lines.push_back(Value::str(out));
    check_list_length(lines.size());
    ++line_no;
  }
  if (std::fseek(f.file, start, SEEK_SET) != 0) fail_errno("seeking");
  return list_from(std::move(lines));
}

// file_writeline(handle, line): the line and a newline.
Value bf_file_writeline(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_writeline()");
  std::lock_guard lock(g_mu);
  Handle& f = writable(a[0]);
  std::string raw = write_bytes(f, a[0], a[1]);
  raw += '\n';
  if (std::fwrite(raw.data(), 1, raw.size(), f.file) != raw.size()) fail_errno(f.name);
  if (f.mode & kFlush) std::fflush(f.file);
  return integer(0);
}

// file_grep(handle, string [, all]): {{line, line number}} of the first line
// (every line when `all` is true) holding `string`, ignoring case, from the
// start of the file. Lines come as they are (not through the text filter),
// less their newline (ToastStunt drops the last byte, newline or not).
Value bf_file_grep(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_grep()");
  std::lock_guard lock(g_mu);
  Handle& f = readable(a[0]);
  bool all = a.size() >= 3 && a[2].truthy();
  std::string needle(a[1].as_str());
  for (char& c : needle) c = char(lower(c));
  std::rewind(f.file);
  Value r = Value::empty_list();
  int64_t line_no = 0;
  size_t bytes = 0;
  while (std::optional<std::string> line = get_line(f.file)) {
    ++line_no;
    std::string folded = *line;
    for (char& c : folded) c = char(lower(c));
    if (line->empty() || folded.find(needle) == std::string::npos) continue;
    if (line->back() == '\n') line->pop_back();
    bytes += line->size();
    check_string_length(bytes);
    list_append(r, make_list({Value::str(*line), integer(line_no)}));
    if (!all) break;
  }
  return r;
}

// file_count_lines(handle): the lines in the file (the position is left at
// its end).
Value bf_file_count_lines(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_count_lines()");
  std::lock_guard lock(g_mu);
  Handle& f = readable(a[0]);
  std::rewind(f.file);
  int64_t n = 0;
  while (get_line(f.file)) ++n;
  return integer(n);
}

// ---- bytes ----------------------------------------------------------------

// file_read(handle, bytes): up to `bytes` bytes; E_FILE at the end.
Value bf_file_read(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_read()");
  std::lock_guard lock(g_mu);
  Handle& f = readable(a[0]);
  int64_t want = a[1].as_int();
  std::string out;
  int64_t got = 0;
  char buf[kChunk];
  while (got < want) {
    size_t n = std::fread(buf, 1, size_t(std::min<int64_t>(int64_t(kChunk), want - got)), f.file);
    if (n == 0) break;
    got += int64_t(n);
    add_read_bytes(out, f, std::string_view(buf, n));
  }
  if (got == 0) fail_errno(f.name);
  return str(out);
}

// file_write(handle, data): the bytes written. Writing nothing is E_FILE, as
// in ToastStunt (fwrite() returned 0).
Value bf_file_write(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_write()");
  std::lock_guard lock(g_mu);
  Handle& f = writable(a[0]);
  std::string raw = write_bytes(f, a[0], a[1]);
  size_t n = raw.empty() ? 0 : std::fwrite(raw.data(), 1, raw.size(), f.file);
  if (n == 0) fail_errno(f.name);
  if (f.mode & kFlush) std::fflush(f.file);
  return integer(int64_t(n));
}

// file_flush(handle)
Value bf_file_flush(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_flush()");
  std::lock_guard lock(g_mu);
  Handle& f = handle(a[0]);
  if (std::fflush(f.file) != 0) fail_errno("flushing");
  return integer(0);
}

// file_seek(handle, offset, whence): whence "SEEK_SET", "SEEK_CUR" or
// "SEEK_END", any case.
Value bf_file_seek(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_seek()");
  std::lock_guard lock(g_mu);
  Handle& f = handle(a[0]);
  std::string w(a[2].as_str());
  for (char& c : w) c = char(upper(c));
  int whence = w == "SEEK_SET" ? SEEK_SET : w == "SEEK_CUR" ? SEEK_CUR : w == "SEEK_END" ? SEEK_END : -1;
  if (whence < 0) raise(E_INVARG, "Invalid whence", integer(0));
  if (std::fseek(f.file, long(a[1].as_int()), whence) != 0) fail_errno(f.name);
  return integer(0);
}

// file_tell(handle): the position, in bytes from the start.
Value bf_file_tell(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_tell()");
  std::lock_guard lock(g_mu);
  Handle& f = handle(a[0]);
  long pos = std::ftell(f.file);
  if (pos < 0) fail_errno(f.name);
  return integer(pos);
}

// file_eof(handle): 1 once a read has met the end of the file.
Value bf_file_eof(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_eof()");
  std::lock_guard lock(g_mu);
  return integer(std::feof(handle(a[0]).file) ? 1 : 0);
}

// ---- stat -----------------------------------------------------------------

// stat() of a name, or fstat() of a handle (anything not a string).
struct stat stat_of(BuiltinContext& ctx, const Value& spec, const char* what) {
  enter(ctx, what);
  struct stat st {};
  if (spec.is_str()) {
    std::string path = resolve(spec);
    errno = 0;
    if (stat(path.c_str(), &st) != 0) fail_errno(spec.as_str());
  } else {
    std::lock_guard lock(g_mu);
    Handle& f = handle(spec);
    if (fstat(fileno(f.file), &st) != 0) fail_errno(f.name);
  }
  return st;
}

Value type_string(mode_t m) {
  return Value::str(S_ISREG(m)    ? "reg"
                    : S_ISDIR(m)  ? "dir"
                    : S_ISFIFO(m) ? "fifo"
                    : S_ISBLK(m)  ? "block"
                    : S_ISSOCK(m) ? "socket"
                                  : "unknown");
}

Value mode_string(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03o", unsigned(m & 0777));
  return Value::str(buf);
}

Value bf_file_size(BuiltinContext& ctx, std::span<Value> a) {
  return integer(stat_of(ctx, a[0], "file_size()").st_size);
}
Value bf_file_mode(BuiltinContext& ctx, std::span<Value> a) {
  return mode_string(stat_of(ctx, a[0], "file_mode()").st_mode);
}
Value bf_file_type(BuiltinContext& ctx, std::span<Value> a) {
  return type_string(stat_of(ctx, a[0], "file_type()").st_mode);
}
Value bf_file_last_access(BuiltinContext& ctx, std::span<Value> a) {
  return integer(stat_of(ctx, a[0], "file_last_access()").st_atime);
}
Value bf_file_last_modify(BuiltinContext& ctx, std::span<Value> a) {
  return integer(stat_of(ctx, a[0], "file_last_modify()").st_mtime);
}
Value bf_file_last_change(BuiltinContext& ctx, std::span<Value> a) {
  return integer(stat_of(ctx, a[0], "file_last_change()").st_ctime);
}

// file_stat(spec): {size, type, mode, owner, group, atime, mtime, ctime};
// owner and group are "", as in ToastStunt.
Value bf_file_stat(BuiltinContext& ctx, std::span<Value> a) {
  struct stat st = stat_of(ctx, a[0], "file_stat()");
  return make_list({integer(st.st_size), type_string(st.st_mode), mode_string(st.st_mode), Value::str(""),
                    Value::str(""), integer(st.st_atime), integer(st.st_mtime), integer(st.st_ctime)});
}

// ---- directories ----------------------------------------------------------

// file_list(path [, detailed]): the names in a directory (without . and ..),
// sorted (ToastStunt gives readdir()'s order); detailed: {name, type, mode,
// size} for each.
Value bf_file_list(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_list()");
  std::string path = resolve(a[0]);
  bool detailed = a.size() >= 2 && a[1].truthy();
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(path.c_str()), closedir);
  if (!dir) fail_errno(a[0].as_str());
  std::vector<std::string> names;
  while (dirent* d = readdir(dir.get())) {
    std::string_view n = d->d_name;
    if (n == "." || n == "..") continue;
    names.emplace_back(n);
    check_list_length(names.size());  // E_QUOTA past max_list_concat, not a list cut short
  }
  dir.reset();
  std::sort(names.begin(), names.end());
  std::vector<Value> items;
  for (const std::string& n : names) {
    if (!detailed) {
      items.push_back(Value::str(n));
    } else {
      struct stat st {};
      errno = 0;
      if (stat((path + "/" + n).c_str(), &st) != 0) fail_errno(a[0].as_str());
      items.push_back(make_list({Value::str(n), type_string(st.st_mode), mode_string(st.st_mode), integer(st.st_size)}));
    }
  }
  return list_from(std::move(items));
}

Value bf_file_mkdir(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_mkdir()");
  if (mkdir(resolve(a[0]).c_str(), 0777) != 0) fail_errno(a[0].as_str());
  return integer(0);
}

Value bf_file_rmdir(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_rmdir()");
  if (rmdir(resolve(a[0]).c_str()) != 0) fail_errno(a[0].as_str());
  return integer(0);
}

Value bf_file_remove(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_remove()");
  if (std::remove(resolve(a[0]).c_str()) != 0) fail_errno(a[0].as_str());
  return integer(0);
}

Value bf_file_rename(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_rename()");
  std::string from = resolve(a[0]), to = resolve(a[1]);
  if (std::rename(from.c_str(), to.c_str()) != 0) fail_errno("rename");
  return integer(0);
}

// file_chmod(path, mode): mode three octal digits ("644").
Value bf_file_chmod(BuiltinContext& ctx, std::span<Value> a) {
  enter(ctx, "file_chmod()");
  std::string_view m = a[1].as_str();
  if (m.size() != 3 || !std::all_of(m.begin(), m.end(), [](char c) { return c >= '0' && c <= '7'; }))
    raise(E_INVARG, "Invalid mode string", integer(0));
  mode_t mode = mode_t((m[0] - '0') * 64 + (m[1] - '0') * 8 + (m[2] - '0'));
  std::string path = resolve(a[0]);
  if (chmod(path.c_str(), mode) != 0) fail_errno("chmod");
  return integer(0);
}

}  // namespace

std::string resolve_file_path(const Value& name) { return resolve(name); }

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

bool path_within(const std::string& path, const std::string& root) {
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          (root == "/" || path[root.size()] == '/'));
}

}  // namespace echo::bi

namespace echo {

void set_files_directory(std::string dir) { bi::g_root.set(std::move(dir)); }
std::string files_directory() { return bi::g_root.get(); }

}  // namespace echo

namespace echo::bi {

void register_file_builtins(Builtins& b) {
  using A = ArgType;
  b.add({"file_handles", 0, 0, {}, bf_file_handles});
  b.add({"file_open", 2, 2, {A::Str, A::Str}, bf_file_open});
  b.add({"file_close", 1, 1, {A::Int}, bf_file_close});
  b.add({"file_name", 1, 1, {A::Int}, bf_file_name});
  b.add({"file_openmode", 1, 1, {A::Int}, bf_file_openmode});
  b.add({"file_readline", 1, 1, {A::Int}, bf_file_readline});
  b.add({"file_readlines", 3, 3, {A::Int, A::Int, A::Int}, bf_file_readlines});
  b.add({"file_writeline", 2, 2, {A::Int, A::Str}, bf_file_writeline});
  b.add({"file_grep", 2, 3, {A::Int, A::Str, A::Int}, bf_file_grep});
  b.add({"file_read", 2, 2, {A::Int, A::Int}, bf_file_read});
  b.add({"file_write", 2, 2, {A::Int, A::Str}, bf_file_write});
  b.add({"file_flush", 1, 1, {A::Int}, bf_file_flush});
  b.add({"file_seek", 3, 3, {A::Int, A::Int, A::Str}, bf_file_seek});
  b.add({"file_tell", 1, 1, {A::Int}, bf_file_tell});
  b.add({"file_eof", 1, 1, {A::Int}, bf_file_eof});
  b.add({"file_count_lines", 1, 1, {A::Int}, bf_file_count_lines});
  b.add({"file_list", 1, 2, {A::Str, A::Any}, bf_file_list});
  b.add({"file_mkdir", 1, 1, {A::Str}, bf_file_mkdir});
  b.add({"file_rmdir", 1, 1, {A::Str}, bf_file_rmdir});
  b.add({"file_remove", 1, 1, {A::Str}, bf_file_remove});
  b.add({"file_rename", 2, 2, {A::Str, A::Str}, bf_file_rename});
  b.add({"file_chmod", 2, 2, {A::Str, A::Str}, bf_file_chmod});
  b.add({"file_size", 1, 1, {A::Any}, bf_file_size});
  b.add({"file_mode", 1, 1, {A::Any}, bf_file_mode});
  b.add({"file_type", 1, 1, {A::Any}, bf_file_type});
  b.add({"file_last_access", 1, 1, {A::Any}, bf_file_last_access});
  b.add({"file_last_modify", 1, 1, {A::Any}, bf_file_last_modify});
  b.add({"file_last_change", 1, 1, {A::Any}, bf_file_last_change});
  b.add({"file_stat", 1, 1, {A::Any}, bf_file_stat});
}

}  // namespace echo::bi
