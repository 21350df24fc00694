// Record encoding: Object / MetaInfo <-> Cap'n Proto messages, as flat
// (unpacked) arrays of words; RocksDB compresses the blocks.
#include "storage/store_records.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "storage/value_codec.h"

namespace echo::storage::records {

namespace {

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(char((v >> (8 * i)) & 0xFF));
}
uint64_t get_be(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | uint8_t(s[at + i]);
  return v;
}
constexpr uint64_t kSignFlip = uint64_t(1) << 63;

std::string to_bytes(capnp::MessageBuilder& mb) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(mb);
  auto b = words.asBytes();
  return std::string(reinterpret_cast<const char*>(b.begin()), b.size());
}

// Decodes `bytes` as a T and calls fn(reader); any decoding failure becomes
// a StoreError naming the record.
template <typename T, typename Fn>
auto with_record(std::string_view bytes, const std::string& what, Fn fn) {
  try {
    if (bytes.size() % sizeof(capnp::word) != 0 || bytes.empty())
      throw StoreError("size " + std::to_string(bytes.size()) + " is not a whole number of words");
    kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(words.begin(), bytes.data(), bytes.size());
    capnp::ReaderOptions opts;
    opts.nestingLimit = 2 * kMaxStoredDepth + 16;
    opts.traversalLimitInWords = words.size() * 4 + 1024;
    capnp::FlatArrayMessageReader reader(words, opts);
    auto root = reader.getRoot<T>();
    uint32_t version = root.getFormatVersion();
    if (version == 0 || version > kRecordFormat)
      throw StoreError("record format " + std::to_string(version) + " (this server reads 1.." +
                       std::to_string(kRecordFormat) + ")");
    return fn(root);
  } catch (const kj::Exception& e) {
    throw StoreError("corrupt record " + what + ": " + std::string(e.getDescription().cStr()));
  } catch (const StoreError& e) {
    throw StoreError("corrupt record " + what + ": " + e.what());
  }
}

}  // namespace

std::string object_key(Objid id) {
  std::string k;
  put_be(k, uint64_t(id) ^ kSignFlip, 8);
  return k;
}

Objid object_id_of_key(std::string_view key) {
  if (key.size() != 8) throw StoreError("objects: a key of " + std::to_string(key.size()) + " bytes");
  return Objid(get_be(key, 0, 8) ^ kSignFlip);
}

std::string verb_key(Objid id, uint32_t verb_index) {
  std::string k = object_key(id);
  put_be(k, verb_index, 4);
  return k;
}

void verb_of_key(std::string_view key, Objid* id, uint32_t* verb_index) {
  if (key.size() != 12) throw StoreError("verbs: a key of " + std::to_string(key.size()) + " bytes");
  *id = Objid(get_be(key, 0, 8) ^ kSignFlip);
  *verb_index = uint32_t(get_be(key, 8, 4));
}

std::string task_key(uint64_t task_id) {
  std::string k;
  put_be(k, task_id, 8);
  return k;
}

uint64_t task_id_of_key(std::string_view key) {
  if (key.size() != 8) throw StoreError("tasks: a key of " + std::to_string(key.size()) + " bytes");
  return get_be(key, 0, 8);
}

std::string session_key(std::string_view token_hash) {
  if (token_hash.size() != kSessionHashBytes)
    throw StoreError("players: a session hash of " + std::to_string(token_hash.size()) + " bytes (not " +
                     std::to_string(kSessionHashBytes) + ")");
  return kSessionPrefix + std::string(token_hash);
}

std::string_view session_hash_of_key(std::string_view key) {
  if (key.size() != kSessionPrefix.size() + kSessionHashBytes || !key.starts_with(kSessionPrefix))
    throw StoreError("players: a session key of " + std::to_string(key.size()) + " bytes");
  return key.substr(kSessionPrefix.size());
}

std::string event_key(uint64_t seq) { return task_key(seq); }

uint64_t event_seq_of_key(std::string_view key) {
  if (key.size() != 8) throw StoreError("events: a key of " + std::to_string(key.size()) + " bytes");
  return get_be(key, 0, 8);
}

