// Echo's function values (closures) and the cells that let-bindings captured
// by reference live in. Both are heap objects of echo::Value (Type::Func and
// Type::Cell); MOO code never sees a cell: a variable held in a cell is read
// and written through it by the compiler's CELL_* instructions.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lang/value.h"

namespace echo {

struct Program;

struct CellObj : HeapObject {
  Value value = Value::none();  // None: declared but not yet bound
};

// What a function value needs to be stored and rebuilt in another process:
// its Echo source text, the names it captures (and whether by reference),
// the captured values, and the identity it runs as. The compiled program is
// rebuilt from the source on first call when it is absent.
struct FuncObj : HeapObject {
  std::string source;                      // the `x => ...` / `fn ... endfn` text
  std::vector<std::string> capture_names;  // in register order
  std::vector<bool> capture_by_ref;        // true: the capture is a cell
  std::vector<Value> captures;
  std::string name;                        // `fn name(...)`, else empty
  // The verb activation that created it: the function runs with its
  // permissions (progr) and sees its this/player/caller.
  int64_t this_obj = -1, player = -1, caller = -1, progr = -1, definer = -1;
  std::string verb_name;

  // The compiled body; compiled lazily (thread-safely) after a restore.
  std::shared_ptr<const Program> program() const;
  void set_program(std::shared_ptr<const Program> p);

 private:
  mutable std::mutex mu_;
  mutable std::shared_ptr<const Program> program_;
};

Value make_cell(Value v);
Value make_function(FuncObj* f);  // takes ownership (refs == 1)
inline CellObj* cell_of(const Value& v) { return static_cast<CellObj*>(v.heap()); }
inline const FuncObj* func_of(const Value& v) { return static_cast<const FuncObj*>(v.heap()); }

// The values a list, a map (each key, then its value), a function (its
// captures) or a cell holds: for walks over values of any depth with an
// explicit stack. Other values hold none.
size_t value_child_count(const Value& v);
const Value& value_child(const Value& v, size_t i);  // i < value_child_count(v)

// Frees the reference cycles among `cells` (a task's let-cells: a closure
// stored in a cell it captures, mutually recursive closures, ...), which
// reference counting alone never frees. Trial deletion: every heap object
// reachable from the cells is counted; those referenced from outside the
// graph (a register, a property, a list held elsewhere), and all they reach,
// are live; the cells left are garbage, and are emptied, which breaks the
// cycles. The caller holds one reference to each cell in `cells` and drops
// them afterwards. Cycles always pass through a cell: lists and maps are
// values (copied on write) and a function's captures never change.
void collect_cell_cycles(std::vector<Value>& cells);

// Compiles a function's source (with its capture names) into its program.
// Defined by the Echo front end (lang/parse_echo.cpp); throws
// std::runtime_error with the compile errors when the text does not compile.
std::shared_ptr<const Program> compile_function(const FuncObj& f);

}  // namespace echo
