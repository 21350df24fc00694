// Echo values in JSON and back (net/json.h, docs/web.md "Values in JSON").
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>

#include "lang/limits.h"
#include "lang/map.h"
#include "net/json.h"

namespace echo::net {

namespace {

// The keys of the tagged forms. A one-member object with one of these keys
// is always read as the tag (case-sensitively: {"OBJ": 1} is a map).
constexpr std::string_view kTags[] = {"obj", "error", "float", "bytes", "map", "unsupported"};

bool is_tag(std::string_view key) { return std::find(std::begin(kTags), std::end(kTags), key) != std::end(kTags); }

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// RFC 4648 base64, standard alphabet, with padding.
std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = uint32_t(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= uint32_t(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) n |= uint32_t(static_cast<unsigned char>(in[i + 2]));
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kBase64[n & 63] : '=';
  }
  return out;
}

// Strict: padded to a multiple of four, '=' only at the end.
bool base64_decode(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  size_t pad = in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0;
  out->clear();
  out->reserve(in.size() / 4 * 3);
  uint32_t n = 0;
  for (size_t i = 0; i < in.size() - pad; ++i) {
    const char* p = in[i] == '\0' ? nullptr : std::strchr(kBase64, in[i]);
    if (p == nullptr) return false;
    n = (n << 6) | uint32_t(p - kBase64);
    if (i % 4 == 3) {
      *out += char(n >> 16);
      *out += char(n >> 8);
      *out += char(n);
      n = 0;
    }
  }
  if (pad == 2) *out += char(n >> 4);  // 2 chars: 12 bits, 8 of them data
  if (pad == 1) {                      // 3 chars: 18 bits, 16 of them data
    *out += char(n >> 10);
    *out += char(n >> 2);
  }
  return true;
}

// {name: payload}, built without copying the payload (an initializer_list
// would copy it, and a map's whole subtree with it).
Json tag(const char* name, Json payload) {
  Json::Object o;
  o.emplace_back(name, std::move(payload));
  return Json(std::move(o));
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- to_json --------------------------------------------------------------

class ToJson {
 public:
  explicit ToJson(const ToJsonOptions& options) : options_(options) {}

  // v, inside `depth` JSON containers.
  Json convert(const Value& v, size_t depth) {
    switch (v.type()) {
      case Type::Int: return Json(v.as_int());
      case Type::Bool: return Json(v.as_bool());
      case Type::Null: return Json();
      case Type::Float: {
        double d = v.as_float();
        if (std::isfinite(d)) return Json(d);
        std::string what = std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
        return unsupported(what, depth, "FLOAT " + what + " has no JSON form");
      }
      case Type::Str: {
        std::string_view s = v.as_str();
        if (valid_utf8(s)) return Json(s);
        enter(depth, 1);
        return tag("bytes", base64_encode(s));
      }
      case Type::Obj:
        enter(depth, 1);
        return tag("obj", v.as_obj());
      case Type::Err: {
        Error e = v.as_err();
        if (e < 0 || e >= ERROR_COUNT) {
          std::string code = std::to_string(int64_t(e));
          return unsupported("error " + code, depth, "error code " + code + " has no name");
        }
        enter(depth, 1);
        return tag("error", error_name(e));
      }
      case Type::List: {
        enter(depth, 1);
        Json::Array items;
        items.reserve(v.list_len());
        for (uint32_t i = 0; i < v.list_len(); ++i) {
          path_.push_back({i + 1, nullptr});
          items.push_back(convert(v.list_at(i), depth + 1));
          path_.pop_back();
        }
        return Json(std::move(items));
      }
      case Type::Map: return map(v, depth);
      case Type::Func:
        return unsupported("function", depth, "a function (FUNC) has no JSON form");
      case Type::Clear: case Type::None: case Type::Cell:
        return unsupported(lowercase(type_name(v.type())), depth,
                           std::string("an internal ") + type_name(v.type()) + " value has no JSON form");
    }
    return unsupported("type " + std::to_string(int(v.type())), depth, "an unknown type has no JSON form");
  }

 private:
  // A map is an object when its keys are all UTF-8 strings and it cannot be
  // taken for a tagged form; else {"map": [[key, value], ...]}.
  Json map(const Value& v, size_t depth) {
    const auto& entries = v.map_obj()->entries;
    bool plain = !(entries.size() == 1 && entries[0].first.is_str() && is_tag(entries[0].first.as_str()));
    for (const auto& [k, val] : entries) plain = plain && k.is_str() && valid_utf8(k.as_str());
    if (plain) {
      enter(depth, 1);
      Json::Object members;
      members.reserve(entries.size());
      for (const auto& [k, val] : entries) {
        path_.push_back({0, &k});
        members.emplace_back(std::string(k.as_str()), convert(val, depth + 1));
        path_.pop_back();
      }
      return Json(std::move(members));
    }
    enter(depth, 3);  // {"map": [[k, v]]}: the keys and values sit 3 deeper
    Json::Array pairs;
    pairs.reserve(entries.size());
    for (const auto& [k, val] : entries) {
      path_.push_back({0, &k});
      Json::Array pair;
      pair.reserve(2);
      pair.push_back(convert(k, depth + 3));
      pair.push_back(convert(val, depth + 3));
      pairs.push_back(Json(std::move(pair)));
      path_.pop_back();
    }
    return tag("map", std::move(pairs));
  }

  // Before making `levels` nested containers inside `depth` of them.
  void enter(size_t depth, size_t levels) {
    if (depth + levels > options_.max_depth)
      refuse("nested too deeply: the JSON would pass the limit of " + std::to_string(options_.max_depth) +
             " levels");
  }

  Json unsupported(const std::string& what, size_t depth, std::string message) {
    if (options_.unsupported == Unsupported::Refuse) refuse(std::move(message));
    enter(depth, 1);
    return tag("unsupported", what);
  }

  // The path is a MOO index expression: [3] for a list element (1-based),
  // [<key literal>] for a map's value or its key.
  [[noreturn]] void refuse(std::string message) {
    std::string path;
    for (const Step& s : path_) {
      if (s.key == nullptr) {
        path += "[" + std::to_string(s.index) + "]";
        continue;
      }
      std::string key = to_literal(*s.key);
      if (key.size() > 40) key = key.substr(0, 37) + "...";
      path += "[" + key + "]";
    }
    throw JsonError(std::move(path), std::move(message));
  }

  struct Step {
    uint32_t index;    // a list element, when key is null
    const Value* key;  // a map entry
  };

  const ToJsonOptions& options_;
  std::vector<Step> path_;
};

// ---- from_json ------------------------------------------------------------

class FromJson {
 public:
  explicit FromJson(std::string_view where) : where_(where) {}

  Value convert(const Json& j) {
    switch (j.kind()) {
      case Json::Kind::Null: return Value::null();
      case Json::Kind::Bool: return Value::boolean(j.as_bool());
      case Json::Kind::Int: return Value::integer(j.as_int());
      case Json::Kind::Double: return number(j);
      case Json::Kind::String: return string(j.as_string());
      case Json::Kind::Array: {
        const Json::Array& a = j.as_array();
        within_limits([&] { check_list_length(a.size()); });
        Value list = a.empty() ? Value::empty_list() : Value::list_of_size(uint32_t(a.size()));
        for (size_t i = 0; i < a.size(); ++i) {
          path_.push_back({nullptr, i});
          Value item = convert(a[i]);
          path_.pop_back();
          list.list_mut()->items()[i] = std::move(item);
        }
        within_limits([&] { check_list_value(list); });
        return list;
      }
      case Json::Kind::Object: {
        const Json::Object& o = j.as_object();
        if (o.size() == 1 && is_tag(o[0].first)) {
          path_.push_back({&o[0].first, 0});
          Value v = tagged(o[0].first, o[0].second);
          path_.pop_back();
          return v;
        }
        std::vector<std::pair<Value, Value>> entries;
        entries.reserve(o.size());
        for (const auto& [k, val] : o) {
          path_.push_back({&k, 0});
          entries.emplace_back(string(k), convert(val));
          path_.pop_back();
        }
        return make_map(std::move(entries), false);
      }
    }
    fail("unknown JSON kind");
  }

 private:
  Value number(const Json& j) {
    double d = j.as_double();
    if (!std::isfinite(d)) fail("a FLOAT must be finite");
    return Value::flt(d);
  }

  Value string(std::string_view s) {
    within_limits([&] { check_string_length(s.size()); });
    return Value::str(s);
  }

  // The payload of {tag: payload}; path_ ends at the tag.
  Value tagged(std::string_view tag, const Json& payload) {
    if (tag == "obj") {
      if (payload.is_int()) return Value::obj(payload.as_int());
      if (payload.is_string()) {
        const std::string& s = payload.as_string();
        int64_t id;
        if (s.size() > 1 && s[0] == '#') {
          auto r = std::from_chars(s.data() + 1, s.data() + s.size(), id);
          if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return Value::obj(id);
        }
      }
      fail("expected an object number such as 12 or \"#12\"");
    }
    if (tag == "error") {
      Error e;
      if (!payload.is_string()) fail("expected an error name such as \"E_PERM\"");
      if (!error_from_name(payload.as_string(), &e)) fail("unknown error name " + payload.dump());
      return Value::err(e);
    }
    if (tag == "float") {
      if (!payload.is_number()) fail("expected a number");
      return number(payload);
    }
    if (tag == "bytes") {
      std::string bytes;
      if (!payload.is_string() || !base64_decode(payload.as_string(), &bytes))
        fail("expected the string's bytes in base64 (RFC 4648, padded)");
      return string(bytes);
    }
    if (tag == "map") {
      if (!payload.is_array()) fail("expected an array of [key, value] pairs");
      const Json::Array& pairs = payload.as_array();
      std::vector<std::pair<Value, Value>> entries;
      entries.reserve(pairs.size());
      for (size_t i = 0; i < pairs.size(); ++i) {
        path_.push_back({nullptr, i});
        const Json& p = pairs[i];
        if (!p.is_array() || p.size() != 2) fail("expected a [key, value] pair");
        path_.push_back({nullptr, 0});
        Value key = convert(p[0]);
        if (!valid_map_key(key)) fail(std::string("a ") + type_name(key.type()) + " cannot be a map key");
        path_.back().index = 1;
        Value val = convert(p[1]);
        path_.pop_back();
        path_.pop_back();
        entries.emplace_back(std::move(key), std::move(val));
      }
      return make_map(std::move(entries), true);
    }
    // "unsupported": written by to_json's Placeholder mode, never a value.
    fail("a placeholder for a value with no JSON form (" + payload.dump() + ") cannot be read back");
  }

  // A MAP of entries in text order. MOO maps are sorted, and their string
  // keys ignore case; two keys that are one MOO key are an error, not a
  // silent overwrite. Sorting once, not MapObj::set per key: that is
  // quadratic on a large object.
  Value make_map(std::vector<std::pair<Value, Value>> entries, bool pairs) {
    std::vector<size_t> order(entries.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return compare_values(entries[a].first, entries[b].first, false) < 0;
    });
    for (size_t i = 1; i < order.size(); ++i) {
      const Value& a = entries[order[i - 1]].first;
      const Value& b = entries[order[i]].first;
      if (compare_values(a, b, false) != 0) continue;
      // In the {"map": ...} form point at the later pair; in an object, at the object.
      if (pairs) path_.push_back({nullptr, std::max(order[i - 1], order[i])});
      if (a.is_str() && !equal_exact(a, b))
        fail("keys " + to_literal(a) + " and " + to_literal(b) + " are one MOO map key (string keys ignore case)");
      fail("duplicate map key " + to_literal(b));
    }
    Value m = Value::empty_map();
    MapObj* mo = m.map_mut();
    mo->entries.reserve(entries.size());
    for (size_t i : order) mo->entries.push_back(std::move(entries[i]));
    count_heap_bytes(entries.size() * sizeof(entries[0]));
    within_limits([&] { check_map_value(m); });
    return m;
  }

  template <class Check>
  void within_limits(Check check) {
    try {
      check();
    } catch (const ValueTooLarge&) {
      fail("larger than the server's limits on values");
    }
  }

  // The path is into the JSON, 0-based: where[2].map[0].name.
  [[noreturn]] void fail(std::string message) {
    std::string path(where_);
    for (const Step& s : path_) {
      if (s.name == nullptr) {
        path += "[" + std::to_string(s.index) + "]";
        continue;
      }
      const std::string& n = *s.name;
      bool identifier = !n.empty() && !std::isdigit(static_cast<unsigned char>(n[0])) &&
                        std::all_of(n.begin(), n.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
      if (!identifier) path += "[" + Json(n).dump() + "]";
      else path += (path.empty() ? "" : ".") + n;
    }
    throw JsonError(std::move(path), std::move(message));
  }

  struct Step {
    const std::string* name;  // an object member; null: an array element
    size_t index;
  };

  std::string_view where_;
  std::vector<Step> path_;
};

}  // namespace

Json to_json(const Value& v, const ToJsonOptions& options) { return ToJson(options).convert(v, 0); }

Value from_json(const Json& j, std::string_view where) { return FromJson(where).convert(j); }

}  // namespace echo::net
