// LambdaMOO's regular expressions (match(), rmatch()).
//
// LambdaMOO translates a MOO pattern (`%' escapes) into the syntax of Tatu
// Ylonen's regexpr.c (`\' escapes, RE_CONTEXT_INDEP_OPS) and runs that
// library's backtracking matcher. This is a reimplementation of the same
// algorithm: the same compiled program shape (failure jumps, star jumps, the
// update-failure-jump optimisation), the same register rules (registers are
// not restored on backtracking), the same search loop with its fastmap, so
// that results agree with LambdaMOO's, quirks included.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace echo::moo_regex {

struct Program {
  std::vector<uint8_t> code;
  bool fold = false;            // case-insensitive: both pattern and subject folded
  bool uses_registers = false;
  uint8_t fastmap[256] = {};
  int can_be_null = 0;          // 0: no; 1: yes; 2: only at the end of the subject
  int anchor = 0;               // 1: starts with ^; 2: starts with \`
};

// Compiles a MOO pattern; false when LambdaMOO would fail (match() then
// raises E_INVARG).
bool compile(std::string_view moo_pattern, bool case_matters, Program* out);

enum class Result { Matched, Failed, Aborted };

// Searches `subject` forwards (match) or backwards (rmatch). On success
// start[i]/end[i] are 0-based half-open offsets, -1/-1 for an unset group
// (index 0 is the whole match). Aborted when the failure stack or the work
// budget is exhausted (match() then raises E_QUOTA).
Result search(const Program& p, std::string_view subject, bool reverse, int start[10],
              int end[10]);

}  // namespace echo::moo_regex
