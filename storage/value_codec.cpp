#include "storage/value_codec.h"

#include "lang/function.h"
#include "lang/map.h"
#include "storage/store.h"

namespace echo::storage {

void encode_value(const Value& v, schema::Value::Builder out) {
  switch (v.type()) {
    case Type::Int: out.setInt(v.as_int()); return;
    case Type::Float: out.setFloat(v.as_float()); return;
    case Type::Str: out.setStr(as_data(v.as_str())); return;
    case Type::Obj: out.setObj(v.as_obj()); return;
    case Type::Err: out.setErr(int64_t(v.as_err())); return;
    case Type::Bool: out.setBool(v.as_bool()); return;
    case Type::Clear: out.setClear(); return;
    case Type::None: out.setNone(); return;
    case Type::Null: out.setNull(); return;
    case Type::Cell: encode_value(cell_of(v)->value, out.initCell()); return;
    case Type::Func: {
      const FuncObj* f = func_of(v);
      auto b = out.initFunc();
      b.setSource(as_data(f->source));
      b.setName(as_data(f->name));
      auto names = b.initCaptureNames(unsigned(f->capture_names.size()));
      for (size_t i = 0; i < f->capture_names.size(); ++i) names.set(unsigned(i), as_data(f->capture_names[i]));
      auto refs = b.initCaptureByRef(unsigned(f->capture_by_ref.size()));
      for (size_t i = 0; i < f->capture_by_ref.size(); ++i) refs.set(unsigned(i), f->capture_by_ref[i]);
      auto caps = b.initCaptures(unsigned(f->captures.size()));
      for (size_t i = 0; i < f->captures.size(); ++i) encode_value(f->captures[i], caps[unsigned(i)]);
      b.setThisObj(f->this_obj);
      b.setPlayer(f->player);
      b.setCaller(f->caller);
      b.setProgr(f->progr);
      b.setDefiner(f->definer);
      b.setVerbName(as_data(f->verb_name));
      return;
    }
    case Type::List: {
      uint32_t n = v.list_len();
      auto l = out.initList(n);
      for (uint32_t i = 0; i < n; ++i) encode_value(v.list_at(i), l[i]);
      return;
    }
    case Type::Map: {
      const auto& entries = v.map_obj()->entries;
      auto m = out.initMap(unsigned(entries.size()));
      for (size_t i = 0; i < entries.size(); ++i) {
        encode_value(entries[i].first, m[unsigned(i)].initKey());
        encode_value(entries[i].second, m[unsigned(i)].initValue());
      }
      return;
    }
  }
  throw StoreError("cannot store a value of type " + std::to_string(int(v.type())));
}

void encode_stored(const StoredValue& v, schema::Value::Builder out) {
  if (v.is_raw())
    out.setRaw(as_data(v.raw));
  else
    encode_value(v.value, out);
}

namespace {

Value decode(schema::Value::Reader in, int depth) {
  if (depth > kMaxStoredDepth) throw StoreError("value nested more than " + std::to_string(kMaxStoredDepth) + " deep");
  switch (in.which()) {
    case schema::Value::INT: return Value::integer(in.getInt());
    case schema::Value::FLOAT: return Value::flt(in.getFloat());
    case schema::Value::STR: {
      auto d = in.getStr();
      return Value::str(std::string_view(reinterpret_cast<const char*>(d.begin()), d.size()));
    }
    case schema::Value::OBJ: return Value::obj(in.getObj());
    // Any code: ToastStunt's own errors (E_FILE...) and, in real textdumps,
    // garbage codes (toastcore.db holds some) read and write back as they are.
    case schema::Value::ERR: return Value::err(Error(in.getErr()));
    case schema::Value::BOOL: return Value::boolean(in.getBool());
    case schema::Value::CLEAR: return Value::clear();
    case schema::Value::NONE: return Value::none();
    case schema::Value::NULL_: return Value::null();
    case schema::Value::CELL: return make_cell(decode(in.getCell(), depth + 1));
    case schema::Value::FUNC: {
      auto b = in.getFunc();
      auto text = [](capnp::Data::Reader d) {
        return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
      };
      auto* f = new FuncObj();
      Value r = make_function(f);
      f->source = text(b.getSource());
      f->name = text(b.getName());
      for (auto n : b.getCaptureNames()) f->capture_names.push_back(text(n));
      for (bool x : b.getCaptureByRef()) f->capture_by_ref.push_back(x);
      for (auto c : b.getCaptures()) f->captures.push_back(decode(c, depth + 1));
      if (f->capture_names.size() != f->captures.size() ||
          f->capture_by_ref.size() != f->captures.size())
        throw StoreError("a stored function's captures do not match their names");
      f->this_obj = b.getThisObj();
      f->player = b.getPlayer();
      f->caller = b.getCaller();
      f->progr = b.getProgr();
      f->definer = b.getDefiner();
      f->verb_name = text(b.getVerbName());
      return r;
    }
    case schema::Value::LIST: {
      auto l = in.getList();
      if (l.size() == 0) return Value::empty_list();
      Value r = Value::list_of_size(l.size());
      ListObj* lo = r.list_mut();
      for (unsigned i = 0; i < l.size(); ++i) lo->items()[i] = decode(l[i], depth + 1);
      return r;
    }
    case schema::Value::MAP: {
      auto m = in.getMap();
      Value r = Value::empty_map();
      if (m.size() == 0) return r;
      MapObj* mo = r.map_mut();
      mo->entries.reserve(m.size());
      for (auto e : m) {
        Value k = decode(e.getKey(), depth + 1);
        if (!valid_map_key(k)) throw StoreError("a map key is a list or a map");
        mo->entries.emplace_back(std::move(k), decode(e.getValue(), depth + 1));
      }
      return r;
    }
    case schema::Value::RAW: throw StoreError("a raw (unrepresentable) value where a plain value is required");
  }
  throw StoreError("unknown value kind " + std::to_string(unsigned(in.which())));
}

}  // namespace

Value decode_value(schema::Value::Reader in) { return decode(in, 0); }

StoredValue decode_stored(schema::Value::Reader in) {
  if (in.isRaw()) {
    StoredValue sv;
    sv.raw = from_data(in.getRaw());
    if (sv.raw.empty()) throw StoreError("an empty raw value");
    return sv;
  }
  return StoredValue{decode(in, 0), {}};
}

}  // namespace echo::storage
