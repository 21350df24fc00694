// A whole MOO database in memory, as a LambdaMOO / ToastStunt textdump holds
// it: the plain data, no behaviour. storage/textdump.h reads and writes it.
//
// The image keeps everything the file holds, so that writing it back in the
// format it was read from gives the same file (see textdump.h for what is and
// is not byte-identical). Where the two families of formats differ:
//
//   * the object hierarchy is kept in ToastStunt's form (`location`,
//     `contents`, `parents`, `children` as MOO values) for every format; an
//     image read from a format <= 4 file also keeps the six link words of the
//     file (`v4`), from which a format-4 file is written back;
//   * the task queue, the suspended tasks and the other sections that need a
//     VM to interpret are kept verbatim (`sections`), for Echo to interpret
//     later;
//   * a property value holding something Echo's Value cannot represent yet
//     (ToastStunt's anonymous objects and waifs) is kept as its exact textdump
//     encoding (`StoredValue::raw`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lang/value.h"

namespace echo::storage {

using Objid = int64_t;
inline constexpr Objid kNothing = -1;

// Object flag bits (LambdaMOO db.h; the last three are ToastStunt's).
enum ObjectFlag : int64_t {
  kFlagUser = 1 << 0,  // a player
  kFlagProgrammer = 1 << 1,
  kFlagWizard = 1 << 2,
  kFlagObsolete1 = 1 << 3,
  kFlagRead = 1 << 4,
  kFlagWrite = 1 << 5,
  kFlagObsolete2 = 1 << 6,
  kFlagFertile = 1 << 7,
  kFlagAnonymous = 1 << 8,
  kFlagInvalid = 1 << 9,
  kFlagRecycled = 1 << 10,
};

// Property permission bits.
enum PropPerm : int64_t { kPropRead = 1, kPropWrite = 2, kPropChown = 4 };

// A verb's permission word packs the access bits (low four bits) and the
// dobj / iobj argument specifiers (two bits each, at kDobjShift / kIobjShift).
enum VerbPerm : int64_t { kVerbRead = 1, kVerbWrite = 2, kVerbExec = 4, kVerbDebug = 8 };
enum ArgSpec : int { kArgNone = 0, kArgAny = 1, kArgThis = 2 };
inline constexpr int kDobjShift = 4;
inline constexpr int kIobjShift = 6;
inline constexpr int64_t kArgSpecMask = 3;
inline constexpr int64_t kVerbAccessMask = 0xF;
// Prepositions: -2 any, -1 none, 0.. the index in the server's preposition table.
inline constexpr int64_t kPrepAny = -2;
inline constexpr int64_t kPrepNone = -1;

// Textdump format versions ("** LambdaMOO Database, Format Version N **").
// 0-4 are LambdaMOO's, 5-17 ToastStunt's (DB_Version in version.h).
enum FormatVersion : int {
  kFormatPrehistory = 0,
  kFormatExceptions = 1,
  kFormatBreakCont = 2,
  kFormatFloat = 3,      // "language version" lines on suspended frames
  kFormatBFBugFixed = 4, // LambdaMOO 1.8's format
  kFormatNextGen = 5,    // ToastStunt objects: parents/children/contents lists
  kFormatTaskLocal = 6,
  kFormatMap = 7,
  kFormatFileIO = 8,
  kFormatExec = 9,
  kFormatInterrupt = 10, // "N interrupted tasks"
  kFormatThis = 11,
  kFormatIter = 12,
  kFormatAnon = 13,      // tasks before objects; anonymous objects
  kFormatWaif = 14,
  kFormatLastMove = 15,  // last_move on every object
  kFormatThreaded = 16,
  kFormatBool = 17,      // ToastStunt's current format
};

// A value as stored in a property (or last_move). `raw`, when not empty, is
// the exact textdump encoding of a value Echo's Value cannot represent (one
// holding an ANON, WAIF, ITER, CATCH or FINALLY; every line ends in '\n'),
// and `value` is then meaningless. Property values that are "clear" are
// Value::clear().
struct StoredValue {
  Value value;
  std::string raw;

  bool is_raw() const { return !raw.empty(); }
};

struct Verb {
  std::string names;  // "l*ook examine"
  Objid owner = kNothing;
  int64_t perms = 0;  // access bits | dobj << kDobjShift | iobj << kIobjShift
  int64_t prep = kPrepNone;
  // The source, each line ending in '\n', exactly as between the "#O:V" line
  // and the "." line of the file; nullopt when the file has no program for it.
  std::optional<std::string> program;
  // The program is in Echo syntax. Stores keep it; no textdump format can.
  bool echo = false;

