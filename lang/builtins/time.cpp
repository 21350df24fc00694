// Time builtins: time, ctime, ftime (ToastStunt).
#include <ctime>

#include "lang/builtins/helpers.h"

namespace echo::bi {

namespace {

Value bf_time(BuiltinContext&, std::span<Value>) { return integer(int64_t(std::time(nullptr))); }

// ctime([time]): "Mon Aug 13 19:13:20 1990 PDT" -- strftime's
// "%a %b %d %H:%M:%S %Y %Z" in the server's time zone with the day of the
// month space-padded, as LambdaMOO. E_INVARG when the time cannot be
// represented (ToastStunt).
Value bf_ctime(BuiltinContext&, std::span<Value> args) {
  time_t t = args.empty() ? std::time(nullptr) : time_t(args[0].as_int());
  struct tm tm;
  if (!localtime_r(&t, &tm)) raise(E_INVARG);
  char buf[128];
  if (std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S %Y %Z", &tm) == 0) raise(E_INVARG);
  if (buf[8] == '0') buf[8] = ' ';
  return str(buf);
}

// ftime([clock]): seconds as a FLOAT; no argument: wall-clock time; 1: a
// monotonic clock; 2: the raw monotonic clock.
Value bf_ftime(BuiltinContext&, std::span<Value> args) {
  clockid_t clock = CLOCK_REALTIME;
  if (!args.empty()) clock = args[0].as_int() == 2 ? CLOCK_MONOTONIC_RAW : CLOCK_MONOTONIC;
  struct timespec ts;
  clock_gettime(clock, &ts);
  return Value::flt(double(ts.tv_sec) + double(ts.tv_nsec) / 1e9);
}

}  // namespace

}  // namespace echo::bi

namespace echo {

void register_time_builtins(Builtins& b) {
  using namespace bi;
  b.add({"time", 0, 0, {}, bf_time});
  b.add({"ctime", 0, 1, {ArgType::Int}, bf_ctime});
  b.add({"ftime", 0, 1, {ArgType::Int}, bf_ftime});
}

}  // namespace echo
