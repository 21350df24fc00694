// Datalog for Echo's `query` rules and `fact`s (ECHO-LANGUAGE.md,
// "Capabilities and queries").
//
// This module knows only echo::Value: the world is reached through the
// Relations interface (built-in relations such as parent/isa/location/owner/
// has_capability), so it can be tested and benchmarked without the server.
//
// Semantics chosen here, and why:
// - Names of relations and variables are case-insensitive, as MOO
//   identifiers are (they are stored lower-cased). `_` is the anonymous
//   variable: every occurrence is a fresh variable.
// - A ground compound term `Name(v1, ..)` is the MOO list {"Name", v1, ..}, so
//   a capability stored by the runtime as such a list can be matched by a
//   rule's `ReadDocument(D, U)` pattern (which binds D and U).
// - Values are identified as compare_values(a, b) == 0: strings compare
//   case-insensitively as in MOO `==`, INT 1 and FLOAT 1.0 differ, and the
//   order is total (NaN equals itself), so tuple sets and `==` in a rule agree.
// - `<`, `<=`, `>`, `>=` hold only between two INTs, FLOATs, STRs, OBJs or
//   ERRs of the same type; where MOO would raise E_TYPE the comparison simply
//   does not hold, so one odd value in the data does not abort a whole query.
// - Negation is stratified: a relation may not depend on itself through
//   `not`. Every variable of a rule must be bound by a positive atom (or by
//   `X == <bound term>`); `_` may appear in a negated atom ("no such tuple").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "lang/value.h"

namespace echo::datalog {

// ---- rules ----

struct Term {
  enum class Kind : uint8_t { Var, Const, Compound };
  Kind kind = Kind::Const;
  std::string name;        // Var: the variable; Compound: the functor
  Value value;             // Const
  std::vector<Term> args;  // Compound

  bool is_var() const { return kind == Kind::Var; }
  bool is_anonymous() const { return kind == Kind::Var && name == "_"; }
};

struct Atom {
  std::string relation;
  std::vector<Term> args;
  bool negated = false;
};

enum class CmpOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

struct Comparison {
  CmpOp op = CmpOp::Eq;
  Term lhs, rhs;
};

using Literal = std::variant<Atom, Comparison>;

// `head :- body.`; a fact is a rule with an empty body and a ground head.
struct Rule {
  Atom head;
  std::vector<Literal> body;
  // Where the rule came from (e.g. "#123:can_read line 4"), for messages.
  std::string origin;
};

// Builders, so that the lowering and the tests read like the rules.
Term var(std::string name);
Term val(Value v);
Term fn(std::string functor, std::vector<Term> args);
Atom atom(std::string relation, std::vector<Term> args);
Atom negate(Atom a);
Comparison cmp(Term lhs, CmpOp op, Term rhs);
Rule rule(Atom head, std::vector<Literal> body = {});

// Datalog text, as an error message shows it: `p(X, #1) :- q(X), not r(X).`
std::string to_string(const Term& t);
std::string to_string(const Atom& a);
std::string to_string(const Rule& r);

// ---- errors ----

enum class ErrorKind : uint8_t {
  Invalid,  // a rule is unsafe, not stratifiable or malformed (E_INVARG)
  Unknown,  // a relation is neither defined by rules nor built in (E_INVARG)
  Limit,    // the tuple, step or time bound was reached (E_QUOTA)
  Refused,  // the host refused an enumeration, e.g. with no bound argument (E_PERM)
};

class QueryError : public std::runtime_error {
 public:
  QueryError(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// ---- the host ----

using Tuple = std::vector<Value>;
// A query pattern: a Value where the argument is bound, nullopt where not.
using Pattern = std::vector<std::optional<Value>>;
// Receives one tuple; returns false to stop the enumeration early.
using Emit = std::function<bool(std::span<const Value> tuple)>;

// Built-in relations, supplied by whoever hosts the engine (for Echo:
// lang/world/query_relations.h). The engine never asks for a relation a rule
// set defines, and checks every emitted tuple against the pattern itself.
class Relations {
 public:
  virtual ~Relations() = default;
  virtual bool has_relation(std::string_view name, size_t arity) const = 0;
  // Emits the tuples of name/pattern.size() that match the bound arguments.
  // May throw QueryError(Refused) for a pattern it will not enumerate (a
  // fully unbound one over a large relation, typically). Called re-entrantly:
  // the engine evaluates the rest of a rule inside emit.
  virtual void enumerate(std::string_view name, std::span<const std::optional<Value>> pattern,
                         const Emit& emit) = 0;
  // Memoized results are reused while this is unchanged: it must change
  // whenever any built-in relation's content may have changed.
  virtual uint64_t version() const = 0;
};

// ---- rule sets ----

struct Limits {
  // Tuples held for a rule set (answers and demand tuples of all relations,
  // memoized ones included): an unbounded rule (a compound term growing
  // through recursion) stops here. A query over the bound only because of
  // earlier queries' memo is retried once from an empty memo.
  size_t max_tuples = 1'000'000;
  uint64_t max_steps = 100'000'000;  // join probes in one call
  std::chrono::milliseconds max_time{10'000};  // wall clock of one call
};

namespace detail {
struct Memo;
}

struct CacheStats {
  size_t contexts = 0;  // memoized (relation, bound-argument pattern) evaluations
  size_t tuples = 0;    // tuples they hold
  uint64_t version = 0;
};

// The rules of one object (or any collection): grouped by relation and
// arity, validated as they are added. Also holds the memo of evaluations,
// which is why holds/query_all take it by const reference yet reuse results;
// the memo is locked per call, so one RuleSet may be queried from several
// threads (calls on one RuleSet are serialized). Copies start with no memo.
class RuleSet {
 public:
  RuleSet();
  explicit RuleSet(std::vector<Rule> rules);  // adds all; throws on the first bad one
  RuleSet(const RuleSet& o);
  RuleSet& operator=(const RuleSet& o);
  RuleSet(RuleSet&&) noexcept;
  RuleSet& operator=(RuleSet&&) noexcept;
  ~RuleSet();

  // Validates the rule (safety) and the set with it (stratification); on
  // QueryError(Invalid) the set is unchanged. Drops the memo.
  void add(Rule r);
  void add(std::vector<Rule> rules);  // all or none

  const std::vector<Rule>& rules() const { return rules_; }
  bool defines(std::string_view name, size_t arity) const;
  // Indices into rules() of the rules for name/arity (empty if none).
  const std::vector<size_t>& rules_for(std::string_view name, size_t arity) const;

  CacheStats cache_stats() const;
  void clear_cache() const;
  detail::Memo& memo() const { return *memo_; }

 private:
  void check_strata(const std::vector<Rule>& rules) const;
  std::vector<Rule> rules_;
  std::map<std::pair<std::string, size_t>, std::vector<size_t>> by_relation_;
  std::unique_ptr<detail::Memo> memo_;
};

// ---- queries ----

// `this:rule(args)`: does name(args) hold? Every argument is bound.
bool holds(const RuleSet& rules, Relations& host, std::string_view name, const std::vector<Value>& args,
           const Limits& limits = {});

// `query_all(this, "rule", [p, ?d])`: every tuple of name/pattern.size()
// matching the bound arguments, whole (bound arguments included), sorted
// by compare_values element by element and without duplicates.
std::vector<Tuple> query_all(const RuleSet& rules, Relations& host, std::string_view name,
                             const Pattern& pattern, const Limits& limits = {});

}  // namespace echo::datalog
