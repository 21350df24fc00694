// Rules: builders, printing, and the checks a RuleSet makes as rules are
// added (safety, stratified negation), so that evaluation can assume them.
#include <algorithm>
#include <functional>
#include <set>

#include "lang/query/internal.h"

namespace echo::datalog {

using detail::lower;

std::string detail::lower(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return r;
}

// ---- builders ----

Term var(std::string name) {
  Term t;
  t.kind = Term::Kind::Var;
  t.name = std::move(name);
  return t;
}

Term val(Value v) {
  Term t;
  t.value = std::move(v);
  return t;
}

Term fn(std::string functor, std::vector<Term> args) {
  Term t;
  t.kind = Term::Kind::Compound;
  t.name = std::move(functor);
  t.args = std::move(args);
  return t;
}

Atom atom(std::string relation, std::vector<Term> args) { return Atom{std::move(relation), std::move(args), false}; }

Atom negate(Atom a) {
  a.negated = true;
  return a;
}

Comparison cmp(Term lhs, CmpOp op, Term rhs) { return Comparison{op, std::move(lhs), std::move(rhs)}; }

Rule rule(Atom head, std::vector<Literal> body) { return Rule{std::move(head), std::move(body), {}}; }

// ---- printing ----

namespace {

const char* op_text(CmpOp op) {
  switch (op) {
    case CmpOp::Eq: return "==";
    case CmpOp::Ne: return "!=";
    case CmpOp::Lt: return "<";
    case CmpOp::Le: return "<=";
    case CmpOp::Gt: return ">";
    case CmpOp::Ge: return ">=";
  }
  return "?";
}

std::string args_text(const std::vector<Term>& args) {
  std::string s = "(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) s += ", ";
    s += to_string(args[i]);
  }
  return s + ")";
}

std::string literal_text(const Literal& l) {
  if (const Atom* a = std::get_if<Atom>(&l)) return to_string(*a);
  const auto& c = std::get<Comparison>(l);
  return to_string(c.lhs) + " " + op_text(c.op) + " " + to_string(c.rhs);
}

}  // namespace

std::string to_string(const Term& t) {
  switch (t.kind) {
    case Term::Kind::Var: return t.name;
    case Term::Kind::Const: return to_literal(t.value);
    case Term::Kind::Compound: return t.name + args_text(t.args);
  }
  return "?";
}

std::string to_string(const Atom& a) { return (a.negated ? "not " : "") + a.relation + args_text(a.args); }

std::string to_string(const Rule& r) {
  std::string s = to_string(r.head);
  for (size_t i = 0; i < r.body.size(); ++i) s += (i ? ", " : " :- ") + literal_text(r.body[i]);
  return s + ".";
}

// ---- validation ----

