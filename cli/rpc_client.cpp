// echo-repl rpc: the command-line client of the RPC API (docs/rpc.md).
//
//   echo-repl rpc [--key FILE | --token TOKEN] [--player N] [--json] WHERE COMMAND ...
//
// WHERE is HOST:PORT, or a store (NAME.db) on this machine: its rpc.key,
// which the server writes (mode 0600), holds the wizard key and the address.
// Exit status: 0 done; 1 the world refused or failed (an uncaught MOO
// error, a compile error); 2 bad usage; 3 no connection or no login.
#include <unistd.h>

#include <capnp/ez-rpc.h>
#include <kj/async-io.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/repl_world.h"
#include "lang/compiler.h"
#include "lang/eval.h"
#include "lang/map.h"
#include "net/json.h"
#include "net/rpc/echo.capnp.h"
#include "net/rpc/server.h"
#include "net/rpc/values.h"
#include "storage/store.h"

namespace echo::cli {

namespace {

namespace schema = rpc::schema;
using net::Json;
using net::ToJsonOptions;
using net::Unsupported;
using net::to_json;

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kNoLink = 3;

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct NoLink : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* kUsageText =
    "usage: echo-repl rpc [--key FILE | --token TOKEN] [--player N] [--json] WHERE COMMAND ...\n"
    "  WHERE: HOST:PORT, or NAME.db on this machine (its rpc.key gives the address and the wizard key)\n"
    "  eval CODE [--syntax echo]      run code as the player (a bare expression is returned)\n"
    "  call OBJ:VERB [ARG...]         call a verb; each ARG is a MOO literal (\"x\", 3, #12, {1, 2})\n"
    "  get OBJ                        the object as the player may see it\n"
    "  prop OBJ.NAME [VALUE]          read a property, or set it to the MOO literal VALUE\n"
    "  verbs OBJ | verb OBJ:VERB      list the verbs / show one with its code\n"
    "  program OBJ:VERB [--syntax echo] < FILE   set a verb's code (compile errors with line:column)\n"
    "  create PARENT | recycle OBJ    create() / recycle()\n"
    "  tasks | kill ID | result ID    queued_tasks() / kill_task(ID) / a running call's outcome\n"
    "  whoami | snapshot              who the session is / a checkpoint now (wizards)\n"
    "  monitor [--once] [--filter F]  the actors, tasks and connections (wizards), refreshed each second\n"
    "  tail [--seconds S] [--command LINE]...  the player's narrative and events as they come\n"
    "  OBJ is #12, 12 or $name.\n";

// A MOO literal typed on the command line, evaluated here in an empty
// world (so `#12` is just a number and nothing reaches the server's).
Value literal(const std::string& text) {
  std::unique_ptr<World> world = make_minimal_world();
  WorldHost host(*world);
  EvalOptions o;
  o.host = &host;
  o.player = kReplWizard;
  o.limits.ticks = 100000;
  EvalOutcome r = eval_moo("return {" + text + "};", o);
  if (r.kind != EvalOutcome::Returned || !r.value.is_list() || r.value.list_len() != 1)
    throw Usage("not a MOO literal: " + text);
  return r.value.list_at(0);
}

// "#12:verb" / "#12.prop" -> ("#12", "verb"); `sep` is ':' or '.'.
std::pair<std::string, std::string> split_ref(const std::string& ref, char sep) {
  size_t at = ref.find(sep, ref[0] == '$' ? 1 : 0);
  if (at == std::string::npos || at == 0 || at + 1 == ref.size())
    throw Usage(std::string("expected OBJ") + sep + "NAME, not '" + ref + "'");
  return {ref.substr(0, at), ref.substr(at + 1)};
}

struct Output {
  bool json = false;
  void value(const Value& v) const {
    if (!json) {
      std::cout << to_literal(v) << "\n";
      return;
    }
    ToJsonOptions o;
    o.unsupported = Unsupported::Placeholder;
    std::cout << to_json(v, o).dump() << "\n";
  }
};

std::string remote_text(const kj::Exception& e) {
  std::string d = e.getDescription().cStr();
  for (const char* p : {"remote exception: ", "remote exception:"})
    if (d.rfind(p, 0) == 0) d.erase(0, std::strlen(p));
  return d;
}

// Prints an Outcome; its exit status.
int report(schema::Outcome::Reader o, const Output& out) {
  switch (o.which()) {
    case schema::Outcome::OK:
      out.value(rpc::from_wire(o.getOk()));
      return kOk;
    case schema::Outcome::RUNNING:
      if (out.json)
        std::cout << "{\"running\": " << o.getRunning() << "}\n";
      else
        std::cout << "running: task " << o.getRunning() << " (echo-repl rpc ... result " << o.getRunning() << ")\n";
      return kOk;
    case schema::Outcome::FAILED: {
      auto f = o.getFailed();
      if (out.json) {
        Json j = Json::object({{"error", std::string(f.getError())}, {"message", std::string(f.getMessage())}});
        Json tb = Json::array();
        for (auto l : f.getTraceback()) tb.push_back(std::string(l));
        j.set("traceback", std::move(tb));
        Json ce = Json::array();
        for (auto e : f.getCompileErrors())
          ce.push_back(Json::object({{"line", int64_t(e.getLine())}, {"column", int64_t(e.getColumn())},
                                     {"message", std::string(e.getMessage())}}));
        j.set("errors", std::move(ce));
        std::cout << j.dump() << "\n";
      }
      if (f.getCompileErrors().size() == 0)
        std::cerr << f.getError().cStr() << ": " << f.getMessage().cStr() << "\n";
      else  // the message repeats the first error: each is shown once, below
        std::cerr << f.getError().cStr() << ":\n";
      for (auto e : f.getCompileErrors())
        std::cerr << "  line " << e.getLine() << ", column " << e.getColumn() << ": " << e.getMessage().cStr() << "\n";
      for (auto l : f.getTraceback()) std::cerr << "  " << l.cStr() << "\n";
      return kFailed;
    }
  }
  return kFailed;
}

// The key file: the key, then the address the server listens on.
std::pair<std::string, std::string> read_key_file(const std::string& path) {
  std::ifstream f(path);
  std::string key, address;
  if (!f) throw NoLink("cannot read the key file " + path + " (is the server running with --rpc-port?)");
  std::getline(f, key);
  std::getline(f, address);
  if (key.size() != 64) throw NoLink("the key file " + path + " holds no key");
  return {key, address};
}

class Tail final : public schema::Listener::Server {
 public:
  Tail(const Output& out, kj::Own<kj::PromiseFulfiller<void>> ended) : out_(out), ended_(kj::mv(ended)) {}
  kj::Promise<void> output(OutputContext c) override {
    for (auto l : c.getParams().getLines()) {
      std::string line(reinterpret_cast<const char*>(l.begin()), l.size());
      if (out_.json)
        std::cout << Json::object({{"type", "output"}, {"text", line}}).dump() << "\n";
      else
        std::cout << line << "\n";
    }
    std::cout.flush();
    return kj::READY_NOW;
  }
  kj::Promise<void> event(EventContext c) override {
    auto p = c.getParams();
    Value data = rpc::from_wire(p.getData());
    if (out_.json) {
      ToJsonOptions o;
      o.unsupported = Unsupported::Placeholder;
      std::cout << Json::object({{"type", "event"}, {"name", std::string(p.getName())}, {"source", p.getSource()},
                                 {"target", p.getTarget()}, {"data", to_json(data, o)}})
                       .dump()
                << "\n";
    } else {
      std::cout << "[event " << p.getName().cStr() << " #" << p.getSource() << " -> #" << p.getTarget() << "] "
                << to_literal(data) << "\n";
    }
    std::cout.flush();
    return kj::READY_NOW;
  }
  kj::Promise<void> ended(EndedContext c) override {
    std::cerr << "the narrative ended: " << c.getParams().getWhy().cStr() << "\n";
    ended_->fulfill();
    return kj::READY_NOW;
  }

