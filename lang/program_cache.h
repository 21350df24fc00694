// Verb code is stored as source; compiled programs are cached by source text
// so that a verb is compiled once however often it runs, and a verb whose
// code changes gets a new program (old frames keep the one they run).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lang/compiler.h"

namespace echo {

class ProgramCache {
 public:
  explicit ProgramCache(size_t max_entries = 65536) : max_entries_(max_entries) {}
  // The compiled program for source, compiling it on first use.
  CompileResult get(std::string_view source, Syntax syntax = Syntax::Moo);
  size_t size() const;
  void clear();

 private:
  mutable std::mutex mu_;
  size_t max_entries_;
  std::unordered_map<std::string, std::shared_ptr<const Program>> programs_;
};

}  // namespace echo
