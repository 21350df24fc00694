#include "cli/world_commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli/running_store.h"
#include "storage/json_export.h"
#include "storage/store.h"
#include "storage/textdump.h"

namespace echo::cli {

namespace {

using Clock = std::chrono::steady_clock;

// A progress bar on stderr: redrawn in place on a terminal, a line per 10%
// otherwise (so logs stay short).
storage::ProgressFn progress_bar(const char* what) {
  bool tty = isatty(STDERR_FILENO);
  auto last = std::make_shared<int>(-1);
  return [what, tty, last](uint64_t done, uint64_t total) {
    int pct = total ? int(done * 100 / total) : 100;
    if (pct == *last || (!tty && pct / 10 == *last / 10 && pct != 100)) return;
    *last = pct;
    if (tty) {
      int filled = pct * 30 / 100;
      std::fprintf(stderr, "\r%-8s [%.*s%*s] %3d%%", what, filled, "##############################",
                   30 - filled, "", pct);
      if (pct == 100) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "%s %d%%\n", what, pct);
    }
  };
}

std::vector<std::string> args_of(int argc, char** argv) { return std::vector<std::string>(argv + 2, argv + argc); }

int usage_error(const std::string& msg) {
  std::cerr << "echo-repl: " << msg << "\n";
  return 2;
}

}  // namespace

int cmd_import(int argc, char** argv) {
  std::string from, to;
  bool overwrite = false;
  auto a = args_of(argc, argv);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--to" && i + 1 < a.size()) to = a[++i];
    else if (a[i] == "--overwrite") overwrite = true;
    else if (from.empty()) from = a[i];
    else return usage_error("import: unexpected argument '" + a[i] + "'");
  }
  if (from.empty() || to.empty()) return usage_error("usage: echo-repl import FILE.db --to NAME.db [--overwrite]");
  auto t0 = Clock::now();
  try {
    storage::WorldImage image = storage::read_textdump_file(from, progress_bar("reading"));
    std::string dir = storage::import_world(image, to, progress_bar("writing"), overwrite);
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    auto tasks = [&](const char* name) {
      const storage::RawSection* s = image.section(name);
      return s ? s->count : 0;
    };
    std::printf("imported %s (format %d) into %s: %zu objects (%zu recycled), %zu verbs (%zu programs), "
                "%zu properties, %lld queued and %lld suspended tasks, in %.2f s\n",
                from.c_str(), image.format, dir.c_str(), image.objects.size(), image.recycled_count(),
                image.verb_count(), image.program_count(), image.propdef_count(),
                (long long)tasks("queued tasks"), (long long)tasks("suspended tasks"), secs);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "echo-repl: import of " << from << " failed, nothing was written: " << e.what() << "\n";
    return 1;
  }
}

int cmd_export(int argc, char** argv) {
  std::string name, to;
  int format = 0;
  bool json = false;
  auto a = args_of(argc, argv);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--format" && i + 1 < a.size()) format = std::atoi(a[++i].c_str());
    else if (a[i] == "--json") json = true;
    else if (name.empty()) name = a[i];
    else if (to.empty()) to = a[i];
    else return usage_error("export: unexpected argument '" + a[i] + "'");
  }
  if (name.empty() || to.empty() || (!json && format != 4 && format != 17))
    return usage_error("usage: echo-repl export NAME.db --format 4|17 FILE.db  |  --json FILE.json");
  try {
    ReadableStore source(name);  // a running server's: a snapshot it takes now
    storage::WorldImage image;
    {
      auto store = storage::Store::open_dir(source.dir());
      image = storage::export_world(*store);
    }
    // Written beside the target and renamed, so a failure leaves no half file.
    std::string tmp = to + ".tmp-" + std::to_string(getpid());
    {
      std::ofstream out(tmp, std::ios::binary);
      if (json) storage::write_json(image, out);
      else storage::write_textdump(image, out, format);
      out.flush();
      if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, to);
    std::printf("exported %s as %s to %s: %zu objects, %zu verbs\n", name.c_str(),
                json ? "JSON" : ("format " + std::to_string(format)).c_str(), to.c_str(),
                image.objects.size(), image.verb_count());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "echo-repl: export failed: " << e.what() << "\n";
    return 1;
  }
}

int cmd_snapshot(int argc, char** argv) {
  std::string name;
  long keep = -1;
  auto a = args_of(argc, argv);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--keep" && i + 1 < a.size()) keep = std::atol(a[++i].c_str());
    else if (name.empty()) name = a[i];
    else return usage_error("snapshot: unexpected argument '" + a[i] + "'");
  }
  if (name.empty()) return usage_error("usage: echo-repl snapshot NAME.db [--keep N]");
  if (long pid = running_server(name); pid > 0) {  // it holds the store: it takes one itself
    try {
      std::printf("snapshot %s\n", take_running_snapshot(name, pid).c_str());
      if (keep >= 0) std::printf("not pruned: the running server keeps what its --keep-snapshots says\n");
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "echo-repl: snapshot failed: " << e.what() << "\n";
      return 1;
    }
  }
  try {
    auto store = storage::Store::open_dir(name);
    std::string path = store->snapshot();
    std::printf("snapshot %s\n", path.c_str());
    if (keep >= 0) std::printf("pruned %zu old snapshots\n", store->prune_snapshots(size_t(keep)));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "echo-repl: snapshot failed: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace echo::cli
