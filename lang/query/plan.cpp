// Compiles the rules reachable from one query pattern into a Context: the
// demand ("magic sets") transformation, so that bottom-up evaluation only
// derives tuples the query can use.
//
// For a relation p asked with adornment a (which arguments are bound), each
// rule `p(h) :- b1, .., bn` becomes
//     p_a(h) :- demand_p_a(h at a), b1', .., bn'
// with the body put in evaluation order (sideways information passing: the
// next literal is the one that the bindings so far restrict most). Each
// positive atom q(t) of a relation of rules becomes a scan of q_c, where c is
// the set of arguments ground at that point, and adds the demand rule
//     demand_q_c(t at c) :- demand_p_a(h at a), <the literals before it>.
// The query itself seeds demand_p_a with its bound values. A negated atom of
// a relation of rules is not transformed: it lies in a lower stratum, and is
// answered by its own context (with its own demand) at run time, so that the
// demand rules cannot make a relation depend on itself through negation.
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

// A body literal with its variables numbered.
struct Lit {
  bool is_atom = true;
  bool negated = false;
  std::string relation;  // lower-case
  std::vector<CTerm> args;
  CmpOp op = CmpOp::Eq;
  CTerm lhs, rhs;
};

class Builder {
 public:
  Builder(const RuleSet& rs, const Relations& host, Context& ctx) : rs_(rs), host_(host), ctx_(ctx) {}