std::string encode_object(const Object& o, bool anonymous) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<schema::ObjectRecord>();
  r.setFormatVersion(kRecordFormat);
  r.setId(o.id);
  r.setRecycled(o.recycled);
  r.setRecycledSpaced(o.recycled_spaced);
  r.setAnonymous(anonymous);
  r.setName(as_data(o.name));
  r.setFlags(o.flags);
  r.setOwner(o.owner);
  encode_value(o.location, r.initLocation());
  encode_value(o.contents, r.initContents());
  encode_value(o.parents, r.initParents());
  encode_value(o.children, r.initChildren());
  encode_stored(o.last_move, r.initLastMove());
  if (o.v4) {
    r.setHasV4(true);
    auto l = r.initV4();
    l.setLocation(o.v4->location);
    l.setContents(o.v4->contents);
    l.setNext(o.v4->next);
    l.setParent(o.v4->parent);
    l.setChild(o.v4->child);
    l.setSibling(o.v4->sibling);
  }
  r.setHandles(as_data(o.handles));
  auto defs = r.initPropdefs(unsigned(o.propdefs.size()));
  for (size_t i = 0; i < o.propdefs.size(); ++i) defs.set(unsigned(i), as_data(o.propdefs[i]));
  auto vals = r.initPropvals(unsigned(o.propvals.size()));
  for (size_t i = 0; i < o.propvals.size(); ++i) {
    auto pv = vals[unsigned(i)];
    encode_stored(o.propvals[i].value, pv.initValue());
    pv.setOwner(o.propvals[i].owner);
    pv.setPerms(o.propvals[i].perms);
  }
  auto verbs = r.initVerbs(unsigned(o.verbs.size()));
  for (size_t i = 0; i < o.verbs.size(); ++i) {
    auto v = verbs[unsigned(i)];
    const Verb& src = o.verbs[i];
    v.setNames(as_data(src.names));
    v.setOwner(src.owner);
    v.setPerms(src.perms);
    v.setPrep(src.prep);
    v.setHasProgram(src.program.has_value());
    v.setEcho(src.echo);
  }
  return to_bytes(mb);
}

ObjectRecord decode_object(std::string_view bytes, const std::string& what) {
  return with_record<schema::ObjectRecord>(bytes, what, [](schema::ObjectRecord::Reader r) {
    ObjectRecord o;
    o.id = r.getId();
    o.recycled = r.getRecycled();
    o.recycled_spaced = r.getRecycledSpaced();
    o.name = from_data(r.getName());
    o.flags = r.getFlags();
    o.owner = r.getOwner();
    o.location = decode_value(r.getLocation());
    o.contents = decode_value(r.getContents());
    o.parents = decode_value(r.getParents());
    o.children = decode_value(r.getChildren());
    if (r.hasLastMove())
      o.last_move = decode_stored(r.getLastMove());
    if (r.getHasV4()) {
      auto l = r.getV4();
      o.v4 = Links4{l.getLocation(), l.getContents(), l.getNext(), l.getParent(), l.getChild(), l.getSibling()};
    }
    o.handles = from_data(r.getHandles());
    for (auto d : r.getPropdefs()) o.propdefs.push_back(from_data(d));
    o.propvals.reserve(r.getPropvals().size());
    for (auto pv : r.getPropvals())
      o.propvals.push_back(PropVal{decode_stored(pv.getValue()), pv.getOwner(), pv.getPerms()});
    o.verbs.reserve(r.getVerbs().size());
    for (auto v : r.getVerbs()) {
      Verb vb;
      vb.names = from_data(v.getNames());
      vb.owner = v.getOwner();
      vb.perms = v.getPerms();
      vb.prep = v.getPrep();
      vb.echo = v.getEcho();
      o.verbs.push_back(std::move(vb));
    }
    return o;
  });
}

std::string encode_verb_source(std::string_view source) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<schema::VerbSource>();
  r.setFormatVersion(kRecordFormat);
  r.setSource(as_data(source));
  return to_bytes(mb);
}

std::string decode_verb_source(std::string_view bytes, const std::string& what) {
  return with_record<schema::VerbSource>(bytes, what,
                                         [](schema::VerbSource::Reader r) { return from_data(r.getSource()); });
}

std::string encode_meta(const MetaInfo& m) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<schema::MetaRecord>();
  r.setFormatVersion(kRecordFormat);
  r.setTextdumpFormat(m.textdump_format);
  r.setHeaderDummy(m.header_dummy);
  r.setMaxObject(m.max_object);
  auto players = r.initPlayers(unsigned(m.players.size()));
  for (size_t i = 0; i < m.players.size(); ++i) players.set(unsigned(i), m.players[i]);
  auto secs = r.initSections(unsigned(m.sections.size()));
  for (size_t i = 0; i < m.sections.size(); ++i) {
    auto s = secs[unsigned(i)];
    s.setName(m.sections[i].name);
    s.setCount(m.sections[i].count);
    s.setText(as_data(m.sections[i].text));
    s.setChecked(m.sections[i].checked);
  }
  r.setTrailing(as_data(m.trailing));
  auto anon = r.initAnonymousIds(unsigned(m.anonymous_ids.size()));
  for (size_t i = 0; i < m.anonymous_ids.size(); ++i) anon.set(unsigned(i), m.anonymous_ids[i]);
  auto batches = r.initAnonymousBatches(unsigned(m.anonymous_batches.size()));
  for (size_t i = 0; i < m.anonymous_batches.size(); ++i) batches.set(unsigned(i), m.anonymous_batches[i]);
  return to_bytes(mb);
}

