// echo-repl new-world: a fresh store holding Echo's default world. The
// Minimal-shaped world (cli/repl_world.cpp) gets the embedded object files of
// config/world/ loaded into it in order, as the wizard, and then the
// bootstrap script run for what object files cannot say (config/CMakeLists.txt).
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "actors/world_store.h"
#include "cli/repl_world.h"
#include "cli/world_commands.h"
#include "config/default_world.h"
#include "lang/eval.h"
#include "lang/world/object_source.h"
#include "storage/store.h"

namespace echo::cli {

namespace {

// Loads the object files; false (after printing every error of the first file
// that has any, as FILE:LINE:COLUMN: message) if one does not load.
bool load_world_files(World& world) {
  for (const config::WorldFile& f : config::default_world_files()) {
    SourceLoadResult r = load_object_source(world, f.text, kReplWizard);
    if (r.ok()) continue;
    for (auto& e : r.errors) std::cerr << f.name << ":" << e.line << ":" << e.column << ": " << e.message << "\n";
    std::cerr << "echo-repl new-world: " << f.name << " did not load (" << r.errors.size()
              << (r.errors.size() == 1 ? " error" : " errors") << "); nothing was written\n";
    return false;
  }
  return true;
}

}  // namespace

int cmd_new_world(int argc, char** argv) {
  std::vector<std::string> a(argv + 2, argv + argc);
  std::string to;
  bool overwrite = false;
  for (auto& arg : a) {
    if (arg == "--overwrite") overwrite = true;
    else if (to.empty() && arg[0] != '-') to = arg;
    else {
      std::cerr << "echo-repl new-world: unexpected argument '" << arg << "'\n";
      to.clear();
      break;
    }
  }
  if (to.empty()) {
    std::cerr << "usage: echo-repl new-world NAME.db [--overwrite]\n";
    return 2;
  }
  if (!overwrite && std::filesystem::exists(storage::Store::dir_for(to))) {
    std::cerr << "echo-repl new-world: " << storage::Store::dir_for(to)
              << " exists (use --overwrite to replace it)\n";
    return 1;
  }
  std::unique_ptr<World> world = make_minimal_world();
  if (!load_world_files(*world)) return 1;

  WorldHost host(*world);
  EvalOptions opts;
  opts.host = &host;
  opts.player = kReplWizard;
  opts.run_forks = true;
  opts.limits.ticks = 1'000'000;
  opts.limits.seconds = 60;
  config::WorldFile bootstrap = config::default_world_bootstrap();
  EvalOutcome r = eval_moo(bootstrap.text, opts);
  if (r.kind != EvalOutcome::Returned || !r.fork_reports.empty()) {
    // describe() is the REPL's report: compile errors with their lines, or
    // the error and its traceback.
    std::cerr << "echo-repl new-world: " << bootstrap.name << " failed:\n" << r.describe() << "\n";
    for (auto& f : r.fork_reports) std::cerr << f << "\n";
    return 1;
  }
  try {
    size_t objects = 0, verbs = 0;
    for (int64_t id = 0; id <= world->max_object(); ++id)
      if (Object* o = world->get_mut(id)) {
        ++objects;
        verbs += o->verbs.size();
      }
    WorldExtras extras;
    extras.format = 4;  // single parents, LambdaMOO-shaped (its Echo verbs keep it out of textdumps: --json exports it)
    storage::WorldImage image = to_image(*world, extras);
    std::string dir = storage::import_world(image, to, {}, overwrite);
    std::cout << "new-world: wrote " << dir << " (default world: " << objects << " objects, " << verbs
              << " verbs)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "echo-repl new-world: writing " << to << " failed: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace echo::cli
