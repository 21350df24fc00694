// echo-fuzz: a grammar-aware random tester for the MOO parser, compiler and VM.
//
// Each iteration makes one MOO program, from one of these sources:
//   gen      a random program from a generator that knows the MOO grammar
//            (every statement and operator, literals of every type, indexing
//            with ^ and $, nested and range assignment, scattering, catch
//            expressions, calls of every registered builtin);
//   core     a verb of LambdaCore (the `#N:M` programs of a textdump), as it
//            is or mutated line by line;
//   bytes    a program of either kind with byte-level damage (for the
//            parser's error paths);
//   deep     deeply nested constructs (recursion limits);
//   literal  a random literal value (toliteral round trips);
//   forks    a gen program whose forks eval runs;
//   diff     one expression written a dozen ways that must agree (constant
//            and register operands, conditions, catch expressions);
//   world    a gen program run as a Task against a small World, calling the
//            object builtins, properties and verbs.
// and runs it through compile_moo and eval_moo with small limits, checking:
//   - nothing crashes, hangs, or throws a C++ exception out of eval_moo;
//   - compile_moo and eval_moo agree on whether the program compiles, and
//     compile errors carry a position inside the source;
//   - values that come out (result, error value, variables) are well formed:
//     no unbound/clear slots inside, finite floats, sorted maps with valid keys;
//   - the tick count stays within the limit;
//   - running the same program twice gives the same outcome (unless it calls
//     random, time, ctime, ftime, seconds_left, crypt, ...);
//   - `return <toliteral of the result>;` gives the same value back;
//   - (world) the world stays consistent, and code run directly gives what it
//     gives as the body of a verb.
// See README.md for the details and the scripts for long runs.
//
// Each iteration has its own random stream derived from (seed, iteration), so
// `--seed S --only I` replays one program; `--print` shows it. A crash prints
// the program that caused it (and saves it with --out DIR); UBSan reports do
// not reach the death callback, so `--trace FILE` keeps the current program in
// FILE as well.
//
//   echo-fuzz --seed 1 --iterations 3000 --corpus DIR  the CTest smoke run
//   echo-fuzz --seed 7 --seconds 300 --out /tmp/f       a longer run
//   echo-fuzz --repro file.moo                           check one program
//
// With -DECHO_LIBFUZZER the file instead defines LLVMFuzzerTestOneInput (the
// input bytes are the program) for a clang -fsanitize=fuzzer build.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "lang/builtins.h"
#include "lang/compiler.h"
#include "lang/eval.h"
#include "lang/jit/jit.h"
#include "lang/map.h"
#include "lang/value.h"

#if __has_include("lang/world/world.h")
#include "lang/world/world.h"
#define ECHO_FUZZ_WORLD 1
#endif

#ifdef ECHO_LIBFUZZER  // the generators and the main loop go unused
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#endif

#ifndef ECHO_FUZZ_DEFAULT_DB
#define ECHO_FUZZ_DEFAULT_DB "/work/shared/data/LambdaCore-latest.db"
#endif

extern "C" void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

namespace {

using namespace echo;

// ---------------------------------------------------------------------------
// Crash reporting: the program being run is kept where a signal handler or the
// sanitizer's death callback can print it.

char* g_current = nullptr;      // NUL-terminated copy of the current program
size_t g_current_cap = 0;
char g_current_tag[128] = "";   // "seed=S iter=I mode=M"
char g_out_dir[512] = "";
std::atomic<int64_t> g_started_ms{0};  // when the current run began (0: idle)
double g_hang_seconds = 30.0;

int g_trace_fd = -1;  // --trace FILE: the current tag and program, rewritten each time

void set_current(const std::string& src, const std::string& tag) {
  if (g_trace_fd >= 0) {
    std::string t = tag + "\n" + src;
    if (::pwrite(g_trace_fd, t.data(), t.size(), 0) == ssize_t(t.size()))
      (void)!::ftruncate(g_trace_fd, off_t(t.size()));
  }
  if (src.size() + 1 > g_current_cap) {
    std::free(g_current);
    g_current_cap = src.size() + 1024;
    g_current = static_cast<char*>(std::malloc(g_current_cap));
  }
  std::memcpy(g_current, src.data(), src.size());
  g_current[src.size()] = '\0';
  std::snprintf(g_current_tag, sizeof g_current_tag, "%s", tag.c_str());
}

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= size_t(w);
  }
}
void write_str(int fd, const char* s) { write_all(fd, s, std::strlen(s)); }

// Async-signal-safe enough: only write(), open() and string copies.
void dump_current(const char* why) {
  write_str(2, "\n==echo-fuzz== ");
  write_str(2, why);
  write_str(2, " while running ");
  write_str(2, g_current_tag);
  write_str(2, "\n==echo-fuzz== program:\n");
  if (g_current) write_str(2, g_current);
  write_str(2, "\n==echo-fuzz== end of program\n");
  if (g_out_dir[0] && g_current) {
    char path[800];
    std::snprintf(path, sizeof path, "%s/crash-%s.moo", g_out_dir, g_current_tag);
    for (char* c = path + std::strlen(g_out_dir) + 1; *c; ++c)
      if (*c == ' ' || *c == '=' || *c == '/') *c = '_';
    FILE* f = std::fopen(path, "w");
    if (f) {
      std::fputs(g_current, f);
      std::fclose(f);
    }
  }
}

void on_sanitizer_death() { dump_current("sanitizer report"); }

void on_signal(int sig) {
  char why[64];
  std::snprintf(why, sizeof why, "signal %d", sig);
  dump_current(why);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_crash_handlers() {
  if (__sanitizer_set_death_callback) {
    __sanitizer_set_death_callback(on_sanitizer_death);
  } else {
    for (int s : {SIGSEGV, SIGABRT, SIGFPE, SIGBUS, SIGILL}) std::signal(s, on_signal);
  }
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A watchdog: a run that takes far longer than its seconds limit is a hang.
void start_watchdog() {
  std::thread([] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      int64_t s = g_started_ms.load();
      if (s != 0 && double(now_ms() - s) > g_hang_seconds * 1000.0) {
        dump_current("HANG (no result after the watchdog limit)");
        std::_Exit(3);
      }
    }
  }).detach();
}

// ---------------------------------------------------------------------------
// Randomness.

struct Rng {
  std::mt19937_64 g;
  explicit Rng(uint64_t s) : g(s) {}
  uint64_t u64() { return g(); }
  // Inclusive.
  int64_t range(int64_t lo, int64_t hi) {
    return lo + int64_t(g() % uint64_t(hi - lo + 1));
  }
  bool chance(double p) { return double(g() >> 11) * 0x1.0p-53 < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[size_t(g() % v.size())]; }
};

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// ---------------------------------------------------------------------------
// The builtins, from the registry.

struct BuiltinInfo {
  std::string name;
  int min_args, max_args;
  std::vector<ArgType> types;
};

std::vector<BuiltinInfo> list_builtins() {
  register_all_builtins();
  std::vector<BuiltinInfo> out;
  Builtins& b = Builtins::instance();
  for (size_t i = 0; i < b.size(); ++i) {
    const BuiltinSpec& s = b.at(int(i));
    // Not the file builtins, exec(), the SQLite builtins nor curl(): a
    // wizard's random file_mkdir(), exec(), sqlite_open() or curl() would
    // act on the machine the fuzzer runs on, or on the network
    // (tests/unit/test_fileio.cpp, test_sqlite.cpp, test_curl.cpp test them).
    if (s.name.rfind("file_", 0) == 0 || s.name == "exec" || s.name.rfind("sqlite_", 0) == 0 || s.name == "curl")
      continue;
    out.push_back({s.name, s.min_args, s.max_args, s.types});
  }
  return out;
}

// Builtins whose results differ from run to run.
// (The server's queue_info, finished_tasks and threads are not registered
// here: the fuzzer links echo_lang alone.)
const char* const kNondeterministic[] = {"random", "random_bytes", "time", "ctime", "ftime",
                                         "seconds_left", "crypt", "task_id", "ticks_left",
                                         "usage",  // the process's CPU seconds and faults
                                         // what the allocator holds, and the process-wide
                                         // caches' counts, which every run adds to
                                         "malloc_stats", "pcre_cache_stats", "verb_cache_stats"};

bool lower_contains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() &&
           std::tolower(static_cast<unsigned char>(hay[i + k])) == needle[k])
      ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// Whether word occurs in src as a whole identifier (case-insensitively).
bool has_word(std::string_view src, std::string_view word) {
  auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t i = 0; i + word.size() <= src.size(); ++i) {
    size_t k = 0;
    while (k < word.size() &&
           std::tolower(static_cast<unsigned char>(src[i + k])) == word[k])
      ++k;
    if (k == word.size() && (i == 0 || !ident(src[i - 1])) &&
        (i + k == src.size() || !ident(src[i + k])))
      return true;
  }
  return false;
}

bool is_deterministic(std::string_view src) {
  for (const char* n : kNondeterministic)
    if (lower_contains(src, n)) return false;
  return true;
}

// ---------------------------------------------------------------------------
// The generator.

const std::vector<std::string> kVars = {"a", "b", "c", "x", "y", "z", "i", "j",
                                        "k", "l", "m", "s", "f", "n", "v"};
const std::vector<std::string> kUnbound = {"q", "u", "undefined_var", "w9", "_"};
const std::vector<std::string> kBuiltinVars = {"player", "this", "caller", "verb", "args",
                                               "argstr", "dobj", "dobjstr", "prepstr",
                                               "iobj", "iobjstr", "INT", "NUM", "FLOAT",
                                               "OBJ", "STR", "LIST", "ERR", "MAP", "BOOL"};
const std::vector<std::string> kErrors = {
    "E_NONE", "E_TYPE", "E_DIV", "E_PERM", "E_PROPNF", "E_VERBNF", "E_VARNF", "E_INVIND",
    "E_RECMOVE", "E_MAXREC", "E_RANGE", "E_ARGS", "E_NACC", "E_INVARG", "E_QUOTA", "E_FLOAT",
    "E_FILE", "E_EXEC", "E_INTRPT"};
const std::vector<std::string> kInts = {
    "0", "1", "2", "3", "-1", "10", "-7", "255", "256", "65535", "2147483647", "-2147483648",
    "2147483648", "4294967296", "9223372036854775807", "-9223372036854775807",
    "(-9223372036854775807 - 1)", "9223372036854775806", "4611686018427387904", "63", "64",
    "-64", "100", "1000000"};
const std::vector<std::string> kFloats = {
    "0.0", "1.0", "-1.5", "0.5", "3.14159", "1e10", "1.5e308", "1e308", "-1e308", "2.5e-3",
    "1e-320", "4.9e-324", "1e-300", "1.7976931348623157e308", ".5", "1.", "1e400", "2.0e0",
    "123456789012345678.0", "9.2233720368547758e18", "-9.2233720368547758e18", "0.1", "1E5"};
const std::vector<std::string> kObjs = {"#0", "#-1", "#1", "#-2", "#-3", "#123456",
                                        "#9223372036854775807", "#-9223372036854775808", "#2"};
const std::vector<std::string> kStringPieces = {
    "a", "b", "abc", "Hello", " ", "  ", "x y z", "\\\"", "\\\\", "\\n", "\\t", "%", "%1", "%2",
    "%9", "%(", "%)", "%.", "%w", "%W", "%b", "%B", "%<", "%>", "%%", "[", "]", "[a-z]", "[^",
    "*", "+", "?", "^", "$", ".", "~", "~0A", "~7E", "~ZZ", "~", "{", "}", "\t", ",", ":", "->",
    "\xc3\xa9", "\xff", "\x80", "\x01", "0", "123", "-5", "1.5", "1e5", "#12", "E_TYPE", "null",
    "true", "{\\\"a\\\": 1}", "[1, 2]", "\\\"x\\\"", "$1", "$$", "/", "&", "|"};
const std::vector<std::string> kBinOps = {"+", "-", "*", "/", "%", "^", "==", "!=", "<", "<=",
                                          ">", ">=", "in", "&&", "||", "&.", "|.", "^.", "<<",
                                          ">>"};
const std::vector<std::string> kUnOps = {"!", "-", "~"};
const std::vector<std::string> kProps = {"name", "owner", "location", "contents", "wizard",
                                         "programmer", "r", "w", "f", "foo", "parent"};

struct GenOptions {
  bool runnable_forks = false;  // fork delays are always 0 (eval runs forks)
  bool nested_forks = true, repro_world = false;
  int64_t repro_progr = 2;
  std::string gen_verb_file, corpus_dir;     // a fork inside a fork body (sometimes)
  bool world = false;           // objects, properties and verbs of the fuzz world
};