 private:
  const Output& out_;
  kj::Own<kj::PromiseFulfiller<void>> ended_;
};

std::string monitor_table(const Value& m) {
  std::ostringstream o;
  auto get = [](const Value& map, const char* k) {
    long i = map.map_obj()->find(Value::str(k));
    return i >= 0 ? map.map_obj()->entries[size_t(i)].second : Value::null();
  };
  auto num = [](const Value& v) { return v.is_int() ? double(v.as_int()) : v.is_float() ? v.as_float() : 0.0; };
  char line[256];
  Value actors = get(m, "actors"), tasks = get(m, "tasks"), conns = get(m, "connections");
  std::snprintf(line, sizeof line, "%zu actors shown, %zu tasks, %zu connections\n\n",
                size_t(actors.is_list() ? actors.list_len() : 0), size_t(tasks.is_list() ? tasks.list_len() : 0),
                size_t(conns.is_list() ? conns.list_len() : 0));
  o << line;
  std::snprintf(line, sizeof line, "%-36s %-10s %8s %9s %6s %10s %10s\n", "ACTOR", "KIND", "MAILBOX", "MSG/S",
                "BUSY", "P50 ms", "P99 ms");
  o << line;
  for (uint32_t i = 0; actors.is_list() && i < actors.list_len(); ++i) {
    const Value& a = actors.list_at(i);
    if (!a.is_map()) continue;
    Value name = get(a, "name"), kind = get(a, "kind");
    std::snprintf(line, sizeof line, "%-36.36s %-10.10s %8.0f %9.1f %5.0f%% %10.3f %10.3f\n",
                  name.is_str() ? std::string(name.as_str()).c_str() : "?",
                  kind.is_str() ? std::string(kind.as_str()).c_str() : "?", num(get(a, "mailbox")),
                  num(get(a, "rate")), 100 * num(get(a, "busy")), 1000 * num(get(a, "p50")), 1000 * num(get(a, "p99")));
    o << line;
  }
  return o.str();
}

struct Args {
  std::vector<std::string> words;
  size_t i = 0;
  bool more() const { return i < words.size(); }
  std::string next(const char* what) {
    if (i >= words.size()) throw Usage(std::string("missing ") + what);
    return words[i++];
  }
  void done() const {
    if (i < words.size()) throw Usage("unexpected argument '" + words[i] + "'");
  }
};

int run(int argc, char** argv) {
  Args a{std::vector<std::string>(argv + 2, argv + argc)};
  std::string key_file, token, where;
  int64_t player = -1;
  Output out;
  while (a.more() && a.words[a.i].rfind("--", 0) == 0) {
    std::string flag = a.next("a flag");
    if (flag == "--key") key_file = a.next("--key FILE");
    else if (flag == "--token") token = a.next("--token TOKEN");
    else if (flag == "--player") player = std::stoll(a.next("--player N"));
    else if (flag == "--json") out.json = true;
    else throw Usage("unknown flag " + flag);
  }
  where = a.next("WHERE (HOST:PORT or NAME.db)");
  std::string cmd = a.next("a command");
  if (token.empty())
    if (const char* t = std::getenv("ECHO_RPC_TOKEN")) token = t;
  std::string key, address = where;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(storage::Store::dir_for(where), ec) || where.find(':') == std::string::npos) {
    auto [k, addr] = read_key_file(rpc::key_file_for(storage::Store::dir_for(where)));
    address = addr;
    if (key_file.empty() && token.empty()) key = k;
  }
  if (!key_file.empty()) key = read_key_file(key_file).first;
  if (key.empty() && token.empty())
    throw Usage("no credentials: --key FILE (NAME.db/rpc.key), --token TOKEN (or ECHO_RPC_TOKEN), or NAME.db");

