// Both directions recurse, bounded by kMaxValueDepth: a wire value is at
// most 30 deep, and one deeper is refused before its children are read.
#include "net/rpc/values.h"

#include "lang/map.h"

namespace echo::rpc {

namespace {

[[noreturn]] void refuse(const std::string& where, const std::string& what) {
  throw ValueError((where.empty() ? std::string("the value") : where) + ": " + what);
}

void put(const Value& v, schema::Value::Builder out, int depth, std::string& where) {
  if (depth > kMaxValueDepth) refuse(where, "nested more than " + std::to_string(kMaxValueDepth) + " deep");
  switch (v.type()) {
    case Type::Int: out.setInt(v.as_int()); return;
    case Type::Float: out.setFloat(v.as_float()); return;
    case Type::Obj: out.setObj(v.as_obj()); return;
    case Type::Err: out.setErr(error_name(v.as_err())); return;
    case Type::Bool: out.setBool(v.as_bool()); return;
    case Type::Null: out.setNull(); return;
    case Type::Str: {
      std::string_view s = v.as_str();
      out.setStr(kj::arrayPtr(reinterpret_cast<const kj::byte*>(s.data()), s.size()));
      return;
    }
    case Type::List: {
      auto l = out.initList(v.list_len());
      for (uint32_t i = 0; i < v.list_len(); ++i) {
        size_t mark = where.size();
        where += "[" + std::to_string(i + 1) + "]";
        put(v.list_at(i), l[i], depth + 1, where);
        where.resize(mark);
      }
      return;
    }
    case Type::Map: {
      const auto& entries = v.map_obj()->entries;
      auto m = out.initMap(unsigned(entries.size()));
      for (size_t i = 0; i < entries.size(); ++i) {
        size_t mark = where.size();
        where += "[" + to_literal(entries[i].first) + "]";
        put(entries[i].first, m[unsigned(i)].initKey(), depth + 1, where);
        put(entries[i].second, m[unsigned(i)].initValue(), depth + 1, where);
        where.resize(mark);
      }
      return;
    }
    default:
      refuse(where, std::string("a ") + type_name(v.type()) + " has no wire form");
  }
}

Value get(schema::Value::Reader in, int depth, std::string& where) {
  if (depth > kMaxValueDepth) refuse(where, "nested more than " + std::to_string(kMaxValueDepth) + " deep");
  switch (in.which()) {
    case schema::Value::NULL_: return Value::null();
    case schema::Value::INT: return Value::integer(in.getInt());
    case schema::Value::FLOAT: return Value::flt(in.getFloat());
    case schema::Value::OBJ: return Value::obj(in.getObj());
    case schema::Value::BOOL: return Value::boolean(in.getBool());
    case schema::Value::STR: {
      auto d = in.getStr();
      return Value::str(std::string_view(reinterpret_cast<const char*>(d.begin()), d.size()));
    }
    case schema::Value::ERR: {
      Error e;
      std::string name = in.getErr();
      if (!error_from_name(name, &e)) refuse(where, "no error is named \"" + name + "\"");
      return Value::err(e);
    }
    case schema::Value::LIST: {
      auto l = in.getList();
      Value out = Value::empty_list();
      for (unsigned i = 0; i < l.size(); ++i) {
        size_t mark = where.size();
        where += "[" + std::to_string(i + 1) + "]";
        list_append(out, get(l[i], depth + 1, where));
        where.resize(mark);
      }
      return out;
    }
    case schema::Value::MAP: {
      auto m = in.getMap();
      Value out = Value::empty_map();
      for (unsigned i = 0; i < m.size(); ++i) {
        size_t mark = where.size();
        where += "{key " + std::to_string(i + 1) + "}";
        Value k = get(m[i].getKey(), depth + 1, where);
        if (!valid_map_key(k)) refuse(where, std::string("a ") + type_name(k.type()) + " cannot be a map key");
        if (out.map_obj()->find(k) >= 0) refuse(where, "the key " + to_literal(k) + " comes twice");
        Value val = get(m[i].getValue(), depth + 1, where);
        out.map_mut()->set(std::move(k), std::move(val));
        where.resize(mark);
      }
      return out;
    }
  }
  refuse(where, "an unknown kind of value (a newer client?)");
}

}  // namespace

void to_wire(const Value& v, schema::Value::Builder out) {
  std::string where;
  put(v, out, 0, where);
}

Value from_wire(schema::Value::Reader in) {
  std::string where;
  return get(in, 0, where);
}

}  // namespace echo::rpc
