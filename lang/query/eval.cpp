// Bottom-up, semi-naive evaluation of a Context, the memo across queries,
// and the public holds / query_all.
//
// Semi-naive: each round evaluates every rule once per body scan whose table
// gained rows in the previous round, with that scan reading only those new
// rows (the delta), the scans before it only the rows older than the delta
// and the scans after it everything up to the round's start. So every
// combination of tuples is joined once, and a round that adds nothing ends
// the fixpoint: the tables are finite (bounded by Limits), so it terminates,
// cycles in the data included.
//
// Memo: contexts are kept in the RuleSet, keyed by (relation, arity,
// adornment), while the host's version is unchanged. A query whose demand
// tuple is already present is answered from the tables; a new one is added
// to the demand table and the fixpoint resumed from it (the program is
// monotone within a context: negations are answered by completed contexts of
// lower strata). An error leaves the contexts being evaluated half-done:
// those are dropped, the rest of the memo stays.
#include <algorithm>
#include <bit>

#include "lang/query/internal.h"

namespace echo::datalog {

using namespace detail;

namespace {

struct Frame {
  std::vector<Value> vals;
  std::vector<char> bound;
  std::vector<uint32_t> trail;  // variables bound since a mark, to undo

  explicit Frame(uint32_t n) : vals(n), bound(n, 0) {}
  void undo(size_t mark) {
    while (trail.size() > mark) {
      uint32_t v = trail.back();
      trail.pop_back();
      bound[v] = 0;
      vals[v] = Value();
    }
  }
};

// Matches t against v, binding t's unbound variables (recorded on the trail).
bool unify(const CTerm& t, const Value& v, Frame& f) {
  switch (t.kind) {
    case CTerm::Kind::Anon: return true;
    case CTerm::Kind::Const: return same(t.value, v);
    case CTerm::Kind::Var:
      if (f.bound[t.var]) return same(f.vals[t.var], v);
      f.vals[t.var] = v;
      f.bound[t.var] = 1;
      f.trail.push_back(t.var);
      return true;
    case CTerm::Kind::Compound: {
      if (!v.is_list() || v.list_len() != t.args.size() + 1 || !same(v.list_at(0), t.value)) return false;
      for (size_t i = 0; i < t.args.size(); ++i)
        if (!unify(t.args[i], v.list_at(uint32_t(i + 1)), f)) return false;
      return true;
    }
  }
  return false;
}

// The value of a term whose variables are all bound.
Value ground(const CTerm& t, const Frame& f) {
  switch (t.kind) {
    case CTerm::Kind::Const: return t.value;
    case CTerm::Kind::Var: return f.vals[t.var];
    case CTerm::Kind::Compound: {
      Value l = Value::list_of_size(uint32_t(t.args.size() + 1));
      Value* items = l.list_mut()->items();
      items[0] = t.value;
      for (size_t i = 0; i < t.args.size(); ++i) items[i + 1] = ground(t.args[i], f);
      return l;
    }
    case CTerm::Kind::Anon: break;
  }
  return Value();
}

bool compare(CmpOp op, const Value& a, const Value& b) {
  if (op == CmpOp::Eq) return same(a, b);
  if (op == CmpOp::Ne) return !same(a, b);
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::Int: case Type::Float: case Type::Str: case Type::Obj: case Type::Err: break;
    default: return false;
  }
  int c = compare_values(a, b);
  switch (op) {
    case CmpOp::Lt: return c < 0;
    case CmpOp::Le: return c <= 0;
    case CmpOp::Gt: return c > 0;
    case CmpOp::Ge: return c >= 0;
    default: return false;
  }
}

uint32_t full_mask(size_t n) { return n >= 32 ? ~0u : (1u << n) - 1; }

// Calls f(row) for each row of t with the given values in the mask's columns.
template <class F>
void matching_rows(Table& t, uint32_t mask, std::span<const Value> key, uint32_t lo, uint32_t hi, F&& f) {
  if (lo >= hi) return;
  if (mask == 0) {
    for (uint32_t r = lo; r < hi; ++r) f(r);
  } else if (mask == full_mask(t.arity())) {
    int64_t r = t.find(key);
    if (r >= lo && r < hi) f(uint32_t(r));
  } else {
    const std::vector<uint32_t>& rows = t.lookup(mask, key);
    for (size_t i = 0; i < rows.size(); ++i) {  // by position: f may add rows
      uint32_t r = rows[i];
      if (r >= hi) break;
      if (r < lo) continue;
      bool eq = true;
      size_t k = 0;
      for (uint32_t c = 0; c < t.arity() && eq; ++c)
        if (mask >> c & 1u) eq = same(t.at(r, c), key[k++]);
      if (eq) f(r);
    }
  }
}

class Engine {
 public:
  Engine(const RuleSet& rs, Relations& host, const Limits& limits, Memo& memo)
      : rs_(rs), host_(host), limits_(limits), memo_(memo),
        deadline_(std::chrono::steady_clock::now() + limits.max_time) {}