// The fuzz world (see make_world): objects #0..#5, their properties and verbs.
const std::vector<std::string> kWorldObjs = {"#0", "#1", "#2", "#3", "#4", "#5", "#6", "#-1",
                                             "#-2", "#99", "player", "this", "caller"};
const std::vector<std::string> kWorldProps = {"name", "owner", "location", "contents",
                                              "programmer", "wizard", "r", "w", "f", "p1",
                                              "p2", "foo", "sys", "P1", "nonesuch", ""};
const std::vector<std::string> kWorldVerbs = {"v1", "v2", "rec", "sys", "gen", "pass_up",
                                              "foo", "V1", "nonesuch", "*", "1", "2"};
// The names above that can follow `.`, `:` or `$` without quotes.
bool is_ident(const std::string& n) {
  return !n.empty() && (std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_');
}
std::vector<std::string> idents(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (auto& n : v)
    if (is_ident(n)) out.push_back(n);
  return out;
}
const std::vector<std::string> kWorldPropIds = idents(kWorldProps);
const std::vector<std::string> kWorldVerbIds = idents(kWorldVerbs);
const std::vector<std::string> kObjectBuiltins = {
    "valid", "max_object", "create", "recycle", "parent", "parents", "children", "chparent",
    "chparents", "ancestors", "descendants", "isa", "players", "is_player", "set_player_flag",
    "renumber", "reset_max_object", "object_bytes", "move", "properties", "property_info",
    "set_property_info", "add_property", "delete_property", "clear_property",
    "is_clear_property", "verbs", "verb_info", "set_verb_info", "verb_args", "set_verb_args",
    "add_verb", "delete_verb", "verb_code", "set_verb_code", "callers", "caller_perms",
    "set_task_perms", "pass", "function_info", "call_function"};

class Gen {
 public:
  Gen(Rng& r, const std::vector<BuiltinInfo>& builtins, GenOptions o)
      : r_(r), builtins_(builtins), o_(o) {}

  std::string program() {
    std::string out;
    if (o_.world && r_.chance(0.3)) out += "set_task_perms(" + r_.pick(kWorldObjs) + ");\n";
    // A prelude that binds some variables to values worth indexing.
    if (r_.chance(0.85)) {
      out += "a = " + small_int() + ";\n";
      out += "b = " + str_lit() + ";\n";
      out += "l = {1, \"two\", {3, 4}, [\"k\" -> 5], 2.5, #7, E_RANGE};\n";
      out += "m = [\"a\" -> 1, 2 -> {3, 4}, #1 -> \"x\", 1.5 -> [\"n\" -> {}], E_PERM -> true];\n";
      out += "s = \"Hello World\";\n";
      out += "f = 1.5;\n";
      if (r_.chance(0.5)) out += "n = {{1, 2, 3}, {\"ab\", \"cd\"}, [\"x\" -> {1, [\"y\" -> \"z\"]}]};\n";
    }
    int n = int(r_.range(1, 8));
    budget_ = int(r_.range(40, 220));
    bool guarded = r_.chance(o_.world ? 0.6 : 0.4);
    if (guarded) n += 4;
    for (int i = 0; i < n; ++i) {
      // In the world, errors are common (permissions): keep going past them.
      if (guarded) out += "try\n" + stmt(3) + "except (ANY)\nendtry\n";
      else out += stmt(3);
    }
    if (r_.chance(0.8)) {
      if (r_.chance(0.5))
        out += "return " + expr(3) + ";\n";
      else
        out += "return {" + var() + ", " + var() + ", " + var() + "};\n";
    }
    return out;
  }

  std::string literal_value(int depth) {  // literals only, for round trips
    int k = int(r_.range(0, depth > 0 ? 9 : 6));
    switch (k) {
      case 0: return int_lit();
      case 1: return float_lit();
      case 2: return str_lit();
      case 3: return r_.pick(kObjs);
      case 4: return r_.pick(kErrors);
      case 5: return r_.chance(0.5) ? "true" : "false";
      case 6: return str_lit();
      case 7:
      case 8: {
        std::string s = "{";
        int n = int(r_.range(0, 4));
        for (int i = 0; i < n; ++i) s += (i ? ", " : "") + literal_value(depth - 1);
        return s + "}";
      }
      default: {
        std::string s = "[";
        int n = int(r_.range(0, 4));
        for (int i = 0; i < n; ++i) {
          std::string key;
          do key = literal_value(0); while (key[0] == '{' || key[0] == '[');
          s += (i ? ", " : "") + key + " -> " + literal_value(depth - 1);
        }
        return s + "]";
      }
    }
  }

  std::string expr(int depth) {
    --budget_;
    if (depth <= 0 || budget_ <= 0) return leaf();
    int k = int(r_.range(0, 99));
    if (k < 18) return leaf();
    if (k < 33) return paren(expr(depth - 1)) + " " + r_.pick(kBinOps) + " " + paren(expr(depth - 1));
    if (k < 37) return r_.pick(kUnOps) + paren(expr(depth - 1));
    if (k < 45) return index_expr(depth);
    if (k < 56) return builtin_call(depth);
    if (k < 61) return list_expr(depth);
    if (k < 64) return map_expr(depth);
    if (k < 67) return paren(expr(depth - 1)) + " ? " + paren(expr(depth - 1)) + " | " +
                       paren(expr(depth - 1));
    if (k < 75) return "(" + assignment(depth) + ")";
    if (k < 77) return "(" + scatter(depth) + ")";
    if (k < 83) return catch_expr(depth);
    if (k < 86) return prop_or_verb(depth);
    if (k < 89) return "(" + expr(depth - 1) + ")";
    if (k < 92) return "typeof(" + expr(depth - 1) + ")";
    if (k < 95) return "toliteral(" + expr(depth - 1) + ")";
    return leaf();
  }

 private:
  std::string paren(const std::string& e) {
    if (r_.chance(0.15)) return e;  // sometimes rely on precedence
    return "(" + e + ")";
  }

  std::string var() {
    if (r_.chance(0.06)) return r_.pick(kUnbound);
    if (r_.chance(0.05)) return r_.pick(kBuiltinVars);
    return r_.pick(kVars);
  }

  std::string small_int() { return std::to_string(r_.range(-3, 10)); }

  std::string int_lit() {
    int k = int(r_.range(0, 9));
    if (k < 4) return std::to_string(r_.range(0, 10));
    if (k < 7) return r_.pick(kInts);
    if (k < 8) return std::to_string(int64_t(r_.u64()) >> r_.range(0, 63));
    return std::to_string(r_.range(-100, 100));
  }

  std::string float_lit() {
    if (r_.chance(0.6)) return r_.pick(kFloats);
    char buf[64];
    double d = double(r_.range(-100000, 100000)) / double(r_.range(1, 1000));
    std::snprintf(buf, sizeof buf, "%.17g", d);
    std::string s = buf;
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
  }

  std::string str_lit() {
    std::string s = "\"";
    int n = int(r_.range(0, 6));
    for (int i = 0; i < n; ++i) s += r_.pick(kStringPieces);
    return s + "\"";
  }

  std::string pattern_lit() {
    static const std::vector<std::string> pats = {
        "%(a%)", "%([a-z]*%)", "o", "%w+", "l+", "%(%w+%) %(%w+%)", "^H", "d$", "%bo", "%Bo",
        "[", "%(", "%)", "%", "%1", "%(%(%(x%)%)%)", "a*", ".*", "%<Hello%>", "[^ ]+",
        "%(.%)%1", "%(a*%)*", "%(%(a*%)*%)*b", "\\\\", "x\\\"y", "[]a]", "[a-]", "%(%w*%)*$"};
    if (r_.chance(0.3)) return str_lit();
    return "\"" + r_.pick(pats) + "\"";
  }

  std::string json_lit() {
    static const std::vector<std::string> js = {
        "{}", "[]", "[1, 2, 3]", "{\\\"a\\\": [1, {\\\"b\\\": null}]}", "1e400", "-0",
        "\\\"\\\\u0041\\\\ud800\\\"", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]", "true",
        "{\\\"x\\\": 1, \\\"X\\\": 2}", "123456789012345678901234567890", "[1,]", "{\\\"a\\\"}",
        "\\\"\\\\uD83D\\\\uDE00\\\"", "\\\"~7E\\\"", "1.5", "nul", "[\\\"#12\\\", \\\"E_TYPE\\\"]",
        "{\\\"1\\\": 2, \\\"1\\\": 3}", "\\\"\\\\u0000\\\"", "-", "0.1e-999", "[1 2]"};
    return "\"" + r_.pick(js) + "\"";
  }

  std::string leaf() {
    int k = int(r_.range(0, 19));
    if (k < 6) return var();
    if (k < 9) return int_lit();
    if (k < 11) return str_lit();
    if (k < 12) return float_lit();
    if (k < 13) return o_.world && r_.chance(0.8) ? r_.pick(kWorldObjs) : r_.pick(kObjs);
    if (k < 14) return r_.pick(kErrors);
    if (k < 15) return r_.chance(0.5) ? "true" : "false";
    if (k < 16) return "{}";
    if (k < 17) return "[]";
    if (k < 18) return "$" + r_.pick(kProps);
    return var();
  }

  // Inside brackets: ^, $, and expressions using them.
  std::string index_val(int depth) {
    int k = int(r_.range(0, 11));
    if (k < 2) return "^";
    if (k < 4) return "$";
    if (k < 5) return "$ - " + std::to_string(r_.range(0, 3));
    if (k < 6) return "^ + " + std::to_string(r_.range(0, 3));
    if (k < 9) return std::to_string(r_.range(-1, 5));
    if (k < 10) return r_.pick(kInts);
    return expr(depth - 1);
  }

  std::string index_expr(int depth) {
    std::string base = r_.chance(0.5) ? var() : paren(expr(depth - 1));
    std::string s = base + "[" + index_val(depth) + "]";
    if (r_.chance(0.4)) s = base + "[" + index_val(depth) + ".." + index_val(depth) + "]";
    if (r_.chance(0.3)) s += "[" + index_val(depth) + "]";
    return s;
  }

  std::string lvalue(int depth) {
    std::string v = r_.chance(0.93) ? r_.pick(kVars) : r_.pick(kBuiltinVars);
    int k = int(r_.range(0, 9));
    if (k < 4) return v;
    if (k < 6) return v + "[" + index_val(depth) + "]";
    if (k < 7) return v + "[" + index_val(depth) + "][" + index_val(depth) + "]";
    if (k < 8) return v + "[" + index_val(depth) + ".." + index_val(depth) + "]";
    if (k < 9) return v + "[" + index_val(depth) + "][" + index_val(depth) + ".." +
                      index_val(depth) + "]";
    if (r_.chance(0.5)) return v + "." + r_.pick(kProps);
    return v + "[" + index_val(depth) + "][" + index_val(depth) + "][" + index_val(depth) + "]";
  }

  std::string assignment(int depth) {
    std::string rhs = r_.chance(0.3) ? "(" + assignment(depth - 1) + ")" : expr(depth - 1);
    return lvalue(depth) + " = " + rhs;
  }

  std::string scatter(int depth) {
    std::string s = "{";
    int n = int(r_.range(1, 5));
    bool rest = false;
    for (int i = 0; i < n; ++i) {
      if (i) s += ", ";
      int k = int(r_.range(0, 5));
      if (k < 3) {
        s += r_.pick(kVars);
      } else if (k < 5) {
        s += "?" + r_.pick(kVars);
        if (r_.chance(0.6)) s += " = " + expr(depth - 1);
      } else if (!rest || r_.chance(0.1)) {
        s += "@" + r_.pick(kVars);
        rest = true;
      } else {
        s += r_.pick(kVars);
      }
    }
    s += "} = ";
    if (r_.chance(0.6)) {
      s += "{";
      int m = int(r_.range(0, 6));
      for (int i = 0; i < m; ++i) s += (i ? ", " : "") + expr(depth - 1);
      s += "}";
    } else {
      s += expr(depth - 1);
    }
    return s;
  }

  std::string codes(int depth) {
    if (r_.chance(0.35)) return "ANY";
    std::string s;
    int n = int(r_.range(1, 3));
    for (int i = 0; i < n; ++i) {
      if (i) s += ", ";
      if (r_.chance(0.85)) s += r_.pick(kErrors);
      else if (r_.chance(0.5)) s += "@" + var();
      else s += expr(depth - 1);
    }
    return s;
  }

  std::string catch_expr(int depth) {
    std::string s = "`" + expr(depth - 1) + " ! " + codes(depth);
    if (r_.chance(0.6)) s += " => " + expr(depth - 1);
    return s + "'";
  }

  std::string prop_or_verb(int depth) {
    if (o_.world) {
      std::string obj = r_.chance(0.8) ? r_.pick(kWorldObjs) : var();
      int k = int(r_.range(0, 6));
      if (k == 0) return obj + "." + r_.pick(kWorldPropIds);
      if (k == 1) return "(" + obj + "." + r_.pick(kWorldPropIds) + " = " + expr(depth - 1) + ")";
      if (k == 2) return obj + ".(" + str_or(kWorldProps) + ")";
      if (k == 3) return obj + ":" + r_.pick(kWorldVerbIds) + "(" + arglist(depth) + ")";
      if (k == 4) return obj + ":(" + str_or(kWorldVerbs) + ")(" + arglist(depth) + ")";
      if (k == 5) return "$" + r_.pick(kWorldPropIds) + (r_.chance(0.5) ? "" : "()");
      return "(" + obj + "." + r_.pick(kWorldPropIds) + "[" + index_val(depth) + "] = " +
             expr(depth - 1) + ")";
    }
    std::string obj = r_.chance(0.5) ? r_.pick(kObjs) : var();
    int k = int(r_.range(0, 4));
    if (k == 0) return obj + "." + r_.pick(kProps);
    if (k == 1) return obj + ".(" + expr(depth - 1) + ")";
    if (k == 2) return obj + ":" + r_.pick(kProps) + "(" + arglist(depth) + ")";
    if (k == 3) return "$" + r_.pick(kProps) + "(" + arglist(depth) + ")";
    return obj + ":(" + expr(depth - 1) + ")()";
  }

  std::string str_or(const std::vector<std::string>& names) {
    return r_.chance(0.9) ? "\"" + r_.pick(names) + "\"" : expr(1);
  }

  std::string world_obj() { return r_.chance(0.85) ? r_.pick(kWorldObjs) : var(); }

  // Arguments that make sense for the object builtins, most of the time.
  std::string world_call(const std::string& fn, int depth) {
    auto o = [&] { return world_obj(); };
    auto pn = [&] { return str_or(kWorldProps); };
    auto vn = [&] { return r_.chance(0.7) ? str_or(kWorldVerbs) : std::to_string(r_.range(0, 4)); };
    auto perms = [&] {
      static const std::vector<std::string> p = {"\"\"", "\"r\"", "\"rw\"", "\"rwc\"", "\"rxd\"",
                                                 "\"x\"", "\"xd\"", "\"bogus\"", "\"rwxd\""};
      return r_.pick(p);
    };
    auto spec = [&] {
      static const std::vector<std::string> a = {"\"this\"", "\"none\"", "\"any\"", "\"bogus\""};
      static const std::vector<std::string> pr = {"\"none\"", "\"any\"", "\"with\"", "\"on top of\"",
                                                  "\"in/inside/into\"", "\"bogus\""};
      return "{" + r_.pick(a) + ", " + r_.pick(pr) + ", " + r_.pick(a) + "}";
    };
    auto code = [&] {
      static const std::vector<std::string> c = {
          "{\"return args;\"}", "{\"return 1 +\"}", "{}", "{\"return this:rec();\"}",
          "{\"x = 1;\", \"return pass(@args);\"}", "{\"return callers();\"}",
          "{\"return caller_perms();\"}", "{\"raise(E_PERM);\"}", "{1}",
          "{\"return #1:v1(@args);\"}", "{\"fork (0) return 1; endfork\"}"};
      return r_.pick(c);
    };
    std::string a;
    if (fn == "create") a = (r_.chance(0.7) ? o() : "{" + o() + ", " + o() + "}") + (r_.chance(0.4) ? ", " + o() : "");
    else if (fn == "chparent" || fn == "move" || fn == "isa") a = o() + ", " + o();
    else if (fn == "chparents") a = o() + ", {" + o() + (r_.chance(0.5) ? ", " + o() : "") + "}";
    else if (fn == "set_player_flag") a = o() + ", " + (r_.chance(0.5) ? "1" : "0");
    else if (fn == "ancestors" || fn == "descendants") a = o() + (r_.chance(0.3) ? ", 1" : "");
    else if (fn == "property_info" || fn == "delete_property" || fn == "clear_property" ||
             fn == "is_clear_property") a = o() + ", " + pn();
    else if (fn == "set_property_info")
      a = o() + ", " + pn() + ", {" + o() + ", " + perms() + (r_.chance(0.3) ? ", " + pn() : "") + "}";
    else if (fn == "add_property")
      a = o() + ", " + pn() + ", " + expr(depth - 1) + ", {" + o() + ", " + perms() + "}";
    else if (fn == "verb_info" || fn == "verb_args" || fn == "delete_verb") a = o() + ", " + vn();
    else if (fn == "verb_code") a = o() + ", " + vn() + (r_.chance(0.3) ? ", 1, 1" : "");
    else if (fn == "set_verb_info") a = o() + ", " + vn() + ", {" + o() + ", " + perms() + ", " + str_or(kWorldVerbs) + "}";
    else if (fn == "set_verb_args") a = o() + ", " + vn() + ", " + spec();
    else if (fn == "add_verb") a = o() + ", {" + o() + ", " + perms() + ", " + str_or(kWorldVerbs) + "}, " + spec();
    else if (fn == "set_verb_code") a = o() + ", " + vn() + ", " + code();
    else if (fn == "set_task_perms") a = o();
    else if (fn == "callers") a = r_.chance(0.5) ? "" : "1";
    else if (fn == "pass") a = arglist(depth);
    else if (fn == "function_info") a = r_.chance(0.3) ? "" : "\"" + r_.pick(builtins_).name + "\"";
    else if (fn == "call_function") {
      a = "\"" + (r_.chance(0.5) ? r_.pick(kObjectBuiltins) : r_.pick(builtins_).name) + "\"";
      std::string rest = arglist(depth);
      if (!rest.empty()) a += ", " + rest;
    } else if (fn == "max_object" || fn == "players" || fn == "reset_max_object" || fn == "caller_perms") a = "";
    else a = o();
    return fn + "(" + a + ")";
  }

  std::string arglist(int depth) {
    std::string s;
    int n = int(r_.range(0, 3));
    for (int i = 0; i < n; ++i) s += (i ? ", " : "") + expr(depth - 1);
    return s;
  }

  std::string list_expr(int depth) {
    std::string s = "{";
    int n = int(r_.range(0, 5));
    for (int i = 0; i < n; ++i) {
      if (i) s += ", ";
      if (r_.chance(0.15)) s += "@";
      s += expr(depth - 1);
    }
    return s + "}";
  }

  std::string map_expr(int depth) {
    std::string s = "[";
    int n = int(r_.range(0, 4));
    for (int i = 0; i < n; ++i) s += (i ? ", " : "") + expr(depth - 1) + " -> " + expr(depth - 1);
    return s + "]";
  }

  std::string arg_of(ArgType t, const std::string& fn, int pos, int depth) {
    if (r_.chance(0.12)) return expr(depth - 1);  // any type: E_TYPE paths
    if (t == ArgType::Str || (t == ArgType::Any && r_.chance(0.3))) {
      if ((fn == "match" || fn == "rmatch") && pos == 1) return pattern_lit();
      if (fn == "parse_json" && pos == 0) return r_.chance(0.7) ? json_lit() : str_lit();
      if (r_.chance(0.3)) return r_.chance(0.5) ? "s" : "b";
      return str_lit();
    }
    switch (t) {
      case ArgType::Int: return r_.chance(0.7) ? std::to_string(r_.range(-2, 12)) : int_lit();
      case ArgType::Float: return float_lit();
      case ArgType::Numeric: return r_.chance(0.5) ? int_lit() : float_lit();
      case ArgType::Obj: return r_.pick(kObjs);
      case ArgType::Err: return r_.pick(kErrors);
      case ArgType::List: return r_.chance(0.4) ? (r_.chance(0.5) ? "l" : "n") : list_expr(depth - 1);
      case ArgType::Map: return r_.chance(0.5) ? "m" : map_expr(depth - 1);
      case ArgType::Bool: return r_.chance(0.5) ? "true" : "false";
      default: break;
    }
    if (fn == "substitute" && pos == 1) return "match(s, " + pattern_lit() + ")";
    return expr(depth - 1);
  }

  std::string builtin_call(int depth) {
    if (o_.world && r_.chance(0.6)) return world_call(r_.pick(kObjectBuiltins), depth);
    const BuiltinInfo& b = r_.pick(builtins_);
    int lo = b.min_args, hi = b.max_args < 0 ? b.min_args + 4 : b.max_args;
    int n = int(r_.range(lo, hi));
    if (r_.chance(0.05)) n = std::max(0, lo - 1);
    if (r_.chance(0.05)) n = hi + 1;
    std::string s = b.name + "(";
    for (int i = 0; i < n; ++i) {
      if (i) s += ", ";
      if (r_.chance(0.04)) {
        s += "@" + (r_.chance(0.5) ? std::string("l") : list_expr(depth - 1));
        continue;
      }
      ArgType t = size_t(i) < b.types.size() ? b.types[size_t(i)] : ArgType::Any;
      s += arg_of(t, b.name, i, depth);
    }
    return s + ")";
  }

  std::string label() {
    static const std::vector<std::string> names = {"outer", "inner", "loop", "lp"};
    return r_.pick(names) + std::to_string(loops_.size());
  }

  std::string block(int depth) {
    std::string s;
    int n = int(r_.range(0, 3));
    for (int i = 0; i < n; ++i) s += stmt(depth - 1);
    return s;
  }

  std::string loop_var() { return r_.chance(0.9) ? r_.pick(kVars) : r_.pick(kBuiltinVars); }

  std::string stmt(int depth) {
    --budget_;
    if (depth <= 0 || budget_ <= 0) return expr(1) + ";\n";
    int k = int(r_.range(0, 99));
    if (k < 34) return expr(depth) + ";\n";
    if (k < 42) return assignment(depth) + ";\n";
    if (k < 50) {
      std::string s = "if (" + expr(depth - 1) + ")\n" + block(depth);
      int e = int(r_.range(0, 2));
      for (int i = 0; i < e; ++i) s += "elseif (" + expr(depth - 1) + ")\n" + block(depth);
      if (r_.chance(0.5)) s += "else\n" + block(depth);
      return s + "endif\n";
    }
    if (k < 56) {  // while, with a guard so that it ends
      std::string g = "_w" + std::to_string(guard_++);
      std::string lab = r_.chance(0.4) ? label() : "";
      loops_.push_back(lab);
      std::string s = g + " = 0;\nwhile " + lab + " (" + g + " < " + std::to_string(r_.range(0, 4)) +
                      (r_.chance(0.5) ? " && (" + expr(depth - 1) + ")" : "") + ")\n" + g + " = " +
                      g + " + 1;\n" + block(depth);
      loops_.pop_back();
      return s + "endwhile\n";
    }
    if (k < 62) {  // for over a list or map
      std::string lab;  // LambdaMOO: for loops are named by their variable
      std::string v = loop_var();
      std::string s = "for " + v;
      if (r_.chance(0.3)) s += ", " + loop_var();
      std::string src;
      int w = int(r_.range(0, 5));
      if (w == 0) src = "l";
      else if (w == 1) src = "m";
      else if (w == 2) src = "n";
      else if (w == 3) src = "s";
      else src = expr(depth - 1);
      loops_.push_back(v);
      s += " in (" + src + ")\n" + block(depth);
      loops_.pop_back();
      return s + "endfor\n";
    }
    if (k < 67) {  // for over a range
      std::string v = loop_var();
      std::string from, to;
      int w = int(r_.range(0, 9));
      if (w < 5) {
        from = std::to_string(r_.range(-2, 3));
        to = std::to_string(r_.range(-2, 4));
      } else if (w == 5) {
        from = "9223372036854775805";
        to = "9223372036854775807";
      } else if (w == 6) {
        from = "(-9223372036854775807 - 1)";
        to = "(-9223372036854775807 + 1)";
      } else if (w == 7) {
        from = r_.pick(kObjs);
        to = r_.pick(kObjs);
      } else {
        from = expr(depth - 1);
        to = expr(depth - 1);
      }
      loops_.push_back(v);
      std::string s = "for " + v + " in [" + from + ".." + to + "]\n" + block(depth);
      loops_.pop_back();
      return s + "endfor\n";
    }
    if (k < 73) {  // try/except
      std::string s = "try\n" + block(depth);
      int n = int(r_.range(1, 3));
      for (int i = 0; i < n; ++i) {
        s += "except ";
        if (r_.chance(0.5)) s += r_.pick(kVars) + " ";
        // ANY before another clause is a compile error (rarely generated).
        std::string c = codes(depth);
        if (c == "ANY" && i + 1 < n && r_.chance(0.95)) c = r_.pick(kErrors);
        s += "(" + c + ")\n" + block(depth);
      }
      return s + "endtry\n";
    }
    if (k < 77) return "try\n" + block(depth) + "finally\n" + block(depth) + "endtry\n";
    if (k < 79) {
      if (in_fork_ && (!o_.nested_forks || r_.chance(0.8))) return expr(depth) + ";\n";
      std::string s = "fork ";
      if (r_.chance(0.3)) s += r_.pick(kVars) + " ";
      s += "(" + (o_.runnable_forks ? std::string("0") : expr(depth - 1)) + ")\n";
      auto saved = loops_;
      loops_.clear();  // break/continue do not cross a fork
      bool was_in_fork = in_fork_;
      in_fork_ = true;
      s += block(depth);
      in_fork_ = was_in_fork;
      loops_ = saved;
      return s + "endfork\n";
    }
    if (k < 86) {
      if (loops_.empty()) {
        if (r_.chance(0.05)) return r_.chance(0.5) ? "break;\n" : "continue;\n";  // compile error
        return expr(depth) + ";\n";
      }
      std::string w = r_.chance(0.5) ? "break" : "continue";
      const std::string& lab = loops_[size_t(r_.range(0, int64_t(loops_.size()) - 1))];
      if (!lab.empty() && r_.chance(0.6)) w += " " + lab;
      return w + ";\n";
    }
    if (k < 89) return r_.chance(0.2) ? "return;\n" : "return " + expr(depth - 1) + ";\n";
    if (k < 90) return ";\n";
    if (k < 91) return "\"a comment string\";\n";
    if (k < 92) return "/* a comment */\n";
    return expr(depth) + ";\n";
  }

  Rng& r_;
  const std::vector<BuiltinInfo>& builtins_;
  GenOptions o_;
  int budget_ = 100;
  int guard_ = 0;
  bool in_fork_ = false;
  std::vector<std::string> loops_;
};

