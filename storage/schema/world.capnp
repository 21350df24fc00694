# Echo's persistent world records (storage/store.h). Every top-level record
# carries `formatVersion` (kRecordFormat in store.cpp); a reader refuses a
# record newer than it knows. Fields may only be added, never renumbered.
@0x9e587a67c05095dc;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("echo::storage::schema");

# A MOO value. MOO strings are bytes, so they are Data, not Text. `raw` is the
# exact textdump encoding of a value Echo cannot represent yet (anonymous
# objects, waifs; see StoredValue in world_image.h).
struct Value {
  union {
    int @0 :Int64;
    float @1 :Float64;
    str @2 :Data;
    obj @3 :Int64;
    err @4 :Int64;
    list @5 :List(Value);
    map @6 :List(MapEntry);   # in the map's (key) order
    bool @7 :Bool;
    clear @8 :Void;           # an inherited property value
    raw @9 :Data;
    none @10 :Void;
    null @11 :Void;           # Echo's null
    func @12 :Function;       # an Echo function value
    cell @13 :Value;          # a let-binding captured by reference
    deep @14 :Data;           # a list, map, cell or function nested too deep
                              # for Cap'n Proto: flat, see value_codec.cpp
  }
}

# An Echo function value: rebuilt by compiling `source` again, so the stored
# form does not depend on the bytecode. Cells shared between two values are
# stored once per value (their sharing does not survive a restart).
struct Function {
  source @0 :Data;
  name @1 :Data;
  captureNames @2 :List(Data);
  captureByRef @3 :List(Bool);
  captures @4 :List(Value);
  thisObj @5 :Int64;
  player @6 :Int64;
  caller @7 :Int64;
  progr @8 :Int64;
  definer @9 :Int64;
  verbName @10 :Data;
}

struct MapEntry {
  key @0 :Value;
  value @1 :Value;
}

struct PropVal {
  value @0 :Value;
  owner @1 :Int64;
  perms @2 :Int64;
}

# A verb without its program; the program lives in the `verbs` column family
# under (object id, verb index), so reading an object never reads its code.
struct VerbInfo {
  names @0 :Data;
  owner @1 :Int64;
  perms @2 :Int64;            # access bits | dobj << 4 | iobj << 6
  prep @3 :Int64;
  hasProgram @4 :Bool;
  echo @5 :Bool;              # the program is in Echo syntax (else MOO)
}

# Format <= 4 link words (Links4 in world_image.h).
struct Links4 {
  location @0 :Int64;
  contents @1 :Int64;
  next @2 :Int64;
  parent @3 :Int64;
  child @4 :Int64;
  sibling @5 :Int64;
}

struct ObjectRecord {
  formatVersion @0 :UInt32;
  id @1 :Int64;
  recycled @2 :Bool;
  recycledSpaced @3 :Bool;
  anonymous @4 :Bool;
  name @5 :Data;
  flags @6 :Int64;
  owner @7 :Int64;
  location @8 :Value;
  contents @9 :Value;
  parents @10 :Value;
  children @11 :Value;
  lastMove @12 :Value;        # absent: an empty map
  hasV4 @13 :Bool;
  v4 @14 :Links4;
  handles @15 :Data;
  propdefs @16 :List(Data);
  propvals @17 :List(PropVal);
  verbs @18 :List(VerbInfo);
}

struct VerbSource {
  formatVersion @0 :UInt32;
  source @1 :Data;            # each line ending in '\n'
}

struct RawSection {
  name @0 :Text;
  count @1 :Int64;
  text @2 :Data;
  checked @3 :Bool;
}

struct MetaRecord {
  formatVersion @0 :UInt32;
  textdumpFormat @1 :Int32;   # the textdump format the world came from
  headerDummy @2 :Int64;
  maxObject @3 :Int64;        # highest permanent object id (-1: none)
  players @4 :List(Int64);
  sections @5 :List(RawSection);  # the task sections, verbatim
  trailing @6 :Data;
  anonymousIds @7 :List(Int64);   # in file order
  anonymousBatches @8 :List(UInt64);
}

# A suspended, forked or read()-waiting task: the runtime's description of it
# (a MOO value; see actors/) in the tasks column family. Format 1 wrote it in
# `state`; format 2 writes `flat` (value_codec.cpp's flat encoding, with the
# record's keys as one byte each): a fork bomb's 15,000 records were 69 MB
# as nested structs, all written in one commit.
struct TaskRecord {
  formatVersion @0 :UInt32;
  state @1 :Value;
  flat @2 :Data;
}

# A web session in the players family, under "s" ++ SHA-256(token): the
# token itself is never stored, so reading the store does not log anyone in.
# Times are unix seconds.
struct SessionRecord {
  formatVersion @0 :UInt32;
  player @1 :Int64;
  created @2 :Float64;
  expires @3 :Float64;
  lastUsed @4 :Float64;
  remoteAddr @5 :Text;        # the address the browser logged in from
}

# One entry of the append-only event log (the events family, keyed by seq).
struct EventRecord {
  formatVersion @0 :UInt32;
  seq @1 :UInt64;             # equals the key; checked on reading
  time @2 :Float64;           # unix seconds
  type @3 :Text;              # "event", "connect", "login_failed", ...
  source @4 :Int64;
  target @5 :Int64;
  player @6 :Int64;
  payload @7 :Value;          # any MOO value
}
