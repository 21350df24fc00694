// echo-repl: Echo's command line.
//   echo-repl                 interactive REPL on an in-memory world
//   echo-repl -e 'CODE'       evaluate once; exit 0 if it returned, 1 if it
//                             raised or ran out of ticks/seconds, 2 if it did not compile
#include <cstring>
#include <iostream>
#include <string>

#include "actors/server.h"
#include "cli/repl.h"
#include "cli/repl_world.h"
#include "cli/world_commands.h"
#include "lang/compiler.h"
#include "lang/eval.h"
#include "lang/jit/jit.h"

namespace {

void usage(std::ostream& o) {
  o << "usage: echo-repl [--jit on|off|always] [--syntax echo|moo] [-e CODE | -d CODE]   (default moo)\n"
       "       --jit off                 never compile to native code (as ECHO_JIT=0); before any command\n"
       "       echo-repl                 interactive REPL\n"
       "       echo-repl -e 'CODE'       evaluate MOO code once and print the result\n"
       "       echo-repl -d 'CODE'       print the bytecode MOO code compiles to\n"
       "       echo-repl import FILE.db --to NAME.db [--overwrite]\n"
       "                                 read a LambdaMOO (1-4) or ToastStunt (17) textdump into a store\n"
       "       echo-repl export NAME.db --format 4|17 FILE.db   (or --json FILE.json)\n"
       "                                 write a store back as a textdump\n"
       "       echo-repl snapshot NAME.db [--keep N]\n"
       "                                 checkpoint a store into NAME.db/snap.<time>/\n"
       "       echo-repl new-world NAME.db [--overwrite]\n"
       "                                 make a store holding the default world (config/world/*.echo)\n"
       "       echo-repl load FILE.echo [--world NAME.db]   apply an Echo object file (all or nothing)\n"
       "       echo-repl dump #N|$name [--world NAME.db]    print an object as an Echo definition\n"
       "       echo-repl serve NAME.db|TEXTDUMP [--telnet-port N] [--bind ADDR]\n"
       "                                 run the server (a textdump is imported into a store first)\n"
       "       echo-repl status NAME.db  the running server's tasks, connections and actors\n"
       "       echo-repl rpc [--key FILE | --token T] [--json] HOST:PORT|NAME.db COMMAND ...\n"
       "                                 the RPC client: eval, call, get, prop, verbs, program, tasks ...\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace echo;
  // The server's builtins compile everywhere; without a server, notify()
  // prints to stdout and the rest raise E_PERM.
  actors::register_server_builtins();
  // `--jit on|off|always` first, for every command (ECHO_JIT gives the default).
  if (argc >= 3 && std::string(argv[1]) == "--jit") {
    jit::Mode m;
    if (!jit::parse_mode(argv[2], &m)) {
      std::cerr << "echo-repl: --jit takes on, off or always, not '" << argv[2] << "'\n";
      return 2;
    }
    jit::set_mode(m);
    argv[2] = argv[0];
    argv += 2;
    argc -= 2;
  }
  // `--syntax echo|moo` next: the syntax of the REPL, -e and -d.
  Syntax syntax = Syntax::Moo;
  if (argc >= 3 && std::string(argv[1]) == "--syntax") {
    if (!syntax_from_name(argv[2], &syntax)) {
      std::cerr << "echo-repl: --syntax takes echo or moo, not '" << argv[2] << "'\n";
      return 2;
    }
    argv[2] = argv[0];
    argv += 2;
    argc -= 2;
  }
  if (argc == 1) return cli::run_repl(syntax);
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help") {
    usage(std::cout);
    return 0;
  }
  if (cmd == "import") return cli::cmd_import(argc, argv);
  if (cmd == "export") return cli::cmd_export(argc, argv);
  if (cmd == "snapshot") return cli::cmd_snapshot(argc, argv);
  if (cmd == "new-world") return cli::cmd_new_world(argc, argv);
  if (cmd == "load") return cli::cmd_load(argc, argv);
  if (cmd == "dump") return cli::cmd_dump(argc, argv);
  if (cmd == "serve") return cli::cmd_serve(argc, argv);
  if (cmd == "status") return cli::cmd_status(argc, argv);
  if (cmd == "rpc") return cli::cmd_rpc(argc, argv);
  if (cmd == "-d" && argc == 3) {
    CompileResult r = compile_source(argv[2], syntax);
    if (!r.ok()) {
      for (auto& e : r.errors) std::cerr << e.to_string() << "\n";
      return 2;
    }
    std::cout << r.program->disassemble();
    return 0;
  }
  if (cmd == "-e") {
    if (argc != 3) {
      usage(std::cerr);
      return 2;
    }
    std::unique_ptr<World> world = cli::make_minimal_world();
    WorldHost host(*world);
    EvalOptions opts;
    opts.expression_fallback = true;
    opts.run_forks = true;
    opts.host = &host;
    opts.player = cli::kReplWizard;
    opts.syntax = syntax;
    EvalOutcome r = eval_moo(argv[2], opts);
    (r.kind == EvalOutcome::Returned ? std::cout : std::cerr) << r.describe() << "\n";
    switch (r.kind) {
      case EvalOutcome::Returned: return 0;
      case EvalOutcome::CompileFailed: return 2;
      default: return 1;
    }
  }
  std::cerr << "echo-repl: unknown command '" << cmd << "'\n";
  usage(std::cerr);
  return 2;
}
