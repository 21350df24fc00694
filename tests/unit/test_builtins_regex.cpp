// match(), rmatch(), substitute(): LambdaMOO's pattern language.
#include "test_builtins_util.h"

using namespace bt;
using echo::E_ARGS;
using echo::E_INVARG;
using echo::E_NONE;
using echo::E_TYPE;

namespace {

std::string m(const char* subject, const char* pattern, bool case_matters = false) {
  if (case_matters) return lit("match", {S(subject), S(pattern), I(1)});
  return lit("match", {S(subject), S(pattern)});
}
std::string rm(const char* subject, const char* pattern) {
  return lit("rmatch", {S(subject), S(pattern)});
}
// The expected literal of a successful match with no groups used.
std::string hit(int s, int e, const char* subject) {
  return "{" + std::to_string(s) + ", " + std::to_string(e) + ", " + no_groups() + ", " +
         echo::to_literal(S(subject)) + "}";
}
// ... with explicit group pairs (the first few; the rest unused).
std::string hitg(int s, int e, std::vector<std::pair<int, int>> groups, const char* subject) {
  std::string g = "{";
  for (int i = 0; i < 9; ++i) {
    if (i) g += ", ";
    auto p = i < int(groups.size()) ? groups[size_t(i)] : std::pair<int, int>{0, -1};
    g += "{" + std::to_string(p.first) + ", " + std::to_string(p.second) + "}";
  }
  g += "}";
  return "{" + std::to_string(s) + ", " + std::to_string(e) + ", " + g + ", " +
         echo::to_literal(S(subject)) + "}";
}

}  // namespace

TEST_CASE("match: the Programmer's Manual examples", "[builtins][regex]") {
  CHECK(m("foo", "^f*o$") == "{}");
  CHECK(m("foo", "^fo*$") == hit(1, 3, "foo"));
  CHECK(m("foobar", "o*b") == hit(2, 4, "foobar"));
  CHECK(rm("foobar", "o*b") == hit(4, 4, "foobar"));
  CHECK(m("foobar", "f%(o*%)b") == hitg(1, 4, {{2, 3}}, "foobar"));
  CHECK(m("foo", "o*") == hit(1, 0, "foo"));  // o* matches the empty string at 1
  CHECK(rm("foo", "o*") == hit(4, 3, "foo"));
}

TEST_CASE("match: literals, case and anchors", "[builtins][regex]") {
  CHECK(m("Hello", "h") == hit(1, 1, "Hello"));
  CHECK(m("Hello", "h", true) == "{}");
  CHECK(m("Hello", "H", true) == hit(1, 1, "Hello"));
  CHECK(m("HELLO", "l+o") == hit(3, 5, "HELLO"));
  CHECK(m("abc", "") == hit(1, 0, "abc"));
  CHECK(m("", "") == hit(1, 0, ""));
  CHECK(m("", "a") == "{}");
  CHECK(m("abc", "$") == hit(4, 3, "abc"));
  CHECK(m("abc", "^") == hit(1, 0, "abc"));
  CHECK(m("abc", "c$") == hit(3, 3, "abc"));
  CHECK(m("abc", "^b") == "{}");
  CHECK(m("a.c", "a%.c") == hit(1, 3, "a.c"));
  CHECK(m("abc", "a%.c") == "{}");
  CHECK(m("abc", "a.c") == hit(1, 3, "abc"));
  CHECK(m("a+b", "a%+b") == hit(1, 3, "a+b"));
  CHECK(m("a*b", "a%*b") == hit(1, 3, "a*b"));
  CHECK(m("a?b", "a%?b") == hit(1, 3, "a?b"));
  CHECK(m("a$b", "a%$b") == hit(1, 3, "a$b"));
  CHECK(m("a^b", "a%^b") == hit(1, 3, "a^b"));
  CHECK(m("a[b", "a%[b") == hit(1, 3, "a[b"));
  CHECK(m("50%", "0%%") == hit(2, 3, "50%"));
  CHECK(m("a%b", "a%%b") == hit(1, 3, "a%b"));
  CHECK(m("x(y)", "(y)") == hit(2, 4, "x(y)"));  // plain parentheses are literal
  CHECK(m("a|b", "a|b") == hit(1, 3, "a|b"));    // and so is a plain bar
  CHECK(m("a\\b", "a\\b") == hit(1, 3, "a\\b"));  // a backslash is literal
  CHECK(m("a0", "%0") == hit(2, 2, "a0"));        // %0 is a literal 0 in a pattern
  CHECK(m("a-z", "%-") == hit(2, 2, "a-z"));      // other %x are plain x
}

