// Private helpers shared by the builtin groups (lang/builtins/*.cpp).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "lang/builtins.h"
#include "lang/limits.h"
#include "lang/map.h"
#include "lang/value.h"

namespace echo::bi {

// A directory the server sets and builtins read from any thread (files/,
// executables/): trailing slashes dropped, the fallback when set empty.
class DirectorySetting {
 public:
  explicit DirectorySetting(const char* fallback) : fallback_(fallback), dir_(fallback) {}
  void set(std::string dir) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    std::lock_guard lock(mu_);
    dir_ = dir.empty() ? fallback_ : std::move(dir);
  }
  std::string get() const {
    std::lock_guard lock(mu_);
    return dir_;
  }

 private:
  const char* fallback_;
  mutable std::mutex mu_;
  std::string dir_;
};

[[noreturn]] inline void raise(Error e) { throw MooError(e); }
// Raised as ToastStunt's make_raise_pack: the code, a message, and a value
// (0 unless given).
[[noreturn]] inline void raise(Error e, std::string message, Value value = Value::integer(0)) {
  throw MooError(Value::err(e), std::move(message), std::move(value));
}

// The files and executables directories (fileio.cpp): `path` with every
// symlink resolved, or "" when it does not resolve; and whether a resolved
// path is `root` itself or lies under it.
std::string real_path(const std::string& path);
bool path_within(const std::string& path, const std::string& root);
// The path a name stands for under the files directory, by the file
// builtins' rules (fileio.cpp): E_INVARG "Invalid pathname" for one that
// leaves it. The directory is made if missing.
std::string resolve_file_path(const Value& name);

// An INT of $server_options (#0.server_options.<name>), or `fallback` when
// there is none or it is not an INT (registry.cpp).
int64_t server_int_option(BuiltinContext& ctx, const char* name, int64_t fallback);

// A builtin with effects outside the world (files, databases): a wizard's
// alone (E_PERM), and its segment runs alone, never speculatively
// (World::exclusive_only; registry.cpp).
void wizard_alone(BuiltinContext& ctx, const char* what);

// JSON for curl() (json.cpp), in the common-subset mode: the whole text one
// value (white space around it only), or false; and a value's JSON text, or
// false when it has none.
bool json_parse_whole(std::string_view text, Value* out);
bool json_generate(const Value& v, std::string* out);

// A builtin's result may not pass the running task's value limits: it
// checks with check_string_length / check_list_length / check_list_value
// (lang/limits.h), which throw ValueTooLarge, which the VM turns into
// E_QUOTA or an abort. LambdaMOO checks its streams as they grow
// (stream_too_big), so a builtin should check while it builds, not only at
// the end.

inline Value str(std::string_view s) {
  check_string_length(s.size());
  return Value::str(s);
}
inline Value integer(int64_t i) { return Value::integer(i); }

// A string with its bytes copied out (for C APIs that need a NUL).
inline std::string cstr(const Value& v) { return std::string(v.as_str()); }

// A list built from a vector of values (moved), within the list limits.
template <typename Vec>
Value list_from(Vec&& items) {
  check_list_length(items.size());
  Value r = Value::list_of_size(static_cast<uint32_t>(items.size()));
  if (items.empty()) return r;
  ListObj* l = r.list_mut();
  for (size_t i = 0; i < items.size(); ++i) l->items()[i] = std::move(items[i]);
  check_list_value(r);  // after filling: it remembers the size it finds
  return r;
}

// ASCII case folding, as LambdaMOO's tables.
inline unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
inline unsigned char upper(unsigned char c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }

// Hex digests: lower-level helpers used by string_hash/binary_hash/value_hash.
// Returns false if the algorithm is unknown.
bool hash_bytes(std::string_view algo, std::string_view data, bool binary, std::string* out);

// LambdaMOO's binary strings: "~XX" escapes for bytes that are not printable
// (and for '~' itself).
// encode_binary()'s and chr()'s arguments as bytes: integers lo..hi are
// bytes, strings their own characters, lists flattened (to any depth);
// anything else, or a byte out of range, is E_INVARG.
std::string flatten_bytes(std::span<Value> args, int64_t lo, int64_t hi);
bool binary_to_raw(std::string_view binary, std::string* out);
std::string raw_to_binary(std::string_view raw);

// The task's random generator, or a per-thread one.
uint64_t random_u64(BuiltinContext& ctx);

// Registration of the groups that have no hook of their own in builtins.h;
// called from register_string_builtins / register_value_builtins.
void register_regex_builtins(Builtins& b);   // match, rmatch, substitute
void register_crypto_builtins(Builtins& b);
void register_toast_builtins(Builtins& b);   // set_thread_mode, argon2, argon2_verify
void register_pcre_builtins(Builtins& b);    // pcre_match, pcre_replace
// chr, parse_ansi, remove_ansi, encode_base64, decode_base64, url_encode,
// url_decode (toast_strings.cpp)
void register_toast_string_builtins(Builtins& b);
void register_noise_builtins(Builtins& b);   // simplex_noise
void register_spellcheck_builtins(Builtins& b);  // spellcheck (GNU Aspell)
void register_file_builtins(Builtins& b);        // file_open, file_read ... (ToastStunt's fileio.cc)
void register_exec_builtins(Builtins& b);        // exec (ToastStunt's exec.cc)
void register_sqlite_builtins(Builtins& b);      // sqlite_open ... (ToastStunt's sqlite.cc)
void register_curl_builtins(Builtins& b);        // curl (ToastStunt's curl.cc)

}  // namespace echo::bi
