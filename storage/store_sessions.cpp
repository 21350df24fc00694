// Web sessions in the players family: "s" ++ SHA-256(token) -> SessionRecord.
#include "storage/store_impl.h"
#include "storage/store_records.h"

namespace echo::storage {

namespace {

std::string session_what(const std::string& data_dir, std::string_view hash) {
  return data_dir + " players session " + hex(hash);
}

}  // namespace

void Batch::put_session(std::string_view token_hash, const SessionRecord& session) {
  add(Family::Players, records::session_key(token_hash), records::encode_session(session));
}

void Batch::delete_session(std::string_view token_hash) {
  add(Family::Players, records::session_key(token_hash), std::nullopt);
}

std::optional<SessionRecord> Store::get_session(std::string_view token_hash) const {
  auto v = impl_->get(kPlayers, records::session_key(token_hash));
  if (!v) return std::nullopt;
  return records::decode_session(*v, session_what(impl_->data_dir, token_hash));
}

void Store::for_each_session(const std::function<void(std::string_view, const SessionRecord&)>& fn) const {
  impl_->scan_prefix(kPlayers, records::kSessionPrefix, [&](std::string_view k, std::string_view v) {
    std::string_view hash;
    try {
      hash = records::session_hash_of_key(k);
    } catch (const StoreError& e) {
      throw StoreError(impl_->data_dir + " players key " + hex(k) + ": " + e.what());
    }
    fn(hash, records::decode_session(v, session_what(impl_->data_dir, hash)));
  });
}

}  // namespace echo::storage