TEST_CASE("match: repetition and backtracking", "[builtins][regex]") {
  CHECK(m("aaa", "a+") == hit(1, 3, "aaa"));
  CHECK(m("aaa", "a?a") == hit(1, 2, "aaa"));
  CHECK(m("aaab", "a*ab") == hit(1, 4, "aaab"));
  CHECK(m("foo bar", ".*") == hit(1, 7, "foo bar"));
  CHECK(m("xaaay", "a*y") == hit(2, 5, "xaaay"));
  CHECK(m("abcd", "b*c") == hit(2, 3, "abcd"));
  CHECK(m("ac", "ab?c") == hit(1, 2, "ac"));
  CHECK(m("abbbc", "ab+c") == hit(1, 5, "abbbc"));
  CHECK(m("ac", "ab+c") == "{}");
  // An empty loop ((a*)*) overflows regexpr.c's failure stack: E_QUOTA.
  CHECK(err("match", {S("a"), S("a**")}) == echo::E_QUOTA);
  CHECK(err("match", {S("b"), S("%(a*%)*")}) == echo::E_QUOTA);
  CHECK(m("foo", "^*") == hit(1, 0, "foo"));  // * after ^ applies to nothing
}

TEST_CASE("match: alternation and groups", "[builtins][regex]") {
  CHECK(m("foobar", "bar%|foo") == hit(1, 3, "foobar"));
  CHECK(m("xbar", "foo%|bar") == hit(2, 4, "xbar"));
  CHECK(m("cat", "c%(a%|o%)t") == hitg(1, 3, {{2, 2}}, "cat"));
  CHECK(m("cot", "c%(a%|o%)t") == hitg(1, 3, {{2, 2}}, "cot"));
  CHECK(m("cut", "c%(a%|o%)t") == "{}");
  CHECK(m("abab", "%(ab%)*") == hitg(1, 4, {{3, 4}}, "abab"));
  CHECK(m("abcabc", "%(abc%)%1") == hitg(1, 6, {{1, 3}}, "abcabc"));
  CHECK(m("abcabd", "%(abc%)%1") == "{}");
  CHECK(m("ABCabc", "%(abc%)%1") == hitg(1, 6, {{1, 3}}, "ABCabc"));  // case-folded back reference
  CHECK(m("ABCabc", "%(abc%)%1", true) == "{}");
  CHECK(m("hello world", "%(%w+%) %(%w+%)") == hitg(1, 11, {{1, 5}, {7, 11}}, "hello world"));
  CHECK(m("ab", "%(a%)%(x%)*b") == hitg(1, 2, {{1, 1}}, "ab"));
  CHECK(m("x", "%(%)") == hitg(1, 0, {{1, 0}}, "x"));
  // Ten groups: only the first nine are recorded.
  CHECK(m("abcdefghij", "%(a%)%(b%)%(c%)%(d%)%(e%)%(f%)%(g%)%(h%)%(i%)%(j%)") ==
        hitg(1, 10, {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}, {8, 8}, {9, 9}},
             "abcdefghij"));
  CHECK(m("x", "%(a%|%)x") == hitg(1, 1, {{1, 0}}, "x"));
  CHECK(m("ab", "%(a%|ab%)$") == hitg(1, 2, {{1, 2}}, "ab"));
}

