// The event log in the events family: u64 BE seq -> EventRecord.
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "storage/store_impl.h"
#include "storage/store_records.h"

namespace echo::storage {

namespace {

uint64_t seq_of(const Store::Impl& im, rocksdb::Slice key) {
  try {
    return records::event_seq_of_key(key.ToStringView());
  } catch (const StoreError& e) {
    throw StoreError(im.data_dir + " events key " + hex(key.ToStringView()) + ": " + e.what());
  }
}

// The record under the iterator's key, checked against that key.
EventRecord event_at(const Store::Impl& im, const rocksdb::Iterator& it) {
  uint64_t seq = seq_of(im, it.key());
  std::string what = im.data_dir + " events seq " + std::to_string(seq);
  EventRecord e = records::decode_event(it.value().ToStringView(), what);
  if (e.seq != seq) throw StoreError("corrupt record " + what + ": it holds seq " + std::to_string(e.seq));
  return e;
}

}  // namespace

void Batch::put_event(const EventRecord& e) {
  // read_events(0, ...) starts after seq 0, and last_event_seq() == 0 means empty.
  if (e.seq == 0) throw StoreError("events: seq 0 is reserved (events are numbered from 1)");
  add(Family::Events, records::event_key(e.seq), records::encode_event(e));
}

uint64_t Store::last_event_seq() const {
  auto it = impl_->iterator(kEvents);
  it->SeekToLast();
  if (it->Valid()) return seq_of(*impl_, it->key());
  impl_->check(it->status(), "reading the last event");
  return 0;
}

EventPage Store::read_events(uint64_t since_seq, size_t limit, const std::function<bool(const EventRecord&)>& filter,
                             size_t max_scan) const {
  EventPage page;
  page.next_since = since_seq;
  if (since_seq == UINT64_MAX) {  // nothing can follow (and since_seq + 1 would wrap)
    page.at_end = true;
    return page;
  }
  auto it = impl_->iterator(kEvents);
  size_t scanned = 0;
  for (it->Seek(records::event_key(since_seq + 1)); it->Valid(); it->Next()) {
    if (page.events.size() >= limit || scanned >= max_scan) break;
    EventRecord e = event_at(*impl_, *it);
    ++scanned;
    page.next_since = e.seq;
    if (!filter || filter(e)) page.events.push_back(std::move(e));
  }
  impl_->check(it->status(), "reading events after " + std::to_string(since_seq));
  page.at_end = !it->Valid();
  return page;
}

size_t Store::trim_events(uint64_t keep_last_n, double older_than_unix) {
  Impl& im = *impl_;
  // One iterator, so the last seq and the walk from the first see the same
  // snapshot: an event appended meanwhile has a higher seq and is not touched.
  auto it = im.iterator(kEvents);
  it->SeekToLast();
  if (!it->Valid()) {
    im.check(it->status(), "reading the last event");
    return 0;
  }
  uint64_t last = seq_of(im, it->key());
  std::string last_key = it->key().ToString();
  size_t removed = 0;
  std::string end_key;  // the first event kept: DeleteRange's exclusive end
  std::optional<StoreError> corrupt;
  for (it->Seek(records::event_key(im.events_floor.load())); it->Valid(); it->Next()) {
    uint64_t seq = seq_of(im, it->key());
    bool beyond_count = keep_last_n <= last && seq <= last - keep_last_n;
    if (!beyond_count) {
      try {
        if (!(event_at(im, *it).time < older_than_unix)) {  // a NaN time is kept too
          end_key = it->key().ToString();
          break;
        }
      } catch (const StoreError& e) {
        // Delete what is before it, so a corrupt event does not stop the
        // count cut for good; then report it.
        corrupt = e;
        end_key = it->key().ToString();
        break;
      }
    }
    ++removed;
  }
  im.check(it->status(), "scanning events to trim");
  if (removed > 0) {
    // Every key sorts before the first kept; past the last when all go
    // (last_key ++ "\0" sorts after it and before seq last + 1).
    if (end_key.empty()) end_key = last_key + '\0';
    rocksdb::WriteBatch wb;
    im.check(wb.DeleteRange(im.cf[kEvents], records::event_key(0), end_key), "building a write batch");
    rocksdb::WriteOptions wo;
    wo.sync = im.options.sync;
    im.check(im.db->Write(wo, &wb), "trimming " + std::to_string(removed) + " events");
    // seq of end_key, or last + 1 (last_key ++ "\0"; the max avoids wrapping).
    uint64_t floor = end_key.size() == 8 ? records::event_seq_of_key(end_key) : std::max(last, last + 1);
    uint64_t old = im.events_floor.load();
    while (old < floor && !im.events_floor.compare_exchange_weak(old, floor)) {
    }
  }
  if (corrupt) throw *corrupt;
  return removed;
}

}  // namespace echo::storage
