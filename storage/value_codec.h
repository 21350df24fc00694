// echo::Value <-> schema::Value (storage/schema/world.capnp). Internal to
// the store: only storage/store*.cpp include it.
#pragma once

#include <string_view>

#include "lang/value.h"
#include "storage/schema/world.capnp.h"
#include "storage/world_image.h"

namespace echo::storage {

// A value of any depth is stored. Its first kInlineDepth levels are nested
// Cap'n Proto structs; a container below them is one `deep` blob in a flat
// pre-order encoding that is written and read with an explicit stack, so
// neither side recurses more than kInlineDepth deep.
inline constexpr int kInlineDepth = 48;
// Nested structs deeper than this are refused on reading: Echo writes at most
// kInlineDepth, but records from before `deep` nest up to the textdump
// reader's old limit of 1000 (Cap'n Proto's nesting limit is set to match).
inline constexpr int kMaxStoredDepth = 1100;

void encode_value(const Value& v, schema::Value::Builder out);
void encode_stored(const StoredValue& v, schema::Value::Builder out);
// Throws StoreError on a malformed value (unknown union member, a map with
// a list key, nested structs too deep, a truncated `deep` blob).
Value decode_value(schema::Value::Reader in);
StoredValue decode_stored(schema::Value::Reader in);
// The flat encoding alone (format 2), for records that are one big value
// and whose size matters (task records): a quarter of the nested structs'
// bytes or less, written and read with an explicit stack. decode_flat
// throws StoreError on anything malformed.
std::string encode_flat(const Value& v);
Value decode_flat(std::string_view bytes);

inline capnp::Data::Reader as_data(std::string_view s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}
inline std::string from_data(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

}  // namespace echo::storage