// ---------------------------------------------------------------------------
// Differential programs: one expression over literal operands, written so that
// the compiler picks different instructions (constant operands: ADDK, DIVK
// with its multiply-by-inverse, EQK, INDEXK, compare-and-branch JLTK...;
// variable operands: the generic ones; conditions: JMPF or the fused
// compare-and-branch; catch expressions), which must all agree.

struct DiffVariant {
  enum Expect { Same, Truth, NotTruth, Catch } expect;
  std::string src;
};

class DiffGen {
 public:
  DiffGen(Rng& r, const std::vector<BuiltinInfo>& bs) : r_(r) {
    for (auto& b : bs) {
      bool nondet = false;
      for (const char* n : kNondeterministic) nondet |= b.name == n;
      if (!nondet) pure_.push_back(&b);
    }
  }

  std::vector<DiffVariant> make() {
    leaves_.clear();
    Node root = node(int(r_.range(1, 3)));
    std::vector<DiffVariant> out;
    std::vector<bool> none(leaves_.size(), false), all(leaves_.size(), true);
    std::string lit = render(root, none), vars = render(root, all);
    out.push_back({DiffVariant::Same, "return " + lit + ";"});
    out.push_back({DiffVariant::Same, prelude(all) + "return " + vars + ";"});
    std::vector<bool> some(leaves_.size());
    for (size_t i = 0; i < some.size(); ++i) some[i] = r_.chance(0.5);
    std::string mixed = render(root, some);
    out.push_back({DiffVariant::Same, prelude(some) + "return " + mixed + ";"});
    out.push_back({DiffVariant::Same, prelude(some) + "r = " + mixed + ";\nreturn r;"});
    const std::vector<bool>& m = r_.chance(0.5) ? some : (r_.chance(0.5) ? all : none);
    std::string e = render(root, m);
    out.push_back({DiffVariant::Truth, prelude(m) + "if (" + e + ")\nreturn 1;\nelse\nreturn 0;\nendif"});
    out.push_back({DiffVariant::NotTruth, prelude(m) + "if (!(" + e + "))\nreturn 1;\nendif\nreturn 0;"});
    out.push_back({DiffVariant::Truth, prelude(m) + "while (" + e + ")\nreturn 1;\nendwhile\nreturn 0;"});
    out.push_back({DiffVariant::Truth, prelude(m) + "return (" + e + ") ? 1 | 0;"});
    out.push_back({DiffVariant::Truth, prelude(m) + "x = 0;\nif (" + e + ")\nx = 1;\nelseif (1)\nx = 0;\nendif\nreturn x;"});
    out.push_back({DiffVariant::Catch, prelude(m) + "return `" + e + " ! ANY';"});
    out.push_back({DiffVariant::Catch, prelude(m) + "try\nreturn " + e + ";\nexcept v (ANY)\nreturn v[1];\nendtry"});
    out.push_back({DiffVariant::Same, prelude(m) + "for i in [1..2]\nr = " + e + ";\nendfor\nreturn r;"});
    return out;
  }

