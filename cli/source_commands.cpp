// echo-repl load / dump: Echo object files into and out of a world store.
//   echo-repl load FILE.echo [--world NAME.db]   apply the file, all or nothing
//   echo-repl dump OBJ [--world NAME.db]          print OBJ (#N or $name) as a definition
// The world defaults to default-world.db, the one `./echo.sh run` serves.
// load refuses a store a running server holds (RocksDB's lock says so);
// dump reads a snapshot that server takes (cli/running_store.h).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/running_store.h"
#include "actors/world_store.h"
#include "cli/world_commands.h"
#include "lang/world/object_source.h"
#include "storage/store.h"

namespace echo::cli {

namespace {

struct Args {
  std::string target;
  std::string world = "default-world.db";
};

bool parse(int argc, char** argv, Args* out, const char* usage) {
  std::vector<std::string> a(argv + 2, argv + argc);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--world" && i + 1 < a.size()) out->world = a[++i];
    else if (out->target.empty()) out->target = a[i];
    else {
      std::cerr << "echo-repl: unexpected argument '" << a[i] << "'\n" << usage;
      return false;
    }
  }
  if (out->target.empty()) std::cerr << usage;
  return !out->target.empty();
}

// The world's store, opened as it is: a name with no store is refused
// before anything is written (RocksDB would make an empty one).
std::unique_ptr<storage::Store> open_world(const std::string& name) {
  std::error_code ec;
  if (!std::filesystem::is_directory(name + "/data", ec))
    throw std::runtime_error("no world at " + name + " (make one with `echo-repl new-world " + name +
                             "`, or import a textdump with `echo-repl import FILE --to " + name + "`)");
  return storage::Store::open_dir(name, storage::StoreOptions{false, true});
}

std::string count(size_t n, const char* thing) {
  return std::to_string(n) + " " + thing + (n == 1 ? "" : "s");
}

}  // namespace

int cmd_load(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, &a, "usage: echo-repl load FILE.echo [--world NAME.db]\n")) return 2;
  std::ifstream in(a.target, std::ios::binary);
  if (!in) {
    std::cerr << "echo-repl load: cannot read " << a.target << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto store = open_world(a.world);
    WorldExtras extras;
    std::unique_ptr<World> world = load_world(*store, &extras);
    // The file's objects belong to the first wizard (the store's #3 in a
    // Minimal-shaped world); a world without one is refused.
    int64_t wizard = NOTHING;
    for (int64_t id = 0; id <= world->max_object() && wizard == NOTHING; ++id)
      if (world->is_wizard(id)) wizard = id;
    if (wizard == NOTHING) throw std::runtime_error("the world has no wizard to own the objects");
    SourceLoadResult r = load_object_source(*world, text.str(), wizard);
    if (!r.ok()) {
      for (auto& e : r.errors) std::cerr << a.target << ":" << e.line << ":" << e.column << ": " << e.message << "\n";
      std::cerr << "echo-repl load: " << r.errors.size() << " error(s); " << a.world << " is unchanged\n";
      return 1;
    }
    commit_changes(*world, extras, *store);
    store->sync_wal();
    std::cout << "loaded " << a.target << " into " << a.world << ": " << count(r.objects.size(), "object") << " ("
              << r.created.size() << " new)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "echo-repl load: " << e.what() << "\n";
    return 1;
  }
}

int cmd_dump(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, &a, "usage: echo-repl dump #N|$name [--world NAME.db]\n")) return 2;
  try {
    std::unique_ptr<World> world;
    {
      ReadableStore source(a.world);  // a running server's: a snapshot it takes now
      auto store = open_world(source.dir());
      world = load_world(*store);
      world->load_all();  // every object read before the scratch store goes
    }
    int64_t id = NOTHING;
    if (a.target[0] == '#') {
      id = std::strtoll(a.target.c_str() + 1, nullptr, 10);
    } else {
      std::string key = a.target[0] == '$' ? a.target.substr(1) : a.target;
      Value v = world->find_slot(0, key) ? world->slot_value(0, key) : Value::integer(0);
      if (v.is_obj()) id = v.as_obj();
    }
    if (!world->valid(id)) {
      std::cerr << "echo-repl dump: " << a.target << " is not a valid object\n";
      return 1;
    }
    std::cout << dump_object_source(*world, id);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "echo-repl dump: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace echo::cli
