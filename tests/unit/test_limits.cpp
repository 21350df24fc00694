// Value limits (security issue 14): max_string_concat, max_list_concat,
// max_list_value_bytes, max_map_value_bytes, max_concat_catchable (LambdaMOO
// 1.8.3 execute.c PUSH_ERROR_UNLESS_QUOTA and list.c make_space_pack;
// ToastStunt execute.cc / list.cc), Echo's max_task_value_bytes, and
// value_bytes() as ToastStunt's utils.cc computes it.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>

#include "lang/eval.h"
#include "lang/limits.h"
#include "lang/map.h"

using namespace echo;

namespace {

struct Run {
  std::string result;  // toliteral of the value, "!E_X" for an error, "!seconds" for an abort
  double seconds = 0;
};

Run run(const std::string& code, ValueLimits v = {}) {
  EvalOptions o;
  o.limits.ticks = int64_t(1) << 40;
  o.limits.seconds = 30;  // the limits, not the clock, must stop these
  o.limits.values = v;
  auto t0 = std::chrono::steady_clock::now();
  EvalOutcome r = eval_moo(code, o);
  Run out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  switch (r.kind) {
    case EvalOutcome::Returned: out.result = to_literal(r.value); break;
    case EvalOutcome::Raised: out.result = "!" + to_literal(r.error.code); break;
    case EvalOutcome::CompileFailed: out.result = "?" + r.compile_errors.front().to_string(); break;
    case EvalOutcome::AbortedTicks: out.result = "!ticks"; break;
    case EvalOutcome::AbortedSeconds: out.result = "!seconds"; break;
    case EvalOutcome::Interrupted: out.result = "!interrupted"; break;
  }
  return out;
}

ValueLimits catchable(ValueLimits v = {}) {
  v.catchable = true;
  return v;
}

// Small limits, so that quadratic builders (listappend copies) reach them fast.
ValueLimits small() {
  ValueLimits v;
  v.catchable = true;
  v.max_string = 5000;
  v.max_list_length = 2000;
  v.max_list_bytes = 20000;
  v.max_map_bytes = 20000;
  return v;
}

}  // namespace

TEST_CASE("doubling a string stops at max_string_concat, at once", "[limits]") {
  // 2^24 fits LambdaMOO's default 33554423; 2^25 does not.
  Run r = run("s = \"x\"; try while (1) s = s + s; endwhile except (E_QUOTA) return length(s); endtry",
              catchable());
  CHECK(r.result == "16777216");
  CHECK(r.seconds < 1.0);
  // Without max_concat_catchable the task is aborted, as if out of seconds,
  // and no handler sees it (LambdaMOO's PUSH_ERROR_UNLESS_QUOTA).
  r = run("s = \"x\"; try while (1) s = s + s; endwhile except (E_QUOTA) return \"caught\"; endtry");
  CHECK(r.result == "!seconds");
  CHECK(r.seconds < 1.0);
  // The in-place form, `s = s + t` with s held once, too.
  r = run("s = \"x\"; t = \"yy\"; while (1) s = s + t; t = t + t; endwhile", catchable());
  CHECK(r.result == "!E_QUOTA");
}

TEST_CASE("doubling a list stops at the list limits, at once", "[limits]") {
  // value_bytes({1, ...}) = 32 + 16 n: 2^21 elements fit 64537861, 2^22 do not.
  Run r = run("l = {1}; try while (1) l = {@l, @l}; endwhile except (E_QUOTA) return length(l); endtry",
              catchable());
  CHECK(r.result == "2097152");
  CHECK(r.seconds < 1.0);
  r = run("l = {1}; while (1) l = {@l, @l}; endwhile");
  CHECK(r.result == "!seconds");
  CHECK(r.seconds < 1.0);
  // Nested doubling: tiny lists, shared parts counted once per reference.
  r = run("l = {1}; try while (1) l = {l, l}; endwhile except (E_QUOTA) return value_bytes(l) <= 64537861; endtry",
          catchable());
  CHECK(r.result == "1");
  CHECK(r.seconds < 1.0);
  // max_list_concat (LambdaMOO) counts elements.
  ValueLimits v = catchable();
  v.max_list_length = 1500;
  CHECK(run("l = {}; try while (1) l = {@l, 0}; endwhile except (E_QUOTA) return length(l); endtry", v).result ==
        "1500");
}

TEST_CASE("builtins that grow lists raise E_QUOTA past the limits", "[limits]") {
  ValueLimits v = small();
  // value_bytes of n strings "abcdefgh" is 32 + 25 n: 798 fit 20000.
  CHECK(run("l = {}; try while (1) l = listappend(l, \"abcdefgh\"); endwhile except (E_QUOTA) return length(l); endtry",
            v).result == "798");
  CHECK(run("l = {}; try while (1) l = listinsert(l, \"abcdefgh\"); endwhile except (E_QUOTA) return length(l); endtry",
            v).result == "798");
  CHECK(run("l = {}; i = 0; try while (1) l = setadd(l, i = i + 1); endwhile except (E_QUOTA) return length(l); "
            "endtry",
            v).result == "1248");
  ValueLimits w = v;
  w.max_string = 100000;  // the list, not the string, reaches its limit
  CHECK(run("l = {1}; s = \"x\"; try while (1) l = listset(l, s = s + s, 1); endwhile except (E_QUOTA) return "
            "length(l[1]); endtry",
            w).result == "16384");
  // Uncatchable by default, in builtins too (LambdaMOO's make_space_pack).
  v.catchable = false;
  CHECK(run("l = {}; try while (1) l = listappend(l, 1); endwhile except (ANY) return 0; endtry", v).result ==
        "!seconds");
}