  int64_t access() const { return perms & kVerbAccessMask; }
  int dobj() const { return int((perms >> kDobjShift) & kArgSpecMask); }
  int iobj() const { return int((perms >> kIobjShift) & kArgSpecMask); }
};

struct PropVal {
  StoredValue value;  // Value::clear() when inherited
  Objid owner = kNothing;
  int64_t perms = 0;  // PropPerm bits
};

// Format <= 4: the object's link words as the file holds them.
struct Links4 {
  Objid location = kNothing;
  Objid contents = kNothing;  // first object inside
  Objid next = kNothing;      // next object in the same location
  Objid parent = kNothing;
  Objid child = kNothing;     // first child
  Objid sibling = kNothing;   // next child of the same parent
};

struct Object {
  Objid id = kNothing;
  bool recycled = false;  // a "#N recycled" slot: no other field is meaningful
  // Its header was "# N recycled" (current ToastStunt writes that space;
  // LambdaMOO does not). Written back so when the format is unchanged.
  bool recycled_spaced = false;
  std::string name;
  int64_t flags = 0;  // ObjectFlag bits
  Objid owner = kNothing;

  // The hierarchy in ToastStunt's form, filled for every format.
  Value location = Value::obj(kNothing);  // OBJ
  Value contents = Value::empty_list();   // LIST of OBJ
  Value parents = Value::obj(kNothing);   // OBJ (#-1: none) or LIST of OBJ
  Value children = Value::empty_list();   // LIST of OBJ
  StoredValue last_move{Value::empty_map(), {}};  // format >= 15; an empty map otherwise

  // Format <= 4 only: the link words as read (a format-4 file is written back
  // from them; reset to nullopt after changing the hierarchy above), and the
  // obsolete "handles" line that follows the name (empty since LambdaMOO 1.8).
  std::optional<Links4> v4;
  std::string handles;

  std::vector<Verb> verbs;
  std::vector<std::string> propdefs;  // names of the properties defined here
  // Every property value: those defined here first, then the inherited ones,
  // in the server's order (parent's, grandparent's, ...).
  std::vector<PropVal> propvals;

  size_t line = 0;  // line of its "#N" header in the file read; 0 if built in memory
};

// A section kept verbatim: the forked/suspended/interrupted tasks, the values
// pending finalization, the obsolete clocks and the active connections.
struct RawSection {
  // "values pending finalization", "clocks", "queued tasks", "suspended tasks",
  // "interrupted tasks" or "active connections".
  std::string name;
  int64_t count = 0;  // the number on its header line
  std::string text;   // the exact bytes, header line included
  // Whether its contents were checked against the server's layout; false when
  // the reader only found its end (a suspended frame holding a builtin's
  // saved state whose layout this reader does not know).
  bool checked = true;
  size_t line = 0;    // line of its header in the file read
};

struct WorldImage {
  int format = kFormatBFBugFixed;  // the format of the file read
  int64_t header_dummy = 0;        // formats < 13: the unused third header number

  std::vector<Objid> players;      // the objects with the player flag, in file order
  std::vector<Object> objects;     // objects[i].id == i; recycled slots included
  // Format >= 13: anonymous objects (ids after the permanent ones), in file
  // order, and the sizes of the batches the file wrote them in.
  std::vector<Object> anonymous;
  std::vector<size_t> anonymous_batches;
  // Formats >= 13 hold these before the objects, older ones after the verb
  // programs; either way in file order.
  std::vector<RawSection> sections;
  std::string trailing;  // anything after the last section, kept verbatim

  // nullptr unless a permanent (not recycled) or anonymous object has this id.
  const Object* find(Objid id) const;
  Object* find(Objid id);
  const RawSection* section(std::string_view name) const;

  size_t recycled_count() const;
  size_t verb_count() const;     // verbs on permanent objects
  size_t program_count() const;  // of those, the ones with a program
  size_t propdef_count() const;
  size_t propval_count() const;
};

// The objects of an OBJ or LIST-of-OBJ hierarchy value (#-1 alone: none),
// e.g. object_list(o.parents).
std::vector<Objid> object_list(const Value& v);

// A description of the first difference between two images ("#12 verb 3
// program differs"), or "" when they are equal in every field (Object::line,
// Object::recycled_spaced, RawSection::line and RawSection::checked aside). Values compare exactly (case-
// sensitively, MAP order included).
std::string first_difference(const WorldImage& a, const WorldImage& b);

}  // namespace echo::storage
