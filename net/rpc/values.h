// MOO values to and from the RPC schema's Value (net/rpc/echo.capnp).
// Reversible for every value a MOO program can hold but functions.
#pragma once

#include <stdexcept>
#include <string>

#include "lang/value.h"
#include "net/rpc/echo.capnp.h"

namespace echo::rpc {

// Values nest at most this deep on the wire. Each level is a struct and a
// list pointer, so Cap'n Proto's default nesting limit of 64 (which every
// reader applies, the server too) stops at 31: a deeper value could not
// be read by a client with default options. Said here, with a clear error.
constexpr int kMaxValueDepth = 30;

// What cannot cross: a function, an internal value, a value nested too
// deep, an unknown error name, a list or map as a map key, two equal keys.
// The message says where, as a MOO index expression ("[2][\"f\"]: ...").
struct ValueError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws ValueError; `out` is then partly written (build a fresh message).
void to_wire(const Value& v, schema::Value::Builder out);
// Throws ValueError; Cap'n Proto's own exceptions (a message past its
// traversal limit) pass through.
Value from_wire(schema::Value::Reader in);

}  // namespace echo::rpc