TEST_CASE("indexed and range assignment are checked before anything changes", "[limits]") {
  ValueLimits v = small();
  CHECK(run("l = {}; try for i in [1..100000] l[$ + 1..$] = {i}; endfor except (E_QUOTA) return length(l); endtry",
            v).result == "1248");
  CHECK(run("l = {{}}; try for i in [1..100000] l[1] = {@l[1], i}; endfor except (E_QUOTA) return length(l[1]); "
            "endtry",
            v).result == "1246");
  CHECK(run("s = \"\"; try for i in [1..100000] s[$ + 1..$] = \"abc\"; endfor except (E_QUOTA) return length(s); "
            "endtry",
            v).result == "4998");
  // The value is unchanged after the error.
  CHECK(run("l = {1, 2}; s = \"x\"; while (length(s) < 4000) s = s + s; endwhile l[1] = s; try l[2] = s; except "
            "(E_QUOTA) return {length(l[1]), l[2]}; endtry",
            [] {
              ValueLimits s = small();
              s.max_list_bytes = 6000;
              return s;
            }())
            .result == "{4096, 2}");
}

TEST_CASE("maps grow only to max_map_value_bytes", "[limits]") {
  // 32 + 56 n (integer keys and values): 356 entries fit 20000.
  CHECK(run("m = []; i = 0; try while (1) m[i = i + 1] = i; endwhile except (E_QUOTA) return length(m); endtry",
            small()).result == "356");
  CHECK(run("s = \"x\"; while (length(s) < 4000) s = s + s; endwhile try return [1 -> s, 2 -> s, 3 -> s, 4 -> s, "
            "5 -> s]; except (E_QUOTA) return \"quota\"; endtry",
            small()).result == "\"quota\"");
}

TEST_CASE("string builders stop at max_string_concat", "[limits]") {
  ValueLimits v = small();
  const std::string s = "s = \"\"; for i in [1..1000] s = s + \"a\"; endfor ";
  auto quota = [&](const std::string& expr) {
    return run(s + "try return length(" + expr + "); except (E_QUOTA) return \"quota\"; endtry", v).result;
  };
  CHECK(quota("strsub(s, \"a\", \"bbbbbb\")") == "\"quota\"");
  CHECK(quota("tostr(s, s, s, s, s, s)") == "\"quota\"");
  CHECK(quota("toliteral({s, s, s, s, s, s})") == "\"quota\"");
  CHECK(quota("generate_json({s, s, s, s, s, s})") == "\"quota\"");
  CHECK(quota("explode(strsub(s, \"a\", \"a \"))") == "1000");  // 32 + 18 n bytes
  CHECK(quota("explode(strsub(s + s, \"a\", \"a \"))") == "\"quota\"");
  CHECK(quota("strsub(s, \"a\", \"bbbb\")") == "4000");
}

TEST_CASE("parse_json builds lists and maps within their limits", "[limits]") {
  auto parse = [](int n) {
    return run("j = \"{\"; for i in [1.." + std::to_string(n) +
                   "] j = j + \"\\\"k\" + tostr(i) + \"\\\":1,\"; endfor j = j + \"\\\"z\\\":1}\"; "
                   "try return length(parse_json(j)); except (E_QUOTA) return \"quota\"; endtry",
               small())
        .result;
  };
  CHECK(parse(100) == "101");
  CHECK(parse(400) == "\"quota\"");  // about 62 bytes an entry
  CHECK(run("j = \"[\"; for i in [1..1300] j = j + \"1,\"; endfor try return length(parse_json(j + \"1]\")); "
            "except (E_QUOTA) return \"quota\"; endtry",
            small())
            .result == "\"quota\"");
}

TEST_CASE("a task holding more than max_task_value_bytes is stopped", "[limits]") {
  ValueLimits v = catchable();
  v.max_task_bytes = 8 << 20;
  // Forty distinct megabyte strings, each in its own variable: no one value
  // is near a limit, together they are 40 MB.
  std::string code = "s = \"x\"; while (length(s) < 1000000) s = s + s; endwhile try ";
  for (int i = 1; i <= 40; ++i) code += "x" + std::to_string(i) + " = s + \"" + std::to_string(i) + "\"; ";
  code += "except (E_QUOTA) return \"quota\"; endtry return \"held\";";
  CHECK(run(code, v).result == "\"quota\"");
  v.catchable = false;
  CHECK(run(code, v).result == "!seconds");
  v.max_task_bytes = 0;  // no budget
  CHECK(run(code, v).result == "\"held\"");
  // Allocating much while holding little is fine.
  v.max_task_bytes = 8 << 20;
  CHECK(run("s = \"x\"; while (length(s) < 1000000) s = s + s; endwhile for i in [1..100] t = s + tostr(i); "
            "endfor return length(t);",
            v)
            .result == "1048579");
}

