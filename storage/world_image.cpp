#include "storage/world_image.h"

#include "lang/function.h"

#include <cstring>
#include <string>
#include <vector>

#include "lang/map.h"

namespace echo::storage {

const Object* WorldImage::find(Objid id) const { return const_cast<WorldImage*>(this)->find(id); }

Object* WorldImage::find(Objid id) {
  if (id >= 0 && size_t(id) < objects.size()) return objects[size_t(id)].recycled ? nullptr : &objects[size_t(id)];
  for (Object& o : anonymous)
    if (o.id == id) return o.recycled ? nullptr : &o;
  return nullptr;
}

const RawSection* WorldImage::section(std::string_view name) const {
  for (const RawSection& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

size_t WorldImage::recycled_count() const {
  size_t n = 0;
  for (const Object& o : objects) n += o.recycled;
  return n;
}

size_t WorldImage::verb_count() const {
  size_t n = 0;
  for (const Object& o : objects) n += o.verbs.size();
  return n;
}

size_t WorldImage::program_count() const {
  size_t n = 0;
  for (const Object& o : objects)
    for (const Verb& v : o.verbs) n += v.program.has_value();
  return n;
}

size_t WorldImage::propdef_count() const {
  size_t n = 0;
  for (const Object& o : objects) n += o.propdefs.size();
  return n;
}

size_t WorldImage::propval_count() const {
  size_t n = 0;
  for (const Object& o : objects) n += o.propvals.size();
  return n;
}

std::vector<Objid> object_list(const Value& v) {
  std::vector<Objid> r;
  if (v.is_obj()) {
    if (v.as_obj() != kNothing) r.push_back(v.as_obj());
  } else if (v.is_list()) {
    r.reserve(v.list_len());
    for (uint32_t i = 0; i < v.list_len(); ++i)
      if (v.list_at(i).is_obj()) r.push_back(v.list_at(i).as_obj());
  }
  return r;
}

namespace {

// Exact equality: same types, case-sensitive strings, maps entry by entry in
// order, floats bit for bit. The pairs still to compare are kept on an
// explicit stack, so values of any depth compare.
bool same(const Value& a0, const Value& b0) {
  std::vector<std::pair<const Value*, const Value*>> todo{{&a0, &b0}};
  while (!todo.empty()) {
    const Value& a = *todo.back().first;
    const Value& b = *todo.back().second;
    todo.pop_back();
    if (a.type() != b.type()) return false;
    switch (a.type()) {
      case Type::Str:
        if (a.as_str() != b.as_str()) return false;
        break;
      case Type::Float: {
        double x = a.as_float(), y = b.as_float();
        if (std::memcmp(&x, &y, sizeof x) != 0) return false;
        break;
      }
      case Type::List:
        if (a.list_len() != b.list_len()) return false;
        for (uint32_t i = 0; i < a.list_len(); ++i) todo.emplace_back(&a.list_at(i), &b.list_at(i));
        break;
      case Type::Map: {
        const auto &x = a.map_obj()->entries, &y = b.map_obj()->entries;
        if (x.size() != y.size()) return false;
        for (size_t i = 0; i < x.size(); ++i) {
          todo.emplace_back(&x[i].first, &y[i].first);
          todo.emplace_back(&x[i].second, &y[i].second);
        }
        break;
      }
      case Type::Clear:
      case Type::None:
      case Type::Null:
        break;
      case Type::Cell:
        todo.emplace_back(&cell_of(a)->value, &cell_of(b)->value);
        break;
      case Type::Func: {
        const FuncObj *f = func_of(a), *g = func_of(b);
        if (f->source != g->source || f->name != g->name || f->capture_names != g->capture_names ||
            f->capture_by_ref != g->capture_by_ref || f->captures.size() != g->captures.size() ||
            f->this_obj != g->this_obj || f->player != g->player || f->caller != g->caller ||
            f->progr != g->progr || f->definer != g->definer || f->verb_name != g->verb_name)
          return false;
        for (size_t i = 0; i < f->captures.size(); ++i) todo.emplace_back(&f->captures[i], &g->captures[i]);
        break;
      }
      default:
        if (a.as_int() != b.as_int()) return false;
    }
  }
  return true;
}

bool same(const StoredValue& a, const StoredValue& b) {
  return a.raw == b.raw && (a.is_raw() || same(a.value, b.value));
}

std::string diff_object(const Object& a, const Object& b) {
  std::string n = "#" + std::to_string(a.id);
  if (a.id != b.id) return n + " has id #" + std::to_string(b.id) + " in the other image";
  if (a.recycled != b.recycled) return n + " recycled differs";
  if (a.name != b.name) return n + " name differs";
  if (a.flags != b.flags) return n + " flags differ";
  if (a.owner != b.owner) return n + " owner differs";
  if (!same(a.location, b.location)) return n + " location differs";
  if (!same(a.contents, b.contents)) return n + " contents differ";
  if (!same(a.parents, b.parents)) return n + " parents differ";
  if (!same(a.children, b.children)) return n + " children differ";
  if (!same(a.last_move, b.last_move)) return n + " last_move differs";
  if (a.v4.has_value() != b.v4.has_value()) return n + " format-4 links present in one image only";
  if (a.v4) {
    const Links4 &x = *a.v4, &y = *b.v4;
    if (x.location != y.location || x.contents != y.contents || x.next != y.next || x.parent != y.parent ||
        x.child != y.child || x.sibling != y.sibling)
      return n + " format-4 links differ";
  }
  if (a.handles != b.handles) return n + " handles line differs";
  if (a.verbs.size() != b.verbs.size()) return n + " verb count differs";
  for (size_t i = 0; i < a.verbs.size(); ++i) {
    const Verb &x = a.verbs[i], &y = b.verbs[i];
    std::string v = n + " verb " + std::to_string(i);
    if (x.names != y.names) return v + " names differ";
    if (x.owner != y.owner) return v + " owner differs";
    if (x.perms != y.perms) return v + " permissions differ";
    if (x.prep != y.prep) return v + " preposition differs";
    if (x.program != y.program) return v + " program differs";
    if (x.echo != y.echo) return v + " syntax differs";
  }
  if (a.propdefs != b.propdefs) return n + " property definitions differ";
  if (a.propvals.size() != b.propvals.size()) return n + " property value count differs";
  for (size_t i = 0; i < a.propvals.size(); ++i) {
    const PropVal &x = a.propvals[i], &y = b.propvals[i];
    std::string p = n + " property value " + std::to_string(i);
    if (!same(x.value, y.value)) return p + " differs";
    if (x.owner != y.owner) return p + " owner differs";
    if (x.perms != y.perms) return p + " permissions differ";
  }
  return "";
}

}  // namespace

std::string first_difference(const WorldImage& a, const WorldImage& b) {
  if (a.format != b.format) return "format differs";
  if (a.header_dummy != b.header_dummy) return "header's third number differs";
  if (a.players != b.players) return "players differ";
  if (a.objects.size() != b.objects.size()) return "object count differs";
  for (size_t i = 0; i < a.objects.size(); ++i)
    if (std::string d = diff_object(a.objects[i], b.objects[i]); !d.empty()) return d;
  if (a.anonymous.size() != b.anonymous.size()) return "anonymous object count differs";
  for (size_t i = 0; i < a.anonymous.size(); ++i)
    if (std::string d = diff_object(a.anonymous[i], b.anonymous[i]); !d.empty()) return "anonymous " + d;
  if (a.anonymous_batches != b.anonymous_batches) return "anonymous batches differ";
  if (a.sections.size() != b.sections.size()) return "section count differs";
  for (size_t i = 0; i < a.sections.size(); ++i) {
    const RawSection &x = a.sections[i], &y = b.sections[i];
    if (x.name != y.name || x.count != y.count || x.text != y.text) return "section '" + x.name + "' differs";
  }
  if (a.trailing != b.trailing) return "trailing text differs";
  return "";
}

}  // namespace echo::storage