  // The (answers, demand) tables of relation/arity under adornment; queues
  // the relation's rules for compilation the first time.
  std::pair<uint32_t, uint32_t> tables_for(const std::string& rel, uint32_t arity, uint32_t adornment) {
    Key k{rel, arity, adornment};
    auto it = tables_.find(k);
    if (it != tables_.end()) return it->second;
    if (host_.has_relation(rel, arity)) {
      const Rule& r = rs_.rules()[rs_.rules_for(rel, arity).front()];
      throw QueryError(ErrorKind::Invalid, "rule `" + to_string(r) + "` defines " + rel + "/" +
                                               std::to_string(arity) + ", which is a built-in relation");
    }
    uint32_t answers = add_table(arity);
    uint32_t demand = add_table(uint32_t(std::popcount(adornment)));
    tables_.emplace(k, std::pair{answers, demand});
    work_.push_back(k);
    return {answers, demand};
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

  static void add_scan(CRule& r, Step s) {
    s.scan = uint32_t(r.scan_tables.size());
    r.scan_tables.push_back(s.table);
    r.steps.push_back(std::move(s));
  }

  [[noreturn]] static void fail(ErrorKind kind, const Rule& r, const std::string& why) {
    std::string where = r.origin.empty() ? "" : " (" + r.origin + ")";
    throw QueryError(kind, "rule `" + to_string(r) + "`" + where + ": " + why);
  }

  // The index of the literal to evaluate next, or -1. Tests whose terms are
  // ground go first (they only discard), then `X == t` bindings, then the
  // positive atom with the most ground arguments (ties: source order), so
  // that index lookups replace scans and host relations get bound arguments.
  static int choose(const std::vector<Lit>& lits, const std::vector<char>& used, const std::vector<char>& bound) {
    int best = -1, best_rank = 1 << 30;
    for (size_t i = 0; i < lits.size(); ++i) {
      if (used[i]) continue;
      const Lit& l = lits[i];
      int rank;
      if (!l.is_atom) {
        bool gl = ground(l.lhs, bound), gr = ground(l.rhs, bound);
        if (gl && gr) rank = 0;
        else if (l.op == CmpOp::Eq && ((gl && l.rhs.kind == CTerm::Kind::Var) || (gr && l.lhs.kind == CTerm::Kind::Var)))
          rank = 1;
        else continue;
      } else if (l.negated) {
        // Named variables bound; `_` stays free ("for any value").
        if (!std::all_of(l.args.begin(), l.args.end(), [&](const CTerm& a) { return named_bound(a, bound); }))
          continue;
        rank = 0;
      } else {
        rank = 2 + 64 - std::popcount(ground_mask(l.args, bound));
      }
      if (rank < best_rank) best = int(i), best_rank = rank;
    }
    return best;
  }

  void compile_rule(const Rule& src, uint32_t adornment, uint32_t answers, uint32_t demand) {
    VarMap vm;
    CRule r;
    r.head_table = answers;
    r.head = vm.convert(src.head.args);
    r.text = "`" + to_string(src) + "`" + (src.origin.empty() ? "" : " (" + src.origin + ")");
    std::vector<Lit> lits;
    for (const Literal& l : src.body) {
      Lit x;
      if (const Atom* a = std::get_if<Atom>(&l)) {
        x.negated = a->negated;
        x.relation = lower(a->relation);
        x.args = vm.convert(a->args);
      } else {
        const auto& c = std::get<Comparison>(l);
        x.is_atom = false;
        x.op = c.op;
        x.lhs = vm.convert(c.lhs);
        x.rhs = vm.convert(c.rhs);
      }
      lits.push_back(std::move(x));
    }
    r.nvars = uint32_t(vm.ids.size());
    std::vector<char> bound(r.nvars, 0);

    Step d;
    d.table = demand;
    d.args = select(r.head, adornment);
    d.mask = ground_mask(d.args, bound);
    for (const CTerm& t : d.args) bind_all(t, bound);
    add_scan(r, std::move(d));

    std::vector<char> used(lits.size(), 0);
    for (size_t n = 0; n < lits.size(); ++n) {
      int i = choose(lits, used, bound);
      if (i < 0) fail(ErrorKind::Invalid, src, "no evaluation order binds every variable");
      used[size_t(i)] = 1;
      Lit& l = lits[size_t(i)];
      Step s;
      if (!l.is_atom) {
        bool gl = ground(l.lhs, bound), gr = ground(l.rhs, bound);
        if (gl && gr) {
          s.kind = Step::Kind::Compare;
          s.op = l.op;
          s.lhs = l.lhs;
          s.rhs = l.rhs;
        } else {
          s.kind = Step::Kind::Bind;
          s.lhs = gl ? l.rhs : l.lhs;
          s.rhs = gl ? l.lhs : l.rhs;
          bound[s.lhs.var] = 1;
        }
        r.steps.push_back(std::move(s));
        continue;
      }
      uint32_t arity = uint32_t(l.args.size());
      s.relation = l.relation;
      s.args = l.args;
      s.mask = ground_mask(l.args, bound);
      bool defined = rs_.defines(l.relation, arity);
      if (!defined && !host_.has_relation(l.relation, arity))
        fail(ErrorKind::Unknown, src, "no rule or built-in relation " + l.relation + "/" + std::to_string(arity));
      if (l.negated) {
        s.kind = Step::Kind::Negate;
        s.builtin = !defined;
        r.steps.push_back(std::move(s));
        continue;
      }
      for (const CTerm& t : l.args) bind_all(t, bound);
      if (!defined) {
        s.kind = Step::Kind::Host;
        r.steps.push_back(std::move(s));
        continue;
      }
      auto [q_answers, q_demand] = tables_for(l.relation, arity, s.mask);
      // The demand rule: the bindings that reach this atom are what it is
      // asked for. `d(x) :- d(x)` (a left-recursive call with the caller's
      // own bindings) derives nothing and is dropped.
      CRule m;
      m.head_table = q_demand;
      m.head = select(l.args, s.mask);
      m.steps = r.steps;
      m.scan_tables = r.scan_tables;
      m.nvars = r.nvars;
      m.text = r.text + ", demand for " + l.relation;
      bool trivial = m.steps.size() == 1 && q_demand == demand && m.head.size() == m.steps[0].args.size() &&
                     std::equal(m.head.begin(), m.head.end(), m.steps[0].args.begin(), same_term);
      if (!trivial) ctx_.rules.push_back(std::move(m));
      s.table = q_answers;
      add_scan(r, std::move(s));
    }
    for (const CTerm& t : r.head)
      if (!ground(t, bound)) fail(ErrorKind::Invalid, src, "a head variable is never bound");
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
  std::tie(ctx->answers, ctx->demand) = b.tables_for(relation, arity, adornment);
  b.run();
  return ctx;
}

}  // namespace echo::datalog::detail
