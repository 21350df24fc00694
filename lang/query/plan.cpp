// Compiles the rules reachable from one query pattern into a Context: the
// demand ("magic sets") transformation, so that bottom-up evaluation only
// derives tuples the query can use.
//
// For a relation p asked with adornment a (which arguments are bound), each
// rule `p(h) :- b1, .., bn` becomes
//     p_a(h) :- demand_p_a(h at a), b1', .., bn'
// with the body put in evaluation order (sideways information passing: the
// next literal is the one that the bindings so far restrict most; see
// rank()). Each positive atom q(t) of a relation of rules becomes a scan of
// q_c, where c is the set of arguments ground at that point, and adds the
// demand rule
//     demand_q_c(t at c) :- demand_p_a(h at a), <the literals before it>.
// The query itself seeds demand_p_a with its bound values. A negated atom of
// a relation of rules is not transformed: it lies in a lower stratum, and is
// answered by its own context (with its own demand) at run time, so that the
// demand rules cannot make a relation depend on itself through negation.
//
// That order fixes the adornments. Each rule then also gets one join order
// per semi-naive variant, starting from the scan that reads the delta.
#include <algorithm>
#include <bit>
#include <map>

#include "lang/query/internal.h"

namespace echo::datalog::detail {

namespace {

using Key = std::tuple<std::string, uint32_t, uint32_t>;

struct VarMap {
  std::map<std::string, uint32_t> ids;
  CTerm convert(const Term& t) {
    CTerm c;
    switch (t.kind) {
      case Term::Kind::Var:
        if (t.is_anonymous()) {
          c.kind = CTerm::Kind::Anon;
        } else {
          c.kind = CTerm::Kind::Var;
          c.var = ids.emplace(lower(t.name), uint32_t(ids.size())).first->second;
        }
        break;
      case Term::Kind::Const:
        c.value = t.value;
        break;
      case Term::Kind::Compound:
        c.kind = CTerm::Kind::Compound;
        c.value = Value::str(t.name);
        for (const Term& a : t.args) c.args.push_back(convert(a));
        break;
    }
    return c;
  }
  std::vector<CTerm> convert(const std::vector<Term>& ts) {
    std::vector<CTerm> out;
    for (const Term& t : ts) out.push_back(convert(t));
    return out;
  }
};

bool ground(const CTerm& t, const std::vector<char>& bound) {
  switch (t.kind) {
    case CTerm::Kind::Anon: return false;
    case CTerm::Kind::Var: return bound[t.var];
    case CTerm::Kind::Const: return true;
    case CTerm::Kind::Compound:
      return std::all_of(t.args.begin(), t.args.end(), [&](const CTerm& a) { return ground(a, bound); });
  }
  return false;
}

uint32_t full_mask(size_t n) { return n >= 32 ? ~0u : (1u << n) - 1; }

bool named_bound(const CTerm& t, const std::vector<char>& bound) {
  if (t.kind == CTerm::Kind::Var) return bound[t.var];
  return std::all_of(t.args.begin(), t.args.end(), [&](const CTerm& a) { return named_bound(a, bound); });
}

void bind_all(const CTerm& t, std::vector<char>& bound) {
  if (t.kind == CTerm::Kind::Var) bound[t.var] = 1;
  for (const CTerm& a : t.args) bind_all(a, bound);
}

uint32_t ground_mask(const std::vector<CTerm>& args, const std::vector<char>& bound) {
  uint32_t m = 0;
  for (size_t i = 0; i < args.size(); ++i)
    if (ground(args[i], bound)) m |= 1u << i;
  return m;
}

std::vector<CTerm> select(const std::vector<CTerm>& args, uint32_t mask) {
  std::vector<CTerm> out;
  for (size_t i = 0; i < args.size(); ++i)
    if (mask >> i & 1u) out.push_back(args[i]);
  return out;
}

bool same_term(const CTerm& a, const CTerm& b) {
  if (a.kind != b.kind || a.var != b.var || a.args.size() != b.args.size()) return false;
  if ((a.kind == CTerm::Kind::Const || a.kind == CTerm::Kind::Compound) && !same(a.value, b.value)) return false;
  for (size_t i = 0; i < a.args.size(); ++i)
    if (!same_term(a.args[i], b.args[i])) return false;
  return true;
}

constexpr uint32_t kUnresolved = ~0u;  // a scan whose table waits for its adornment

// How soon step s should run given the variables bound so far (lower runs
// sooner), or -1 when it cannot run yet. Tests go first (they only discard):
// comparisons of ground terms, negations, and atoms whose arguments are all
// ground (existence checks); then `X == t` bindings; then the atom with the
// most ground arguments, so that joins are index lookups and host relations
// are asked with bound arguments. On a tie a host relation with a bound
// argument goes before a table (a host lookup such as an object's parents
// fans out little, while a demand table may hold one row per earlier query
// for that value), and a table before a host relation with none bound
// (tables never refuse a pattern).
int rank(const Step& s, const std::vector<char>& bound) {
  switch (s.kind) {
    case Step::Kind::Compare:
    case Step::Kind::Bind: {
      bool gl = ground(s.lhs, bound), gr = ground(s.rhs, bound);
      if (gl && gr) return 0;
      bool binds = (gl && s.rhs.kind == CTerm::Kind::Var) || (gr && s.lhs.kind == CTerm::Kind::Var);
      return s.op == CmpOp::Eq && binds ? 2 : -1;
    }
    case Step::Kind::Negate:  // named variables bound; `_` stays free ("for any value")
      return std::all_of(s.args.begin(), s.args.end(), [&](const CTerm& a) { return named_bound(a, bound); }) ? 0
                                                                                                             : -1;
    case Step::Kind::Scan:
    case Step::Kind::Host: {
      uint32_t mask = ground_mask(s.args, bound);
      if (mask == full_mask(s.args.size())) return 1;
      int g = std::popcount(mask);
      int tie = s.kind == Step::Kind::Scan ? 1 : g > 0 ? 0 : 2;
      return 3 + 4 * (64 - g) + tie;
    }
  }
  return -1;
}

// Fixes s for the variables bound before it (its ground-argument mask;
// whether an `==` tests or binds), then marks what it binds.
void place(Step& s, std::vector<char>& bound) {
  switch (s.kind) {
    case Step::Kind::Compare:
    case Step::Kind::Bind: {
      bool gl = ground(s.lhs, bound), gr = ground(s.rhs, bound);
      if (gl && gr) {
        s.kind = Step::Kind::Compare;
        break;
      }
      s.kind = Step::Kind::Bind;
      if (gl) std::swap(s.lhs, s.rhs);  // lhs: the variable bound
      bound[s.lhs.var] = 1;
      break;
    }
    case Step::Kind::Negate:
      s.mask = ground_mask(s.args, bound);
      break;
    case Step::Kind::Scan:
    case Step::Kind::Host:
      s.mask = ground_mask(s.args, bound);
      for (const CTerm& t : s.args) bind_all(t, bound);
      break;
  }
}

// The steps in evaluation order from steps[first], greedily by rank (ties:
// the given order). on_place(step, steps placed before it) sees each step
// as it is placed. Stops short when nothing can run (an unsafe rule).
template <class F>
std::vector<Step> order(std::vector<Step> steps, size_t first, uint32_t nvars, std::vector<char>& bound,
                        F&& on_place) {
  bound.assign(nvars, 0);
  std::vector<char> used(steps.size(), 0);
  std::vector<Step> out;
  for (int next = int(first); next >= 0;) {
    used[size_t(next)] = 1;
    Step s = std::move(steps[size_t(next)]);
    place(s, bound);
    on_place(s, out);
    out.push_back(std::move(s));
    int best_rank = 1 << 30;
    next = -1;
    for (size_t i = 0; i < steps.size(); ++i) {
      if (used[i]) continue;
      int r = rank(steps[i], bound);
      if (r >= 0 && r < best_rank) next = int(i), best_rank = r;
    }
  }
  return out;
}

class Builder {
 public:
  Builder(const RuleSet& rs, const Relations& host, Context& ctx) : rs_(rs), host_(host), ctx_(ctx) {}