TEST_CASE("match: character sets", "[builtins][regex]") {
  CHECK(m("abc", "[^a]") == hit(2, 2, "abc"));
  CHECK(m("a]b", "[]]") == hit(2, 2, "a]b"));
  CHECK(m("a]b", "[^]a]") == hit(3, 3, "a]b"));
  CHECK(m("x-y", "[a-]") == hit(2, 2, "x-y"));
  CHECK(m("b", "[a-c]") == hit(1, 1, "b"));
  CHECK(m("B", "[a-c]") == hit(1, 1, "B"));
  CHECK(m("B", "[a-c]", true) == "{}");
  CHECK(m("b", "[A-C]") == hit(1, 1, "b"));
  CHECK(m("x%y", "[%]") == hit(2, 2, "x%y"));  // % is literal in a set
  CHECK(m("x.y", "[.]") == hit(2, 2, "x.y"));
  CHECK(m("d", "[a-cx-z]") == "{}");
  CHECK(m("y", "[a-cx-z]") == hit(1, 1, "y"));
  CHECK(m("hello123", "[0-9]+") == hit(6, 8, "hello123"));
}

TEST_CASE("match: word operators", "[builtins][regex]") {
  CHECK(m("hello world", "%<w") == hit(7, 7, "hello world"));
  CHECK(m("hello world", "o%>") == hit(5, 5, "hello world"));
  CHECK(m("hello world", "%bw") == hit(7, 7, "hello world"));
  // Sic: regexpr.c's not-word-boundary test repeats the word-boundary one,
  // so LambdaMOO's %B matches at inner word boundaries, and nowhere else.
  CHECK(m("hello world", "l%Bl") == "{}");
  CHECK(m("hello world", "o%B ") == hit(5, 6, "hello world"));
  CHECK(m("a b", "%w%W%w") == hit(1, 3, "a b"));
  CHECK(m("abc", "%b") == hit(1, 0, "abc"));
  CHECK(m("abc", "%B") == "{}");
  CHECK(m("ab cd", "%B") == hit(3, 2, "ab cd"));
  CHECK(m("foo_bar", "%w+") == hit(1, 3, "foo_bar"));  // '_' is not a word character
  CHECK(m("  x", "%W*") == hit(1, 2, "  x"));
  // regexpr.c keeps a single failure point for a* here (update_failure_jump),
  // so the empty match at 1 is never reconsidered: LambdaMOO finds {4, 3}.
  CHECK(m("aab", "a*%b") == hit(4, 3, "aab"));
}

TEST_CASE("match: newlines", "[builtins][regex]") {
  CHECK(lit("match", {S("a\nb"), S("a.b")}) == "{}");
  CHECK(echo::to_literal(call("match", {S("a\nb"), S("^b")})).substr(0, 6) == "{3, 3,");
  CHECK(echo::to_literal(call("match", {S("a\nb"), S("a$")})).substr(0, 6) == "{1, 1,");
}

TEST_CASE("rmatch: searches from the end", "[builtins][regex]") {
  CHECK(rm("", "") == hit(1, 0, ""));
  CHECK(rm("", "x*") == hit(1, 0, ""));
  CHECK(rm("", "x") == "{}");
  CHECK(rm("abcabc", "b") == hit(5, 5, "abcabc"));
  CHECK(rm("abcabc", "abc") == hit(4, 6, "abcabc"));
  CHECK(rm("abcabc", "x") == "{}");
  CHECK(rm("foo bar baz", "%<b%w*") == hit(9, 11, "foo bar baz"));
  CHECK(rm("abc", "") == hit(4, 3, "abc"));
  CHECK(rm("abc", "c$") == hit(3, 3, "abc"));
  // regexpr.c's backward search consults the fastmap at the terminating NUL,
  // so a pattern that can only match empty at the end is never tried there.
  CHECK(rm("abc", "$") == "{}");
}