 private:
  struct Node {
    std::string op;  // "" for a leaf
    int leaf = -1;
    std::vector<Node> kids;
  };

  std::string leaf_literal() {
    static const std::vector<std::string> ints = {
        "0", "1", "-1", "2", "3", "-3", "7", "-7", "10", "13", "63", "64", "65", "100", "-100",
        "255", "1000", "65536", "2147483647", "2147483648", "4294967295", "4294967296",
        "4294967297", "-2147483648", "9223372036854775807", "-9223372036854775807",
        "(-9223372036854775807 - 1)", "3037000499", "3037000500", "123456789"};
    static const std::vector<std::string> others = {
        "0.0", "-0.0", "1.0", "-1.0", "2.5", "0.5", "1e300", "-1e300", "1e-300", "3.0",
        "\"\"", "\"a\"", "\"A\"", "\"abc\"", "\"ABC\"", "\"b\"", "\"1\"", "\"1.5\"",
        "#0", "#1", "#-1", "#5", "E_TYPE", "E_NONE", "E_RANGE", "true", "false", "{}", "{1}",
        "{1, 2, 3}", "{\"a\", \"B\"}", "{{1}, 2}", "[]", "[1 -> 2]", "[\"a\" -> 1, \"b\" -> 2]",
        "{1, \"a\", 2.5, #1, E_PERM}", "{3, 1, 2}"};
    if (r_.chance(0.55)) return r_.pick(ints);
    if (r_.chance(0.3)) return std::to_string(r_.range(-20, 20));
    return r_.pick(others);
  }

  Node leaf() {
    Node n;
    n.leaf = int(leaves_.size());
    leaves_.push_back(leaf_literal());
    return n;
  }

  Node node(int depth) {
    if (depth <= 0 || r_.chance(0.2)) return leaf();
    static const std::vector<std::string> bin = {"+", "-", "*", "/", "%", "^", "==", "!=", "<",
                                                 "<=", ">", ">=", "in", "&&", "||", "&.", "|.",
                                                 "^.", "<<", ">>"};
    Node n;
    int k = int(r_.range(0, 99));
    if (k < 55) {
      n.op = r_.pick(bin);
      n.kids.push_back(node(depth - 1));
      // Often a literal on one side: that is what the K instructions take.
      n.kids.push_back(r_.chance(0.5) ? leaf() : node(depth - 1));
      if (r_.chance(0.3)) std::swap(n.kids[0], n.kids[1]);
    } else if (k < 63) {
      n.op = r_.chance(0.4) ? "-" : r_.chance(0.5) ? "!" : "~";
      n.kids.push_back(node(depth - 1));
    } else if (k < 72) {
      n.op = "[]";
      n.kids.push_back(node(depth - 1));
      n.kids.push_back(r_.chance(0.2) ? Node{"$idx", -1, {}} : r_.chance(0.1) ? Node{"^idx", -1, {}} : leaf());
    } else if (k < 77) {
      n.op = "[..]";
      n.kids.push_back(node(depth - 1));
      n.kids.push_back(r_.chance(0.2) ? Node{"^idx", -1, {}} : leaf());
      n.kids.push_back(r_.chance(0.3) ? Node{"$idx", -1, {}} : leaf());
    } else if (k < 80) {
      n.op = "?";
      for (int i = 0; i < 3; ++i) n.kids.push_back(node(depth - 1));
    } else if (k < 84) {
      n.op = "{}";
      int c = int(r_.range(0, 3));
      for (int i = 0; i < c; ++i) n.kids.push_back(node(depth - 1));
    } else {
      const BuiltinInfo* b = pure_[size_t(r_.range(0, int64_t(pure_.size()) - 1))];
      n.op = "call:" + b->name;
      int hi = b->max_args < 0 ? b->min_args + 2 : b->max_args;
      int c = int(r_.range(b->min_args, hi));
      for (int i = 0; i < c; ++i) n.kids.push_back(node(depth - 1));
    }
    return n;
  }

  std::string render(const Node& n, const std::vector<bool>& as_var) {
    if (n.op.empty()) {
      if (as_var[size_t(n.leaf)]) return "v" + std::to_string(n.leaf);
      const std::string& l = leaves_[size_t(n.leaf)];
      return l[0] == '-' ? "(" + l + ")" : l;
    }
    if (n.op == "$idx" || n.op == "^idx") return n.op.substr(0, 1);
    if (n.op == "[]") return "(" + render(n.kids[0], as_var) + ")[" + render(n.kids[1], as_var) + "]";
    if (n.op == "[..]")
      return "(" + render(n.kids[0], as_var) + ")[" + render(n.kids[1], as_var) + ".." +
             render(n.kids[2], as_var) + "]";
    if (n.op == "?")
      return "((" + render(n.kids[0], as_var) + ") ? (" + render(n.kids[1], as_var) + ") | (" +
             render(n.kids[2], as_var) + "))";
    if (n.op == "{}" || n.op.rfind("call:", 0) == 0) {
      std::string s = n.op == "{}" ? "{" : n.op.substr(5) + "(";
      for (size_t i = 0; i < n.kids.size(); ++i) s += (i ? ", " : "") + render(n.kids[i], as_var);
      return s + (n.op == "{}" ? "}" : ")");
    }
    if (n.kids.size() == 1) return n.op + "(" + render(n.kids[0], as_var) + ")";
    return "(" + render(n.kids[0], as_var) + " " + n.op + " " + render(n.kids[1], as_var) + ")";
  }

  std::string prelude(const std::vector<bool>& as_var) {
    std::string s;
    for (size_t i = 0; i < leaves_.size(); ++i)
      if (as_var[i]) s += "v" + std::to_string(i) + " = " + leaves_[i] + ";\n";
    return s;
  }

  Rng& r_;
  std::vector<const BuiltinInfo*> pure_;
  std::vector<std::string> leaves_;
};

// ---------------------------------------------------------------------------
// Deeply nested constructs.

// Under ASan the parser's recursion needs over 4 KB of stack per level, and
// nesting near the parser's limit (2000) overflows an 8 MB stack; the deep
// programs stay below that there unless --deep-max says otherwise.
#if defined(__SANITIZE_ADDRESS__)
int g_deep_max = 1400;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
int g_deep_max = 1400;
#else
int g_deep_max = 30000;
#endif
#else
int g_deep_max = 30000;
#endif