  bool hit_tuple_limit = false;
  // Contexts whose fixpoint is under way (innermost last). After an error
  // these are half-evaluated, and the only ones that are.
  std::vector<Context*> open;

  Context& context(const std::string& rel, uint32_t arity, uint32_t adornment) {
    auto& slot = memo_.contexts[{rel, arity, adornment}];
    if (!slot) slot = compile(rs_, host_, rel, arity, adornment);
    return *slot;
  }

  // Makes the context's answers complete for the demand `key` (the bound
  // arguments' values, in order).
  void solve(Context& c, std::span<const Value> key) {
    if (!c.tables[c.demand]->insert(key)) return;  // asked before: complete
    open.push_back(&c);
    count_tuple(c.relation);
    run(c);
    open.pop_back();
  }

  template <class F>
  void answers(Context& c, std::span<const Value> key, F&& f) {
    Table& t = *c.tables[c.answers];
    matching_rows(t, c.adornment, key, 0, t.size(), f);
  }

 private:
  struct Run {
    Context& c;
    std::vector<uint32_t> lo, hi;  // per table: the delta of this round
    uint32_t delta_scan = 0;
    std::vector<Value> scratch;
  };

  void count_tuple(const std::string& rel) {
    if (++memo_.tuples > limits_.max_tuples) {
      hit_tuple_limit = true;
      throw QueryError(ErrorKind::Limit, "query " + rel + ": more than " + std::to_string(limits_.max_tuples) +
                                             " derived tuples; the rules may be unbounded (a compound term "
                                             "growing through recursion) or need a bound argument");
    }
  }

  void tick() {
    if (++steps_ > limits_.max_steps)
      throw QueryError(ErrorKind::Limit,
                       "query: more than " + std::to_string(limits_.max_steps) + " evaluation steps");
    if ((steps_ & 1023) == 0 && std::chrono::steady_clock::now() > deadline_)
      throw QueryError(ErrorKind::Limit, "query: exceeded the time limit of " +
                                             std::to_string(limits_.max_time.count()) + " ms after " +
                                             std::to_string(steps_) + " steps");
  }

  void run(Context& c) {
    // Negation only reaches lower strata, so a context never needs itself.
    if (c.running) throw QueryError(ErrorKind::Invalid, "query " + c.relation + ": recursion through negation");
    c.running = true;
    struct Reset {
      Context& c;
      ~Reset() { c.running = false; }
    } reset{c};
    Run run{c, std::vector<uint32_t>(c.tables.size()), std::vector<uint32_t>(c.tables.size()), 0, {}};
    for (;;) {
      bool any = false;
      for (size_t t = 0; t < c.tables.size(); ++t) {
        run.lo[t] = c.tables[t]->processed;
        run.hi[t] = c.tables[t]->size();
        any = any || run.lo[t] < run.hi[t];
      }
      if (!any) return;
      for (const CRule& r : c.rules)
        for (uint32_t j = 0; j < r.scan_tables.size(); ++j) {
          uint32_t t = r.scan_tables[j];
          if (run.lo[t] >= run.hi[t]) continue;
          run.delta_scan = j;
          Frame f(r.nvars);
          exec(run, r, 0, f);
        }
      for (size_t t = 0; t < c.tables.size(); ++t) c.tables[t]->processed = run.hi[t];
    }
  }

  bool unify_all(const std::vector<CTerm>& args, std::span<const Value> tuple, Frame& f) {
    for (size_t i = 0; i < args.size(); ++i)
      if (!unify(args[i], tuple[i], f)) return false;
    return true;
  }

  std::vector<Value> key_of(const Step& s, const Frame& f) {
    std::vector<Value> key;
    for (size_t i = 0; i < s.args.size(); ++i)
      if (s.mask >> i & 1u) key.push_back(ground(s.args[i], f));
    return key;
  }

  std::vector<std::optional<Value>> pattern_of(const Step& s, const Frame& f) {
    std::vector<std::optional<Value>> p(s.args.size());
    for (size_t i = 0; i < s.args.size(); ++i)
      if (s.mask >> i & 1u) p[i] = ground(s.args[i], f);
    return p;
  }