TEST_CASE("value_bytes is ToastStunt's figure, and stays right as values grow in place", "[limits]") {
  auto vb = [](const std::string& expr) { return run("return value_bytes(" + expr + ");").result; };
  // ToastStunt on 64-bit: sizeof(Var) 16; strings + len + 1; lists + 16;
  // maps + 16 (rbtree) + 24 per node.
  CHECK(vb("1") == "16");
  CHECK(vb("\"abc\"") == "20");
  CHECK(vb("1.5") == "24");
  CHECK(vb("{}") == "32");
  CHECK(vb("{1, \"ab\"}") == "67");
  CHECK(vb("[]") == "32");
  CHECK(vb("[1 -> 2]") == "88");
  CHECK(vb("{{}, {1}}") == "112");
  // Remembered sizes follow every kind of change.
  CHECK(run("l = {1}; for i in [1..50] l = {@l, \"abc\"}; endfor l[3] = {1, 2}; l[4..6] = {}; l[2] = [\"a\" -> 1]; "
            "m = l; m[2][\"b\"] = \"xyz\"; return {value_bytes(l), value_bytes(m)};")
            .result == "{1102, 1164}");
  Value l = Value::empty_list();
  for (int i = 0; i < 10; ++i) list_append(l, Value::str("abc"));
  CHECK(value_bytes(l) == 32 + 10 * 20);
  list_append(l, Value::integer(1));  // list_mut forgets the remembered size
  CHECK(value_bytes(l) == 32 + 10 * 20 + 16);
}

TEST_CASE("$server_options values are canonicalised as load_server_options does", "[limits]") {
  auto from = [](std::map<std::string, Value> opts) {
    return value_limits_from_options([&](const char* n) {
      auto it = opts.find(n);
      return it == opts.end() ? Value::none() : it->second;
    });
  };
  ValueLimits d = from({});  // none set: the defaults
  CHECK(d.max_string == 33554423);
  CHECK(d.max_list_length == 4194302);
  CHECK(d.max_list_bytes == 64537861);
  CHECK(d.max_map_bytes == 64537861);
  CHECK(!d.catchable);
  CHECK(d.max_task_bytes == 256 << 20);
  ValueLimits s = from({{"max_string_concat", Value::integer(10)},
                        {"max_list_concat", Value::integer(0)},
                        {"max_list_value_bytes", Value::integer(-5)},
                        {"max_map_value_bytes", Value::integer(5000)},
                        {"max_concat_catchable", Value::integer(1)},
                        {"max_task_value_bytes", Value::str("lots")}});
  CHECK(s.max_string == 1015);                  // raised to the minimum
  CHECK(s.max_list_length == INT32_MAX / 16 - 2);  // 0: the maximum
  CHECK(s.max_list_bytes == INT32_MAX - 1021);
  CHECK(s.max_map_bytes == 5000);
  CHECK(s.catchable);
  CHECK(s.max_task_bytes == 256 << 20);  // not an integer: the default
}

// The seconds limit holds however much an instruction costs. The clock used
// to be read every 65,536 ticks, and 65,536 strsub()s of a megabyte string
// ran a 5-second command for three minutes.
TEST_CASE("the seconds limit stops a loop of slow instructions on time", "[limits]") {
  const char* const loops[] = {
      // a builtin that takes milliseconds
      "s = \"x\"; for i in [1..20] s = s + s; endfor while (1) y = strsub(s, \"x\", \"yy\"); endwhile",
      // an operator that takes milliseconds (`in` over a long list)
      "l = {}; for i in [1..18] l = {@l, @l, i}; endfor while (1) y = -1 in l; endwhile",
      // the same after many quick ticks, which make the slices long
      "for i in [1..300000] endfor s = \"x\"; for i in [1..20] s = s + s; endfor "
      "while (1) y = strsub(s, \"x\", \"yy\"); endwhile",
      "for i in [1..300000] endfor l = {}; for i in [1..18] l = {@l, @l, i}; endfor "
      "while (1) y = -1 in l; endwhile",
  };
  for (const char* code : loops) {
    INFO(code);
    EvalOptions o;
    o.limits.ticks = int64_t(1) << 40;
    o.limits.seconds = 0.5;
    auto t0 = std::chrono::steady_clock::now();
    EvalOutcome r = eval_moo(code, o);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.kind == EvalOutcome::AbortedSeconds);
    // The limit, and one slow instruction over, on a busy (ASan) machine: the
    // clock was read only after the first 64-tick slice, seven strsub()s of a
    // megabyte (2.3-3.2 s under ASan).
    CHECK(took < 2.0);
  }
}