  capnp::ReaderOptions ro;
  ro.traversalLimitInWords = 1 << 24;  // 128 MiB: a monitor table or a big value is fine here
  capnp::EzRpcClient client(address, 7780, ro);
  auto& ws = client.getWaitScope();
  auto gate = client.getMain<schema::Gate>();
  schema::Session::Client session = [&]() -> schema::Session::Client {
    if (!token.empty()) {
      auto r = gate.withTokenRequest();
      r.setToken(token);
      return r.send().getSession();
    }
    auto r = gate.withKeyRequest();
    r.setKey(key);
    r.setPlayer(player);
    return r.send().getSession();
  }();
  // Each request is pipelined on the login: one round trip in all.
  auto finish = [&](auto&& request) { return report(request.send().wait(ws).getOutcome(), out); };
  auto syntax_flag = [&](std::string& syntax) {
    if (a.more() && a.words[a.i] == "--syntax") {
      a.next("--syntax");
      syntax = a.next("--syntax echo|moo");
    }
  };

  if (cmd == "eval") {
    std::string code = a.next("CODE"), syntax;
    syntax_flag(syntax);
    a.done();
    // As the REPL and `;`: a bare expression is returned. Decided here by
    // compiling, so that the server is asked once.
    Syntax sx = syntax == "echo" ? Syntax::Echo : Syntax::Moo;
    if (compile_source("return " + code + ";", sx).ok() && !compile_source(code, sx).ok()) code = "return " + code + ";";
    auto r = session.evalRequest();
    r.setCode(code);
    r.setSyntax(syntax);
    return finish(kj::mv(r));
  }
  if (cmd == "call") {
    auto [obj, verb] = split_ref(a.next("OBJ:VERB"), ':');
    auto r = session.callRequest();
    r.setObject(obj);
    r.setVerb(verb);
    std::vector<Value> args;
    while (a.more()) args.push_back(literal(a.next("ARG")));
    auto l = r.initArgs(unsigned(args.size()));
    for (size_t i = 0; i < args.size(); ++i) rpc::to_wire(args[i], l[unsigned(i)]);
    return finish(kj::mv(r));
  }
  if (cmd == "get" || cmd == "verbs" || cmd == "recycle") {
    std::string obj = a.next("OBJ");
    a.done();
    if (cmd == "get") {
      auto r = session.objectRequest();
      r.setObject(obj);
      return finish(kj::mv(r));
    }
    if (cmd == "verbs") {
      auto r = session.verbsRequest();
      r.setObject(obj);
      return finish(kj::mv(r));
    }
    auto r = session.recycleRequest();
    r.setObject(obj);
    return finish(kj::mv(r));
  }
  if (cmd == "create") {
    auto r = session.createRequest();
    r.setParent(a.next("PARENT"));
    a.done();
    return finish(kj::mv(r));
  }
  if (cmd == "prop") {
    auto [obj, name] = split_ref(a.next("OBJ.NAME"), '.');
    if (!a.more()) {
      auto r = session.getPropertyRequest();
      r.setObject(obj);
      r.setName(name);
      return finish(kj::mv(r));
    }
    Value v = literal(a.next("VALUE"));
    a.done();
    auto r = session.setPropertyRequest();
    r.setObject(obj);
    r.setName(name);
    rpc::to_wire(v, r.initValue());
    return finish(kj::mv(r));
  }
  if (cmd == "verb") {
    auto [obj, name] = split_ref(a.next("OBJ:VERB"), ':');
    a.done();
    auto r = session.getVerbRequest();
    r.setObject(obj);
    r.setName(name);
    auto response = r.send().wait(ws);  // holds the message `o` reads
    auto o = response.getOutcome();
    if (o.isOk() && !out.json) {  // the code as it reads, then nothing else
      Value v = rpc::from_wire(o.getOk());
      long i = v.is_map() ? v.map_obj()->find(Value::str("source")) : -1;
      if (i >= 0 && v.map_obj()->entries[size_t(i)].second.is_str()) {
        std::cout << v.map_obj()->entries[size_t(i)].second.as_str() << "\n";
        return kOk;
      }
    }
    return report(o, out);
  }
  if (cmd == "program") {
    auto [obj, name] = split_ref(a.next("OBJ:VERB"), ':');
    std::string syntax;
    syntax_flag(syntax);
    a.done();
    std::string source((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    while (!source.empty() && source.back() == '\n') source.pop_back();
    auto r = session.programRequest();
    r.setObject(obj);
    r.setName(name);
    r.setSource(source);
    r.setSyntax(syntax);
    return finish(kj::mv(r));
  }
  if (cmd == "tasks" || cmd == "snapshot" || cmd == "whoami") {
    a.done();
    if (cmd == "tasks") return finish(session.tasksRequest());
    if (cmd == "snapshot") return finish(session.snapshotRequest());
    return finish(session.whoamiRequest());
  }
  if (cmd == "kill" || cmd == "result") {
    int64_t id = std::stoll(a.next("ID"));
    a.done();
    if (cmd == "kill") {
      auto r = session.killTaskRequest();
      r.setTask(id);
      return finish(kj::mv(r));
    }
    auto r = session.taskResultRequest();
    r.setTask(id);
    return finish(kj::mv(r));
  }
  if (cmd == "monitor") {
    bool once = !isatty(1);
    std::string filter;
    while (a.more()) {
      std::string f = a.next("a flag");
      if (f == "--once") once = true;
      else if (f == "--filter") filter = a.next("--filter F");
      else throw Usage("unexpected argument '" + f + "'");
    }
    auto& timer = client.getIoProvider().getTimer();
    for (;;) {
      auto r = session.monitorRequest();
      r.setFilter(filter);
      r.setLimit(once ? 200 : 40);
      auto response = r.send().wait(ws);
      auto o = response.getOutcome();
      if (!o.isOk() || out.json) return report(o, out);
      if (!once) std::cout << "\x1b[H\x1b[2J";
      std::cout << monitor_table(rpc::from_wire(o.getOk())) << std::flush;
      if (once) return kOk;
      timer.afterDelay(1 * kj::SECONDS).wait(ws);
    }
  }
  if (cmd == "tail") {
    double seconds = -1;
    std::vector<std::string> lines;
    while (a.more()) {
      std::string f = a.next("a flag");
      if (f == "--seconds") seconds = std::stod(a.next("--seconds S"));
      else if (f == "--command") lines.push_back(a.next("--command LINE"));
      else throw Usage("unexpected argument '" + f + "'");
    }
    auto paf = kj::newPromiseAndFulfiller<void>();
    auto r = session.subscribeRequest();
    r.setListener(kj::heap<Tail>(out, kj::mv(paf.fulfiller)));
    auto narrative = r.send().getNarrative();
    for (const std::string& l : lines) {
      auto t = narrative.typeRequest();
      t.setLine(l);
      t.send().wait(ws);
    }
    kj::Promise<void> until = kj::mv(paf.promise);
    if (seconds >= 0)
      until = until.exclusiveJoin(client.getIoProvider().getTimer().afterDelay(int64_t(seconds * 1000) * kj::MILLISECONDS));
    until.wait(ws);
    return kOk;
  }
  throw Usage("unknown command '" + cmd + "'");
}

}  // namespace

int cmd_rpc(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Usage& e) {
    std::cerr << "echo-repl rpc: " << e.what() << "\n" << kUsageText;
    return kUsage;
  } catch (const NoLink& e) {
    std::cerr << "echo-repl rpc: " << e.what() << "\n";
    return kNoLink;
  } catch (const rpc::ValueError& e) {
    std::cerr << "echo-repl rpc: " << e.what() << "\n";
    return kUsage;
  } catch (const kj::Exception& e) {
    std::cerr << "echo-repl rpc: " << remote_text(e) << "\n";
    return kNoLink;
  } catch (const std::exception& e) {  // std::stoll and co.
    std::cerr << "echo-repl rpc: " << e.what() << "\n";
    return kUsage;
  }
}

}  // namespace echo::cli
