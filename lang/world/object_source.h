// Echo object files: definitions (`object lamp extends $thing ... endobject`,
// grammar/echo/README.md) applied to a World, and objects printed back as
// definitions that load to the same object.
//
// How the definitions map onto MOO objects:
// - `object NAME` is the object `$NAME` (#0.NAME): updated when it exists,
//   else created (owned by the loader) and registered as #0.NAME. `object #N`
//   updates #N. `extends` sets the parents (chparents on an existing object).
// - `property p (perms) = value;` defines p (default perms "rc") or, when p
//   is inherited, sets the object's own value; `name` sets the object's name.
//   Values are constants: literals, lists, maps, records, objects ($x, #N or
//   the name of an object of the file) and functions.
// - `verb "names" (dobj, prep, iobj) (perms) ... endverb` is a verb (default
//   perms "rxd") whose code is the body text; a body whose first line is
//   `// syntax: moo` is MOO code (that is how MOO verbs are dumped).
// - `function name(params) ... endfunction` is a verb `name` with argspec
//   (this, none, this), which no command matches; its code starts with the
//   line `let {params} = args;`.
// - `on event(params) where cond ... endon` is a verb `on:event` (this none
//   this) whose code starts with `let {params} = args;` and, with a where,
//   `if (!(cond)) return; endif`; `on error thrown as e (codes) ... endon` is
//   a verb `on:error` starting `let {e} = args;` (and the codes test). emit()
//   runs them (lang/world/events.cpp).
// The whole file is checked (syntax, verb code, names, parents, property
// clashes) before anything changes: a file with an error changes nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lang/parse.h"
#include "lang/world/world.h"

namespace echo {

struct SourceLoadResult {
  std::vector<CompileError> errors;  // empty when the file was applied
  std::vector<int64_t> objects;      // the objects it defines, in file order
  std::vector<int64_t> created;      // those that are new
  bool ok() const { return errors.empty(); }
};

// Applies an object file as `progr` (owner of what it creates).
SourceLoadResult load_object_source(World& w, std::string_view text, int64_t progr);

// The object as a definition: its parents, the properties it defines or sets,
// and its verbs. load_object_source of the result gives back the same object.
// With a `reader` (an object number), only what it may read is printed: a
// property whose value it may not read (LambdaMOO's `r` bit, its owner, or a
// wizard) and a verb whose code it may not read are left out, and a closing
// comment says how many; without one (NOTHING), everything.
std::string dump_object_source(World& w, int64_t id, int64_t reader = NOTHING);

// A value in Echo literal syntax (`[->]` for an empty map, `\n` escapes,
// functions as their text).
std::string echo_literal(const Value& v);

// Text split at '\n' (the loader's and the printer's line handling).
std::vector<std::string> split_lines(std::string_view s);

}  // namespace echo
