// match(), rmatch() and substitute(), as LambdaMOO's list.c.
#include <list>
#include <memory>
#include <string>

#include "lang/builtins/helpers.h"
#include "lang/builtins/pattern.h"

namespace echo::bi {

namespace {

// A small per-thread cache of compiled patterns, most recently used first
// (LambdaMOO keeps one of 20 entries). Failed compilations are not cached.
struct CacheEntry {
  std::string pattern;
  bool case_matters;
  std::shared_ptr<const moo_regex::Program> program;
};
constexpr size_t kCacheSize = 20;

std::shared_ptr<const moo_regex::Program> get_pattern(std::string_view pattern, bool case_matters) {
  thread_local std::list<CacheEntry> cache;
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->case_matters == case_matters && it->pattern == pattern) {
      cache.splice(cache.begin(), cache, it);
      return cache.front().program;
    }
  }
  auto prog = std::make_shared<moo_regex::Program>();
  if (!moo_regex::compile(pattern, case_matters, prog.get())) return nullptr;
  cache.push_front({std::string(pattern), case_matters, prog});
  if (cache.size() > kCacheSize) cache.pop_back();
  return prog;
}

Value do_match(std::span<Value> args, bool reverse) {
  const Value& subject = args[0];
  bool case_matters = args.size() >= 3 && args[2].truthy();
  auto prog = get_pattern(args[1].as_str(), case_matters);
  if (!prog) raise(E_INVARG);
  int start[10], end[10];
  switch (moo_regex::search(*prog, subject.as_str(), reverse, start, end)) {
    case moo_regex::Result::Failed:
      return Value::empty_list();
    case moo_regex::Result::Aborted:
      raise(E_QUOTA);
    case moo_regex::Result::Matched:
      break;
  }
  Value groups = Value::list_of_size(9);
  ListObj* g = groups.list_mut();
  for (int i = 1; i <= 9; ++i)
    g->items()[i - 1] = make_list({integer(start[i] + 1), integer(end[i])});
  return make_list({integer(start[0] + 1), integer(end[0]), groups, subject});
}

Value bf_match(BuiltinContext&, std::span<Value> args) { return do_match(args, false); }
Value bf_rmatch(BuiltinContext&, std::span<Value> args) { return do_match(args, true); }

// A {start, end} pair is valid when it is {0, -1} (unset) or lies within the
// subject (an empty match has end = start - 1).
bool valid_pair(int64_t a, int64_t b, int64_t len) {
  return (a == 0 && b == -1) || (a > 0 && b >= a - 1 && b <= len);
}

bool valid_subs(const Value& subs) {
  if (!subs.is_list() || subs.list_len() != 4) return false;
  const Value &s0 = subs.list_at(0), &s1 = subs.list_at(1), &s2 = subs.list_at(2),
              &s3 = subs.list_at(3);
  if (!s0.is_int() || !s1.is_int() || !s2.is_list() || s2.list_len() != 9 || !s3.is_str())
    return false;
  int64_t len = int64_t(s3.as_str().size());
  if (!valid_pair(s0.as_int(), s1.as_int(), len)) return false;
  for (uint32_t i = 0; i < 9; ++i) {
    const Value& p = s2.list_at(i);
    if (!p.is_list() || p.list_len() != 2 || !p.list_at(0).is_int() || !p.list_at(1).is_int() ||
        !valid_pair(p.list_at(0).as_int(), p.list_at(1).as_int(), len))
      return false;
  }
  return true;
}

// substitute(template, subs): %0 is the whole match, %1..%9 the groups, %%
// a percent sign; any other use of % (including a trailing one) is E_INVARG.
Value bf_substitute(BuiltinContext&, std::span<Value> args) {
  std::string_view tmpl = args[0].as_str();
  const Value& subs = args[1];
  if (!valid_subs(subs)) raise(E_INVARG);
  std::string_view subject = subs.list_at(3).as_str();
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (++i >= tmpl.size()) raise(E_INVARG);
    c = tmpl[i];
    if (c == '%') {
      out += '%';
      continue;
    }
    int64_t start, end;
    if (c >= '1' && c <= '9') {
      const Value& pair = subs.list_at(2).list_at(uint32_t(c - '1'));
      start = pair.list_at(0).as_int();
      end = pair.list_at(1).as_int();
    } else if (c == '0') {
      start = subs.list_at(0).as_int();
      end = subs.list_at(1).as_int();
    } else {
      raise(E_INVARG);
    }
    if (start >= 1 && end >= start) out.append(subject.substr(size_t(start - 1), size_t(end - start + 1)));
    check_string_length(out.size());
  }
  return str(out);
}

}  // namespace

void register_regex_builtins(Builtins& b) {
  b.add({"match", 2, 3, {ArgType::Str, ArgType::Str, ArgType::Any}, bf_match});
  b.add({"rmatch", 2, 3, {ArgType::Str, ArgType::Str, ArgType::Any}, bf_rmatch});
  b.add({"substitute", 2, 2, {ArgType::Str, ArgType::List}, bf_substitute});
}

}  // namespace echo::bi
