// echo-repl's world commands: import a textdump into a store, export a store
// back to a textdump, take and list snapshots, make the default world.
#pragma once

namespace echo::cli {

int cmd_import(int argc, char** argv);     // import FILE.db --to NAME.db [--overwrite]
int cmd_export(int argc, char** argv);     // export NAME.db --format 4|17 FILE.db
int cmd_snapshot(int argc, char** argv);   // snapshot NAME.db [--keep N]
int cmd_new_world(int argc, char** argv);  // new-world NAME.db [--overwrite] (new_world.cpp)
int cmd_load(int argc, char** argv);      // load FILE.echo [--world NAME.db] (source_commands.cpp)
int cmd_dump(int argc, char** argv);      // dump OBJ [--world NAME.db]
int cmd_serve(int argc, char** argv);
int cmd_status(int argc, char** argv);    // status NAME.db: the running server's actors (serve.cpp)      // serve NAME.db|TEXTDUMP [--telnet-port N] [--bind ADDR] (serve.cpp)
int cmd_rpc(int argc, char** argv);       // rpc WHERE COMMAND ...: the RPC client (rpc_client.cpp)

}  // namespace echo::cli
