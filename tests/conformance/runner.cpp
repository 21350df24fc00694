// Runs every tests/conformance/*.cases file (format in README.md there):
// each case's program is evaluated in a fresh task with wizard permissions
// and no world, and its outcome compared with the expectation line.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "lang/compiler.h"
#include "lang/eval.h"

namespace fs = std::filesystem;
using namespace echo;

namespace {

struct Case {
  std::string file;
  int line = 0;
  std::string name;
  std::string code;
  std::string expect;  // "=> ...", "!! E_X" or "?? compile error"
};

std::string rstrip(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

std::vector<Case> read_cases(const fs::path& path) {
  std::vector<Case> cases;
  std::ifstream in(path);
  std::string line;
  int n = 0;
  Case* cur = nullptr;
  std::vector<std::string> body;
  auto finish = [&]() {
    if (!cur) return;
    while (!body.empty() && rstrip(body.back()).empty()) body.pop_back();
    if (!body.empty()) {
      cur->expect = rstrip(body.back());
      body.pop_back();
    }
    for (auto& b : body) cur->code += b + "\n";
    body.clear();
    cur = nullptr;
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("--- case:", 0) == 0) {
      finish();
      cases.push_back(Case{path.filename().string(), n, rstrip(line.substr(9)), "", ""});
      cur = &cases.back();
      continue;
    }
    if (!cur) continue;  // comments between cases
    if (line.rfind("#", 0) == 0 && body.empty()) continue;
    body.push_back(line);
  }
  finish();
  return cases;
}

// Returns an empty string when the case passes, else what happened.
std::string run_case(const Case& c, Syntax syntax) {
  EvalOptions opts;
  opts.syntax = syntax;
  opts.limits.ticks = 3000000;
  opts.limits.seconds = 10;
  EvalOutcome r = eval_moo(c.code, opts);
  std::string got;
  switch (r.kind) {
    case EvalOutcome::Returned: got = "=> " + to_literal(r.value); break;
    case EvalOutcome::Raised:
      got = "!! " + (r.error.code.is_err() ? std::string(error_name(r.error.code.as_err()))
                                           : to_literal(r.error.code));
      break;
    case EvalOutcome::CompileFailed: got = "?? compile error"; break;
    case EvalOutcome::AbortedTicks: got = "!! out of ticks"; break;
    case EvalOutcome::AbortedSeconds: got = "!! out of seconds"; break;
    case EvalOutcome::Interrupted: got = "!! interrupted"; break;
  }
  if (got == c.expect) return "";
  std::string detail = got;
  if (r.kind == EvalOutcome::CompileFailed || r.kind == EvalOutcome::Raised) detail += "  [" + r.describe() + "]";
  return detail;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = argc > 1 ? argv[1] : "tests/conformance";
  // `--syntax echo`: the cases are Echo programs (tests/conformance/echo).
  Syntax syntax = Syntax::Moo;
  if (argc > 3 && std::string(argv[2]) == "--syntax" && !syntax_from_name(argv[3], &syntax)) {
    std::cerr << "--syntax takes echo or moo\n";
    return 2;
  }
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".cases") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "no .cases files in " << dir << "\n";
    return 1;
  }
  int passed = 0, failed = 0;
  for (auto& f : files) {
    int fp = 0, ff = 0;
    for (auto& c : read_cases(f)) {
      std::string why = run_case(c, syntax);
      if (why.empty()) {
        ++fp;
      } else {
        ++ff;
        std::cout << "FAIL " << c.file << ":" << c.line << " " << c.name << "\n  expected: " << c.expect
                  << "\n  got:      " << why << "\n";
      }
    }
    std::cout << f.filename().string() << ": " << fp << " passed, " << ff << " failed\n";
    passed += fp;
    failed += ff;
  }
  std::cout << "conformance: " << passed << " passed, " << failed << " failed\n";
  return failed == 0 && passed > 0 ? 0 : 1;
}
