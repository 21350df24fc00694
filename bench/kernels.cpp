// Runs the MOO micro-benchmark kernels of ../shared/bench/kernels.moo on
// Echo's interpreter and prints, per kernel, best and median iterations and
// ticks per second over several runs and the ratio to the faster of the two
// anchors (ToastStunt, LambdaMOO) given in ../shared/bench/ANCHORS.md.
//
//   echo-bench-kernels [--runs N] [--scale F] [--only NAME] [--jit on|off|both] [DIR]
// --scale multiplies every kernel's N (both the loop literal and the count).
// --jit: each kernel with the JIT off, on, or both (the default, when the
// build has it), one row each; with it on, the JIT's counters follow.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "lang/eval.h"
#include "lang/jit/jit.h"

using namespace echo;

namespace {

struct Kernel {
  std::string name;
  long long n = 0;
  std::string code;
};

std::vector<Kernel> read_kernels(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::vector<Kernel> ks;
  std::string line;
  std::regex header(R"(^// kernel: (\S+) N=(\d+))");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, header)) {
      ks.push_back({m[1], std::stoll(m[2]), ""});
      continue;
    }
    if (line.rfind("//", 0) == 0 || ks.empty()) continue;
    ks.back().code += line + "\n";
  }
  return ks;
}

double parse_rate(const std::string& cell) {  // "31.5M / 30.7M" -> 31.5e6
  std::smatch m;
  static const std::regex num(R"(([\d.]+)\s*([MKG]?))");
  if (!std::regex_search(cell, m, num)) return 0;
  double v = std::stod(m[1]);
  std::string s = m[2];
  return v * (s == "G" ? 1e9 : s == "M" ? 1e6 : s == "K" ? 1e3 : 1);
}

// kernel -> faster anchor's iterations per second.
std::map<std::string, std::pair<double, std::string>> read_anchors(const std::string& path) {
  std::map<std::string, std::pair<double, std::string>> a;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| ", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(cell);
    if (cells.size() < 6) continue;
    std::string name = cells[1];
    name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
    double toast = parse_rate(cells[4]), lambda = parse_rate(cells[5]);
    if (toast <= 0 && lambda <= 0) continue;
    a[name] = toast >= lambda ? std::make_pair(toast, std::string("ToastStunt"))
                              : std::make_pair(lambda, std::string("LambdaMOO"));
  }
  return a;
}

std::string human(double v) {
  char buf[32];
  if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.2fG", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  double scale = 1.0;
  std::string only, dir = ECHO_SHARED_BENCH_DIR, jit_arg = jit::built() ? "both" : "off";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--scale" && i + 1 < argc) scale = std::atof(argv[++i]);
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else if (a == "--jit" && i + 1 < argc) jit_arg = argv[++i];
    else dir = a;
  }
  auto kernels = read_kernels(dir + "/kernels.moo");
  auto anchors = read_anchors(dir + "/ANCHORS.md");
  std::vector<jit::Mode> modes;
  if (jit_arg != "on") modes.push_back(jit::Mode::Off);
  if (jit_arg != "off" && jit::built()) modes.push_back(jit::Mode::On);
  std::printf("Echo on %s/kernels.moo, %d runs each (best / median); JIT threshold %u calls or %llu ticks\n\n",
              dir.c_str(), runs, jit::call_threshold(), (unsigned long long)jit::kLoopTicks);
  std::printf("%-20s %4s %10s %8s %20s %20s %10s %s\n", "kernel", "jit", "N", "tick/it", "iter/s", "ticks/s",
              "x anchor", "(faster anchor)");
  for (auto& k : kernels) for (jit::Mode mode : modes) {
    if (!only.empty() && k.name != only) continue;
    jit::set_mode(mode);
    jit::Stats before = jit::stats();
    long long n = std::max(1LL, (long long)(k.n * scale));
    std::string code = k.code;
    if (n != k.n) code = std::regex_replace(code, std::regex(std::to_string(k.n)), std::to_string(n));
    EvalOptions opts;
    opts.limits.ticks = int64_t(1) << 60;
    opts.limits.seconds = 1e9;
    std::vector<double> rates;
    int64_t ticks = 0;
    std::string result;
    for (int r = 0; r < runs; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      EvalOutcome out = eval_moo(code, opts);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (out.kind != EvalOutcome::Returned) {
        std::printf("%-20s failed: %s\n", k.name.c_str(), out.describe().c_str());
        break;
      }
      ticks = out.ticks;
      result = to_literal(out.value);
      rates.push_back(double(n) / secs);
    }
    if (rates.empty()) continue;
    std::sort(rates.begin(), rates.end());
    double best = rates.back(), median = rates[rates.size() / 2];
    double tpi = double(ticks) / double(n);
    char it[64], tk[64], ratio[32] = "-";
    std::snprintf(it, sizeof it, "%s / %s", human(best).c_str(), human(median).c_str());
    std::snprintf(tk, sizeof tk, "%s / %s", human(best * tpi).c_str(), human(median * tpi).c_str());
    std::string who;
    if (auto a = anchors.find(k.name); a != anchors.end()) {
      std::snprintf(ratio, sizeof ratio, "%.2fx", median / a->second.first);
      who = a->second.second + " " + human(a->second.first) + " iter/s";
    }
    std::printf("%-20s %4s %10lld %8.2f %20s %20s %10s %s  => %s\n", k.name.c_str(), jit::mode_name(mode), n,
                tpi, it, tk, ratio, who.c_str(), result.c_str());
    if (mode != jit::Mode::Off) {
      jit::Stats s = jit::stats();
      double native = double(s.native_ticks - before.native_ticks) / double(std::max<int64_t>(1, ticks * runs));
      std::printf("%27s native share of ticks %.1f%%, %llu native runs, compiled %llu (%.2f ms worst)\n", "",
                  100 * native, (unsigned long long)(s.native_runs - before.native_runs),
                  (unsigned long long)(s.compiled - before.compiled), double(s.compile_ns_max) / 1e6);
    }
  }
  std::printf("\nRatio = Echo median iter/s / faster anchor iter/s; the goal is >= 5x on every kernel.\n");
  return 0;
}