  // Enumerates a built-in relation, adding the rule to the host's errors.
  template <class F>
  void host_enumerate(const CRule& r, const Step& s, const Frame& f, F&& each) {
    bool inner = false;  // an error from our own callback is not the host's
    try {
      host_.enumerate(s.relation, pattern_of(s, f), [&](std::span<const Value> tuple) -> bool {
        try {
          tick();
          if (tuple.size() != s.args.size())
            throw QueryError(ErrorKind::Invalid, "built-in relation " + s.relation + " emitted a tuple of " +
                                                     std::to_string(tuple.size()) + " values");
          return each(tuple);
        } catch (...) {
          inner = true;
          throw;
        }
      });
    } catch (const QueryError& e) {
      if (inner) throw;
      throw QueryError(e.kind(), std::string(e.what()) + " (in rule " + r.text + ")");
    }
  }

  void exec(Run& run, const CRule& r, size_t i, Frame& f) {
    const std::vector<Step>& steps = r.variants[run.delta_scan];
    if (i == steps.size()) return emit(run, r, f);
    const Step& s = steps[i];
    size_t mark = f.trail.size();
    switch (s.kind) {
      case Step::Kind::Scan: {
        Table& t = *run.c.tables[s.table];
        uint32_t lo = 0, hi = run.hi[s.table];
        if (s.scan == run.delta_scan) lo = run.lo[s.table];
        else if (s.scan < run.delta_scan) hi = run.lo[s.table];
        std::vector<Value> key = key_of(s, f);
        matching_rows(t, s.mask, key, lo, hi, [&](uint32_t row) {
          tick();
          bool ok = true;
          for (uint32_t c = 0; c < t.arity() && ok; ++c) ok = unify(s.args[c], t.at(row, c), f);
          if (ok) exec(run, r, i + 1, f);
          f.undo(mark);
        });
        return;
      }
      case Step::Kind::Host:
        host_enumerate(r, s, f, [&](std::span<const Value> tuple) {
          if (unify_all(s.args, tuple, f)) exec(run, r, i + 1, f);
          f.undo(mark);
          return true;
        });
        return;
      case Step::Kind::Negate: {
        bool found = false;
        if (s.builtin) {
          host_enumerate(r, s, f, [&](std::span<const Value> tuple) {
            found = unify_all(s.args, tuple, f);
            f.undo(mark);
            return !found;
          });
        } else {
          Context& sub = context(s.relation, uint32_t(s.args.size()), s.mask);
          std::vector<Value> key = key_of(s, f);
          solve(sub, key);
          Table& t = *sub.tables[sub.answers];
          answers(sub, key, [&](uint32_t row) {
            if (found) return;
            bool ok = true;
            for (uint32_t c = 0; c < t.arity() && ok; ++c) ok = unify(s.args[c], t.at(row, c), f);
            found = ok;
            f.undo(mark);
          });
        }
        if (!found) exec(run, r, i + 1, f);
        return;
      }
      case Step::Kind::Compare:
        if (compare(s.op, ground(s.lhs, f), ground(s.rhs, f))) exec(run, r, i + 1, f);
        return;
      case Step::Kind::Bind:
        f.vals[s.lhs.var] = ground(s.rhs, f);
        f.bound[s.lhs.var] = 1;
        f.trail.push_back(s.lhs.var);
        exec(run, r, i + 1, f);
        f.undo(mark);
        return;
    }
  }

  void emit(Run& run, const CRule& r, const Frame& f) {
    tick();
    run.scratch.clear();
    for (const CTerm& t : r.head) run.scratch.push_back(ground(t, f));
    if (run.c.tables[r.head_table]->insert(run.scratch)) count_tuple(run.c.relation);
  }

  const RuleSet& rs_;
  Relations& host_;
  const Limits& limits_;
  Memo& memo_;
  std::chrono::steady_clock::time_point deadline_;
  uint64_t steps_ = 0;
};

// compare_values, with the common scalar case inline (sorting a large
// answer is mostly this).
int order(const Value& a, const Value& b) {
  if (a.type() == b.type() && (a.is_obj() || a.is_int() || a.is_err()))
    return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
  return compare_values(a, b);
}

bool tuple_less(const Tuple& a, const Tuple& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (int c = order(a[i], b[i])) return c < 0;
  return a.size() < b.size();
}

void sort_unique(std::vector<Tuple>& out) {
  std::sort(out.begin(), out.end(), tuple_less);
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Tuple& a, const Tuple& b) {
                          return std::equal(a.begin(), a.end(), b.begin(), b.end(), same);
                        }),
            out.end());
}