std::string deep_program(Rng& r) {
  int n = int(r.range(50, r.chance(0.3) ? 30000 : 3000));
  n = std::min(n, g_deep_max);
  std::string s;
  switch (r.range(0, 15)) {
    case 15: {  // unterminated nesting: the parsers' error recovery
      static const std::vector<std::string> pats = {"(", "{", "[", "x[", "if (1) ", "{a, ",
                                                    "x:y(", "`", "!", "try ", "f(", "x.(",
                                                    "while (1) ", "$x["};
      // Tree-sitter 0.20.7 frees an invalid pointer past about 65535 open
      // tokens, and Echo's error re-parse is quadratic: large sizes only when
      // asked for (--deep-max above 30000).
      if (g_deep_max <= 30000) n = std::min(n, 3000);
      const std::string& p = r.pick(pats);
      for (int i = 0; i < n; ++i) s += p;
      return s;
    }
    case 0: return "return " + std::string(size_t(n), '(') + "1" + std::string(size_t(n), ')') + ";";
    case 1: return "return " + std::string(size_t(n), '{') + std::string(size_t(n), '}') + ";";
    case 2: return "return " + std::string(size_t(n), '-') + "1;";
    case 3: {
      std::string u;
      for (int i = 0; i < n; ++i) u += "!";
      return "return " + u + "0;";
    }
    case 4: {
      s = "return 1";
      for (int i = 0; i < n; ++i) s += r.chance(0.5) ? " + 1" : " * 1";
      return s + ";";
    }
    case 5: {
      s = "x = {1}; return x";
      for (int i = 0; i < n; ++i) s += "[1]";
      return s + ";";
    }
    case 6: {
      for (int i = 0; i < n; ++i) s += "if (1)\n";
      s += "x = 1;\n";
      for (int i = 0; i < n; ++i) s += "endif\n";
      return s + "return x;";
    }
    case 7: {
      s = "return 2";
      for (int i = 0; i < n; ++i) s += " ^ 1";
      return s + ";";
    }
    case 8: {
      s = "return ";
      for (int i = 0; i < n; ++i) s += "`";
      s += "1";
      for (int i = 0; i < n; ++i) s += " ! ANY'";
      return s + ";";
    }
    case 9: {
      s = "return ";
      for (int i = 0; i < n; ++i) s += "1 ? ";
      s += "1";
      for (int i = 0; i < n; ++i) s += " | 0";
      return s + ";";
    }
    case 10: {
      s = "return ";
      for (int i = 0; i < n; ++i) s += "x = ";
      return s + "1;";
    }
    case 11: {  // a deeply nested list built at run time, then used
      static const std::vector<std::string> uses = {
          "return l;", "return toliteral(l);", "return l == l;", "return equal(l, l);",
          "return value_bytes(l);", "return value_hash(l);", "return generate_json(l);",
          "return {l} in {{l}};", "return sort({l, l});", "return tostr(l);",
          "l = 0; return 1;", "return setadd({l}, l);", "return [l -> 1];",
          "return length(toliteral(l));", "return is_member(l, {l});"};
      s = "l = {};\nfor i in [1.." + std::to_string(n) + "]\nl = {l};\nendfor\n" + r.pick(uses);
      return s;
    }
    case 12: {
      s = "m = [];\nfor i in [1.." + std::to_string(n) + "]\nm = [1 -> m];\nendfor\nreturn " +
          (r.chance(0.5) ? "m;" : "generate_json(m);");
      return s;
    }
    case 13: {
      for (int i = 0; i < n; ++i) s += "try\n";
      s += "x = 1/0;\n";
      for (int i = 0; i < n; ++i) s += r.chance(0.5) ? "except (ANY)\nendtry\n" : "finally\nendtry\n";
      return s + "return x;";
    }
    default: {
      s = "return {";
      for (int i = 0; i < n; ++i) s += "@{";
      s += "1";
      for (int i = 0; i < n; ++i) s += "}";
      return s + "};";
    }
  }
}

// ---------------------------------------------------------------------------
// LambdaCore verbs.

std::vector<std::string> load_verbs(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  std::string line, cur;
  bool inside = false;
  auto is_header = [](const std::string& l) {
    if (l.size() < 4 || l[0] != '#') return false;
    size_t colon = l.find(':');
    if (colon == std::string::npos || colon == 1) return false;
    for (size_t i = 1; i < l.size(); ++i)
      if (i != colon && !std::isdigit(static_cast<unsigned char>(l[i]))) return false;
    return colon + 1 < l.size();
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (inside) {
      if (line == ".") {
        out.push_back(cur);
        inside = false;
      } else {
        cur += line;
        cur += '\n';
      }
    } else if (is_header(line)) {
      inside = true;
      cur.clear();
    }
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : s) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (auto& l : lines) s += l + "\n";
  return s;
}