namespace {

constexpr size_t kMaxArity = 32;  // adornments are 32-bit masks

[[noreturn]] void invalid(const Rule& r, const std::string& why) {
  std::string where = r.origin.empty() ? "" : " (" + r.origin + ")";
  throw QueryError(ErrorKind::Invalid, "rule `" + to_string(r) + "`" + where + ": " + why);
}

// Named variables of t (lower-cased); *anon set when `_` occurs.
void vars_of(const Term& t, std::set<std::string>& out, bool* anon = nullptr) {
  if (t.kind == Term::Kind::Var) {
    if (t.is_anonymous()) {
      if (anon) *anon = true;
    } else {
      out.insert(lower(t.name));
    }
  }
  for (const Term& a : t.args) vars_of(a, out, anon);
}

std::set<std::string> vars_of(const std::vector<Term>& ts, bool* anon = nullptr) {
  std::set<std::string> out;
  for (const Term& t : ts) vars_of(t, out, anon);
  return out;
}

// A variable as the rule spells it (names are compared lower-cased).
bool find_spelling(const Term& t, const std::string& low, std::string* out) {
  if (t.is_var() && lower(t.name) == low) return *out = t.name, true;
  for (const Term& a : t.args)
    if (find_spelling(a, low, out)) return true;
  return false;
}

std::string spelled(const Rule& r, const std::string& low) {
  std::string out = low;
  auto in = [&](const std::vector<Term>& ts) {
    for (const Term& t : ts)
      if (find_spelling(t, low, &out)) return true;
    return false;
  };
  if (in(r.head.args)) return out;
  for (const Literal& l : r.body) {
    if (const Atom* a = std::get_if<Atom>(&l)) {
      if (in(a->args)) return out;
    } else if (in({std::get<Comparison>(l).lhs, std::get<Comparison>(l).rhs})) {
      return out;
    }
  }
  return out;
}

bool subset(const std::set<std::string>& a, const std::set<std::string>& b, std::string* missing) {
  for (const auto& v : a)
    if (!b.count(v)) {
      *missing = v;
      return false;
    }
  return true;
}

// Range restriction: every variable is bound by a positive atom, or by
// `X == t` once t is bound, before the head, a negation or a comparison may
// use it. The evaluator relies on it to always find a literal to run next.
void check_safety(const Rule& r) {
  if (r.head.negated) invalid(r, "the head cannot be negated");
  if (r.head.relation.empty()) invalid(r, "the head has no relation name");
  if (r.head.args.size() > kMaxArity) invalid(r, "more than 32 arguments");
  bool anon = false;
  std::set<std::string> head_vars = vars_of(r.head.args, &anon);
  if (anon) invalid(r, "the anonymous variable _ cannot appear in the head");

  std::set<std::string> bound;
  for (const Literal& l : r.body)
    if (const Atom* a = std::get_if<Atom>(&l)) {
      if (a->args.size() > kMaxArity) invalid(r, "more than 32 arguments in " + to_string(*a));
      if (!a->negated)
        for (const Term& t : a->args) vars_of(t, bound);
    }
  for (bool changed = true; changed;) {
    changed = false;
    for (const Literal& l : r.body) {
      const auto* c = std::get_if<Comparison>(&l);
      if (!c || c->op != CmpOp::Eq) continue;
      for (auto [x, t] : {std::pair{&c->lhs, &c->rhs}, std::pair{&c->rhs, &c->lhs}}) {
        if (!x->is_var() || x->is_anonymous() || bound.count(lower(x->name))) continue;
        bool a2 = false;
        std::string miss;
        if (subset(vars_of({*t}, &a2), bound, &miss) && !a2) {
          bound.insert(lower(x->name));
          changed = true;
        }
      }
    }
  }

  std::string miss;
  for (const Literal& l : r.body) {
    if (const auto* c = std::get_if<Comparison>(&l)) {
      bool a2 = false;
      auto vs = vars_of({c->lhs, c->rhs}, &a2);
      if (a2) invalid(r, "the anonymous variable _ cannot appear in a comparison");
      if (!subset(vs, bound, &miss))
        invalid(r, "variable " + spelled(r, miss) + " in `" + literal_text(l) + "` is not bound by a positive atom");
    } else if (std::get<Atom>(l).negated) {
      if (!subset(vars_of(std::get<Atom>(l).args), bound, &miss))
        invalid(r, "variable " + spelled(r, miss) + " in `" + literal_text(l) +
                       "` is not bound by a positive atom (use _ for \"any value\")");
    }
  }
  if (!subset(head_vars, bound, &miss)) {
    if (r.body.empty()) invalid(r, "a fact must be ground, but " + spelled(r, miss) + " is a variable");
    invalid(r, "variable " + spelled(r, miss) + " in the head is not bound by a positive atom in the body");
  }
}

}  // namespace

