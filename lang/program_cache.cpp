#include "lang/program_cache.h"

namespace echo {

CompileResult ProgramCache::get(std::string_view source, Syntax syntax) {
  // Keyed by syntax and text: the same text may be valid in both.
  std::string key = syntax == Syntax::Echo ? "E" : "M";
  key.append(source);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = programs_.find(key);
    if (it != programs_.end()) return CompileResult{it->second, {}};
  }
  CompileResult r = compile_source(source, syntax);  // outside the lock: compiling is slow
  if (r.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    // A full cache starts over rather than tracking recency: running frames
    // hold their own references, so dropping entries only costs recompiles.
    if (programs_.size() >= max_entries_) programs_.clear();
    programs_.emplace(std::move(key), r.program);
  }
  return r;
}

size_t ProgramCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return programs_.size();
}

void ProgramCache::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  programs_.clear();
}

}  // namespace echo