// Replaces calls of builtins Echo lacks (LambdaCore calls the world's builtins)
// by calls of ones it has, so that more verbs get past the compiler.
std::string retarget_calls(const std::string& src, Rng& r, const std::vector<BuiltinInfo>& bs) {
  std::string out;
  size_t i = 0;
  while (i < src.size()) {
    char c = src[i];
    if (c == '"') {  // copy strings as they are
      size_t j = i + 1;
      while (j < src.size() && src[j] != '"' && src[j] != '\n') j += src[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, src.size());
      out.append(src, i, j - i);
      i = j;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < src.size() && (std::isalnum(static_cast<unsigned char>(src[j])) || src[j] == '_')) ++j;
      std::string word = src.substr(i, j - i);
      bool prev_sigil = i > 0 && (src[i - 1] == ':' || src[i - 1] == '.' || src[i - 1] == '$');
      if (!prev_sigil && j < src.size() && src[j] == '(' &&
          Builtins::instance().find(word) < 0 && word != "if" && word != "while" &&
          word != "elseif" && word != "for" && word != "fork" && word != "except" &&
          word != "return")
        word = r.pick(bs).name;
      out += word;
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

std::string mutate_lines(const std::string& src, Rng& r, Gen& g, const std::vector<std::string>& corpus) {
  std::vector<std::string> lines = split_lines(src);
  int n = int(r.range(1, 4));
  for (int t = 0; t < n; ++t) {
    int k = int(r.range(0, 7));
    size_t at = lines.empty() ? 0 : size_t(r.range(0, int64_t(lines.size()) - 1));
    switch (k) {
      case 0:
        if (!lines.empty()) lines.erase(lines.begin() + long(at));
        break;
      case 1:
        if (!lines.empty()) lines.insert(lines.begin() + long(at), lines[at]);
        break;
      case 2:
        if (lines.size() > 1) std::swap(lines[at], lines[size_t(r.range(0, int64_t(lines.size()) - 1))]);
        break;
      case 3: {
        auto other = split_lines(r.pick(corpus));
        if (!other.empty()) lines.insert(lines.begin() + long(at), r.pick(other));
        break;
      }
      case 4:
        lines.insert(lines.begin() + long(at), g.expr(3) + ";");
        break;
      case 5: {  // replace a number or string token on a line
        if (lines.empty()) break;
        std::string& l = lines[at];
        size_t p = l.find_first_of("0123456789\"");
        if (p == std::string::npos) break;
        if (l[p] == '"') {
          size_t q = l.find('"', p + 1);
          if (q != std::string::npos) l.replace(p, q - p + 1, g.literal_value(0));
        } else {
          size_t q = l.find_first_not_of("0123456789", p);
          l.replace(p, (q == std::string::npos ? l.size() : q) - p, r.pick(kInts));
        }
        break;
      }
      default: {  // replace a variable-like word with an expression
        if (lines.empty()) break;
        std::string& l = lines[at];
        size_t p = l.find(" = ");
        if (p != std::string::npos && l.back() == ';')
          l = l.substr(0, p + 3) + g.expr(2) + ";";
        break;
      }
    }
  }
  return join_lines(lines);
}

// ---------------------------------------------------------------------------
// Byte-level damage.

const std::vector<std::string> kTokens = {
    "if", "elseif", "else", "endif", "while", "endwhile", "for", "endfor", "in", "fork",
    "endfork", "try", "except", "finally", "endtry", "return", "break", "continue", "ANY",
    "(", ")", "{", "}", "[", "]", ";", ",", "\"", "\\", "/*", "*/", "`", "'", "=>", "->", "@",
    "..", "$", "^", "#", "#-", "=", "==", "!", "?", "|", "&.", "|.", "^.", "<<", ">>", ":", ".",
    "-9223372036854775808", "9223372036854775808", "99999999999999999999", "1e999", "1.e",
    "0x10", "E_TYPE", "e_foo", "\n", " ", "\t", "\r", "\xff", "\xc3", "\xe2\x82", "\xf0\x9f\x98\x80",
    std::string(1, '\0'), "\x01", "1..2", "2^.5", ".5", "5.", "$last", "#0.", "x[$]", "@@",
    "{?a}", "{@a, @b} =", "`x ! E_TYPE'", "1.2.3", "1e", "1e+", "1e-5", "ab\"cd"};

std::string mutate_bytes(std::string s, Rng& r) {
  int n = int(r.range(1, 8));
  for (int t = 0; t < n; ++t) {
    size_t at = s.empty() ? 0 : size_t(r.range(0, int64_t(s.size())));
    int k = int(r.range(0, 7));
    switch (k) {
      case 0:
        if (!s.empty() && at < s.size()) s[at] = char(r.range(0, 255));
        break;
      case 1:
        if (!s.empty() && at < s.size()) s.erase(at, size_t(r.range(1, 12)));
        break;
      case 2:
      case 3:
      case 4:
        s.insert(at, r.pick(kTokens));
        break;
      case 5:
        if (!s.empty() && at < s.size()) {
          size_t len = std::min(s.size() - at, size_t(r.range(1, 40)));
          std::string piece = s.substr(at, len);
          s.insert(size_t(r.range(0, int64_t(s.size()))), piece);
        }
        break;
      case 6:
        if (at < s.size()) s.resize(at);
        break;
      default:
        if (!s.empty() && at < s.size()) s[at] = char(s[at] ^ (1 << r.range(0, 7)));
        break;
    }
  }
  return s;
}

// ---------------------------------------------------------------------------
// Checks.

struct Failure {
  std::string kind;    // a short class, for deduplication
  std::string detail;  // what was seen
};

// A value that came out of the VM is well formed. (Iterative: values may be
// nested far deeper than the C++ stack allows recursion.)
bool check_one(const Value& v, std::string* why, std::vector<const Value*>& todo) {
  switch (v.type()) {
    case Type::None: *why = "an unbound (NONE) value escaped"; return false;
    case Type::Clear: *why = "a CLEAR value escaped"; return false;
    case Type::Float:
      if (!std::isfinite(v.as_float())) {
        *why = "a non-finite float: " + format_float(v.as_float());
        return false;
      }
      return true;
    case Type::Err:
      if (v.as_err() < 0 || v.as_err() >= ERROR_COUNT) {
        *why = "an ERR out of range: " + std::to_string(int64_t(v.as_err()));
        return false;
      }
      return true;
    case Type::Bool:
      if (v.as_int() != 0 && v.as_int() != 1) {
        *why = "a BOOL that is neither 0 nor 1";
        return false;
      }
      return true;
    case Type::Str:
      if (v.str_obj()->len > v.str_obj()->cap && !v.str_obj()->immortal()) {
        *why = "a string longer than its capacity";
        return false;
      }
      return true;
    case Type::List:
      if (v.heap()->refs.load() == 0) { *why = "a list with refcount 0"; return false; }
      for (uint32_t i = 0; i < v.list_len(); ++i) todo.push_back(&v.list_at(i));
      return true;
    case Type::Map: {
      const MapObj* m = v.map_obj();
      if (m->refs.load() == 0) { *why = "a map with refcount 0"; return false; }
      for (size_t i = 0; i < m->entries.size(); ++i) {
        const Value& k = m->entries[i].first;
        if (!valid_map_key(k)) { *why = "a map with a list or map key"; return false; }
        if (i > 0 && compare_values(m->entries[i - 1].first, k) >= 0) {
          *why = "a map whose keys are not strictly ordered";
          return false;
        }
        todo.push_back(&k);
        todo.push_back(&m->entries[i].second);
      }
      return true;
    }
    default: return true;
  }
}

bool check_value(const Value& root, std::string* why) {
  std::vector<const Value*> todo{&root};
  while (!todo.empty()) {
    const Value* v = todo.back();
    todo.pop_back();
    if (!check_one(*v, why, todo)) return false;
  }
  return true;
}

// Nesting depth and whether there is a float anywhere inside.
void shape(const Value& root, int64_t* depth, bool* has_float) {
  std::vector<std::pair<const Value*, int64_t>> todo{{&root, 1}};
  *depth = 0;
  *has_float = false;
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    *depth = std::max(*depth, d);
    if (v->is_float()) *has_float = true;
    if (v->is_list())
      for (uint32_t i = 0; i < v->list_len(); ++i) todo.push_back({&v->list_at(i), d + 1});
    if (v->is_map())
      for (auto& [k, x] : v->map_obj()->entries) {
        todo.push_back({&k, d + 1});
        todo.push_back({&x, d + 1});
      }
  }
}

bool contains_float(const Value& v) {
  int64_t d;
  bool f;
  shape(v, &d, &f);
  return f;
}

int64_t value_depth(const Value& v) {
  int64_t d;
  bool f;
  shape(v, &d, &f);
  return d;
}

#ifdef ECHO_FUZZ_WORLD
// ---------------------------------------------------------------------------
// The fuzz world: #0 system object (wizard-owned, $foo, :sys), #1 root
// (fertile, p1, :v1 :rec :pass_up), #2 wizard player, #3 programmer player,
// #4 a thing of #3's (child of #1, p2, :v2 :gen), #5 inside #4 (child of #4).

void add_verb(World& w, int64_t obj, const std::string& names, const std::string& code,
              int64_t owner, uint8_t perms = VF_READ | VF_EXEC | VF_DEBUG) {
  Verb v;
  v.names = names;
  v.owner = owner;
  v.perms = perms;
  int i = w.add_verb(obj, std::move(v));
  w.set_verb_code(w.get_mut(obj)->verbs[size_t(i - 1)], code);  // errors: left uncompiled
}

void make_world(World& w, const std::string& gen_verb) {
  w.create({}, NOTHING);                   // #0
  int64_t root = w.create({}, NOTHING);    // #1
  w.get_mut(root)->set_flag(FLAG_FERTILE, true);
  int64_t wiz = w.create({root}, NOTHING);  // #2
  w.get_mut(wiz)->set_flag(FLAG_WIZARD, true);
  w.get_mut(wiz)->set_flag(FLAG_PROGRAMMER, true);
  w.set_player_flag(wiz, true);
  int64_t prog = w.create({root}, NOTHING);  // #3
  w.get_mut(prog)->set_flag(FLAG_PROGRAMMER, true);
  w.set_player_flag(prog, true);
  w.get_mut(0)->owner = wiz;
  w.get_mut(root)->owner = wiz;
  w.get_mut(wiz)->owner = wiz;
  int64_t thing = w.create({root}, prog);   // #4
  int64_t inner = w.create({thing}, prog);  // #5
  w.move(inner, thing);
  w.move(thing, wiz);
  w.get_mut(thing)->name = "thing";
  w.add_propdef(0, "foo", Value::integer(5), wiz, PF_READ);
  w.add_propdef(0, "sys", Value::obj(1), wiz, PF_READ | PF_WRITE);
  w.add_propdef(root, "p1", Value::str("one"), wiz, PF_READ);
  w.add_propdef(thing, "p2", make_list({Value::integer(1), Value::str("x")}), prog, PF_READ | PF_WRITE);
  add_verb(w, 0, "sys", "return {5, args};", wiz);
  add_verb(w, root, "v1", "return {this, args, caller, verb};", wiz);
  add_verb(w, root, "rec", "return this:rec(@args);", wiz);
  add_verb(w, root, "pass_up", "return {\"root\", @args};", wiz);
  add_verb(w, thing, "pass_up", "return {\"thing\", pass(@args)};", prog);
  add_verb(w, thing, "v2", "return this:v1(@args);", prog);
  add_verb(w, thing, "gen", gen_verb, prog);
  add_verb(w, inner, "v*2 foo", "return pass(@args);", prog, VF_READ | VF_EXEC);
}

// A description of the whole world, to compare two runs.
std::string world_digest(World& w) {
  std::string s;
  for (int64_t id = 0; id <= w.max_object(); ++id) {
    const Object* o = w.get(id);
    if (!o) { s += "#" + std::to_string(id) + " recycled\n"; continue; }
    s += "#" + std::to_string(id) + " " + o->name + " f" + std::to_string(o->flags) + " o" +
         std::to_string(o->owner) + " l" + std::to_string(o->location) + " c";
    for (auto c : o->contents) s += std::to_string(c) + ",";
    s += " p";
    for (auto c : o->parents) s += std::to_string(c) + ",";
    s += " k";
    for (auto c : o->children) s += std::to_string(c) + ",";
    s += " d";
    for (auto& d : o->propdefs) s += d + ",";
    s += " v";
    for (auto& v : o->verbs) s += v.names + "|" + std::to_string(v.owner) + "|" + std::to_string(v.perms) + ",";
    std::vector<std::string> names;
    for (auto& [n, slot] : o->props)
      names.push_back(n + "=" + (slot.value.type() == Type::Clear ? "clear" : to_literal(slot.value)) +
                      "/" + std::to_string(slot.owner) + "/" + std::to_string(slot.perms));
    std::sort(names.begin(), names.end());
    for (auto& n : names) s += " " + n;
    s += "\n";
  }
  return s;
}

// The object model's invariants: locations and contents, parents and children
// agree; no cycles; every object has a slot for each property its ancestors
// define; the players list is the set of user-flagged objects.
std::string check_world(World& w) {
  auto count = [](const std::vector<int64_t>& v, int64_t x) { return std::count(v.begin(), v.end(), x); };
  std::vector<int64_t> flagged;
  for (int64_t id = 0; id <= w.max_object(); ++id) {
    Object* o = w.get_mut(id);
    if (!o) continue;
    std::string me = "#" + std::to_string(id);
    if (o->id != id) return me + " has id " + std::to_string(o->id);
    if (o->location != NOTHING) {
      Object* l = w.get_mut(o->location);
      if (!l) return me + " is in the invalid #" + std::to_string(o->location);
      if (count(l->contents, id) != 1) return me + " is not once in the contents of its location";
    }
    for (int64_t c : o->contents) {
      Object* x = w.get_mut(c);
      if (!x) return me + " contains the invalid #" + std::to_string(c);
      if (x->location != id) return me + " contains #" + std::to_string(c) + " located elsewhere";
    }
    for (int64_t p : o->parents) {
      Object* x = w.get_mut(p);
      if (!x) return me + " has the invalid parent #" + std::to_string(p);
      if (count(x->children, id) != 1) return me + " is not once among its parent's children";
    }
    for (int64_t c : o->children) {
      Object* x = w.get_mut(c);
      if (!x) return me + " has the invalid child #" + std::to_string(c);
      if (count(x->parents, id) != 1) return me + " has child #" + std::to_string(c) + " not naming it";
    }
    // Cycles.
    int64_t at = o->location;
    for (int steps = 0; at != NOTHING && steps <= w.max_object() + 1; ++steps) {
      if (at == id) return me + " is inside itself";
      Object* x = w.get_mut(at);
      at = x ? x->location : NOTHING;
    }
    for (int64_t a : w.ancestors(id))
      if (a == id) return me + " is its own ancestor";
    // Inherited property slots.
    for (int64_t a : w.ancestors(id)) {
      Object* x = w.get_mut(a);
      if (!x) return me + " has an invalid ancestor";
      for (auto& d : x->propdefs) {
        std::string k = d;
        for (auto& ch : k) ch = char(std::tolower(static_cast<unsigned char>(ch)));
        if (!o->props.count(k)) return me + " has no slot for " + d + " defined on its ancestor #" + std::to_string(a);
      }
    }
    for (auto& d : o->propdefs) {
      std::string k = d;
      for (auto& ch : k) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      if (!o->props.count(k)) return me + " has no slot for its own property " + d;
    }
    std::string why;
    for (auto& [n, slot] : o->props)
      if (slot.value.type() != Type::Clear && !check_value(slot.value, &why))
        return me + "." + n + ": " + why;
    if (o->has_flag(FLAG_USER)) flagged.push_back(id);
  }
  std::vector<int64_t> players = w.players();
  std::sort(players.begin(), players.end());
  if (players != flagged) return "players() is not the set of objects with the user flag";
  return "";
}
#endif

std::string kind_name(EvalOutcome::Kind k) {
  switch (k) {
    case EvalOutcome::Returned: return "returned";
    case EvalOutcome::Raised: return "raised";
    case EvalOutcome::CompileFailed: return "compile-failed";
    case EvalOutcome::AbortedTicks: return "aborted-ticks";
    case EvalOutcome::AbortedSeconds: return "aborted-seconds";
    case EvalOutcome::Interrupted: return "interrupted";
  }
  return "?";
}

std::string outcome_key(const EvalOutcome& o) {
  std::string s = kind_name(o.kind) + " ticks=" + std::to_string(o.ticks) + "\n" + o.describe();
  for (auto& [n, v] : o.vars) s += "\n" + n + " = " + to_literal(v);
  return s;
}

struct Config {
  int64_t ticks = 20000;
  double seconds = 1.0;
  bool verbose = false;
  bool print = false;
  bool determinism = true;
  // --jit-diff: the determinism check's second run has every program
  // compiled to native code (the first runs with the JIT off): interpreter
  // and JIT must agree on results, errors and ticks.
  bool jit_diff = false;
  bool roundtrip = true;
};

struct Stats {
  int64_t programs = 0, evals = 0;
  std::map<std::string, int64_t> by_mode, by_outcome;
};

class Checker {
 public:
  Checker(const Config& c, Stats& st) : c_(c), st_(st) {}

  EvalOutcome run(const std::string& src, bool expression_fallback = false, bool run_forks = false,
                  std::vector<Failure>* fails = nullptr) {
    EvalOptions opt;
    opt.limits.ticks = c_.ticks;
    opt.limits.seconds = c_.seconds;
    opt.expression_fallback = expression_fallback;
    opt.run_forks = run_forks;
    ++st_.evals;
    g_started_ms.store(now_ms());
    std::clock_t cpu0 = std::clock();
    EvalOutcome o;
    try {
      o = eval_moo(src, opt);
    } catch (const std::exception& e) {
      g_started_ms.store(0);
      if (fails) fails->push_back({"cxx-exception", std::string("eval_moo threw: ") + e.what()});
      o.kind = EvalOutcome::CompileFailed;
      return o;
    } catch (...) {
      g_started_ms.store(0);
      if (fails) fails->push_back({"cxx-exception", "eval_moo threw a non-std exception"});
      o.kind = EvalOutcome::CompileFailed;
      return o;
    }
    g_started_ms.store(0);
    // CPU time (not wall time: the machine may be busy) against the seconds
    // limit plus slack (sanitizers are slow; forks each get a limit).
    double cpu_ms = double(std::clock() - cpu0) * 1000.0 / CLOCKS_PER_SEC;
    double allowed = (c_.seconds * (run_forks ? 20 : 1) + 8.0) * 1000.0;
    if (fails && cpu_ms > allowed)
      fails->push_back({"slow", "one run took " + std::to_string(int64_t(cpu_ms)) + " ms of CPU"});
    return o;
  }

  std::vector<Failure> check(const std::string& src, bool expression_fallback, bool run_forks) {
    std::vector<Failure> fails;
    ++st_.programs;
    CompileResult cr;
    try {
      cr = compile_moo(src);
    } catch (const std::exception& e) {
      fails.push_back({"cxx-exception", std::string("compile_moo threw: ") + e.what()});
      return fails;
    }
    if (!cr.ok()) {
      int lines = 1 + int(std::count(src.begin(), src.end(), '\n'));
      for (auto& e : cr.errors) {
        if (e.line < 1 || e.line > lines + 1 || e.column < 1 || e.message.empty())
          fails.push_back({"bad-error-position", e.to_string() + " (source has " +
                                                     std::to_string(lines) + " lines)"});
        break;
      }
    } else if (!cr.program) {
      fails.push_back({"compile-null", "compile_moo ok() but no program"});
    }
    EvalOutcome o = run(src, expression_fallback, run_forks, &fails);
    ++st_.by_outcome[kind_name(o.kind)];
    if (c_.print) std::printf("%s\n--> %s\n", src.c_str(), o.describe().c_str());
    if (!expression_fallback && cr.ok() != (o.kind != EvalOutcome::CompileFailed) && fails.empty())
      fails.push_back({"compile-eval-disagree", "compile_moo ok=" + std::to_string(cr.ok()) +
                                                    " but eval gave " + kind_name(o.kind)});
    if (o.kind == EvalOutcome::CompileFailed && o.compile_errors.empty() && fails.empty())
      fails.push_back({"compile-failed-no-errors", "CompileFailed with no error messages"});
    if (o.ticks < 0 || o.ticks > c_.ticks)
      fails.push_back({"ticks-out-of-range", "ticks used " + std::to_string(o.ticks) +
                                                 " with a limit of " + std::to_string(c_.ticks)});
    std::string why;
    if (o.kind == EvalOutcome::Returned && !check_value(o.value, &why))
      fails.push_back({"bad-value", "result: " + why});
    if (o.kind == EvalOutcome::Raised) {
      if (!check_value(o.error.code, &why)) fails.push_back({"bad-value", "error code: " + why});
      if (!check_value(o.error.value, &why)) fails.push_back({"bad-value", "error value: " + why});
    }
    for (auto& [name, v] : o.vars)
      if (!check_value(v, &why)) fails.push_back({"bad-value", "variable " + name + ": " + why});
    if (!fails.empty()) return fails;

    // Determinism.
    if (c_.determinism && o.kind != EvalOutcome::CompileFailed &&
        o.kind != EvalOutcome::AbortedSeconds && is_deterministic(src)) {
      if (c_.jit_diff) jit::set_mode(jit::Mode::Always);
      EvalOutcome o2 = run(src, expression_fallback, run_forks, &fails);
      if (c_.jit_diff) jit::set_mode(jit::Mode::Off);
      if (o2.kind != EvalOutcome::AbortedSeconds) {
        std::string k1 = outcome_key(o), k2 = outcome_key(o2);
        if (k1 != k2)
          fails.push_back({c_.jit_diff ? "jit-differs" : "nondeterministic",
                           "first run:\n" + k1.substr(0, 2000) + "\nsecond run:\n" + k2.substr(0, 2000)});
      }
    }

    // Literal round trip.
    if (c_.roundtrip && o.kind == EvalOutcome::Returned && value_depth(o.value) < 5000)
      roundtrip(o.value, &fails);
#ifdef ECHO_FUZZ_WORLD
    // One program in three also runs as a verb body (see verb_diff).
    if (fails.empty() && !run_forks && !expression_fallback && o.kind != EvalOutcome::CompileFailed &&
        std::hash<std::string>{}(src) % 3 == 0 && value_depth(o.value) < 1000)
      verb_diff(src, &fails);
#endif
    return fails;
  }

  // The variants of a Diff program agree with the first.
  std::vector<Failure> check_diff(const std::vector<DiffVariant>& vs) {
    std::vector<Failure> fails = check(vs[0].src, false, false);
    if (!fails.empty()) return fails;
    EvalOutcome base = run(vs[0].src, false, false, &fails);
    auto show = [](const EvalOutcome& o) {
      switch (o.kind) {
        case EvalOutcome::Returned: return "=> " + to_literal(o.value);
        case EvalOutcome::Raised: return "raised " + to_literal(o.error.code);
        default: return kind_name(o.kind) + ": " + o.describe();
      }
    };
    if (base.kind == EvalOutcome::AbortedSeconds) return fails;
    for (size_t i = 1; i < vs.size(); ++i) {
      const DiffVariant& v = vs[i];
      EvalOutcome o = run(v.src, false, false, &fails);
      if (o.kind == EvalOutcome::AbortedSeconds) continue;
      std::string why;
      if (o.kind == EvalOutcome::Returned && !check_value(o.value, &why))
        fails.push_back({"bad-value", "variant result: " + why});
      // What the variant should give, from the base outcome.
      std::string want, got = show(o);
      if (base.kind == EvalOutcome::CompileFailed || o.kind == EvalOutcome::CompileFailed) {
        if ((base.kind == EvalOutcome::CompileFailed) != (o.kind == EvalOutcome::CompileFailed))
          want = show(base);
        else
          continue;
      } else if (base.kind == EvalOutcome::Raised) {
        want = v.expect == DiffVariant::Catch ? "=> " + to_literal(base.error.code)
                                               : "raised " + to_literal(base.error.code);
      } else if (base.kind == EvalOutcome::Returned) {
        bool t = base.value.truthy();
        switch (v.expect) {
          case DiffVariant::Same:
          case DiffVariant::Catch: want = "=> " + to_literal(base.value); break;
          case DiffVariant::Truth: want = t ? "=> 1" : "=> 0"; break;
          case DiffVariant::NotTruth: want = t ? "=> 0" : "=> 1"; break;
        }
        if ((v.expect == DiffVariant::Same || v.expect == DiffVariant::Catch) &&
            o.kind == EvalOutcome::Returned && want == got && !equal_exact(base.value, o.value))
          got += " (not equal_exact)";
      } else {
        continue;
      }
      if (want != got) {
        fails.push_back({"diff", "base program:\n" + vs[0].src + "\ngave " + show(base) +
                                     "\nbut this variant:\n" + v.src + "\ngave " + got +
                                     " (expected " + want + ")"});
        break;
      }
    }
    return fails;
  }

#ifdef ECHO_FUZZ_WORLD
  // Runs src as `progr` in a fresh fuzz world; the outcome as text, and the
  // world's digest after the run.
  std::string run_world(const std::string& src, const std::string& gen_verb, int64_t progr,
                        std::string* digest, std::vector<Failure>* fails, bool brief = false) {
    World w;
    make_world(w, gen_verb);
    WorldHost host(w);
    CompileResult c = compile_moo(src);
    if (!c.ok()) return "compile-failed: " + c.errors.front().to_string();
    TaskLimits limits;
    limits.ticks = c_.ticks;
    limits.seconds = c_.seconds;
    ++st_.evals;
    g_started_ms.store(now_ms());
    std::string out;
    try {
      Task t(c.program, &host, limits);
      t.set_identity(progr, -1, progr, "");
      switch (t.run()) {
        case TaskStatus::Done: out = "=> " + to_literal(t.result()); break;
        case TaskStatus::Error:
          out = brief ? "raised " + to_literal(t.error().code) : describe_error(t.error());
          break;
        case TaskStatus::AbortedTicks: out = "aborted-ticks"; break;
        case TaskStatus::AbortedSeconds: out = "aborted-seconds"; break;
        default: out = "running?"; break;
      }
      std::string why;
      if (!check_value(t.result(), &why)) fails->push_back({"bad-value", "world result: " + why});
    } catch (const std::exception& e) {
      fails->push_back({"cxx-exception", std::string("Task::run threw: ") + e.what()});
    }
    g_started_ms.store(0);
    std::string bad = check_world(w);
    if (!bad.empty()) fails->push_back({"world-invariant", bad});
    *digest = world_digest(w);
    return out;
  }

  std::vector<Failure> check_world_program(const std::string& src, const std::string& gen_verb,
                                           int64_t progr) {
    std::vector<Failure> fails;
    ++st_.programs;
    std::string d1, d2;
    std::string o1 = run_world(src, gen_verb, progr, &d1, &fails);
    ++st_.by_outcome["world " + o1.substr(0, o1.find_first_of(" :"))];
    if (c_.print) std::printf("%s\n--> %s\n", src.c_str(), o1.c_str());
    if (!fails.empty() || !c_.determinism || !is_deterministic(src) || !is_deterministic(gen_verb) ||
        o1 == "aborted-seconds")
      return fails;
    std::string o2 = run_world(src, gen_verb, progr, &d2, &fails);
    if (o2 != "aborted-seconds" && (o1 != o2 || d1 != d2))
      fails.push_back({"nondeterministic", "world run 1: " + o1.substr(0, 1000) + "\nrun 2: " +
                                               o2.substr(0, 1000) +
                                               (d1 != d2 ? "\n(the worlds differ)" : "")});
    if (fails.empty()) verb_diff(src, &fails);
    return fails;
  }

  // The same code as the body of a verb (#4:gen, owned by #3) must give what
  // it gives run directly as #3, unless it looks at who is running it.
  void verb_diff(const std::string& src, std::vector<Failure>* fails) {
    static const char* const kContext[] = {
        "this", "player", "caller", "verb", "args", "dobj", "iobj", "prepstr", "argstr",
        "dobjstr", "iobjstr", "set_task_perms", "callers", "caller_perms", "pass", "task_id",
        "fork", "ticks_left", "seconds_left", "call_function", "function_info", "suspend",
        "random", "random_bytes", "time", "ctime", "ftime", "crypt", "gen", "usage",
        "frandom", "reseed_random", "salt",  // the task's generator, or the system's
        // Echo's capability checks look at the calling frame, as caller_perms().
        "require_secure", "require_capability"};
    for (const char* w : kContext)
      if (has_word(src, w)) return;
    // An except clause's variable gets the traceback, which names the verb.
    for (size_t at = 0; (at = src.find("except ", at)) != std::string::npos; at += 7)
      if (at + 7 < src.size() && src[at + 7] != '(') return;
    // Verbs it calls see a different caller.
    if (src.find(':') != std::string::npos) return;
    for (size_t at = 0; (at = src.find('$', at)) != std::string::npos; ++at) {
      size_t e = at + 1;
      while (e < src.size() && (std::isalnum(static_cast<unsigned char>(src[e])) || src[e] == '_')) ++e;
      if (e > at + 1 && e < src.size() && src[e] == '(') return;
    }
    std::string da, db;
    std::string direct = run_world(src, "return 0;", 3, &da, fails, true);
    std::string as_verb = run_world("return #4:gen();", src, 3, &db, fails, true);
    bool comparable = direct.rfind("=> ", 0) == 0 || direct.rfind("raised ", 0) == 0;
    if (comparable && direct != as_verb)
      fails->push_back({"verb-differs", "run directly as #3: " + direct.substr(0, 500) +
                                            "\nas the body of #4:gen: " + as_verb.substr(0, 500)});
  }
#endif

  void roundtrip(const Value& v, std::vector<Failure>* fails) {
    std::string lit = to_literal(v);
    if (lit.size() > 200000) return;
    std::string src = "return " + lit + ";";
    EvalOutcome back = run(src, false, false, fails);
    if (back.kind != EvalOutcome::Returned) {
      bool newline = lit.find('\n') != std::string::npos || lit.find('\r') != std::string::npos;
      // %.15g rounds DBL_MAX up to 1.79769313486232e+308, which does not read
      // back (LambdaMOO prints floats the same way): a note, not a failure.
      bool float_max = back.describe().find("out of range") != std::string::npos &&
                       lit.find("e+308") != std::string::npos;
      // Values can be nested deeper than the parser's limit on literals.
      bool too_deep = back.describe().find("nested too deeply") != std::string::npos;
      fails->push_back({float_max  ? "note-roundtrip-dbl-max"
                        : too_deep ? "note-roundtrip-too-deep"
                        : newline  ? "roundtrip-newline"
                                   : "roundtrip-no-value",
                        "`return " + lit.substr(0, 500) + ";` gave " + back.describe().substr(0, 500)});
      return;
    }
    std::string lit2 = to_literal(back.value);
    if (lit2 != lit) {
      fails->push_back({"roundtrip-changed", "toliteral " + lit.substr(0, 500) +
                                                 "\nread back as " + lit2.substr(0, 500)});
      return;
    }
    if (!contains_float(v) && !equal_exact(v, back.value))
      fails->push_back({"roundtrip-unequal", "equal_exact false for " + lit.substr(0, 500)});
    if (!equal(v, back.value) && !contains_float(v))
      fails->push_back({"roundtrip-unequal", "== false for " + lit.substr(0, 500)});
  }

 private:
  const Config& c_;
  Stats& st_;
};

// ---------------------------------------------------------------------------
// The main loop.

struct Corpus {
  std::vector<std::string> verbs;
};

enum class Mode { Gen, Core, Bytes, Deep, Literal, Forks, Diff, World };
constexpr int kModeCount = 8;
const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Gen: return "gen";
    case Mode::Core: return "core";
    case Mode::Bytes: return "bytes";
    case Mode::Deep: return "deep";
    case Mode::Literal: return "literal";
    case Mode::Forks: return "forks";
    case Mode::Diff: return "diff";
    case Mode::World: return "world";
  }
  return "?";
}