// A query of a built-in relation itself (`query_all(this, "isa", ..)`).
std::vector<Tuple> host_query(Relations& host, const std::string& rel, const Pattern& pattern, bool first_only) {
  std::vector<Tuple> out;
  host.enumerate(rel, pattern, [&](std::span<const Value> t) {
    if (t.size() != pattern.size()) return true;
    for (size_t i = 0; i < t.size(); ++i)
      if (pattern[i] && !same(*pattern[i], t[i])) return true;
    out.emplace_back(t.begin(), t.end());
    return !first_only;
  });
  sort_unique(out);
  return out;
}

// After an error: the contexts that were being evaluated cannot be resumed
// (their demand is recorded but not its consequences), nor can one whose
// compilation failed; the others are complete and stay.
void drop_incomplete(Memo& memo, const std::vector<Context*>& open) {
  memo.tuples = 0;
  for (auto it = memo.contexts.begin(); it != memo.contexts.end();) {
    if (!it->second || std::find(open.begin(), open.end(), it->second.get()) != open.end()) {
      it = memo.contexts.erase(it);
      continue;
    }
    for (const auto& t : it->second->tables) memo.tuples += t->size();
    ++it;
  }
}

std::vector<Tuple> evaluate(const RuleSet& rs, Relations& host, std::string_view name, const Pattern& pattern,
                            const Limits& limits, bool first_only) {
  std::string rel = lower(name);
  if (pattern.size() > 32)
    throw QueryError(ErrorKind::Invalid, "query " + rel + ": more than 32 arguments");
  if (!rs.defines(rel, pattern.size())) {
    if (host.has_relation(rel, pattern.size())) return host_query(host, rel, pattern, first_only);
    throw QueryError(ErrorKind::Unknown,
                     "query: no rule or built-in relation " + rel + "/" + std::to_string(pattern.size()));
  }
  uint32_t adornment = 0;
  std::vector<Value> key;
  for (size_t i = 0; i < pattern.size(); ++i)
    if (pattern[i]) {
      adornment |= 1u << i;
      key.push_back(*pattern[i]);
    }

  Memo& memo = rs.memo();
  std::lock_guard lock(memo.mu);
  uint64_t version = host.version();
  for (int attempt = 0;; ++attempt) {
    if (!memo.valid || memo.version != version) {
      memo.clear();
      memo.valid = true;
      memo.version = version;
    }
    bool had_tuples = memo.tuples > 0;
    Engine e(rs, host, limits, memo);
    try {
      Context& c = e.context(rel, uint32_t(pattern.size()), adornment);
      e.solve(c, key);
      // Sorted as row numbers over the table's contiguous cells, then
      // copied out: cheaper than sorting vectors that each live on the heap.
      Table& t = *c.tables[c.answers];
      std::vector<uint32_t> rows;
      e.answers(c, key, [&](uint32_t row) {
        if (!first_only || rows.empty()) rows.push_back(row);
      });
      std::sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) {
        for (uint32_t col = 0; col < t.arity(); ++col)
          if (int o = order(t.at(a, col), t.at(b, col))) return o < 0;
        return false;
      });
      std::vector<Tuple> out;
      out.reserve(rows.size());
      for (uint32_t row : rows) {
        Tuple tup;
        tup.reserve(t.arity());
        for (uint32_t col = 0; col < t.arity(); ++col) tup.push_back(t.at(row, col));
        out.push_back(std::move(tup));
      }
      return out;
    } catch (...) {
      // The memo of earlier queries counts toward the tuple limit: try once
      // more from nothing before blaming this query.
      if (e.hit_tuple_limit && had_tuples && attempt == 0) {
        memo.clear();
        continue;
      }
      drop_incomplete(memo, e.open);
      throw;
    }
  }
}

}  // namespace

bool holds(const RuleSet& rules, Relations& host, std::string_view name, const std::vector<Value>& args,
           const Limits& limits) {
  Pattern p(args.begin(), args.end());
  return !evaluate(rules, host, name, p, limits, true).empty();
}

std::vector<Tuple> query_all(const RuleSet& rules, Relations& host, std::string_view name, const Pattern& pattern,
                             const Limits& limits) {
  return evaluate(rules, host, name, pattern, limits, false);
}

}  // namespace echo::datalog