TEST_CASE("match: errors", "[builtins][regex]") {
  CHECK(err("match", {S("foo"), S("*")}) == E_INVARG);
  CHECK(err("match", {S("foo"), S("+a")}) == E_INVARG);
  CHECK(err("match", {S("a^b"), S("a^b")}) == E_INVARG);
  CHECK(err("match", {S("ab$c"), S("b$c")}) == E_INVARG);
  CHECK(err("match", {S("x"), S("%")}) == E_INVARG);
  CHECK(err("match", {S("x"), S("[abc")}) == E_INVARG);
  CHECK(err("match", {S("x"), S("%(")}) == E_INVARG);
  CHECK(err("match", {S("x"), S("%)")}) == E_INVARG);
  CHECK(err("match", {S("x"), S("%|*")}) == E_INVARG);
  CHECK(err("match", {S("x"), S("%(*%)")}) == E_INVARG);
  CHECK(err("rmatch", {S("x"), S("*")}) == E_INVARG);
  CHECK(err("match", {S("x")}) == E_ARGS);
  CHECK(err("match", {S("x"), S("x"), I(1), I(1)}) == E_ARGS);
  CHECK(err("match", {I(1), S("x")}) == E_TYPE);
  CHECK(err("match", {S("x"), I(1)}) == E_TYPE);
  CHECK(m("a", "a$%|b") == hit(1, 1, "a"));  // $ before %| is an anchor
  CHECK(m("a$", "a$%|b") == "{}");
  CHECK(m("ab", "%(b$%)") == hitg(2, 2, {{2, 2}}, "ab"));
}

TEST_CASE("match: bounded work on pathological patterns", "[builtins][regex]") {
  std::string s(30, 'a');
  // Exponential backtracking is cut off with E_QUOTA rather than hanging.
  auto e = err("match", {S(s + "b"), S("%(a*%)*c")});
  CHECK((e == echo::E_QUOTA || e == E_NONE));
  std::string big(100000, 'a');
  CHECK(lit("match", {S(big), S("b")}) == "{}");
  CHECK(echo::to_literal(call("match", {S(big), S("a*")})).substr(0, 11) == "{1, 100000,");
}

TEST_CASE("substitute", "[builtins][regex]") {
  Value mm = call("match", {S("foobar"), S("f%(o*%)b")});
  CHECK(lit("substitute", {S("%1-%0-%%"), mm}) == "\"oo-foob-%\"");
  CHECK(lit("substitute", {S("[%2]"), mm}) == "\"[]\"");
  CHECK(lit("substitute", {S("plain"), mm}) == "\"plain\"");
  Value hw = call("match", {S("hello world"), S("%(%w+%) %(%w+%)")});
  CHECK(lit("substitute", {S("%2 %1"), hw}) == "\"world hello\"");
  CHECK(err("substitute", {S("%a"), mm}) == E_INVARG);
  CHECK(err("substitute", {S("abc%"), mm}) == E_INVARG);
  CHECK(err("substitute", {S("x"), L({I(1), I(2), I(3)})}) == E_INVARG);
  CHECK(err("substitute", {S("x"), L({})}) == E_INVARG);
  // A pair outside the subject, or {0, 0}, is invalid.
  Value bad = call("match", {S("foobar"), S("f%(o*%)b")});
  {
    Value l = bad;
    echo::ListObj* lo = l.list_mut();
    lo->items()[1] = I(99);
    CHECK(err("substitute", {S("%0"), l}) == E_INVARG);
  }
  {
    Value l = bad;
    echo::ListObj* lo = l.list_mut();
    lo->items()[0] = I(0);
    lo->items()[1] = I(0);
    CHECK(err("substitute", {S("%0"), l}) == E_INVARG);
  }
  CHECK(err("substitute", {S("x"), S("y")}) == E_TYPE);
  CHECK(err("substitute", {S("x")}) == E_ARGS);
  // An empty match ({n, n-1}) substitutes nothing.
  Value em = call("match", {S("abc"), S("")});
  CHECK(lit("substitute", {S("<%0>"), em}) == "\"<>\"");
}