struct FuzzProgram {
  std::string src;
  Mode mode;
  bool fallback = false;
  bool forks = false;
  std::vector<DiffVariant> variants;  // Diff: the programs that must agree
  std::string gen_verb;               // World: the code of #4:gen
  int64_t progr = 2;                  // World: who runs it
};

FuzzProgram make_program(uint64_t seed, int64_t iter, const std::vector<BuiltinInfo>& bs,
                     const Corpus& corpus, const std::string& only_mode,
                     const std::string& exclude, bool nested_forks) {
  Rng r(mix(seed, uint64_t(iter)));
  FuzzProgram p;
  int k = int(r.range(0, 99));
  if (k < 40) p.mode = Mode::Gen;
  else if (k < 52) p.mode = Mode::Core;
  else if (k < 66) p.mode = Mode::Bytes;
  else if (k < 68) p.mode = Mode::Deep;
  else if (k < 74) p.mode = Mode::Literal;
  else if (k < 78) p.mode = Mode::Forks;
  else if (k < 88) p.mode = Mode::Diff;
  else p.mode = Mode::World;
#ifndef ECHO_FUZZ_WORLD
  if (p.mode == Mode::World) p.mode = Mode::Gen;
#endif
  if (!only_mode.empty()) {
    for (Mode m : {Mode::Gen, Mode::Core, Mode::Bytes, Mode::Deep, Mode::Literal, Mode::Forks,
                   Mode::Diff, Mode::World})
      if (only_mode == mode_name(m)) p.mode = m;
  }
  if (p.mode == Mode::Core && corpus.verbs.empty()) p.mode = Mode::Gen;
  // --exclude a,b: a mode left out becomes the next one that is not.
  for (int guard = 0; guard < kModeCount && lower_contains("," + exclude + ",",
                                                  std::string(",") + mode_name(p.mode) + ",");
       ++guard)
    p.mode = static_cast<Mode>((int(p.mode) + 1) % kModeCount);
  GenOptions go;
  go.runnable_forks = p.mode == Mode::Forks;
  go.nested_forks = nested_forks;
  Gen g(r, bs, go);
  switch (p.mode) {
    case Mode::Gen:
    case Mode::Forks:
      p.src = g.program();
      p.forks = p.mode == Mode::Forks;
      p.fallback = r.chance(0.05);
      break;
    case Mode::Core: {
      std::string v = r.pick(corpus.verbs);
      if (r.chance(0.6)) v = retarget_calls(v, r, bs);
      if (r.chance(0.7)) v = mutate_lines(v, r, g, corpus.verbs);
      p.src = v;
      break;
    }
    case Mode::Bytes: {
      std::string base = (r.chance(0.5) || corpus.verbs.empty()) ? g.program() : r.pick(corpus.verbs);
      p.src = mutate_bytes(base, r);
      p.fallback = r.chance(0.1);
      break;
    }
    case Mode::Deep: p.src = deep_program(r); break;
    case Mode::Literal: p.src = "return " + g.literal_value(4) + ";"; break;
    case Mode::World: {
      GenOptions wo;
      wo.world = true;
      wo.nested_forks = nested_forks;
      Gen wg(r, bs, wo);
      p.src = wg.program();
      p.gen_verb = wg.program();
      static const int64_t progrs[] = {2, 2, 3, 3, 4, -1};
      p.progr = progrs[r.range(0, 5)];
      break;
    }
    case Mode::Diff: {
      DiffGen d(r, bs);
      p.variants = d.make();
      p.src = p.variants[0].src;
      break;
    }
  }
  return p;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void save_failure(const std::string& dir, const std::string& name, const std::string& src,
                  const std::string& detail) {
  if (dir.empty()) return;
  std::ofstream(dir + "/" + name + ".moo", std::ios::binary) << src;
  std::ofstream(dir + "/" + name + ".txt", std::ios::binary) << detail << "\n";
}

int usage() {
  std::fprintf(stderr,
               "usage: echo-fuzz [--seed N] [--iterations N] [--seconds S] [--start I] [--only I]\n"
               "                 [--mode gen|core|bytes|deep|literal|forks|diff|world] [--db TEXTDUMP]\n"
               "                 [--exclude MODE,...] [--out DIR] [--ticks N] [--print] [--stop]\n"
               "                 [--quiet] [--no-determinism] [--no-roundtrip] [--hang-seconds S]\n"
               "                 [--no-nested-forks] [--trace FILE] [--corpus DIR] [--deep-max N]\n"
               "                 [--jit-diff]   (each program's second run compiled to native code)\n"
               "       echo-fuzz --repro FILE [--ticks N] [--fallback] [--forks]\n"
               "       echo-fuzz --repro FILE --world [--progr N] [--gen-verb FILE]\n");
  return 2;
}

}  // namespace

