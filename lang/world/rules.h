// Echo's capabilities and queries on MOO objects.
//
// Capabilities: a grant is a compound value {"Name", arg, ...} kept in the
// grantee's property `__capabilities` (defined on demand, wizard-owned and
// unreadable), so grants persist with the world. grant_capability /
// revoke_capability (Echo's `grant` / `revoke` statements) need a wizard or
// the owner of the capability's first object argument. A verb's `requires
// Cap(args)` and `secure` are its first lines, require_capability("Cap",
// args) and require_secure(), checked on every call whatever the path.
//
// Queries: an object's `query` rules and `fact`s are kept as the first
// comment lines (`// query ...`, `// fact ...`) of a verb named after the
// relation, whose code then asks the engine: `this:can_read(p, d)` is
// query_holds(this, "can_read", args). The rules of an object are those of
// its verbs and its ancestors' verbs; `this` in a rule is the object asked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lang/parse.h"
#include "lang/query/datalog.h"
#include "lang/world/world.h"

namespace echo {

// Capability grants live on the capability's anchor (its first object
// argument, or #0 for one with none): {grantee, capability} pairs in this
// wizard-owned, unreadable property. A grant so writes only to an object
// its grantor controls (the anchor's owner or a wizard may grant).
constexpr const char* kCapabilityGrantsProp = "__capability_grants";

// Whether a line of verb code holds a rule (`// query ` or `// fact `).
bool is_rule_line(std::string_view line);

// Rules from `query ...` / `fact ...` members' text (without the `// `),
// `this` bound to self. Errors (syntax, unsafe rules) are appended with
// their lines in `text` when `errors` is given, else thrown as QueryError.
std::vector<datalog::Rule> parse_rules(World& w, int64_t self, std::string_view text,
                                       std::vector<CompileError>* errors);

}  // namespace echo