// Stratification: no relation may depend on itself through `not`. Tarjan's
// strongly connected components over the relations the rules define; a
// negative edge inside a component is a cycle through negation.
void RuleSet::check_strata(const std::vector<Rule>& rules) const {
  std::map<std::pair<std::string, size_t>, int> id;
  for (const Rule& r : rules) id.emplace(std::pair{lower(r.head.relation), r.head.args.size()}, int(id.size()));
  struct Edge {
    int to;
    bool neg;
    size_t rule;
    const Atom* atom;
  };
  std::vector<std::vector<Edge>> out(id.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    int from = id.at({lower(rules[i].head.relation), rules[i].head.args.size()});
    for (const Literal& l : rules[i].body)
      if (const Atom* a = std::get_if<Atom>(&l)) {
        auto it = id.find({lower(a->relation), a->args.size()});
        if (it != id.end()) out[size_t(from)].push_back({it->second, a->negated, i, a});
      }
  }
  int n = int(id.size()), counter = 0, ncomp = 0;
  std::vector<int> index(size_t(n), -1), low(size_t(n), 0), comp(size_t(n), -1);
  std::vector<int> stack;
  std::vector<char> on(size_t(n), 0);
  std::function<void(int)> visit = [&](int v) {
    index[size_t(v)] = low[size_t(v)] = counter++;
    stack.push_back(v);
    on[size_t(v)] = 1;
    for (const Edge& e : out[size_t(v)]) {
      if (index[size_t(e.to)] < 0) {
        visit(e.to);
        low[size_t(v)] = std::min(low[size_t(v)], low[size_t(e.to)]);
      } else if (on[size_t(e.to)]) {
        low[size_t(v)] = std::min(low[size_t(v)], index[size_t(e.to)]);
      }
    }
    if (low[size_t(v)] == index[size_t(v)]) {
      for (int w = -1; w != v;) {
        w = stack.back();
        stack.pop_back();
        on[size_t(w)] = 0;
        comp[size_t(w)] = ncomp;
      }
      ++ncomp;
    }
  };
  for (int v = 0; v < n; ++v)
    if (index[size_t(v)] < 0) visit(v);
  for (int v = 0; v < n; ++v)
    for (const Edge& e : out[size_t(v)])
      if (e.neg && comp[size_t(v)] == comp[size_t(e.to)])
        invalid(rules[e.rule], "`" + to_string(*e.atom) + "` is recursive: " + e.atom->relation + "/" +
                                   std::to_string(e.atom->args.size()) +
                                   " depends on this rule's relation, so negation cannot be stratified");
}

// ---- RuleSet ----

RuleSet::RuleSet() : memo_(std::make_unique<detail::Memo>()) {}
RuleSet::RuleSet(std::vector<Rule> rules) : RuleSet() { add(std::move(rules)); }
RuleSet::RuleSet(const RuleSet& o)
    : rules_(o.rules_), by_relation_(o.by_relation_), memo_(std::make_unique<detail::Memo>()) {}
RuleSet& RuleSet::operator=(const RuleSet& o) {
  if (this != &o) {
    rules_ = o.rules_;
    by_relation_ = o.by_relation_;
    memo_ = std::make_unique<detail::Memo>();
  }
  return *this;
}
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;
RuleSet::~RuleSet() = default;

void RuleSet::add(Rule r) {
  std::vector<Rule> one;
  one.push_back(std::move(r));
  add(std::move(one));
}

void RuleSet::add(std::vector<Rule> rules) {
  for (const Rule& r : rules) check_safety(r);
  std::vector<Rule> all = rules_;
  for (Rule& r : rules) all.push_back(std::move(r));
  check_strata(all);
  rules_ = std::move(all);
  by_relation_.clear();
  for (size_t i = 0; i < rules_.size(); ++i)
    by_relation_[{lower(rules_[i].head.relation), rules_[i].head.args.size()}].push_back(i);
  clear_cache();
}

bool RuleSet::defines(std::string_view name, size_t arity) const {
  return by_relation_.count({lower(name), arity}) > 0;
}

const std::vector<size_t>& RuleSet::rules_for(std::string_view name, size_t arity) const {
  static const std::vector<size_t> kNone;
  auto it = by_relation_.find({lower(name), arity});
  return it == by_relation_.end() ? kNone : it->second;
}

CacheStats RuleSet::cache_stats() const {
  std::lock_guard lock(memo_->mu);
  return {memo_->contexts.size(), memo_->tuples, memo_->version};
}

void RuleSet::clear_cache() const {
  std::lock_guard lock(memo_->mu);
  memo_->clear();
}

}  // namespace echo::datalog
