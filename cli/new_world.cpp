// echo-repl new-world: a fresh store holding Echo's default world, made by
// running the embedded config/default-world.moo as the wizard against the
// Minimal-shaped world (cli/repl_world.cpp).
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "actors/world_store.h"
#include "cli/repl_world.h"
#include "cli/world_commands.h"
#include "config/default_world.h"
#include "lang/eval.h"
#include "storage/store.h"

namespace echo::cli {

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
  WorldHost host(*world);
  EvalOptions opts;
  opts.host = &host;
  opts.player = kReplWizard;
  opts.run_forks = true;
  // The script builds the whole core in one task: far more than a command's
  // 60000 ticks, and nothing to hurry for.
  opts.limits.ticks = 50'000'000;
  opts.limits.seconds = 120;
  EvalOutcome r = eval_moo(config::default_world_script(), opts);
  if (r.kind != EvalOutcome::Returned || !r.fork_reports.empty()) {
    // describe() is the REPL's report: compile errors with their lines, or
    // the error and its traceback.
    std::cerr << "echo-repl new-world: config/default-world.moo failed:\n" << r.describe() << "\n";
    for (auto& f : r.fork_reports) std::cerr << f << "\n";
    return 1;
  }
  try {
    WorldExtras extras;
    extras.format = 4;  // single parents only: the store can be exported as a LambdaMOO textdump
    storage::WorldImage image = to_image(*world, extras);
    std::string dir = storage::import_world(image, to, {}, overwrite);
    std::cout << "new-world: wrote " << dir << " ("
              << (r.value.is_str() ? std::string(r.value.as_str()) : r.describe()) << ")\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "echo-repl new-world: writing " << to << " failed: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace echo::cli