  struct Tables {
    uint32_t answers, demand, adornment;
  };

  // The tables of relation/arity under adornment; queues the relation's
  // rules for compilation the first time. When the context already computes
  // the relation with no argument bound, that table holds every tuple, so it
  // answers any adornment (a scan looks the bound values up in it) rather
  // than a second, demand-restricted copy being derived beside it: an
  // all-free query of a recursive relation would otherwise compute it twice.
  Tables tables_for(const std::string& rel, uint32_t arity, uint32_t adornment) {
    if (adornment != 0 && tables_.count({rel, arity, 0})) adornment = 0;
    Key k{rel, arity, adornment};
    auto it = tables_.find(k);
    if (it != tables_.end()) return {it->second.first, it->second.second, adornment};
    if (host_.has_relation(rel, arity)) {
      const Rule& r = rs_.rules()[rs_.rules_for(rel, arity).front()];
      throw QueryError(ErrorKind::Invalid, "rule `" + to_string(r) + "` defines " + rel + "/" +
                                               std::to_string(arity) + ", which is a built-in relation");
    }
    uint32_t answers = add_table(arity);
    uint32_t demand = add_table(uint32_t(std::popcount(adornment)));
    tables_.emplace(k, std::pair{answers, demand});
    work_.push_back(k);
    return {answers, demand, adornment};
  }

  void run() {
    while (!work_.empty()) {
      auto [rel, arity, adornment] = work_.back();
      work_.pop_back();
      auto [answers, demand] = tables_.at({rel, arity, adornment});
      for (size_t i : rs_.rules_for(rel, arity)) compile_rule(rs_.rules()[i], adornment, answers, demand);
    }
  }

 private:
  uint32_t add_table(uint32_t arity) {
    ctx_.tables.push_back(std::make_unique<Table>(arity));
    return uint32_t(ctx_.tables.size() - 1);
  }

