// Internals of the Datalog engine shared by rules.cpp, table.cpp, plan.cpp
// and eval.cpp: tuple tables, rules compiled for one demand pattern, and the
// memo of evaluations a RuleSet carries. Not part of the public API.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "lang/query/datalog.h"

namespace echo::datalog::detail {

std::string lower(std::string_view s);

// The engine's identity of values (see datalog.h): one order, so that
// hashing, set membership, unification and `==` all agree.
// Scalars are decided inline: same() is the inner loop of every join.
inline bool same(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;  // compare_values orders by type first
  switch (a.type()) {
    case Type::Int:
    case Type::Obj:
    case Type::Err:
      return a.as_int() == b.as_int();
    case Type::Bool:
      return a.as_bool() == b.as_bool();
    case Type::Str:
      return a.heap() == b.heap() || (a.as_str().size() == b.as_str().size() && compare_ci(a.as_str(), b.as_str()) == 0);
    default:
      return compare_values(a, b) == 0;
  }
}
uint64_t hash_value(const Value& v);

// A set of tuples of one arity, append-only: a row number never changes, so
// semi-naive evaluation can name "old" and "new" tuples by row ranges, and a
// join can keep iterating a table that it is also adding to (new rows lie
// past the range being read).
class Table {
 public:
  explicit Table(uint32_t arity) : arity_(arity) {}
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  uint32_t arity() const { return arity_; }
  uint32_t size() const { return rows_; }
  // The reference is valid until the next insert.
  const Value& at(uint32_t row, uint32_t col) const { return cells_[size_t(row) * arity_ + col]; }
  // Appends the tuple unless an equal one is present; true if appended.
  bool insert(std::span<const Value> tuple);
  // The row holding tuple, or -1.
  int64_t find(std::span<const Value> tuple) const;
  // Rows, ascending, whose columns in mask (bit i: column i) may equal key
  // (the values of those columns in column order): a superset, as rows are
  // bucketed by hash, so callers compare the values. The index for a mask is
  // built on first use and brought up to date on each lookup. The vector
  // stays valid (and may grow) while the table grows: read it by position.
  const std::vector<uint32_t>& lookup(uint32_t mask, std::span<const Value> key);

  uint32_t processed = 0;  // rows before this have been a semi-naive delta

 private:
  struct Index {
    uint32_t mask = 0;
    uint32_t built = 0;  // rows indexed so far
    std::unordered_map<uint64_t, std::vector<uint32_t>> buckets;
  };
  uint64_t row_hash(uint32_t row, uint32_t mask) const;
  int64_t find(std::span<const Value> tuple, uint64_t hash) const;
  void rehash(size_t capacity);

  uint32_t arity_;
  uint32_t rows_ = 0;
  std::vector<Value> cells_;      // row-major
  std::vector<uint64_t> hashes_;  // per row, of the whole tuple
  std::vector<uint32_t> slots_;   // open addressing: row + 1, 0 = empty
  std::vector<std::unique_ptr<Index>> indexes_;
};

// A term with variables numbered within its rule.
struct CTerm {
  enum class Kind : uint8_t { Var, Anon, Const, Compound };
  Kind kind = Kind::Const;
  uint32_t var = 0;
  Value value;  // Const; Compound: the functor, as a STR
  std::vector<CTerm> args;
};

// One literal of a compiled rule body, in evaluation order.
struct Step {
  enum class Kind : uint8_t {
    Scan,     // tuples of a table of the context (answers or demand)
    Host,     // tuples of a built-in relation
    Negate,   // `not`: a built-in relation, or a relation of rules (solved in its own context)
    Compare,  // a test between two ground terms
    Bind,     // `X == t` with X unbound: X := t
  };
  Kind kind = Kind::Scan;
  uint32_t table = 0;         // Scan
  uint32_t scan = 0;          // Scan: its ordinal among the rule's scans
  std::string relation;       // Host, Negate (lower-case)
  bool builtin = false;       // Negate
  uint32_t mask = 0;          // arguments that are ground when the step runs
  std::vector<CTerm> args;    // Scan, Host, Negate
  CmpOp op = CmpOp::Eq;       // Compare, Bind (Eq)
  CTerm lhs, rhs;             // Compare; Bind: lhs is the variable
};

struct CRule {
  uint32_t head_table = 0;
  std::vector<CTerm> head;
  // The body in evaluation order, one order per semi-naive variant: when
  // scan j reads the delta, variants[j] (which starts from that scan).
  std::vector<std::vector<Step>> variants;
  std::vector<uint32_t> scan_tables;  // table of each Scan, by ordinal
  uint32_t nvars = 0;
  std::string text;  // the source rule, for messages
};

// The evaluation of one relation for one pattern of bound arguments (its
// adornment): the demand ("magic") transformed program, its tables, and the
// tuples derived so far. A later query with the same pattern but other
// values adds a demand tuple and resumes from there.
struct Context {
  std::string relation;
  uint32_t arity = 0;
  uint32_t adornment = 0;  // bit i: argument i bound
  std::vector<std::unique_ptr<Table>> tables;
  std::vector<CRule> rules;
  uint32_t answers = 0;  // table of the relation's tuples for this adornment
  uint32_t demand = 0;   // table of the bound-argument tuples asked for
  bool running = false;
};

// Builds the context for relation/arity under adornment (plan.cpp).
std::unique_ptr<Context> compile(const RuleSet& rules, const Relations& host, const std::string& relation,
                                 uint32_t arity, uint32_t adornment);

struct Memo {
  std::mutex mu;
  bool valid = false;  // version below is meaningful
  uint64_t version = 0;
  size_t tuples = 0;   // in all contexts
  std::map<std::tuple<std::string, uint32_t, uint32_t>, std::unique_ptr<Context>> contexts;

  void clear() {
    contexts.clear();
    tuples = 0;
    valid = false;
  }
};

}  // namespace echo::datalog::detail
