// The built-in relations of Echo's `query` rules over a World:
//   parent(x, p)          p is a direct parent of x (ToastStunt: several)
//   isa(x, a)             x is a, or descends from a
//   location(x, l)        x.location == l (#-1 included: "nowhere")
//   owner(x, o)           x.owner == o
//   has_capability(w, c)  w holds capability c, a compound term
//                         {"Name", args..} (see lang/query/datalog.h); the
//                         runtime answers it through a hook
// Objects are OBJ values; a bound argument of another type, or a recycled
// object, matches nothing.
#pragma once

#include <functional>

#include "lang/query/datalog.h"
#include "lang/world/world.h"

namespace echo {

class WorldRelations : public datalog::Relations {
 public:
  // Answers has_capability/2, with the contract of Relations::enumerate.
  // Without one, has_capability holds for nothing.
  using CapabilityHook =
      std::function<void(std::span<const std::optional<Value>> pattern, const datalog::Emit& emit)>;

  // World has no counter of its mutations, so the caller supplies the
  // version (it must change whenever parents, locations, owners or grants
  // may have changed, or memoized answers go stale).
  WorldRelations(const World& world, uint64_t version, CapabilityHook capabilities = {})
      : world_(world), version_(version), capabilities_(std::move(capabilities)) {}

  void set_version(uint64_t v) { version_ = v; }
  void set_capabilities(CapabilityHook h) { capabilities_ = std::move(h); }

  bool has_relation(std::string_view name, size_t arity) const override;
  // Refuses isa with neither argument bound (every object times its
  // ancestry); the others enumerate the whole world in that case, which is
  // linear in the number of objects.
  void enumerate(std::string_view name, std::span<const std::optional<Value>> pattern,
                 const datalog::Emit& emit) override;
  uint64_t version() const override { return version_; }

 private:
  const World& world_;
  uint64_t version_;
  CapabilityHook capabilities_;
};

}  // namespace echo
