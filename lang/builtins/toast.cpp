// ToastStunt builtins that toastcore calls early: set_thread_mode(),
// argon2(), argon2_verify(), task_perms(), task_local() and set_task_local(),
// and the process's own: getenv(), usage() and malloc_stats().
//
// ToastStunt runs some builtins (argon2, sort, slice ...) on a thread pool and
// suspends the task meanwhile; set_thread_mode() turns that off for the
// calling verb (the mode is kept per frame, as ToastStunt keeps it per
// activation). Echo does so for argon2(), argon2_verify() and a wizard's
// crypt() of a chosen strength (BuiltinContext::in_background), the builtins
// that can run for seconds; the others are bounded and run inline.
//
// argon2() hashes with Argon2id, 32 bytes of output, and ToastStunt's
// defaults (3 iterations, 4096 KiB, 1 thread); failures come back as the
// value ["error" -> ERR, "message" -> STR], not raised, as ToastStunt's
// threaded callbacks return them. Both are wizard-only.
#include <argon2.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lang/builtins/helpers.h"
#include "lang/map.h"
#include "lang/vm.h"

namespace echo::bi {

namespace {

// set_thread_mode([mode]): no argument returns the current mode (1 or 0);
// with one, sets it for the calling verb and returns 0.
Value bf_set_thread_mode(BuiltinContext& ctx, std::span<Value> args) {
  Frame* f = ctx.task && !ctx.task->frames().empty() ? &ctx.task->frames().back() : nullptr;
  if (args.empty()) return integer(f ? f->threaded : 1);
  if (f) f->threaded = args[0].truthy();
  return integer(0);
}

// task_perms() (ToastStunt): the permissions the task runs with now, the
// verb's programmer unless set_task_perms() changed them. Anyone may ask.
Value bf_task_perms(BuiltinContext& ctx, std::span<Value>) { return Value::obj(ctx.progr); }

// task_local() and set_task_local(value) (ToastStunt, wizards only): a
// value that lives as long as the task, seen by every verb it calls and kept
// across suspend() and read(); [] until set, and in each forked task.
// set_task_local returns 0.
Value bf_task_local(BuiltinContext& ctx, std::span<Value>) {
  if (!ctx.wizard()) raise(E_PERM);
  return ctx.task ? ctx.task->local() : Value::empty_map();
}

Value bf_set_task_local(BuiltinContext& ctx, std::span<Value> args) {
  if (!ctx.wizard()) raise(E_PERM);
  if (ctx.task) ctx.task->set_local(args[0]);
  return integer(0);
}

Value error_map(Error e, std::string_view msg) {
  Value m = Value::empty_map();
  m.map_mut()->set(str("error"), Value::err(e));
  m.map_mut()->set(str("message"), str(msg));
  return m;
}

// A cost argument, bounded above (argon2 itself reports values too small,
// as ToastStunt passes them on): the arguments are MOO code's, and argon2 would
// try to allocate whatever memory it is asked for (a negative number read as
// an unsigned one asks for terabytes) or run for hours.
uint32_t cost_arg(std::span<Value> args, size_t i, uint32_t dflt, int64_t lo, int64_t hi, const char* what) {
  if (args.size() <= i) return dflt;
  int64_t v = args[i].as_int();
  if (v < lo || v > hi)
    throw MooError(E_INVARG, std::string("argon2 ") + what + " must be from " + std::to_string(lo) + " to " +
                                 std::to_string(hi));
  return uint32_t(v);
}

// argon2(password, salt [, iterations, memory KiB, threads]): the encoded hash
// ("$argon2id$v=19$m=...,t=...,p=...$salt$hash").
Value bf_argon2(BuiltinContext& ctx, std::span<Value> args) {
  if (!ctx.wizard()) raise(E_PERM);
  std::string_view pwd = args[0].as_str(), salt = args[1].as_str();
  constexpr uint32_t kOutLen = 32;
  uint32_t t_cost = cost_arg(args, 2, 3, 0, 256, "iterations"),
           m_cost = cost_arg(args, 3, 4096, 0, 1 << 20, "memory (KiB)"),
           threads = cost_arg(args, 4, 1, 0, 16, "threads");
  if (salt.size() > UINT32_MAX) return error_map(E_INVARG, "salt too long");
  // Copies: the work runs on another thread.
  return ctx.in_background([pwd = std::string(pwd), salt = std::string(salt), t_cost, m_cost, threads] {
    std::string encoded(argon2_encodedlen(t_cost, m_cost, threads, uint32_t(salt.size()), kOutLen,
                                          Argon2_id) + 1,
                        '\0');
    int r = argon2_hash(t_cost, m_cost, threads, pwd.data(), pwd.size(), salt.data(), salt.size(),
                        nullptr, kOutLen, encoded.data(), encoded.size(), Argon2_id,
                        ARGON2_VERSION_NUMBER);
    if (r != ARGON2_OK) return error_map(E_INVIND, argon2_error_message(r));
    encoded.resize(encoded.find('\0'));
    return str(encoded);
  });
}

// argon2_verify(hash, password): 1 when password matches the Argon2id hash.
Value bf_argon2_verify(BuiltinContext& ctx, std::span<Value> args) {
  if (!ctx.wizard()) raise(E_PERM);
  return ctx.in_background([encoded = std::string(args[0].as_str()), pwd = std::string(args[1].as_str())] {
    return integer(argon2_verify(encoded.c_str(), pwd.data(), pwd.size(), Argon2_id) == ARGON2_OK);
  });
}

// getenv(name) (ToastStunt's system.cc, wizards only): the server process's
// environment variable, bytes outside printable ASCII as ~XX (a binary
// string), or 0 when it is not set.
Value bf_getenv(BuiltinContext& ctx, std::span<Value> args) {
  if (!ctx.wizard()) raise(E_PERM);
  std::string name(args[0].as_str());
  if (name.find('\0') != std::string::npos) return integer(0);  // no such name can be set
  const char* v = std::getenv(name.c_str());
  return v ? str(raw_to_binary(v)) : integer(0);
}

// usage() (ToastStunt's server.cc, wizards only): {{load averages times
// 65536 (sysinfo)}, user seconds, system seconds, minor faults, major
// faults, blocks in, blocks out, voluntary and involuntary context
// switches, signals}, from getrusage() for the whole process. ToastStunt
// divides the microseconds by CLOCKS_PER_SEC, which is 10^6 on Linux:
// the seconds are the same.
Value bf_usage(BuiltinContext& ctx, std::span<Value>) {
  if (!ctx.wizard()) raise(E_PERM);
  struct sysinfo si {};
  bool have_loads = sysinfo(&si) == 0;
  Value loads = Value::empty_list();
  for (int i = 0; i < 3; ++i) list_append(loads, integer(have_loads ? int64_t(si.loads[i]) : 0));
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return Value::flt(double(t.tv_sec) + double(t.tv_usec) / 1e6); };
  return make_list({loads, secs(u.ru_utime), secs(u.ru_stime), integer(u.ru_minflt), integer(u.ru_majflt),
                    integer(u.ru_inblock), integer(u.ru_oublock), integer(u.ru_nvcsw), integer(u.ru_nivcsw),
                    integer(u.ru_nsignals)});
}

// malloc_stats() (ToastStunt's server.cc, open to all there): jemalloc's
// {allocated, active, resident, metadata, mapped, allocated_large,
// active_large}, in bytes. Echo runs on glibc's malloc, so each is the
// nearest figure mallinfo2() has (summed over every arena):
//   allocated       in chunks handed out (uordblks + hblkhd)
//   active          in the arenas and mmapped chunks, less the free top
//                   chunk glibc could give back (arena + hblkhd - keepcost)
//   resident        the whole process's resident set (/proc/self/statm):
//                   glibc does not know which of its pages are resident
//   metadata        0: glibc keeps its bookkeeping inside the chunks
//   mapped          taken from the system (arena + hblkhd)
//   allocated_large in chunks too big for the arenas, mmapped one by one
//   active_large    the same (such a chunk is whole pages, all in use)
// On another C library all are 0, as jemalloc's are without statistics.
Value bf_malloc_stats(BuiltinContext&, std::span<Value>) {
  int64_t allocated = 0, active = 0, resident = 0, mapped = 0, large = 0;
#if defined(__GLIBC__)
  struct mallinfo2 mi = mallinfo2();
  allocated = int64_t(mi.uordblks + mi.hblkhd);
  active = int64_t(mi.arena + mi.hblkhd - std::min(mi.keepcost, mi.arena));
  mapped = int64_t(mi.arena + mi.hblkhd);
  large = int64_t(mi.hblkhd);
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    long size = 0, pages = 0;
    if (std::fscanf(f, "%ld %ld", &size, &pages) == 2) resident = int64_t(pages) * sysconf(_SC_PAGESIZE);
    std::fclose(f);
  }
#endif
  return make_list({integer(allocated), integer(active), integer(resident), integer(0), integer(mapped),
                    integer(large), integer(large)});
}

}  // namespace

void register_toast_builtins(Builtins& b) {
  using A = ArgType;
  b.add({"set_thread_mode", 0, 1, {A::Int}, bf_set_thread_mode});
  b.add({"argon2", 2, 5, {A::Str, A::Str, A::Int, A::Int, A::Int}, bf_argon2});
  b.add({"argon2_verify", 2, 2, {A::Str, A::Str}, bf_argon2_verify});
  b.add({"task_perms", 0, 0, {}, bf_task_perms});
  b.add({"task_local", 0, 0, {}, bf_task_local});
  b.add({"set_task_local", 1, 1, {A::Any}, bf_set_task_local});
  b.add({"getenv", 1, 1, {A::Str}, bf_getenv});
  b.add({"usage", 0, 0, {}, bf_usage});
  b.add({"malloc_stats", 0, 0, {}, bf_malloc_stats});
  register_toast_string_builtins(b);
  register_noise_builtins(b);
  register_spellcheck_builtins(b);
  register_file_builtins(b);
  register_exec_builtins(b);
  register_sqlite_builtins(b);
  register_curl_builtins(b);
}

}  // namespace echo::bi
