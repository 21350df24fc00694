// LambdaMOO's regular-expression engine; see pattern.h.
//
// Written from the description of LambdaMOO's pattern.c (translation of `%'
// escapes) and regexpr.c (compilation with operator precedence levels, the
// fastmap, and the backtracking matcher with a failure stack). Jumps carry a
// 32-bit displacement (regexpr.c used 16 bits), so a jump instruction is 5
// bytes here instead of 3; everything else keeps the original's shape,
// including its quirks: `^' or `$' out of place and `*' `+' `?' at the start
// of a branch are errors; an empty loop such as `%(a*%)*' exhausts the
// failure stack (E_QUOTA); `%B' matches where `%b' does except at the ends;
// a backward search skips the end of the subject when its fastmap says so.
// Checked against regexpr.c itself on over a million random patterns and
// subjects (same results, groups included).
#include "lang/builtins/pattern.h"

#include <cstring>

namespace echo::moo_regex {

namespace {

enum Op : uint8_t {
  End, Bol, Eol, Set, Exact, AnyChar, StartMem, EndMem, MatchMem, Jump, StarJump,
  FailureJump, UpdateFailureJump, DummyFailureJump, BegBuf, EndBuf, WordBeg, WordEnd,
  WordBound, NotWordBound, SyntaxSpec, NotSyntaxSpec
};

// Syntax of the translated pattern (regexpr.c's R* codes).
enum Syn {
  Rend, Rnormal, Ranychar, Rquote, Rbol, Reol, Roptional, Rstar, Rplus, Ror, Ropenpar,
  Rclosepar, Rmemory, Ropenset, Rbegbuf, Rendbuf, Rwordchar, Rnotwordchar, Rwordbeg,
  Rwordend, Rwordbound, Rnotwordbound, Rnum
};

constexpr int J = 5;            // size of a jump instruction
constexpr int kNumLevels = 5;
constexpr int kMaxNesting = 100;
constexpr int kNumRegs = 100;         // regexpr.h RE_NREGS; match() reports 1..9
constexpr int kSword = 1;
constexpr size_t kMaxFailures = 65536;     // regexpr.c: doubling from 128 while <= 100000
constexpr uint64_t kStepBudget = 20000000;  // bounded work; LambdaMOO relied on the task timeout

inline bool is_word(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
inline int syntax(unsigned char c) { return is_word(c) ? kSword : 0; }
inline unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

int plain_op(unsigned char c) {
  switch (c) {
    case '\\': return Rquote;
    case '*': return Rstar;
    case '+': return Rplus;
    case '?': return Roptional;
    case '[': return Ropenset;
    case '^': return Rbol;
    case '$': return Reol;
    case '.': return Ranychar;
    default: return Rnormal;
  }
}

int quoted_op(unsigned char c) {
  if (c >= '0' && c <= '9') return Rmemory;
  switch (c) {
    case '(': return Ropenpar;
    case ')': return Rclosepar;
    case '|': return Ror;
    case 'w': return Rwordchar;
    case 'W': return Rnotwordchar;
    case '<': return Rwordbeg;
    case '>': return Rwordend;
    case 'b': return Rwordbound;
    case 'B': return Rnotwordbound;
    case '`': return Rbegbuf;
    case '\'': return Rendbuf;
    default: return Rnormal;
  }
}

int precedence(int op) {
  switch (op) {
    case Ror: return 2;
    case Rbol: case Reol: return 3;
    case Rclosepar: return 1;
    case Rend: return 0;
    default: return 4;
  }
}

int32_t get_disp(const std::vector<uint8_t>& c, size_t at) {
  uint32_t u = uint32_t(c[at]) | uint32_t(c[at + 1]) << 8 | uint32_t(c[at + 2]) << 16 |
               uint32_t(c[at + 3]) << 24;
  return int32_t(u);
}
void put_disp(std::vector<uint8_t>& c, size_t at, int32_t d) {
  uint32_t u = uint32_t(d);
  c[at] = u & 0xff; c[at + 1] = (u >> 8) & 0xff; c[at + 2] = (u >> 16) & 0xff; c[at + 3] = u >> 24;
}
// Target of the jump instruction at `at`.
size_t jump_target(const std::vector<uint8_t>& c, size_t at) {
  return size_t(long(at) + J + get_disp(c, at + 1));
}
void set_jump_target(std::vector<uint8_t>& c, size_t at, size_t target) {
  put_disp(c, at + 1, int32_t(long(target) - long(at) - J));
}

// pattern.c's translate_pattern: `%x' escapes become `\x' for the characters
// that are special to regexpr.c, other `%x' become a plain x, a plain `\'
// becomes `\\', and character sets are copied untouched.
bool translate(std::string_view p, std::string* out) {
  static const char kSpecial[] = ".*+?[^$|()123456789bB<>wW";
  size_t i = 0, n = p.size();
  out->clear();
  while (i < n) {
    char c = p[i++];
    switch (c) {
      case '%':
        if (i >= n) return false;
        c = p[i++];
        if (c != '\0' && std::strchr(kSpecial, c)) *out += '\\';
        *out += c;
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '[':
        *out += c;
        if (i >= n) return false;
        c = p[i++];
        if (c == '^') {
          *out += c;
          if (i >= n) return false;
          c = p[i++];
        }
        if (c == ']') {
          *out += c;
          if (i >= n) return false;
          c = p[i++];
        }
        while (c != ']') {
          *out += c;
          if (i >= n) return false;
          c = p[i++];
        }
        *out += c;
        break;
      default:
        *out += c;
    }
  }
  return true;
}

struct Compiler {
  Compiler(const std::string& r, bool f) : re(r), fold(f) {}
  const std::string& re;
  bool fold;
  std::vector<uint8_t> code;
  int starts[kNumLevels * kMaxNesting] = {};
  int starts_base = 0;
  int current_level = 0;
  int future_jumps[kMaxNesting] = {};
  int num_jumps = 0;
  bool uses_registers = false;

  int& level_start() { return starts[starts_base + current_level]; }
  void set_level_start() { level_start() = int(code.size()); }
  void insert_jump(size_t pos, uint8_t op, size_t target) {
    code.insert(code.begin() + long(pos), J, 0);
    code[pos] = op;
    set_jump_target(code, pos, target);
  }

  bool run() {
    size_t pos = 0, size = re.size();
    int next_register = 1, paren_depth = 0, num_open = 0;
    int open_registers[kNumRegs] = {};
    bool beginning_context = true;
    int op = -1;
    set_level_start();
    while (op != Rend) {
      unsigned char ch = 0;
      if (pos >= size) {
        op = Rend;
      } else {
        ch = static_cast<unsigned char>(re[pos++]);
        if (fold) ch = moo_regex::fold(ch);
        op = plain_op(ch);
        if (op == Rquote) {
          if (pos >= size) return false;  // ends prematurely
          ch = static_cast<unsigned char>(re[pos++]);
          op = quoted_op(ch);
        }
      }
      int level = precedence(op);
      if (level > current_level) {
        for (current_level++; current_level < level; current_level++) set_level_start();
        set_level_start();
      } else if (level < current_level) {
        current_level = level;
        for (; num_jumps > 0 && future_jumps[num_jumps - 1] >= level_start(); num_jumps--)
          set_jump_target(code, size_t(future_jumps[num_jumps - 1]), code.size());
      }
      switch (op) {
        case Rend:
          break;
        case Rnormal:
          set_level_start();
          code.push_back(Exact);
          code.push_back(ch);
          break;
        case Ranychar:
          set_level_start();
          code.push_back(AnyChar);
          break;
        case Rbol:
          if (!beginning_context) return false;  // badly placed special character
          set_level_start();
          code.push_back(Bol);
          break;
        case Reol: {
          bool at_end = pos >= size ||
                        (pos + 1 < size && re[pos] == '\\' && (re[pos + 1] == '|' || re[pos + 1] == ')'));
          if (!at_end) return false;
          set_level_start();
          code.push_back(Eol);
          break;
        }
        case Roptional:
          if (beginning_context) return false;
          if (level_start() == int(code.size())) break;  // ? of nothing is ignored
          insert_jump(size_t(level_start()), FailureJump, code.size() + J);
          break;
        case Rstar:
        case Rplus: {
          if (beginning_context) return false;
          if (level_start() == int(code.size())) break;
          size_t ls = size_t(level_start());
          insert_jump(ls, FailureJump, code.size() + 2 * J);
          insert_jump(code.size(), StarJump, ls);
          if (op == Rplus) insert_jump(ls, DummyFailureJump, ls + 2 * J);
          break;
        }
        case Ror:
          insert_jump(size_t(level_start()), FailureJump, code.size() + 2 * J);
          if (num_jumps >= kMaxNesting) return false;  // too complex
          future_jumps[num_jumps++] = int(code.size());
          code.push_back(Jump);
          code.insert(code.end(), J - 1, 0);
          set_level_start();
          break;
        case Ropenpar:
          set_level_start();
          if (next_register < kNumRegs) {
            uses_registers = true;
            code.push_back(StartMem);
            code.push_back(uint8_t(next_register));
            open_registers[num_open++] = next_register++;
          }
          paren_depth++;
          if (starts_base >= (kMaxNesting - 1) * kNumLevels) return false;
          starts_base += kNumLevels;
          current_level = 0;
          set_level_start();
          break;
        case Rclosepar:
          if (paren_depth <= 0) return false;
          starts_base -= kNumLevels;
          current_level = precedence(Ropenpar);
          paren_depth--;
          if (paren_depth < num_open) {
            uses_registers = true;
            code.push_back(EndMem);
            code.push_back(uint8_t(open_registers[--num_open]));
          }
          break;
        case Rmemory:
          if (ch == '0') return false;  // bad match register
          uses_registers = true;
          set_level_start();
          code.push_back(MatchMem);
          code.push_back(uint8_t(ch - '0'));
          break;
        case Ropenset: {
          set_level_start();
          code.push_back(Set);
          size_t offset = code.size();
          code.insert(code.end(), 32, 0);
          auto next = [&](unsigned char* c) {
            if (pos >= size) return false;
            *c = static_cast<unsigned char>(re[pos++]);
            if (fold) *c = moo_regex::fold(*c);
            return true;
          };
          auto setbit = [&](int b) { code[offset + size_t(b) / 8] |= uint8_t(1 << (b & 7)); };
          if (!next(&ch)) return false;
          bool complement = false;
          if (ch == '^') {
            complement = true;
            if (!next(&ch)) return false;
          }
          int prev = -1;
          bool range = false, firstchar = true;
          while (ch != ']' || firstchar) {
            firstchar = false;
            if (range) {
              for (int a = prev; a <= int(ch); a++) setbit(a);
              prev = -1;
              range = false;
            } else if (prev != -1 && ch == '-') {
              range = true;
            } else {
              setbit(ch);
              prev = ch;
            }
            if (!next(&ch)) return false;
          }
          if (range) setbit('-');
          if (complement)
            for (int a = 0; a < 32; a++) code[offset + size_t(a)] ^= 0xff;
          break;
        }
        case Rbegbuf: set_level_start(); code.push_back(BegBuf); break;
        case Rendbuf: set_level_start(); code.push_back(EndBuf); break;
        case Rwordchar:
          set_level_start(); code.push_back(SyntaxSpec); code.push_back(kSword); break;
        case Rnotwordchar:
          set_level_start(); code.push_back(NotSyntaxSpec); code.push_back(kSword); break;
        case Rwordbeg: set_level_start(); code.push_back(WordBeg); break;
        case Rwordend: set_level_start(); code.push_back(WordEnd); break;
        case Rwordbound: set_level_start(); code.push_back(WordBound); break;
        case Rnotwordbound: set_level_start(); code.push_back(NotWordBound); break;
        default:
          return false;
      }
      beginning_context = (op == Ropenpar || op == Ror);
    }
    if (starts_base != 0) return false;  // unclosed parenthesis
    code.push_back(End);
    return true;
  }
};

// regexpr.c's re_compile_fastmap_aux, visited-set quirks included.
void fastmap_aux(const std::vector<uint8_t>& code, size_t pos, std::vector<char>& visited,
                 int* can_be_null, uint8_t* map) {
  if (visited[pos]) return;
  visited[pos] = 1;
  for (;;) {
    switch (code[pos++]) {
      case End:
        *can_be_null = 1;
        return;
      case Bol: case BegBuf: case EndBuf: case WordBeg: case WordEnd: case WordBound:
      case NotWordBound:
        break;
      case SyntaxSpec: {
        int sc = code[pos++];
        for (int a = 0; a < 256; a++) if (syntax(uint8_t(a)) == sc) map[a] = 1;
        return;
      }
      case NotSyntaxSpec: {
        int sc = code[pos++];
        for (int a = 0; a < 256; a++) if (syntax(uint8_t(a)) != sc) map[a] = 1;
        return;
      }
      case Eol:
        map[uint8_t('\n')] = 1;
        if (*can_be_null == 0) *can_be_null = 2;
        return;
      case Set:
        for (int a = 0; a < 256; a++)
          if (code[pos + size_t(a) / 8] & (1 << (a & 7))) map[a] = 1;
        return;
      case Exact:
        map[code[pos]] = 1;
        return;
      case AnyChar:
        for (int a = 0; a < 256; a++) if (a != '\n') map[a] = 1;
        return;
      case StartMem: case EndMem:
        pos++;
        break;
      case MatchMem:
        *can_be_null = 1;
        return;
      case Jump: case DummyFailureJump: case UpdateFailureJump: case StarJump:
        pos = jump_target(code, pos - 1);
        if (visited[pos]) return;
        visited[pos] = 1;
        break;
      case FailureJump: {
        size_t target = jump_target(code, pos - 1);
        pos += J - 1;
        fastmap_aux(code, target, visited, can_be_null, map);
        break;
      }
      default:
        return;
    }
  }
}

void compute_fastmap(const std::vector<uint8_t>& code, size_t pos, int* can_be_null, uint8_t* map) {
  std::vector<char> visited(code.size() + 1, 0);
  *can_be_null = 0;
  std::memset(map, 0, 256);
  fastmap_aux(code, pos, visited, can_be_null, map);
}

// The star_jump decision regexpr.c makes when it first executes a star_jump:
// when the loop body cannot start with a character that may follow the loop
// and contains no jumps, backtracking into earlier iterations is pointless,
// so the loop keeps a single failure point (update_failure_jump); otherwise
// the star_jump becomes a plain jump. Decided here once, in code order.
void resolve_star_jumps(std::vector<uint8_t>& code) {
  size_t pc = 0;
  while (pc < code.size()) {
    uint8_t op = code[pc];
    size_t len = 1;
    switch (op) {
      case Set: len = 33; break;
      case Exact: case StartMem: case EndMem: case MatchMem: case SyntaxSpec: case NotSyntaxSpec:
        len = 2; break;
      case Jump: case FailureJump: case UpdateFailureJump: case DummyFailureJump: len = J; break;
      case StarJump: {
        len = J;
        size_t fj = jump_target(code, pc);
        size_t p1 = fj + J, p2 = pc + J;
        uint8_t map[256];
        int cbn = 0;
        compute_fastmap(code, p2, &cbn, map);
        bool normal = false;
        for (;;) {  // skip zero-width ops to the first consuming one
          uint8_t o = code[p1++];
          if (o == Bol || o == Eol || o == BegBuf || o == EndBuf || o == WordBeg ||
              o == WordEnd || o == WordBound || o == NotWordBound)
            continue;
          if (o == StartMem || o == EndMem) { p1++; continue; }
          if (o == Exact) {
            if (map[code[p1++]]) normal = true;
          } else if (o == AnyChar) {
            for (int b = 0; b < 256 && !normal; b++) if (b != '\n' && map[b]) normal = true;
          } else if (o == Set) {
            for (int b = 0; b < 256 && !normal; b++)
              if ((code[p1 + size_t(b) / 8] & (1 << (b & 7))) && map[b]) normal = true;
            p1 += 32;
          } else {
            normal = true;
          }
          break;
        }
        while (!normal && p1 < pc) {
          switch (code[p1++]) {
            case Set: p1 += 32; break;
            case Exact: case StartMem: case EndMem: case MatchMem: case SyntaxSpec:
            case NotSyntaxSpec:
              p1++; break;
            case Jump: case StarJump: case FailureJump: case UpdateFailureJump:
            case DummyFailureJump:
              normal = true; break;
            default: break;
          }
        }
        if (normal) {
          code[pc] = Jump;
        } else {
          code[pc] = UpdateFailureJump;
          set_jump_target(code, pc, fj + J);
        }
        break;
      }
      default: break;
    }
    pc += len;
  }
}

struct Failure {
  int text;  // -1: a dummy failure point (regexpr.c's NULL text)
  int pc;
};

// re_match_2 for a single string. Returns the match length, -1 or -2.
int match_at(const Program& p, std::string_view s, int pos, int rs[10], int re_[10],
             std::vector<Failure>& stack, uint64_t* steps) {
  const std::vector<uint8_t>& code = p.code;
  const int n = int(s.size());
  auto tr = [&](int i) -> uint8_t {
    uint8_t c = static_cast<uint8_t>(s[size_t(i)]);
    return p.fold ? fold(c) : c;
  };
  int regstart[kNumRegs] = {}, regend[kNumRegs] = {}, regmaybe[kNumRegs] = {};
  bool regset[kNumRegs] = {};
  stack.clear();
  int text = pos;
  size_t pc = 0;
  for (;;) {
    if (++*steps > kStepBudget) return -2;
    bool ok = true;
    uint8_t op = code[pc++];
    switch (op) {
      case End:
        rs[0] = pos;
        re_[0] = text;
        for (int a = 1; a < 10; a++) {  // the caller wants registers 0..9
          if (!p.uses_registers || !regset[a]) {
            rs[a] = re_[a] = -1;
          } else {
            rs[a] = regstart[a];
            re_[a] = regend[a];
          }
        }
        return text - pos;
      case Bol: ok = text == 0 || s[size_t(text) - 1] == '\n'; break;
      case Eol: ok = text == n || s[size_t(text)] == '\n'; break;
      case Set:
        if (text == n) { ok = false; break; }
        {
          uint8_t c = tr(text++);
          ok = code[pc + c / 8] & (1 << (c & 7));
          pc += 32;
        }
        break;
      case Exact:
        ok = text < n && tr(text++) == code[pc++];
        break;
      case AnyChar:
        ok = text < n && tr(text++) != '\n';
        break;
      case StartMem: regmaybe[code[pc++]] = text; break;
      case EndMem: {
        int r = code[pc++];
        regstart[r] = regmaybe[r];
        regend[r] = text;
        regset[r] = true;
        break;
      }
      case MatchMem: {
        int r = code[pc++];
        if (!regset[r]) { ok = false; break; }
        for (int i = regstart[r]; i < regend[r] && ok; i++) {
          if (text >= n) ok = false;
          else ok = tr(text++) == tr(i);
        }
        break;
      }
      case UpdateFailureJump:
        if (!stack.empty()) stack.back().text = text;
        pc = jump_target(code, pc - 1);
        break;
      case Jump:
      case StarJump:
        pc = jump_target(code, pc - 1);
        break;
      case FailureJump:
      case DummyFailureJump: {
        if (stack.size() >= kMaxFailures) return -2;
        size_t at = pc - 1;
        size_t target = jump_target(code, at);
        if (op == DummyFailureJump) {
          size_t fj = at + J;  // the failure_jump of the plus loop
          stack.push_back({-1, int(jump_target(code, fj))});
          pc = target;
        } else {
          stack.push_back({text, int(target)});
          pc = at + J;
        }
        break;
      }
      case BegBuf: ok = text == 0; break;
      case EndBuf: ok = text == n; break;
      case WordBeg:
        if (text == n || !is_word(uint8_t(s[size_t(text)]))) ok = false;
        else ok = text == 0 || !is_word(uint8_t(s[size_t(text) - 1]));
        break;
      case WordEnd:
        if (text == 0 || !is_word(uint8_t(s[size_t(text) - 1]))) ok = false;
        else ok = text == n || !is_word(uint8_t(s[size_t(text)]));
        break;
      case WordBound:
        ok = text == 0 || text == n ||
             is_word(uint8_t(s[size_t(text) - 1])) != is_word(uint8_t(s[size_t(text)]));
        break;
      case NotWordBound:
        // Sic: regexpr.c tests the same condition as for WordBound (only the
        // ends of the subject differ), so LambdaMOO's %B matches where the
        // word-ness of the neighbours differs, never at either end.
        ok = !(text == 0 || text == n) &&
             is_word(uint8_t(s[size_t(text) - 1])) != is_word(uint8_t(s[size_t(text)]));
        break;
      case SyntaxSpec:
        ok = text < n && syntax(tr(text++)) == code[pc];
        pc++;
        break;
      case NotSyntaxSpec:
        ok = text < n && syntax(tr(text++)) != code[pc];
        pc++;
        break;
      default:
        return -2;
    }
    if (ok) continue;
    // fail: pop to the most recent real failure point
    for (;;) {
      if (stack.empty()) return -1;
      Failure f = stack.back();
      stack.pop_back();
      if (f.text < 0) continue;
      text = f.text;
      pc = size_t(f.pc);
      break;
    }
  }
}

}  // namespace

bool compile(std::string_view moo_pattern, bool case_matters, Program* out) {
  std::string re;
  if (!translate(moo_pattern, &re)) return false;
  Compiler c(re, !case_matters);
  if (!c.run()) return false;
  out->code = std::move(c.code);
  out->fold = !case_matters;
  out->uses_registers = c.uses_registers;
  compute_fastmap(out->code, 0, &out->can_be_null, out->fastmap);
  out->anchor = out->code[0] == Bol ? 1 : (out->code[0] == BegBuf ? 2 : 0);
  resolve_star_jumps(out->code);
  return true;
}

// re_search_2 for a single string, searching from 0 forwards or from the
// end backwards. Like regexpr.c, a backward search looks at the byte "at"
// the end of the subject (its terminating NUL) when skipping with the fastmap.
Result search(const Program& p, std::string_view s, bool reverse, int start[10], int end[10]) {
  const int n = int(s.size());
  int pos = reverse ? n : 0;
  int range = n;
  int dir = reverse && n > 0 ? -1 : 1;  // regexpr.c: a range of -0 searches forwards
  const uint8_t* fastmap = p.can_be_null == 1 ? nullptr : p.fastmap;
  auto tr = [&](int i) -> uint8_t {
    uint8_t c = i < n ? static_cast<uint8_t>(s[size_t(i)]) : 0;
    return p.fold ? fold(c) : c;
  };
  if (p.anchor == 2) {
    if (pos != 0) return Result::Failed;
    range = 0;
  }
  std::vector<Failure> stack;
  uint64_t steps = 0;
  for (; range >= 0; range--, pos += dir) {
    if (fastmap) {
      if (dir == 1) {
        int t = pos, stop = pos + range;
        while (t != stop && !fastmap[tr(t)]) t++;
        range -= t - pos;
        pos = t;
        if (pos == n && p.can_be_null == 0) return Result::Failed;
      } else {
        int t = pos, stop = pos - range;
        while (t != stop && !fastmap[tr(t)]) t--;
        range -= pos - t;
        pos = t;
      }
    }
    if (p.anchor == 1 && pos > 0 && s[size_t(pos) - 1] != '\n') continue;
    if (++steps > kStepBudget) return Result::Aborted;
    int r = match_at(p, s, pos, start, end, stack, &steps);
    if (r >= 0) return Result::Matched;
    if (r == -2) return Result::Aborted;
  }
  return Result::Failed;
}

}  // namespace echo::moo_regex
