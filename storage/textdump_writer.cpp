// Textdump writer: builds the file in memory, then writes it in one go.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ostream>
#include <vector>

#include "lang/map.h"
#include "storage/textdump.h"

namespace echo::storage {
namespace {

class Writer {
 public:
  Writer(const WorldImage& image, int format) : im_(image), format_(format) {}
  std::string write();

 private:
  [[noreturn]] void fail(const Object& o, const std::string& msg) const {
    throw TextdumpError(0, "cannot write object #" + std::to_string(o.id) + " in format " +
                               std::to_string(format_) + ": " + msg);
  }
  void line(std::string_view s) {
    out_ += s;
    out_ += '\n';
  }
  void num(int64_t n) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, r.ptr);
    out_ += '\n';
  }
  void value(const Value& root);
  size_t node(const Value& v);
  void stored(const Object& o, const StoredValue& v);
  void sections(std::initializer_list<const char*> names);
  void links4();
  void object_header(const Object& o);
  void object4(const Object& o, size_t index);
  void object_ng(const Object& o);
  void verbs_and_properties(const Object& o);
  void programs(const Object& o);

  const WorldImage& im_;
  int format_;
  std::string out_;
  std::vector<Links4> links_;  // format <= 4 written from the ToastStunt form
};

// Writes one value; a list or map is followed by its elements (a map's keys
// and values alternately), written from an explicit stack so that no depth
// of nesting can overflow the C++ stack.
void Writer::value(const Value& root) {
  struct Open {
    const Value* v;
    size_t next, n;
  };
  std::vector<Open> stack;
  const Value* v = &root;
  for (;;) {
    size_t n = node(*v);
    if (n) stack.push_back({v, 0, n});
    while (!stack.empty() && stack.back().next == stack.back().n) stack.pop_back();
    if (stack.empty()) return;
    Open& o = stack.back();
    size_t i = o.next++;
    if (o.v->is_list()) {
      v = &o.v->list_at(uint32_t(i));
    } else {
      const auto& e = o.v->map_obj()->entries[i / 2];
      v = (i & 1) ? &e.second : &e.first;
    }
  }
}

// Writes v's type code and payload; returns how many values follow (a list's
// elements, a map's keys and values).
size_t Writer::node(const Value& v) {
  switch (v.type()) {
    case Type::Int:
      line("0");
      num(v.as_int());
      return 0;
    case Type::Obj:
      line("1");
      num(v.as_obj());
      return 0;
    case Type::Str:
      line("2");
      line(v.as_str());
      return 0;
    case Type::Err:
      line("3");
      num(v.as_err());
      return 0;
    case Type::List:
      line("4");
      num(v.list_len());
      return v.list_len();
    case Type::Clear:
      line("5");
      return 0;
    case Type::None:
      line("6");
      return 0;
    case Type::Float: {
      line("9");
      char buf[40];
      int n = std::snprintf(buf, sizeof buf, "%.19g", v.as_float());
      line(std::string_view(buf, size_t(n)));
      return 0;
    }
    case Type::Map:
      line("10");
      num(int64_t(v.map_obj()->entries.size()));
      return v.map_obj()->entries.size() * 2;
    case Type::Bool:
      line("14");
      num(v.as_bool() ? 1 : 0);
      return 0;
    case Type::Null:
    case Type::Func:
    case Type::Cell:
      break;
  }
  // No textdump format has Echo's null or functions; writing something
  // else in their place would lose data silently.
  throw TextdumpError(0, std::string("a ") + type_name(v.type()) +
                             " value (Echo only) cannot be written to a textdump; export as --json or keep the store");
}

void Writer::stored(const Object& o, const StoredValue& v) {
  if (!v.is_raw()) return value(v.value);
  if (format_ < kFormatAnon) fail(o, "a property value holds an anonymous object or a waif");
  out_ += v.raw;
}

// The image's sections when the formats match; else those of the target
// format, in its order: the clocks and connections copied, the task sections
// empty.
void Writer::sections(std::initializer_list<const char*> names) {
  if (im_.format == format_) {
    for (const RawSection& s : im_.sections) out_ += s.text;
    return;
  }
  for (const char* name : names) {
    std::string_view n = name;
    const RawSection* s = im_.section(n);
    if (s && (n == "clocks" || n == "active connections")) {
      out_ += s->text;
    } else {
      out_ += "0 ";
      out_ += n == "active connections" ? "active connections with listeners" : n;
      out_ += '\n';
    }
  }
}

// Format-4 link words for every object: the ones read when the image has them
// for every object, else derived from parents / children / location / contents.
void Writer::links4() {
  bool all4 = true;
  for (const Object& o : im_.objects) all4 = all4 && (o.recycled || o.v4);
  links_.assign(im_.objects.size(), Links4{});
  for (size_t i = 0; i < im_.objects.size(); ++i) {
    const Object& o = im_.objects[i];
    if (o.recycled) continue;
    if (all4) {
      links_[i] = *o.v4;
      continue;
    }
    Links4& k = links_[i];
    std::vector<Objid> parents = object_list(o.parents);
    if (parents.size() > 1) fail(o, "it has " + std::to_string(parents.size()) + " parents");
    k.parent = parents.empty() ? kNothing : parents[0];
    k.location = o.location.is_obj() ? o.location.as_obj() : kNothing;
    auto chain = [&](const Value& list, Objid Links4::*first, Objid Links4::*next) {
      std::vector<Objid> ids = object_list(list);
      for (size_t j = 0; j < ids.size(); ++j) {
        if (ids[j] < 0 || size_t(ids[j]) >= links_.size()) fail(o, "it lists #" + std::to_string(ids[j]));
        if (j == 0) k.*first = ids[j];
        links_[size_t(ids[j])].*next = j + 1 < ids.size() ? ids[j + 1] : kNothing;
      }
    };
    chain(o.children, &Links4::child, &Links4::sibling);
    chain(o.contents, &Links4::contents, &Links4::next);
  }
}