#ifdef ECHO_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Config cfg = [] {
    Config c;
    c.ticks = 5000;
    c.seconds = 0.5;
    return c;
  }();
  static Stats st;
  register_all_builtins();
  std::string src(reinterpret_cast<const char*>(data), size);
  Checker ch(cfg, st);
  auto fails = ch.check(src, false, false);
  for (auto& f : fails) {
    if (f.kind.rfind("note-", 0) == 0) continue;
    std::fprintf(stderr, "FAIL[%s] %s\nprogram:\n%s\n", f.kind.c_str(), f.detail.c_str(), src.c_str());
    std::abort();
  }
  return 0;
}
#else
int main(int argc, char** argv) {
  uint64_t seed = 1;
  int64_t iterations = -1, start = 0, only = -1;
  double seconds_budget = -1;
  std::string db = ECHO_FUZZ_DEFAULT_DB, out_dir, repro, only_mode, exclude;
  bool stop = false, quiet = false, repro_fallback = false, repro_forks = false;
  bool nested_forks = true, repro_world = false;
  int64_t repro_progr = 2;
  std::string gen_verb_file, corpus_dir;
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seed") seed = std::stoull(next());
    else if (a == "--iterations") iterations = std::stoll(next());
    else if (a == "--seconds") seconds_budget = std::stod(next());
    else if (a == "--start") start = std::stoll(next());
    else if (a == "--only") only = std::stoll(next());
    else if (a == "--mode") only_mode = next();
    else if (a == "--exclude") exclude = next();
    else if (a == "--no-nested-forks") nested_forks = false;
    else if (a == "--world") repro_world = true;
    else if (a == "--corpus") corpus_dir = next();
    else if (a == "--deep-max") g_deep_max = int(std::stol(next()));
    else if (a == "--progr") repro_progr = std::stoll(next());
    else if (a == "--gen-verb") gen_verb_file = next();
    else if (a == "--trace") {
      std::string path = next();
      g_trace_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    else if (a == "--db") db = next();
    else if (a == "--out") out_dir = next();
    else if (a == "--ticks") cfg.ticks = std::stoll(next());
    else if (a == "--repro") repro = next();
    else if (a == "--fallback") repro_fallback = true;
    else if (a == "--forks") repro_forks = true;
    else if (a == "--print") cfg.print = true;
    else if (a == "--stop") stop = true;
    else if (a == "--quiet") quiet = true;
    else if (a == "--no-determinism") cfg.determinism = false;
    else if (a == "--jit-diff") {
      cfg.jit_diff = true;
      jit::set_mode(jit::Mode::Off);
    }
    else if (a == "--no-roundtrip") cfg.roundtrip = false;
    else if (a == "--hang-seconds") g_hang_seconds = std::stod(next());
    else return usage();
  }
  if (iterations < 0 && seconds_budget < 0) iterations = 1000;
  std::snprintf(g_out_dir, sizeof g_out_dir, "%s", out_dir.c_str());
  install_crash_handlers();
  start_watchdog();
  std::vector<BuiltinInfo> builtins = list_builtins();
  Stats st;
  Checker checker(cfg, st);

  if (!repro.empty() && repro_world) {
#ifdef ECHO_FUZZ_WORLD
    std::string src = read_file(repro);
    std::string gen = gen_verb_file.empty() ? "return 0;" : read_file(gen_verb_file);
    set_current(src, "repro");
    auto fails = checker.check_world_program(src, gen, repro_progr);
    std::string digest;
    std::printf("%s\n", checker.run_world(src, gen, repro_progr, &digest, &fails).c_str());
    for (auto& f : fails) std::printf("FAIL[%s] %s\n", f.kind.c_str(), f.detail.c_str());
    return fails.empty() ? 0 : 1;
#else
    std::fprintf(stderr, "no world in this build\n");
    return 2;
#endif
  }
  if (!repro.empty()) {
    std::string src = read_file(repro);
    set_current(src, "repro");
    auto fails = checker.check(src, repro_fallback, repro_forks);
    EvalOutcome o = checker.run(src, repro_fallback, repro_forks);
    std::printf("%s\n", o.describe().c_str());
    for (auto& f : fails) std::printf("FAIL[%s] %s\n", f.kind.c_str(), f.detail.c_str());
    return fails.empty() ? 0 : 1;
  }

  int64_t corpus_failures = 0;
  if (!corpus_dir.empty()) {
    // Regression programs: each must pass the checks and, when it has an
    // `/* expect: ... */` line, print that (the first line of describe()).
    std::vector<std::string> files;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(corpus_dir, ec))
      if (e.path().extension() == ".moo") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      std::string src = read_file(f);
      set_current(src, "corpus " + std::filesystem::path(f).filename().string());
      auto fails = checker.check(src, false, false);
      size_t at = src.find("/* expect: ");
      if (at != std::string::npos) {
        size_t end = src.find(" */", at);
        std::string want = src.substr(at + 11, end == std::string::npos ? std::string::npos : end - at - 11);
        std::string got = checker.run(src, false, false).describe();
        got = got.substr(0, got.find('\n'));
        if (got != want) fails.push_back({"corpus-expect", "expected " + want + " but got " + got});
      }
      for (auto& x : fails) {
        if (x.kind.rfind("note-", 0) == 0) continue;
        ++corpus_failures;
        std::fprintf(stderr, "FAIL[%s] %s\n  %s\n", x.kind.c_str(), f.c_str(), x.detail.c_str());
      }
    }
    if (!quiet)
      std::fprintf(stderr, "echo-fuzz: %zu corpus programs, %lld failures\n", files.size(),
                   static_cast<long long>(corpus_failures));
  }

  Corpus corpus;
  corpus.verbs = load_verbs(db);
  if (!quiet)
    std::fprintf(stderr, "echo-fuzz: seed %llu, %zu builtins, %zu LambdaCore verbs\n",
                 static_cast<unsigned long long>(seed), builtins.size(), corpus.verbs.size());

  auto t0 = std::chrono::steady_clock::now();
  int64_t failures = 0;
  std::map<std::string, int64_t> fail_kinds;
  int64_t first = only >= 0 ? only : start;
  int64_t last = only >= 0 ? only + 1 : (iterations >= 0 ? start + iterations : INT64_MAX);
  for (int64_t it = first; it < last; ++it) {
    if (seconds_budget >= 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > seconds_budget)
      break;
    FuzzProgram p = make_program(seed, it, builtins, corpus, only_mode, exclude, nested_forks);
    ++st.by_mode[mode_name(p.mode)];
    std::string tag = "seed=" + std::to_string(seed) + " iter=" + std::to_string(it) +
                      " mode=" + mode_name(p.mode);
    set_current(p.src, tag);
    if (cfg.verbose) std::fprintf(stderr, "%s\n", tag.c_str());
    std::vector<Failure> fails;
    if (!p.variants.empty()) {
      fails = checker.check_diff(p.variants);
    } else if (p.mode == Mode::World) {
#ifdef ECHO_FUZZ_WORLD
      set_current("/* run as #" + std::to_string(p.progr) + "; #4:gen is:\n" + p.gen_verb + "*/\n" + p.src, tag);
      fails = checker.check_world_program(p.src, p.gen_verb, p.progr);
#endif
    } else {
      fails = checker.check(p.src, p.fallback, p.forks);
    }
    std::string shown = p.src;
    if (p.mode == Mode::World)
      shown = "/* run as #" + std::to_string(p.progr) + "; #4:gen is:\n" + p.gen_verb + "*/\n" + p.src;
    for (auto& f : fails) {
      ++fail_kinds[f.kind];
      if (f.kind.rfind("note-", 0) == 0) continue;  // known and inherent: counted only
      ++failures;
      std::fprintf(stderr, "FAIL[%s] %s%s%s\n  %s\n--- program ---\n%s\n--- end ---\n", f.kind.c_str(),
                   tag.c_str(), p.fallback ? " (expression fallback)" : "",
                   p.forks ? " (forks run)" : "", f.detail.c_str(), shown.substr(0, 6000).c_str());
      save_failure(out_dir,
                   "fail-" + f.kind + "-" + std::to_string(seed) + "-" + std::to_string(it),
                   shown, tag + "\n" + f.detail);
    }
    if (!fails.empty() && stop) break;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!quiet) {
    std::fprintf(stderr, "echo-fuzz: %lld programs (%lld evaluations) in %.1f s;",
                 static_cast<long long>(st.programs), static_cast<long long>(st.evals), secs);
    for (auto& [m, n] : st.by_mode) std::fprintf(stderr, " %s %lld", m.c_str(), static_cast<long long>(n));
    std::fprintf(stderr, "\n  outcomes:");
    for (auto& [m, n] : st.by_outcome) std::fprintf(stderr, " %s %lld", m.c_str(), static_cast<long long>(n));
    std::fprintf(stderr, "\n  failures: %lld;", static_cast<long long>(failures));
    for (auto& [m, n] : fail_kinds) std::fprintf(stderr, " %s %lld", m.c_str(), static_cast<long long>(n));
    std::fprintf(stderr, "\n");
  }
  return failures == 0 && corpus_failures == 0 ? 0 : 1;
}
#endif
