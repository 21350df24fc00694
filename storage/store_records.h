// Keys and record encoding for the store (internal to storage/store*.cpp).
#pragma once

#include <string>
#include <string_view>

#include "storage/store.h"

namespace echo::storage::records {

std::string object_key(Objid id);
Objid object_id_of_key(std::string_view key);  // throws StoreError on a bad key
std::string verb_key(Objid id, uint32_t verb_index);
void verb_of_key(std::string_view key, Objid* id, uint32_t* verb_index);
std::string task_key(uint64_t task_id);
uint64_t task_id_of_key(std::string_view key);
inline const std::string kMetaKey = "world";
// players: a kind byte, then the kind's key.
inline const std::string kSessionPrefix = "s";
std::string session_key(std::string_view token_hash);  // throws StoreError unless 32 bytes
std::string_view session_hash_of_key(std::string_view key);
std::string event_key(uint64_t seq);
uint64_t event_seq_of_key(std::string_view key);

std::string encode_object(const Object& o, bool anonymous);
std::string encode_verb_source(std::string_view source);
std::string encode_meta(const MetaInfo& m);

// `what` names the record in error messages ("objects #12").
ObjectRecord decode_object(std::string_view bytes, const std::string& what);
std::string decode_verb_source(std::string_view bytes, const std::string& what);
MetaInfo decode_meta(std::string_view bytes, const std::string& what);
std::string encode_task(const Value& state);
Value decode_task(std::string_view bytes, const std::string& what);
std::string encode_session(const SessionRecord& s);
SessionRecord decode_session(std::string_view bytes, const std::string& what);
std::string encode_event(const EventRecord& e);
EventRecord decode_event(std::string_view bytes, const std::string& what);

}  // namespace echo::storage::records
