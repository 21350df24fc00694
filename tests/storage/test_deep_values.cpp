// Values nested far deeper than any C++ stack could recurse (security issue
// 14): the store and the textdump keep them whole, and read them back.
#include <catch2/catch.hpp>

#include "lang/function.h"
#include "lang/map.h"
#include "storage/store.h"
#include "storage/store_records.h"
#include "storage/value_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include "store_test_util.h"
#include "util.h"

using namespace echo;
using namespace echo::storage;
using storage_test::data_path;
using storage_test::TempDir;

namespace {

// `depth` levels, mostly two-element lists, with maps (a level in 5) and, when
// `echo_types`, functions capturing the level below (a level in 7) mixed in,
// so that every kind of container nests.
Value deep_value(int depth, bool echo_types) {
  Value v = Value::str("bottom");
  for (int i = 0; i < depth; ++i) {
    if (i % 5 == 1) {
      Value m = Value::empty_map();
      m.map_mut()->set(Value::str("k" + std::to_string(i % 3)), std::move(v));
      v = std::move(m);
    } else if (echo_types && i % 7 == 3) {
      auto* f = new FuncObj();
      Value fv = make_function(f);
      f->source = "() => c";
      f->progr = i;
      f->capture_names = {"c"};
      f->capture_by_ref = {i % 2 == 0};
      f->captures.push_back(i % 2 == 0 ? make_cell(std::move(v)) : std::move(v));
      v = std::move(fv);
    } else {
      v = make_list({std::move(v), Value::flt(i + 0.5)});
    }
  }
  return v;
}

// equal_exact(), but functions compare by what is stored of them (their
// source, captures and identity), not by which object they are.
bool same(const Value& a0, const Value& b0) {
  std::vector<std::pair<const Value*, const Value*>> todo{{&a0, &b0}};
  while (!todo.empty()) {
    auto [a, b] = todo.back();
    todo.pop_back();
    if (a->type() != b->type()) return false;
    if (a->is_list()) {
      if (a->list_len() != b->list_len()) return false;
      for (uint32_t i = 0; i < a->list_len(); ++i) todo.emplace_back(&a->list_at(i), &b->list_at(i));
    } else if (a->is_map()) {
      const auto &x = a->map_obj()->entries, &y = b->map_obj()->entries;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!equal_exact(x[i].first, y[i].first)) return false;
        todo.emplace_back(&x[i].second, &y[i].second);
      }
    } else if (a->is_cell()) {
      todo.emplace_back(&cell_of(*a)->value, &cell_of(*b)->value);
    } else if (a->is_func()) {
      const FuncObj *f = func_of(*a), *g = func_of(*b);
      if (f->source != g->source || f->capture_names != g->capture_names ||
          f->capture_by_ref != g->capture_by_ref || f->captures.size() != g->captures.size() ||
          f->progr != g->progr)
        return false;
      for (size_t i = 0; i < f->captures.size(); ++i) todo.emplace_back(&f->captures[i], &g->captures[i]);
    } else if (!equal_exact(*a, *b)) {
      return false;
    }
  }
  return true;
}

Object object_holding(Objid id, Value v) {
  Object o;
  o.id = id;
  o.name = "deep";
  o.owner = 2;
  o.location = Value::obj(kNothing);
  o.contents = Value::empty_list();
  o.parents = Value::empty_list();
  o.children = Value::empty_list();
  o.propdefs = {"deep"};
  o.propvals.push_back(PropVal{StoredValue{std::move(v), {}}, 2, kPropRead});
  return o;
}

}  // namespace

TEST_CASE("store: a value of any depth is stored and loads back after a reopen", "[store][deep]") {
  for (int depth : {20000, 1000000}) {
    INFO("depth " << depth);
    Value v = deep_value(depth, true);
    TempDir tmp("deep-any");
    {
      auto s = Store::open(tmp / "w");
      Batch b;
      b.put_object(object_holding(1, v));
      b.put_task_value(7, v);
      s->commit(b);
    }
    auto s = Store::open(tmp / "w");
    auto back = s->get_object(1);
    REQUIRE(back);
    CHECK(same(back->propvals[0].value.value, v));
    auto task = s->get_task_value(7);
    REQUIRE(task);
    CHECK(same(*task, v));
  }
}

