#include "storage/value_codec.h"

#include <cstring>
#include <unordered_map>
#include <vector>

#include "lang/function.h"
#include "lang/map.h"
#include "storage/store.h"

namespace echo::storage {

namespace {

bool is_container(const Value& v) { return v.is_list() || v.is_map() || v.is_cell() || v.is_func(); }

// ---- the flat `deep` encoding
//
// Nodes in pre-order, each a tag byte and its payload; a container's payload
// ends with its child count and its children follow it:
//   VINT, VOBJ, VERR      a zigzag varint (record format 2)
//   INT, OBJ, ERR, FLOAT  8 bytes, little-endian (a float's bits; the
//                         integers as format 1 wrote them)
//   STR                   varint length, bytes
//   KNOWN                 one byte: a string of kKnownStrings (format 2), for the
//                         keys of task records, which would be most of one
//   BOOL                  1 byte
//   CLEAR, NONE, NULL     nothing
//   LIST                  varint n; n elements follow
//   MAP                   varint n; n keys and values follow, alternately
//   CELL                  its value follows
//   FUNC                  source, name, verb name (as STR); this, player,
//                         caller, progr, definer (8 bytes each); varint n;
//                         n names and by-reference bytes; n captures follow
namespace flat {

enum Tag : uint8_t {
  kInt, kFloat, kStr, kObj, kErr, kBool, kClear, kNone, kNull, kList, kMap, kCell, kFunc,
  kVarInt, kVarObj, kVarErr, kKnownStr,
};

// Strings stored as one byte: the keys and enumerations of the task records
// (lang/vm_save.cpp, actors/runtime.cpp). Append only: a string's index is
// its stored form.
constexpr std::string_view kKnownStrings[] = {
    "format", "version", "id", "status", "limits", "ticks", "seconds", "max_stack_depth",
    "max_string", "max_list_length", "max_list_bytes", "max_map_bytes", "max_task_bytes", "catchable",
    "ticks_left", "seconds_used", "suspension", "kind", "connection", "non_blocking",
    "result_reg", "local", "programs", "source", "main", "forks", "registers", "syntax",
    "function", "name", "captures", "by_ref", "frames", "program", "vector", "pc",
    "regs", "unbound", "handlers", "waiting", "builtin", "dest", "args", "state",
    "this", "definer", "progr", "player", "verb", "names", "debug", "codes",
    "target", "siblings", "pending", "value", "depth", "error", "code", "message",
    "traceback", "stack", "echo-task", "running", "yielded", "suspended", "sleep", "read",
    "moo", "echo", "catch", "except", "finally", "in_finally", "fall_through", "raise",
    "return", "exit", "wake", "conn", "started", "task", "background", "",
};
constexpr size_t kKnownCount = sizeof kKnownStrings / sizeof kKnownStrings[0];
static_assert(kKnownCount <= 256);

// The index of s in kKnownStrings, or -1.
int known_index(std::string_view s) {
  if (s.size() > 16) return -1;  // none is longer: most values miss at once
  static const std::unordered_map<std::string_view, int> index = [] {
    std::unordered_map<std::string_view, int> m;
    for (size_t i = 0; i < kKnownCount; ++i) m.emplace(kKnownStrings[i], int(i));
    return m;
  }();
  auto it = index.find(s);
  return it == index.end() ? -1 : it->second;
}

uint64_t zigzag(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
int64_t unzigzag(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }

void put_varint(std::string& out, uint64_t v) {
  for (; v >= 0x80; v >>= 7) out += char(uint8_t(v) | 0x80);
  out += char(v);
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += char(uint8_t(v >> (8 * i)));
}
void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out += s;
}



// Writes v's tag and payload, not its children.
void put_node(std::string& out, const Value& v) {
  switch (v.type()) {
    case Type::Int: out += char(kVarInt); put_varint(out, zigzag(v.as_int())); return;
    case Type::Obj: out += char(kVarObj); put_varint(out, zigzag(v.as_obj())); return;
    case Type::Err: out += char(kVarErr); put_varint(out, zigzag(int64_t(v.as_err()))); return;
    case Type::Float: {
      double d = v.as_float();
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      out += char(kFloat);
      put_u64(out, bits);
      return;
    }
    case Type::Str:
      if (int k = known_index(v.as_str()); k >= 0) {
        out += char(kKnownStr);
        out += char(k);
      } else {
        out += char(kStr);
        put_bytes(out, v.as_str());
      }
      return;
    case Type::Bool: out += char(kBool); out += char(v.as_bool() ? 1 : 0); return;
    case Type::Clear: out += char(kClear); return;
    case Type::None: out += char(kNone); return;
    case Type::Null: out += char(kNull); return;
    case Type::List: out += char(kList); put_varint(out, v.list_len()); return;
    case Type::Map: out += char(kMap); put_varint(out, v.map_obj()->entries.size()); return;
    case Type::Cell: out += char(kCell); return;
    case Type::Func: {
      const FuncObj* f = func_of(v);
      size_t n = f->captures.size();
      if (f->capture_names.size() != n || f->capture_by_ref.size() != n)
        throw StoreError("a function's captures do not match their names");
      out += char(kFunc);
      put_bytes(out, f->source);
      put_bytes(out, f->name);
      put_bytes(out, f->verb_name);
      for (int64_t id : {f->this_obj, f->player, f->caller, f->progr, f->definer}) put_u64(out, uint64_t(id));
      put_varint(out, n);
      for (size_t i = 0; i < n; ++i) {
        put_bytes(out, f->capture_names[i]);
        out += char(f->capture_by_ref[i] ? 1 : 0);
      }
      return;
    }
  }
  throw StoreError("cannot store a value of type " + std::to_string(int(v.type())));
}

std::string write(const Value& root) {
  struct Open {
    const Value* v;
    size_t next, n;
  };
  std::string out;
  out.reserve(256);
  std::vector<Open> stack;
  const Value* v = &root;
  for (;;) {
    put_node(out, *v);
    if (size_t n = value_child_count(*v)) stack.push_back({v, 0, n});
    while (!stack.empty() && stack.back().next == stack.back().n) stack.pop_back();
    if (stack.empty()) return out;
    Open& o = stack.back();
    v = &value_child(*o.v, o.next++);
  }
}

class Input {
 public:
  explicit Input(std::string_view s) : s_(s) {}
  size_t left() const { return s_.size() - pos_; }
  uint8_t byte() {
    need(1);
    return uint8_t(s_[pos_++]);
  }
  uint64_t u64() {
    need(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(s_[pos_ + size_t(i)])) << (8 * i);
    pos_ += 8;
    return v;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = byte();
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    throw StoreError("a deep value holds a malformed number");
  }
  // A count of things each taking at least `each` of the bytes left, so a
  // corrupt count cannot make the reader allocate more than the blob holds.
  uint64_t count(uint64_t each) {
    uint64_t n = varint();
    if (n > left() / each) throw StoreError("a deep value's count " + std::to_string(n) + " overruns it");
    return n;
  }
  std::string_view bytes() {
    uint64_t n = varint();
    need(n);
    std::string_view r = s_.substr(pos_, n);
    pos_ += n;
    return r;
  }

