#include "storage/json_export.h"

#include <cstdio>
#include <string_view>

namespace echo::storage {

namespace {

void json_string(std::ostream& out, std::string_view s) {
  out << '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out << "\\\""; break;
      case '\\': out << "\\\\"; break;
      case '\n': out << "\\n"; break;
      case '\t': out << "\\t"; break;
      case '\r': out << "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out << buf;
        } else {
          out << c;  // MOO strings are bytes; UTF-8 passes through
        }
    }
  }
  out << '"';
}

void stored(std::ostream& out, const StoredValue& v) {
  json_string(out, v.is_raw() ? v.raw : to_literal(v.value));
}

void objects_of(std::ostream& out, const Value& v) {  // an OBJ or a LIST of OBJ
  out << '[';
  if (v.is_obj()) {
    if (v.as_obj() != kNothing) out << v.as_obj();
  } else if (v.is_list()) {
    for (uint32_t i = 0; i < v.list_len(); ++i) out << (i ? "," : "") << v.list_at(i).as_obj();
  }
  out << ']';
}

}  // namespace

void write_json(const WorldImage& image, std::ostream& out) {
  out << "{\"format\":" << image.format << ",\"objects\":[";
  bool first = true;
  for (const Object& o : image.objects) {
    out << (first ? "\n" : ",\n");
    first = false;
    if (o.recycled) {
      out << "{\"id\":" << o.id << ",\"recycled\":true}";
      continue;
    }
    out << "{\"id\":" << o.id << ",\"name\":";
    json_string(out, o.name);
    out << ",\"flags\":" << o.flags << ",\"owner\":" << o.owner
        << ",\"location\":" << (o.location.is_obj() ? o.location.as_obj() : kNothing) << ",\"contents\":";
    objects_of(out, o.contents);
    out << ",\"parents\":";
    objects_of(out, o.parents);
    out << ",\"children\":";
    objects_of(out, o.children);
    out << ",\"propdefs\":[";
    for (size_t i = 0; i < o.propdefs.size(); ++i) {
      if (i) out << ',';
      json_string(out, o.propdefs[i]);
    }
    out << "],\"propvals\":[";
    for (size_t i = 0; i < o.propvals.size(); ++i) {
      const PropVal& p = o.propvals[i];
      out << (i ? "," : "") << "{\"value\":";
      stored(out, p.value);
      out << ",\"owner\":" << p.owner << ",\"perms\":" << p.perms << '}';
    }
    out << "],\"verbs\":[";
    for (size_t i = 0; i < o.verbs.size(); ++i) {
      const Verb& v = o.verbs[i];
      out << (i ? "," : "") << "{\"names\":";
      json_string(out, v.names);
      out << ",\"owner\":" << v.owner << ",\"perms\":" << v.access() << ",\"dobj\":" << v.dobj()
          << ",\"prep\":" << v.prep << ",\"iobj\":" << v.iobj() << ",\"code\":";
      if (v.program) json_string(out, *v.program);
      else out << "null";
      out << ",\"syntax\":\"" << (v.echo ? "echo" : "moo") << "\"}";
    }
    out << "]}";
  }
  out << "\n]}\n";
}

}  // namespace echo::storage
