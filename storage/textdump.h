// LambdaMOO / ToastStunt textdump import and export.
//
// Reading: formats 1-4 (LambdaMOO; 0 too when it has a header line) and 5-17
// (ToastStunt; 17 is current, 5-16 are read with the same version gates as
// the server but are untested for want of sample files). The file must start
// with "** LambdaMOO Database, Format Version N **".
//
// The reader follows db_file.c / db_file.cc and db_io.c / db_io.cc: every
// count is checked against the lines left in the file (no count can make it
// allocate more than the file holds), values nest to any depth (they are read
// with an explicit stack; waifs within waifs at most kMaxValueDepth deep),
// and the object hierarchy is validated as the servers do after loading
// (invalid references, cycles in the parent and location chains, parent /
// child and location / contents lists that disagree) -- but where the servers
// log and repair an invalid reference, this reader rejects the file. The
// servers' tolerated quirk of a format-4 `next` link on an object with no
// location is accepted (and kept). Each object's number of property values
// must equal the number its ancestors define.
//
// Writing: formats 1-4 (the format-4 layout) and 17. An image written in the
// format it was read from gives back the file byte for byte, with these
// exceptions: verb programs are written in object / verb order (the servers'
// order); map values in key order (as ToastStunt writes them); floats as
// "%.19g" (as both servers); a BOOL as 0 or 1; a last line without '\n' gets
// one. (A recycled slot keeps its "#N recycled" / "# N recycled" spelling;
// in another format it gets the target server's.)
//
// Writing in another format than the image's:
//   * the task sections (values pending finalization, queued, suspended and
//     interrupted tasks) are not carried over, since their encoding depends on
//     the format: empty ones are written; the clocks and active connections
//     are copied;
//   * 17 -> 4 drops last_move and the anonymous objects (with their verbs);
//     an object with more than one parent, or a property value holding an
//     anonymous object or a waif, cannot be written (TextdumpError). MAP and
//     BOOL values are written as they are: ToastStunt reads them in a
//     format-4 file, LambdaMOO does not.
//   * 4 -> 17 writes the hierarchy as ToastStunt's upgrade does (parents #P,
//     children and contents lists, an empty last_move map).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>

#include "storage/world_image.h"

namespace echo::storage {

class TextdumpError : public std::runtime_error {
 public:
  // what(): "line 1234: expected an integer (property count) but found 'abc'";
  // just the message when line is 0 (an error not tied to a line).
  TextdumpError(size_t line, const std::string& message);

  size_t line() const { return line_; }
  const std::string& message() const { return message_; }

 private:
  size_t line_;
  std::string message_;
};

// Called with the bytes parsed so far and the total (0 if unknown), at most
// about every 1% of the file, and once at the end with done == total.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

inline constexpr int kMaxValueDepth = 1000;

// Throws TextdumpError on malformed input (std::ios_base::failure-free: a
// stream that fails to read is reported as a TextdumpError too).
WorldImage read_textdump(std::istream& in, ProgressFn progress = {});
WorldImage read_textdump(std::string_view text, ProgressFn progress = {});
WorldImage read_textdump_file(const std::string& path, ProgressFn progress = {});

// Throws TextdumpError when the image cannot be expressed in `format` (see
// above) or the format is not 1-4 or 17.
void write_textdump(const WorldImage& image, std::ostream& out, int format);
std::string write_textdump(const WorldImage& image, int format);

// The hierarchy checks the reader runs, for an image built or changed in
// memory. Throws TextdumpError naming the object (and its line, if read).
void validate_hierarchy(const WorldImage& image);

}  // namespace echo::storage