MetaInfo decode_meta(std::string_view bytes, const std::string& what) {
  return with_record<schema::MetaRecord>(bytes, what, [](schema::MetaRecord::Reader r) {
    MetaInfo m;
    m.textdump_format = r.getTextdumpFormat();
    m.header_dummy = r.getHeaderDummy();
    m.max_object = r.getMaxObject();
    for (auto p : r.getPlayers()) m.players.push_back(p);
    for (auto s : r.getSections()) {
      RawSection rs;
      rs.name = s.getName().cStr();
      rs.count = s.getCount();
      rs.text = from_data(s.getText());
      rs.checked = s.getChecked();
      m.sections.push_back(std::move(rs));
    }
    m.trailing = from_data(r.getTrailing());
    for (auto a : r.getAnonymousIds()) m.anonymous_ids.push_back(a);
    for (auto b : r.getAnonymousBatches()) m.anonymous_batches.push_back(size_t(b));
    return m;
  });
}

std::string encode_task(const Value& state) {
  std::string flat = encode_flat(state);
  // One segment of the size needed: the default first segment is 8 KB,
  // zeroed, and a fork bomb writes 15,000 records in one commit.
  capnp::MallocMessageBuilder mb(unsigned(flat.size() / sizeof(capnp::word) + 16), capnp::AllocationStrategy::FIXED_SIZE);
  auto r = mb.initRoot<schema::TaskRecord>();
  r.setFormatVersion(kRecordFormat);
  r.setFlat(as_data(flat));
  return to_bytes(mb);
}

Value decode_task(std::string_view bytes, const std::string& what) {
  return with_record<schema::TaskRecord>(bytes, what, [](schema::TaskRecord::Reader r) {
    if (r.hasFlat()) {
      auto d = r.getFlat();
      return decode_flat(std::string_view(reinterpret_cast<const char*>(d.begin()), d.size()));
    }
    return decode_value(r.getState());
  });
}

namespace {
// Text as bytes: embedded NULs survive (cStr() would stop at the first).
capnp::Text::Reader as_text(const std::string& s) { return capnp::Text::Reader(s.c_str(), s.size()); }
std::string from_text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }
}  // namespace

std::string encode_session(const SessionRecord& s) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<schema::SessionRecord>();
  r.setFormatVersion(kRecordFormat);
  r.setPlayer(s.player);
  r.setCreated(s.created);
  r.setExpires(s.expires);
  r.setLastUsed(s.last_used);
  r.setRemoteAddr(as_text(s.remote_addr));
  return to_bytes(mb);
}

SessionRecord decode_session(std::string_view bytes, const std::string& what) {
  return with_record<schema::SessionRecord>(bytes, what, [](schema::SessionRecord::Reader r) {
    SessionRecord s;
    s.player = r.getPlayer();
    s.created = r.getCreated();
    s.expires = r.getExpires();
    s.last_used = r.getLastUsed();
    s.remote_addr = from_text(r.getRemoteAddr());
    return s;
  });
}

std::string encode_event(const EventRecord& e) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<schema::EventRecord>();
  r.setFormatVersion(kRecordFormat);
  r.setSeq(e.seq);
  r.setTime(e.time);
  r.setType(as_text(e.type));
  r.setSource(e.source);
  r.setTarget(e.target);
  r.setPlayer(e.player);
  encode_value(e.payload, r.initPayload());
  return to_bytes(mb);
}

EventRecord decode_event(std::string_view bytes, const std::string& what) {
  return with_record<schema::EventRecord>(bytes, what, [](schema::EventRecord::Reader r) {
    EventRecord e;
    e.seq = r.getSeq();
    e.time = r.getTime();
    e.type = from_text(r.getType());
    e.source = r.getSource();
    e.target = r.getTarget();
    e.player = r.getPlayer();
    e.payload = decode_value(r.getPayload());
    return e;
  });
}

}  // namespace echo::storage::records
