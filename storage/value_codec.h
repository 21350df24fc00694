// echo::Value <-> schema::Value (storage/schema/world.capnp). Internal to
// the store: only storage/store*.cpp include it.
#pragma once

#include <string_view>

#include "lang/value.h"
#include "storage/schema/world.capnp.h"
#include "storage/world_image.h"

namespace echo::storage {

// Values deeper than this are refused on reading (the textdump reader allows
// kMaxValueDepth; Cap'n Proto's nesting limit is set to match).
inline constexpr int kMaxStoredDepth = 1100;

void encode_value(const Value& v, schema::Value::Builder out);
void encode_stored(const StoredValue& v, schema::Value::Builder out);
// Throws StoreError on a malformed value (unknown union member, a map with
// a list key, nesting too deep).
Value decode_value(schema::Value::Reader in);
StoredValue decode_stored(schema::Value::Reader in);

inline capnp::Data::Reader as_data(std::string_view s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}
inline std::string from_data(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

}  // namespace echo::storage