 private:
  void need(uint64_t n) const {
    if (left() < n) throw StoreError("a deep value is truncated");
  }
  std::string_view s_;
  size_t pos_ = 0;
};

Value read(std::string_view bytes) {
  // A container being filled: n children expected, `filled` placed so far.
  struct Open {
    Value v;
    uint64_t n, filled;
    Value key;  // a map's key, until its value arrives
  };
  Input in(bytes);
  std::vector<Open> stack;
  for (;;) {
    Value v;
    uint64_t n = 0;
    switch (in.byte()) {
      case kInt: v = Value::integer(int64_t(in.u64())); break;
      case kObj: v = Value::obj(int64_t(in.u64())); break;
      case kErr: v = Value::err(Error(int64_t(in.u64()))); break;
      case kVarInt: v = Value::integer(unzigzag(in.varint())); break;
      case kVarObj: v = Value::obj(unzigzag(in.varint())); break;
      case kVarErr: v = Value::err(Error(unzigzag(in.varint()))); break;
      case kKnownStr: {
        uint8_t k = in.byte();
        if (k >= kKnownCount) throw StoreError("a deep value holds an unknown string number");
        v = Value::str(kKnownStrings[k]);
        break;
      }
      case kFloat: {
        uint64_t bits = in.u64();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        v = Value::flt(d);
        break;
      }
      case kStr: v = Value::str(in.bytes()); break;
      case kBool: v = Value::boolean(in.byte() != 0); break;
      case kClear: v = Value::clear(); break;
      case kNone: v = Value::none(); break;
      case kNull: v = Value::null(); break;
      case kList:
        n = in.count(1);
        v = n ? Value::list_of_size(uint32_t(n)) : Value::empty_list();
        break;
      case kMap:
        n = in.count(2);
        v = Value::empty_map();
        v.map_mut()->entries.reserve(n);
        n *= 2;
        break;
      case kCell:
        v = make_cell(Value::none());
        n = 1;
        break;
      case kFunc: {
        auto* f = new FuncObj();
        v = make_function(f);
        f->source = in.bytes();
        f->name = in.bytes();
        f->verb_name = in.bytes();
        for (int64_t* id : {&f->this_obj, &f->player, &f->caller, &f->progr, &f->definer}) *id = int64_t(in.u64());
        n = in.count(3);  // a name's length, its flag, a capture
        for (uint64_t i = 0; i < n; ++i) {
          f->capture_names.emplace_back(in.bytes());
          f->capture_by_ref.push_back(in.byte() != 0);
        }
        f->captures.reserve(n);
        break;
      }
      default: throw StoreError("a deep value holds an unknown tag");
    }
    if (n) {
      stack.push_back({std::move(v), n, 0, Value()});
      continue;
    }
    // v is complete: place it, and every container it completes, upwards.
    for (;;) {
      if (stack.empty()) {
        if (in.left()) throw StoreError("a deep value has trailing bytes");
        return v;
      }
      Open& o = stack.back();
      switch (o.v.type()) {
        case Type::List: o.v.list_mut()->items()[o.filled] = std::move(v); break;
        case Type::Map:
          if (o.filled % 2 == 0) {
            if (!valid_map_key(v)) throw StoreError("a map key is a list or a map");
            o.key = std::move(v);
          } else {
            o.v.map_mut()->entries.emplace_back(std::move(o.key), std::move(v));
          }
          break;
        case Type::Cell: cell_of(o.v)->value = std::move(v); break;
        default: const_cast<FuncObj*>(func_of(o.v))->captures.push_back(std::move(v)); break;
      }
      if (++o.filled < o.n) break;
      v = std::move(o.v);
      stack.pop_back();
    }
  }
}

}  // namespace flat

void encode_at(const Value& v, schema::Value::Builder out, int depth) {
  if (depth >= kInlineDepth && is_container(v)) {
    out.setDeep(as_data(flat::write(v)));
    return;
  }
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
    case Type::Cell: encode_at(cell_of(v)->value, out.initCell(), depth + 1); return;
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
      for (size_t i = 0; i < f->captures.size(); ++i) encode_at(f->captures[i], caps[unsigned(i)], depth + 1);
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
      for (uint32_t i = 0; i < n; ++i) encode_at(v.list_at(i), l[i], depth + 1);
      return;
    }
    case Type::Map: {
      const auto& entries = v.map_obj()->entries;
      auto m = out.initMap(unsigned(entries.size()));
      for (size_t i = 0; i < entries.size(); ++i) {
        encode_at(entries[i].first, m[unsigned(i)].initKey(), depth + 1);
        encode_at(entries[i].second, m[unsigned(i)].initValue(), depth + 1);
      }
      return;
    }
  }
  throw StoreError("cannot store a value of type " + std::to_string(int(v.type())));
}

}  // namespace

void encode_value(const Value& v, schema::Value::Builder out) { encode_at(v, out, 0); }

std::string encode_flat(const Value& v) { return flat::write(v); }
Value decode_flat(std::string_view bytes) { return flat::read(bytes); }

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
    case schema::Value::DEEP: {
      auto d = in.getDeep();
      return flat::read(std::string_view(reinterpret_cast<const char*>(d.begin()), d.size()));
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
