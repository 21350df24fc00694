// net/rpc/values.h: MOO values to the RPC schema's Value and back, and what
// a peer's message may not make the server build.
#include <catch2/catch.hpp>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "lang/map.h"
#include "net/rpc/values.h"

using namespace echo;
using echo::rpc::from_wire;
using echo::rpc::to_wire;
using echo::rpc::ValueError;
namespace schema = echo::rpc::schema;

namespace {

Value round_trip(const Value& v) {
  capnp::MallocMessageBuilder m;
  to_wire(v, m.initRoot<schema::Value>());
  return from_wire(m.getRoot<schema::Value>().asReader());
}

Value map_of(std::initializer_list<std::pair<Value, Value>> kv) {
  Value m = Value::empty_map();
  for (auto& [k, v] : kv) m.map_mut()->set(k, v);
  return m;
}

}  // namespace

TEST_CASE("every value a MOO program holds comes back as itself, type and all", "[rpc]") {
  std::vector<Value> values = {
      Value::integer(0),
      Value::integer(INT64_MIN),
      Value::flt(2.0),
      Value::flt(-0.0),
      Value::str(""),
      Value::str(std::string("\xFF\x00\xFE", 3)),  // MOO strings are bytes
      Value::obj(-1),
      Value::obj(12),
      Value::err(E_PERM),
      Value::boolean(true),
      Value::null(),
      make_list({Value::integer(1), Value::str("a"), Value::empty_list()}),
      map_of({{Value::integer(1), Value::str("x")}, {Value::obj(2), make_list({Value::integer(3)})}}),
      map_of({{Value::str("obj"), Value::integer(12)}}),
  };
  for (const Value& v : values) {
    INFO(to_literal(v));
    Value back = round_trip(v);
    CHECK(back.type() == v.type());
    CHECK(equal_exact(back, v));
  }
  CHECK(std::signbit(round_trip(Value::flt(-0.0)).as_float()));
}

TEST_CASE("a value nested more than 30 deep is refused on the way out, saying where", "[rpc]") {
  Value v = Value::integer(1);
  for (int i = 0; i < 30; ++i) v = make_list({v});
  CHECK_NOTHROW(round_trip(v));
  v = make_list({v});
  REQUIRE_THROWS_AS(round_trip(v), ValueError);
  REQUIRE_THROWS_WITH(round_trip(v), Catch::Contains("[1][1]") && Catch::Contains("30 deep"));
}

// Read as the server and a client with default options read a message.
Value read_back(capnp::MallocMessageBuilder& m) {
  auto words = capnp::messageToFlatArray(m);
  capnp::FlatArrayMessageReader r(words);
  return from_wire(r.getRoot<schema::Value>());
}

TEST_CASE("what a default reader can read is what the server sends: 30 deep, not 31", "[rpc]") {
  for (int depth : {30, 31, 40}) {
    capnp::MallocMessageBuilder m;
    auto b = m.initRoot<schema::Value>();
    for (int i = 0; i < depth; ++i) b = b.initList(1)[0];
    b.setInt(7);
    INFO("depth " << depth);
    if (depth == 30)
      CHECK_NOTHROW(read_back(m));
    else  // ours at 31, Cap'n Proto's own nesting limit past it: neither builds the value
      CHECK_THROWS_WITH(read_back(m), Catch::Contains("30 deep") || Catch::Contains("too deeply-nested"));
  }
}

TEST_CASE("what a peer may not send: unknown errors, lists as map keys, a key twice", "[rpc]") {
  capnp::MallocMessageBuilder m;
  auto v = m.initRoot<schema::Value>();
  v.setErr("E_NOSUCH");
  REQUIRE_THROWS_WITH(from_wire(v.asReader()), Catch::Contains("no error is named \"E_NOSUCH\""));
  v.setErr("e_perm");  // names are case-insensitive, as MOO's
  CHECK(from_wire(v.asReader()).as_err() == E_PERM);

  auto entries = v.initMap(1);
  entries[0].initKey().initList(0);
  entries[0].initValue().setInt(1);
  REQUIRE_THROWS_WITH(from_wire(v.asReader()), Catch::Contains("cannot be a map key"));

  entries = v.initMap(2);
  entries[0].initKey().setStr(kj::StringPtr("a").asBytes());
  entries[0].initValue().setInt(1);
  entries[1].initKey().setStr(kj::StringPtr("A").asBytes());  // one MOO key: keys ignore case
  entries[1].initValue().setInt(2);
  REQUIRE_THROWS_WITH(from_wire(v.asReader()), Catch::Contains("comes twice"));
}

TEST_CASE("a function has no wire form, and the error names where it is", "[rpc]") {
  // No FUNC can be built without the compiler here; an internal value
  // (none) stands for what the schema cannot carry.
  Value v = make_list({Value::integer(1), map_of({{Value::str("f"), Value::none()}})});
  REQUIRE_THROWS_AS(round_trip(v), ValueError);
  REQUIRE_THROWS_WITH(round_trip(v), Catch::Contains("[2][\"f\"]"));
}
