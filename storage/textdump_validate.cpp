// Hierarchy checks run after loading, as LambdaMOO's validate_hierarchies()
// (format <= 4 links) and ToastStunt's ng_validate_hierarchies(), except that
// an invalid reference is an error here, not a repair.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "storage/textdump.h"
#include "storage/textdump_internal.h"

namespace echo::storage {
namespace detail {
namespace {

std::string num(Objid id) { return "#" + std::to_string(id); }

[[noreturn]] void fail(const Object& o, const std::string& msg) {
  throw TextdumpError(o.line, "object " + num(o.id) + ": " + msg);
}

bool live(const WorldImage& im, Objid id) {
  return id >= 0 && size_t(id) < im.objects.size() && !im.objects[size_t(id)].recycled;
}

const Object& at(const WorldImage& im, Objid id) { return im.objects[size_t(id)]; }

// ---------------------------------------------------------------- format <= 4

// The servers set `next` to #-1 on an object with no location.
Objid next_of(const Object& o) { return o.v4->location == kNothing ? kNothing : o.v4->next; }

template <class Step>
void check_chain(const WorldImage& im, const Object& o, Objid start, Step step, const char* name) {
  size_t count = 0;
  for (Objid id = start; id != kNothing; id = step(at(im, id))) {
    if (++count > im.objects.size()) fail(o, std::string("cycle in its ") + name + " chain");
  }
}

}  // namespace

void validate_links4(const WorldImage& im) {
  for (const Object& o : im.objects) {
    if (o.recycled) continue;
    if (!o.v4) fail(o, "no format-4 links");
    const Links4& k = *o.v4;
    std::pair<Objid, const char*> refs[] = {{k.parent, "parent"},     {k.child, "first child"},
                                            {k.sibling, "next sibling"}, {k.location, "location"},
                                            {k.contents, "first content"}, {next_of(o), "next in location"}};
    for (auto [id, name] : refs)
      if (id != kNothing && !live(im, id)) fail(o, std::string(name) + " " + num(id) + " is not a valid object");
  }
  for (const Object& o : im.objects) {
    if (o.recycled) continue;
    check_chain(im, o, o.v4->parent, [](const Object& x) { return x.v4->parent; }, "parent");
    check_chain(im, o, o.v4->child, [](const Object& x) { return x.v4->sibling; }, "child");
    check_chain(im, o, o.v4->location, [](const Object& x) { return x.v4->location; }, "location");
    check_chain(im, o, o.v4->contents, [](const Object& x) { return next_of(x); }, "contents");
  }
  std::vector<char> claimed_child(im.objects.size()), claimed_content(im.objects.size());
  for (const Object& o : im.objects) {
    if (o.recycled) continue;
    for (Objid kid = o.v4->child; kid != kNothing; kid = at(im, kid).v4->sibling) {
      if (at(im, kid).v4->parent != o.id)
        fail(o, num(kid) + " is on its child list but has parent " + num(at(im, kid).v4->parent));
      claimed_child[size_t(kid)] = 1;
    }
    for (Objid kid = o.v4->contents; kid != kNothing; kid = next_of(at(im, kid))) {
      if (at(im, kid).v4->location != o.id)
        fail(o, num(kid) + " is on its contents list but has location " + num(at(im, kid).v4->location));
      claimed_content[size_t(kid)] = 1;
    }
  }
  for (const Object& o : im.objects) {
    if (o.recycled) continue;
    if (o.v4->parent != kNothing && !claimed_child[size_t(o.id)])
      fail(o, "not on the child list of its parent " + num(o.v4->parent));
    if (o.v4->location != kNothing && !claimed_content[size_t(o.id)])
      fail(o, "not on the contents list of its location " + num(o.v4->location));
  }
}

void derive_links_from4(WorldImage& im) {
  for (Object& o : im.objects) {
    if (o.recycled) continue;
    o.location = Value::obj(o.v4->location);
    o.parents = Value::obj(o.v4->parent);
    o.children = Value::empty_list();
    for (Objid kid = o.v4->child; kid != kNothing; kid = at(im, kid).v4->sibling)
      list_append(o.children, Value::obj(kid));
    o.contents = Value::empty_list();
    for (Objid kid = o.v4->contents; kid != kNothing; kid = next_of(at(im, kid)))
      list_append(o.contents, Value::obj(kid));
    o.last_move = StoredValue{Value::empty_map(), {}};
  }
}

// ---------------------------------------------------------------- format >= 5

namespace {

bool is_obj_list(const Value& v) {
  if (!v.is_list()) return false;
  for (uint32_t i = 0; i < v.list_len(); ++i)
    if (!v.list_at(i).is_obj()) return false;
  return true;
}

// Cycle check over "up" edges (parents, or the location) by depth-first
// search: 0 unseen, 1 on the current path, 2 done.
void check_cycles(const WorldImage& im, const Value Object::*field, const char* name) {
  std::vector<char> state(im.objects.size());
  std::vector<std::pair<Objid, size_t>> stack;  // object, index of the next up edge
  for (const Object& root : im.objects) {
    if (root.recycled || state[size_t(root.id)]) continue;
    stack.push_back({root.id, 0});
    state[size_t(root.id)] = 1;
    while (!stack.empty()) {
      auto& [id, i] = stack.back();
      std::vector<Objid> ups = object_list(at(im, id).*field);
      if (i < ups.size()) {
        Objid up = ups[i++];
        if (!live(im, up)) continue;
        if (state[size_t(up)] == 1) fail(at(im, up), std::string("cycle in its ") + name + " chain");
        if (state[size_t(up)] == 0) {
          state[size_t(up)] = 1;
          stack.push_back({up, 0});
        }
      } else {
        state[size_t(id)] = 2;
        stack.pop_back();
      }
    }
  }
}

using Edges = std::vector<std::pair<Objid, Objid>>;  // (up, down), sorted

bool has(const Edges& e, Objid up, Objid down) { return std::binary_search(e.begin(), e.end(), std::make_pair(up, down)); }

// Each object in o's up list must list o among its downs, and each object in
// o's down list must have o among its ups.
void check_both_ways(const WorldImage& im, const Value Object::*up, const char* up_name,
                     const Value Object::*down, const char* down_name) {
  Edges ups, downs;
  for (const Object& o : im.objects) {
    if (o.recycled) continue;
    for (Objid u : object_list(o.*up))
      if (u != kNothing) ups.push_back({u, o.id});
    for (Objid d : object_list(o.*down))
      if (d != kNothing) downs.push_back({o.id, d});
  }
  std::sort(ups.begin(), ups.end());
  std::sort(downs.begin(), downs.end());
  for (const Object& o : im.objects) {
    if (o.recycled) continue;
    for (Objid u : object_list(o.*up))
      if (u != kNothing && !has(downs, u, o.id))
        fail(o, std::string("not in the ") + down_name + " of its " + up_name + " " + num(u));
    for (Objid d : object_list(o.*down))
      if (d != kNothing && !has(ups, o.id, d))
        fail(o, num(d) + " is in its " + down_name + " but does not have it as " + up_name);
  }
}

}  // namespace

void validate_links(const WorldImage& im) {
  for (const Object& o : im.objects) {
    if (o.recycled) continue;
    if (!o.parents.is_obj() && !is_obj_list(o.parents)) fail(o, "parents is not an object or a list of objects");
    if (!is_obj_list(o.children)) fail(o, "children is not a list of objects");
    if (!o.location.is_obj()) fail(o, "location is not an object");
    if (!is_obj_list(o.contents)) fail(o, "contents is not a list of objects");
    std::pair<const Value*, const char*> fields[] = {
        {&o.parents, "parent"}, {&o.children, "child"}, {&o.location, "location"}, {&o.contents, "content"}};
    for (auto [v, name] : fields)
      for (Objid id : object_list(*v))
        if (id != kNothing && !live(im, id)) fail(o, std::string(name) + " " + num(id) + " is not a valid object");
  }
  check_cycles(im, &Object::parents, "parent");
  check_cycles(im, &Object::location, "location");
  check_both_ways(im, &Object::location, "location", &Object::contents, "contents");
  check_both_ways(im, &Object::parents, "parent", &Object::children, "children");
}

// ---------------------------------------------------------------- properties

void validate_propval_counts(const WorldImage& im) {
  std::vector<size_t> seen(im.objects.size());  // generation stamps
  size_t generation = 0;
  std::vector<Objid> todo;
  for (const Object& o : im.objects) {
    if (o.recycled) continue;
    ++generation;
    size_t defined = 0;
    todo.assign(1, o.id);
    seen[size_t(o.id)] = generation;
    while (!todo.empty()) {
      const Object& a = at(im, todo.back());
      todo.pop_back();
      defined += a.propdefs.size();
      for (Objid p : object_list(a.parents))
        if (live(im, p) && seen[size_t(p)] != generation) {
          seen[size_t(p)] = generation;
          todo.push_back(p);
        }
    }
    if (o.propvals.size() != defined)
      fail(o, "has " + std::to_string(o.propvals.size()) + " property values but it and its ancestors define " +
                  std::to_string(defined) + " properties");
  }
}

}  // namespace detail

void validate_hierarchy(const WorldImage& im) {
  bool all4 = true;
  for (const Object& o : im.objects) all4 = all4 && (o.recycled || o.v4);
  for (const Object& o : im.objects) {
    if (o.recycled) continue;
    if (o.id != Objid(&o - im.objects.data()))
      throw TextdumpError(o.line, "object #" + std::to_string(o.id) + " is at index " +
                                      std::to_string(&o - im.objects.data()));
  }
  if (all4 && !im.objects.empty())
    detail::validate_links4(im);
  else
    detail::validate_links(im);
  detail::validate_propval_counts(im);
}

}  // namespace echo::storage
