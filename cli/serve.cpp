// echo-repl serve: the server on a store (or a textdump, imported first).
#include <csignal>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <string>
#include <vector>

#include "actors/server.h"
#include "cli/world_commands.h"
#include "lang/builtins.h"
#include "net/http.h"
#include "net/rpc/server.h"
#include "net/telnet.h"
#include "storage/store.h"
#include "storage/textdump.h"

namespace echo::cli {

namespace {

void on_signal(int) { actors::Server::signal_shutdown(); }
void on_checkpoint_signal(int) { actors::Server::signal_checkpoint(); }

}  // namespace

int cmd_serve(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<std::string> a(argv + 2, argv + argc);
  std::string world, to;
  actors::ServerOptions opt;
  long port = 7777;
  long http_port = -1;  // no HTTP unless asked
  net::HttpOptions http;
  bool http_bind_set = false;
  long rpc_port = -1;  // no RPC unless asked
  rpc::RpcOptions rpc_opt;
  bool rpc_bind_set = false;
  std::string files_dir;  // file_open() & co. (ToastStunt's files/)
  std::string exec_dir;   // exec()'s programs (ToastStunt's executables/)
  bool outbound = false;  // open_network_connection() allowed (LambdaMOO's OUTBOUND_NETWORK, ToastStunt's -o)
  for (size_t i = 0; i < a.size(); ++i) {
    auto need = [&](const char* flag) -> std::string {
      if (i + 1 >= a.size()) throw std::runtime_error(std::string(flag) + " needs a value");
      return a[++i];
    };
    try {
      if (a[i] == "--telnet-port") port = std::stol(need("--telnet-port"));
      else if (a[i] == "--bind") opt.bind = need("--bind");
      else if (a[i] == "--http-port") http_port = std::stol(need("--http-port"));
      else if (a[i] == "--http-bind") http.bind = need("--http-bind"), http_bind_set = true;
      else if (a[i] == "--http-threads") http.threads = int(std::stol(need("--http-threads")));
      else if (a[i] == "--tls-cert") http.tls_cert = need("--tls-cert");
      else if (a[i] == "--tls-key") http.tls_key = need("--tls-key");
      else if (a[i] == "--rpc-port") rpc_port = std::stol(need("--rpc-port"));
      else if (a[i] == "--rpc-bind") rpc_opt.bind = need("--rpc-bind"), rpc_bind_set = true;
      else if (a[i] == "--to") to = need("--to");
      else if (a[i] == "--files-dir") files_dir = need("--files-dir");
      else if (a[i] == "--exec-dir") exec_dir = need("--exec-dir");
      else if (a[i] == "--outbound") outbound = true;
      else if (a[i] == "--checkpoint-seconds") opt.checkpoint_seconds = std::stod(need("--checkpoint-seconds"));
      else if (a[i] == "--keep-snapshots") opt.keep_snapshots = std::stoul(need("--keep-snapshots"));
      else if (world.empty() && a[i][0] != '-') world = a[i];
      else {
        std::cerr << "echo-repl serve: unexpected argument '" << a[i] << "'\n";
        return 2;
      }
    } catch (const std::exception& e) {
      std::cerr << "echo-repl serve: " << e.what() << "\n";
      return 2;
    }
  }
  if (world.empty() || port < 0 || port > 65535 || http_port < -1 || http_port > 65535 || http.threads < 4 ||
      rpc_port < -1 || rpc_port > 65535) {
    std::cerr << "usage: echo-repl serve NAME.db|TEXTDUMP [--telnet-port N] [--bind ADDR] [--to NAME.db]\n"
                 "         [--http-port N [--http-bind ADDR] [--tls-cert FILE --tls-key FILE] [--http-threads N]]\n"
                 "         [--rpc-port N [--rpc-bind ADDR]] [--files-dir DIR] [--exec-dir DIR]\n"
                 "         [--outbound]   (open_network_connection() for wizards; off unless given)\n";
    return 2;
  }
  try {
    std::error_code ec;
    if (fs::is_regular_file(world, ec)) {
      // A textdump: imported once into a store beside the current directory.
      if (to.empty()) to = fs::path(world).stem().string() + "-world.db";
      if (fs::is_directory(storage::Store::dir_for(to))) {
        std::cerr << "serve: using the existing store " << storage::Store::dir_for(to) << " (imported from "
                  << world << " earlier)\n";
      } else {
        std::cerr << "serve: importing " << world << " into " << storage::Store::dir_for(to) << "\n";
        storage::WorldImage image = storage::read_textdump_file(world);
        storage::import_world(image, to);
      }
      world = to;
    } else if (!fs::is_directory(storage::Store::dir_for(world), ec)) {
      std::cerr << "echo-repl serve: no store " << storage::Store::dir_for(world)
                << " and no textdump file " << world << "\n";
      return 1;
    }
    opt.store = world;
    // The file builtins' directory and exec()'s: files/ and executables/
    // beside the store unless given.
    fs::path beside = fs::absolute(storage::Store::dir_for(world)).parent_path();
    set_files_directory(files_dir.empty() ? (beside / "files").string() : files_dir);
    set_executables_directory(exec_dir.empty() ? (beside / "executables").string() : exec_dir);
    opt.telnet_port = int(port);
    actors::Server server(opt);
    // listen(): more listening points, on the same address, made by net/.
    // CivetWeb holds at most a connection per thread, and its queue.
    int64_t max_connections = net::connection_limit(http_port >= 0 ? http.threads + 64 : 0);
    server.sessions().set_listen_hook([&server, bind = opt.bind, max_connections](int64_t handler, uint16_t port,
                                                                                 bool print) {
      net::TelnetOptions o;
      o.bind = bind;
      o.max_connections = max_connections;
      o.port = port;
      o.handler = handler;
      o.print_messages = print;
      return net::open_listening_point(server.system(), server.sessions(), o);
    });
    if (outbound)
      server.sessions().set_connect_hook([&server, bind = opt.bind](const std::string& host, uint16_t port,
                                                                    int64_t handler, int64_t id, double timeout) {
        return net::connect_outbound(server.system(), server.sessions(), bind, host, port, handler, id, timeout);
      });
    server.start();
    net::TelnetOptions t;
    t.bind = opt.bind;
    t.port = uint16_t(port);
    t.max_connections = max_connections;
    uint16_t bound = net::start_telnet(server.system(), server.sessions(), t);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGUSR1, on_signal);             // LambdaMOO's remote shutdown signal
    std::signal(SIGUSR2, on_checkpoint_signal);  // ... and its remote checkpoint signal
    std::signal(SIGPIPE, SIG_IGN);
    std::cout << "Echo is listening for telnet on " << opt.bind << " port " << bound << std::endl;
    if (t.max_connections > 0)
      std::cerr << "serve: at most " << t.max_connections
                << " telnet connections at once (what the file descriptor limit leaves)\n";
    std::unique_ptr<net::HttpServer> web;
    if (http_port >= 0) {
      if (!http_bind_set) http.bind = opt.bind;  // --bind moves both unless --http-bind says otherwise
      http.port = uint16_t(http_port);
      web = std::make_unique<net::HttpServer>(server.system(), server.sessions(), server.web(), http);
      std::string host = http.bind == "0.0.0.0" ? "localhost" : http.bind;
      std::cout << "Echo is serving HTTP on " << (web->tls() ? "https://" : "http://") << host << ":" << web->port()
                << "/ (API at /api, WebSocket at /ws)" << std::endl;
    }
    std::unique_ptr<rpc::RpcServer> rpc_server;
    if (rpc_port >= 0) {
      if (!rpc_bind_set) rpc_opt.bind = opt.bind;  // as HTTP: --bind moves it unless --rpc-bind says otherwise
      rpc_opt.port = uint16_t(rpc_port);
      rpc_opt.key_file = rpc::key_file_for(storage::Store::dir_for(world));
      rpc_opt.log = [sp = server.sessions()](const std::string& line) { sp.log(line); };
      rpc_server = std::make_unique<rpc::RpcServer>(server.system(), server.sessions(), server.web(), rpc_opt);
      std::cout << "Echo is serving RPC on " << rpc_opt.bind << " port " << rpc_server->port() << " (wizard key in "
                << rpc_opt.key_file << ")" << std::endl;
    }
    server.wait([&web, &rpc_server] {
      rpc_server.reset();
      web.reset();
    });
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "echo-repl serve: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace echo::cli

namespace echo::cli {

// echo-repl status NAME.db: what the running server's monitor last wrote.
int cmd_status(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc != 3) {
    std::cerr << "usage: echo-repl status NAME.db\n";
    return 2;
  }
  std::string path = storage::Store::dir_for(argv[2]) + "/status.json";
  std::ifstream f(path);
  if (!f) {
    std::cerr << "echo-repl status: no " << path << " (has the server run on this store?)\n";
    return 1;
  }
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::error_code ec;
  auto age = fs::file_time_type::clock::now() - fs::last_write_time(path, ec);
  double secs = std::chrono::duration<double>(age).count();
  if (secs > 5)
    std::cout << "(the server is not running: this status is " << int64_t(secs) << " seconds old)\n";
  std::cout << text;
  return 0;
}

}  // namespace echo::cli