void Writer::verbs_and_properties(const Object& o) {
  num(int64_t(o.verbs.size()));
  for (const Verb& v : o.verbs) {
    line(v.names);
    num(v.owner);
    num(v.perms);
    num(v.prep);
  }
  num(int64_t(o.propdefs.size()));
  for (const std::string& p : o.propdefs) line(p);
  num(int64_t(o.propvals.size()));
  for (const PropVal& p : o.propvals) {
    stored(o, p.value);
    num(p.owner);
    num(p.perms);
  }
}

// "#N", or a recycled slot: "#N recycled" as LambdaMOO writes it, "# N
// recycled" as ToastStunt does, or as read when the format is unchanged.
void Writer::object_header(const Object& o) {
  out_ += '#';
  if (o.recycled && (im_.format == format_ ? o.recycled_spaced : format_ >= kFormatNextGen)) out_ += ' ';
  out_ += std::to_string(o.id);
  out_ += o.recycled ? " recycled\n" : "\n";
}

void Writer::object4(const Object& o, size_t index) {
  object_header(o);
  if (o.recycled) return;
  line(o.name);
  line(o.handles);
  num(o.flags);
  num(o.owner);
  const Links4& k = links_[index];
  for (Objid id : {k.location, k.contents, k.next, k.parent, k.child, k.sibling}) num(id);
  verbs_and_properties(o);
}

void Writer::object_ng(const Object& o) {
  object_header(o);
  if (o.recycled) return;
  line(o.name);
  num(o.flags);
  num(o.owner);
  value(o.location);
  stored(o, o.last_move);
  value(o.contents);
  value(o.parents);
  value(o.children);
  verbs_and_properties(o);
}

void Writer::programs(const Object& o) {
  if (o.recycled) return;
  for (size_t i = 0; i < o.verbs.size(); ++i) {
    const std::optional<std::string>& p = o.verbs[i].program;
    if (!p) continue;
    if (o.verbs[i].echo)
      throw TextdumpError(0, "verb #" + std::to_string(o.id) + ":" + std::to_string(i) + " (" + o.verbs[i].names +
                                 ") is written in Echo syntax, which no textdump format can hold; export as --json");
    out_ += '#';
    out_ += std::to_string(o.id);
    out_ += ':';
    out_ += std::to_string(i);
    out_ += '\n';
    out_ += *p;
    if (!p->empty() && p->back() != '\n') out_ += '\n';
    line(".");
  }
}

std::string Writer::write() {
  if (!((format_ >= kFormatExceptions && format_ <= kFormatBFBugFixed) || format_ == kFormatBool))
    throw TextdumpError(0, "cannot write format " + std::to_string(format_) + " (only 1-4 and 17)");
  size_t guess = 64;
  for (const Object& o : im_.objects)
    for (const Verb& v : o.verbs) guess += v.program ? v.program->size() + 16 : 16;
  out_.reserve(guess + im_.objects.size() * 256);

  out_ += "** LambdaMOO Database, Format Version " + std::to_string(format_) + " **\n";
  bool ng = format_ >= kFormatAnon;
  std::vector<const Object*> anon;
  if (ng) {
    for (const Object& o : im_.anonymous) anon.push_back(&o);
    std::stable_sort(anon.begin(), anon.end(), [](const Object* a, const Object* b) { return a->id < b->id; });
  }
  int64_t nprogs = 0;
  for (const Object& o : im_.objects)
    if (!o.recycled)
      for (const Verb& v : o.verbs) nprogs += v.program.has_value();
  for (const Object* o : anon)
    if (!o->recycled)
      for (const Verb& v : o->verbs) nprogs += v.program.has_value();

  if (!ng) {
    num(int64_t(im_.objects.size()));
    num(nprogs);
    num(im_.format < kFormatAnon ? im_.header_dummy : 0);
  }
  num(int64_t(im_.players.size()));
  for (Objid p : im_.players) num(p);

  if (ng) {
    sections({"values pending finalization", "clocks", "queued tasks", "suspended tasks", "interrupted tasks",
              "active connections"});
    num(int64_t(im_.objects.size()));
    for (const Object& o : im_.objects) object_ng(o);
    size_t written = 0;
    size_t batched = 0;
    for (size_t b : im_.anonymous_batches) batched += b;
    if (batched == anon.size()) {
      for (size_t b : im_.anonymous_batches) {
        if (b == 0) continue;
        num(int64_t(b));
        for (size_t i = 0; i < b; ++i) object_ng(im_.anonymous[written++]);
      }
    } else if (!anon.empty()) {
      num(int64_t(anon.size()));
      for (const Object* o : anon) object_ng(*o);
    }
    line("0");
    num(nprogs);
  } else {
    links4();
    for (size_t i = 0; i < im_.objects.size(); ++i) object4(im_.objects[i], i);
  }
  for (const Object& o : im_.objects) programs(o);
  for (const Object* o : anon) programs(*o);
  if (!ng) sections({"clocks", "queued tasks", "suspended tasks", "active connections"});
  if (im_.format == format_) out_ += im_.trailing;
  return std::move(out_);
}

}  // namespace

std::string write_textdump(const WorldImage& image, int format) { return Writer(image, format).write(); }

void write_textdump(const WorldImage& image, std::ostream& out, int format) {
  std::string text = write_textdump(image, format);
  out.write(text.data(), std::streamsize(text.size()));
  if (!out) throw TextdumpError(0, "cannot write the textdump stream");
}

}  // namespace echo::storage
