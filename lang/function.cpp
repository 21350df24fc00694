#include "lang/function.h"

#include <unordered_map>

#include "lang/bytecode.h"
#include "lang/map.h"

namespace echo {

std::shared_ptr<const Program> FuncObj::program() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!program_) program_ = compile_function(*this);
  return program_;
}

void FuncObj::set_program(std::shared_ptr<const Program> p) {
  std::lock_guard<std::mutex> lock(mu_);
  program_ = std::move(p);
}

Value make_cell(Value v) {
  auto* c = new CellObj();
  c->value = std::move(v);
  return Value::adopt(Type::Cell, c);
}

Value make_function(FuncObj* f) { return Value::adopt(Type::Func, f); }

namespace {

template <class F>
void each_child(const Value& v, F&& f) {
  switch (v.type()) {
    case Type::Cell: f(cell_of(v)->value); break;
    case Type::Func:
      for (const Value& c : func_of(v)->captures) f(c);
      break;
    case Type::List:
      for (uint32_t i = 0; i < v.list_len(); ++i) f(v.list_at(i));
      break;
    case Type::Map:
      for (const auto& [k, x] : v.map_obj()->entries) {
        f(k);
        f(x);
      }
      break;
    default: break;
  }
}

bool traced(const Value& v) {
  return (v.is_cell() || v.is_func() || v.is_list() || v.is_map()) && !v.heap()->immortal();
}

}  // namespace

void collect_cell_cycles(std::vector<Value>& cells) {
  struct Node {
    const Value* value;
    uint32_t internal = 0;
    bool live = false;
  };
  std::unordered_map<HeapObject*, Node> nodes;
  std::vector<const Value*> todo;
  for (const Value& c : cells) {
    if (!traced(c)) continue;
    auto [it, added] = nodes.try_emplace(c.heap(), Node{&c});
    it->second.internal++;  // the caller's own reference
    if (added) todo.push_back(&c);
  }
  while (!todo.empty()) {
    const Value* v = todo.back();
    todo.pop_back();
    each_child(*v, [&](const Value& ch) {
      if (!traced(ch)) return;
      auto [it, added] = nodes.try_emplace(ch.heap(), Node{&ch});
      it->second.internal++;
      if (added) todo.push_back(&ch);
    });
  }
  // Referenced from outside the graph: live, and so is all it reaches.
  for (auto& [h, n] : nodes)
    if (!n.live && h->refs.load(std::memory_order_acquire) > n.internal) {
      n.live = true;
      todo.push_back(n.value);
      while (!todo.empty()) {
        const Value* v = todo.back();
        todo.pop_back();
        each_child(*v, [&](const Value& ch) {
          if (!traced(ch)) return;
          Node& m = nodes.at(ch.heap());
          if (!m.live) {
            m.live = true;
            todo.push_back(&ch);
          }
        });
      }
    }
  std::vector<CellObj*> dead;
  for (auto& [h, n] : nodes)
    if (!n.live && n.value->is_cell()) dead.push_back(static_cast<CellObj*>(h));
  // Emptying a dead cell may free others of the graph: take their values
  // out first, then let them go.
  std::vector<Value> drop;
  for (CellObj* c : dead) drop.push_back(std::exchange(c->value, Value::none()));
  drop.clear();
}

size_t value_child_count(const Value& v) {
  switch (v.type()) {
    case Type::List: return v.list_len();
    case Type::Map: return v.map_obj()->entries.size() * 2;
    case Type::Func: return func_of(v)->captures.size();
    case Type::Cell: return 1;
    default: return 0;
  }
}

const Value& value_child(const Value& v, size_t i) {
  switch (v.type()) {
    case Type::List: return v.list_at(uint32_t(i));
    case Type::Map: {
      const auto& e = v.map_obj()->entries[i / 2];
      return i % 2 ? e.second : e.first;
    }
    case Type::Func: return func_of(v)->captures[i];
    default: return cell_of(v)->value;
  }
}

}  // namespace echo