TEST_CASE("store: values either side of the inline depth round trip", "[store][deep]") {
  // An object's value is nested structs for its first 48 levels (value_codec.h's
  // kInlineDepth), the rest one flat blob; a task record is flat throughout.
  for (int depth : {1, 46, 47, 48, 49, 50, 200, 5000}) {
    INFO("depth " << depth);
    Value v = deep_value(depth, true);
    std::string bytes = records::encode_object(object_holding(1, v), false);
    CHECK(same(records::decode_object(bytes, "#1").propvals[0].value.value, v));
    if (depth == 5000) CHECK(bytes.size() < size_t(depth) * 24);
    std::string task = records::encode_task(v);
    CHECK(same(records::decode_task(task, "task"), v));
  }
}

TEST_CASE("textdump: a value of any depth is written and read back", "[textdump][deep]") {
  for (int depth : {20000, 1000000}) {
    INFO("depth " << depth);
    WorldImage im = read_textdump_file(data_path("Minimal.db"));
    REQUIRE(im.objects[0].propdefs.empty());
    Value v = deep_value(depth, false);
    im.objects[0] = [&] {
      Object o = im.objects[0];
      o.propdefs = {"deep"};
      o.propvals = {PropVal{StoredValue{v, {}}, 2, kPropRead}};
      return o;
    }();
    std::string text = write_textdump(im, im.format);
    WorldImage back = read_textdump(text);
    CHECK(first_difference(im, back) == "");
    CHECK(equal_exact(back.objects[0].propvals[0].value.value, v));
  }
}

// Record format 2: a task record is the flat encoding (varints, the record's
// keys as one byte each), a quarter of format 1's nested structs or less, and
// a format 1 record still reads.
TEST_CASE("store: task records are flat, small, and format 1 ones still read", "[store]") {
  Value state = Value::empty_map();
  auto put = [&](const char* k, Value v) { state.map_mut()->set(Value::str(k), std::move(v)); };
  Value regs = Value::empty_list();
  for (Value v : {Value::integer(0), Value::integer(-1), Value::integer(INT64_MAX), Value::integer(INT64_MIN),
                  Value::obj(-1), Value::obj(INT64_MIN), Value::err(E_INVARG), Value::err(Error(-7)),
                  Value::flt(-0.0), Value::flt(1e300), Value::str("sleep"), Value::str("not a known key"),
                  Value::str(""), Value::str("x"), Value::boolean(true), Value::none(), Value::null()})
    list_append(regs, v);
  put("regs", regs);
  put("state", Value::str("sleep"));
  put("wake", Value::flt(1796653621.5));
  put("player", Value::obj(24));
  put("pc", Value::integer(12));
  put("source", Value::str("fork t (0) while (1) fork (0) suspend(30); endfork endwhile endfork return t;"));
  std::string flat = records::encode_task(state);
  CHECK(same(records::decode_task(flat, "task 1"), state));
  Value back = records::decode_task(flat, "task 1");
  int at = back.map_obj()->find(Value::str("regs"));
  REQUIRE(at >= 0);
  CHECK(equal_exact(back.map_obj()->entries[size_t(at)].second, regs));  // every bit, -0.0 and all

  // The same record as format 1 wrote it.
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<schema::TaskRecord>();
  r.setFormatVersion(1);
  encode_value(state, r.initState());
  kj::Array<capnp::word> words = capnp::messageToFlatArray(mb);
  std::string old(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
  CHECK(same(records::decode_task(old, "task 2"), state));
  CHECK(flat.size() * 3 < old.size());

  // Corrupt flat bytes are refused with the record's name, never read past.
  for (size_t cut = 1; cut < flat.size(); cut += 7)
    CHECK_THROWS_WITH(records::decode_task(flat.substr(0, cut), "task 3"), Catch::Contains("task 3"));
}
