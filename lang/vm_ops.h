// The interpreter's operations on values, outside the dispatch loop: the
// slow paths of arithmetic, comparison, indexing and nested assignment, with
// LambdaMOO's exact type and range rules. Each returns E_NONE or the error.
#pragma once

#include "lang/bytecode.h"
#include "lang/limits.h"
#include "lang/value.h"

namespace echo::ops {

Error arith(Op op, const Value& a, const Value& b, Value& out);   // + - * / % ^ and bitwise
Error compare(Op op, const Value& a, const Value& b, Value& out); // < <= > >=
// The same comparisons giving a bool, for compare-and-branch.
Error compare_bool(Op op, const Value& a, const Value& b, bool& out);
Error equal_bool(const Value& a, const Value& b, bool& out);
Error not_equal_bool(const Value& a, const Value& b, bool& out);
Error in(const Value& a, const Value& b, Value& out);             // a in b
Error negate(const Value& a, Value& out);
Error bitnot(const Value& a, Value& out);
Error index(const Value& c, const Value& i, Value& out);          // c[i]
Error range(const Value& c, const Value& from, const Value& to, Value& out);
Error length_of(const Value& c, Value& out);                      // $ inside an index
Error first_key(const Value& c, Value& out);                      // ^ inside an index
Error last_key(const Value& c, Value& out);
// root[idx[0]]...[idx[n-1]] = v (or [..] range at the last level). E_QUOTA,
// with root unchanged, when a container on the path would pass its limit.
Error set_path(Value& root, const Value* idx, int n, bool last_is_range, const Value& v);
// Append in place (copy on write); E_TYPE unless list is a list (and, for
// splice, item is a list). E_QUOTA, with list unchanged, when the result
// would pass the value limits (lang/limits.h).
Error append(Value& list, const Value& item);
Error splice(Value& list, const Value& items);
// The value_bytes() of a list of the n values at items; E_QUOTA when such a
// list would pass the list limits. *fixed as value_bytes(v, fixed).
Error list_bytes(const Value* items, int n, int64_t* bytes, bool* fixed);
Error make_map(const Value* kv, int pairs, Value& out);  // E_QUOTA past max_map_value_bytes
Error check_float(double d, Value& out);  // E_FLOAT for inf and nan

}  // namespace echo::ops