  [[noreturn]] static void fail(ErrorKind kind, const Rule& r, const std::string& why) {
    std::string where = r.origin.empty() ? "" : " (" + r.origin + ")";
    throw QueryError(kind, "rule `" + to_string(r) + "`" + where + ": " + why);
  }

  // Numbers the scans of the canonical order and adds one join order per
  // semi-naive variant: when scan j reads the delta, the join starts from
  // it, so a round costs in proportion to the new tuples rather than to the
  // tables that precede the delta in the canonical order.
  static void finish(CRule& r, std::vector<Step> canon) {
    r.scan_tables.clear();
    std::vector<size_t> at;
    for (size_t i = 0; i < canon.size(); ++i)
      if (canon[i].kind == Step::Kind::Scan) {
        canon[i].scan = uint32_t(r.scan_tables.size());
        r.scan_tables.push_back(canon[i].table);
        at.push_back(i);
      }
    std::vector<char> bound;
    r.variants.clear();
    for (size_t j = 0; j < at.size(); ++j)
      r.variants.push_back(j == 0 ? canon : order(canon, at[j], r.nvars, bound, [](Step&, const std::vector<Step>&) {}));
  }

  void compile_rule(const Rule& src, uint32_t adornment, uint32_t answers, uint32_t demand) {
    VarMap vm;
    CRule r;
    r.head_table = answers;
    r.head = vm.convert(src.head.args);
    r.text = "`" + to_string(src) + "`" + (src.origin.empty() ? "" : " (" + src.origin + ")");
    std::vector<Step> goals(1);
    goals[0].table = demand;  // the demand scan comes first: it binds the head's bound arguments
    goals[0].args = select(r.head, adornment);
    for (const Literal& l : src.body) {
      Step s;
      if (const Atom* a = std::get_if<Atom>(&l)) {
        s.relation = lower(a->relation);
        s.args = vm.convert(a->args);
        bool defined = rs_.defines(s.relation, s.args.size());
        if (!defined && !host_.has_relation(s.relation, s.args.size()))
          fail(ErrorKind::Unknown, src,
               "no rule or built-in relation " + s.relation + "/" + std::to_string(s.args.size()));
        s.kind = a->negated ? Step::Kind::Negate : defined ? Step::Kind::Scan : Step::Kind::Host;
        s.builtin = !defined;
        s.table = kUnresolved;
      } else {
        const auto& c = std::get<Comparison>(l);
        s.kind = Step::Kind::Compare;
        s.op = c.op;
        s.lhs = vm.convert(c.lhs);
        s.rhs = vm.convert(c.rhs);
      }
      goals.push_back(std::move(s));
    }
    r.nvars = uint32_t(vm.ids.size());

    std::vector<char> bound;
    std::vector<Step> canon = order(std::move(goals), 0, r.nvars, bound, [&](Step& s, const std::vector<Step>& prefix) {
      if (s.kind != Step::Kind::Scan || s.table != kUnresolved) return;
      // A positive atom of rules: scan its answers under the adornment its
      // ground arguments give, and demand them: the bindings that reach this
      // atom are what it is asked for.
      Tables q = tables_for(s.relation, uint32_t(s.args.size()), s.mask);
      s.table = q.answers;
      CRule m;
      m.head_table = q.demand;
      m.head = select(s.args, q.adornment);
      m.nvars = r.nvars;
      m.text = r.text + ", demand for " + s.relation;
      // A demand equal to the one this rule was run for (a recursive call
      // with the caller's own bindings, as in left recursion) is already
      // present whenever the rule runs: dropped.
      bool trivial = q.demand == demand && m.head.size() == prefix[0].args.size() &&
                     std::equal(m.head.begin(), m.head.end(), prefix[0].args.begin(), same_term);
      if (trivial) return;
      finish(m, prefix);
      ctx_.rules.push_back(std::move(m));
    });
    if (canon.size() != src.body.size() + 1) fail(ErrorKind::Invalid, src, "no evaluation order binds every variable");
    for (const CTerm& t : r.head)
      if (!ground(t, bound)) fail(ErrorKind::Invalid, src, "a head variable is never bound");
    finish(r, std::move(canon));
    ctx_.rules.push_back(std::move(r));
  }

  const RuleSet& rs_;
  const Relations& host_;
  Context& ctx_;
  std::map<Key, std::pair<uint32_t, uint32_t>> tables_;
  std::vector<Key> work_;
};

}  // namespace

std::unique_ptr<Context> compile(const RuleSet& rules, const Relations& host, const std::string& relation,
                                 uint32_t arity, uint32_t adornment) {
  auto ctx = std::make_unique<Context>();
  ctx->relation = relation;
  ctx->arity = arity;
  ctx->adornment = adornment;
  Builder b(rules, host, *ctx);
  auto top = b.tables_for(relation, arity, adornment);
  ctx->answers = top.answers;
  ctx->demand = top.demand;
  b.run();
  return ctx;
}

}  // namespace echo::datalog::detail
