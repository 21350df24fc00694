// ToastStunt's SQLite builtins (lang/builtins/sqlite.cpp): open, query and
// execute, the type conversions and options, errors, the handle limit,
// permissions, the confinement to the files directory, and interrupt.
// ToastStunt's own test suite has no SQLite cases; these follow its source.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "lang/builtins.h"
#include "lang/vm.h"
#include "world_fixtures.h"

using namespace echo;
namespace fs = std::filesystem;

namespace {

// A world (#2 a wizard, #4 a programmer) whose files directory is a fresh
// one under /tmp, removed after; no handle open before or after.
struct Db : echo::test::World5 {
  fs::path base;
  fs::path dir;
  Db() {
    char tmpl[] = "/tmp/echo-sqlite-XXXXXX";
    base = mkdtemp(tmpl);
    dir = base / "files";
    set_files_directory(dir.string());
    close_all();
  }
  ~Db() {
    close_all();
    set_files_directory("files");
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  std::string wiz(const std::string& code) { return as(2, code, Syntax::Moo); }
  void close_all() { wiz("for h in (sqlite_handles()) sqlite_close(h); endfor"); }
};

}  // namespace

TEST_CASE("sqlite builtins are for wizards only", "[sqlite][security]") {
  Db t;
  for (const char* call : {"sqlite_open(\":memory:\")", "sqlite_close(1)", "sqlite_handles()", "sqlite_info(1)",
                           "sqlite_query(1, \"SELECT 1\")", "sqlite_execute(1, \"SELECT 1\", {})",
                           "sqlite_last_insert_row_id(1)", "sqlite_limit(1, 0, 1)", "sqlite_interrupt(1)"}) {
    INFO(call);
    CHECK(t.as(4, std::string("return ") + call + ";", Syntax::Moo) == "!! E_PERM Permission denied");
  }
  CHECK(!fs::exists(t.dir));  // nothing was made for them
}

TEST_CASE("sqlite: a database file made, written with parameters and read back", "[sqlite]") {
  Db t;
  CHECK(t.wiz("h = sqlite_open(\"test.db\"); return {h, sqlite_query(h, \"CREATE TABLE t (a, b, c, d, e);\")};") ==
        "=> {1, {}}");
  CHECK(fs::exists(t.dir / "test.db"));
  CHECK(t.wiz("return sqlite_execute(1, \"INSERT INTO t VALUES (?, ?, ?, ?, ?);\", {42, \"two words\", 1.5, #7, {}});") ==
        "=> {}");
  CHECK(t.wiz("return {sqlite_last_insert_row_id(1), sqlite_query(1, \"SELECT * FROM t\")};") ==
        "=> {1, {{42, \"two words\", 1.5, #7, \"NULL\"}}}");
  CHECK(t.wiz("return sqlite_execute(1, \"SELECT b, a FROM t WHERE a = ? AND d = ?\", {42, #7});") ==
        "=> {{\"two words\", 42}}");
  // Integers past 32 bits, and booleans, bound whole.
  CHECK(t.wiz("return sqlite_execute(1, \"SELECT ?, ?, ?\", {9007199254740993, true, false});") ==
        "=> {{9007199254740993, 1, 0}}");
  // Every statement of a query, their rows together; headers on request.
  CHECK(t.wiz("return sqlite_query(1, \"INSERT INTO t VALUES (1, 'x', 2.0, '#-1', NULL); SELECT a, c FROM t;"
              " SELECT 'y' AS z;\", 1);") ==
        "=> {{{\"a\", 42}, {\"c\", 1.5}}, {{\"a\", 1}, {\"c\", 2.0}}, {{\"z\", \"y\"}}}");
  CHECK(t.wiz("return {sqlite_last_insert_row_id(1), sqlite_query(1, \"SELECT d FROM t ORDER BY a\")};") ==
        "=> {2, {{#-1}, {#7}}}");
  // The data is in the file: a second connection after a close sees it.
  CHECK(t.wiz("sqlite_close(1); h = sqlite_open(\"/test.db\"); return {h, sqlite_query(h, \"SELECT count(*) FROM t\")};") ==
        "=> {1, {{2}}}");
}

TEST_CASE("sqlite: the options choose how columns come back", "[sqlite]") {
  Db t;
  const std::string q =
      "sqlite_query(h, \"SELECT 12, '3.25', '#5', NULL, 'a' || char(10) || 'b', ' 7 ', 'x1', '1e400'\")";
  CHECK(t.wiz("h = sqlite_open(\":memory:\"); return " + q + ";") ==
        "=> {{12, 3.25, #5, \"NULL\", \"a\nb\", 7, \"x1\", \"1e400\"}}");
  CHECK(t.wiz("h = sqlite_open(\":memory:\", 0); return " + q + ";") ==
        "=> {{\"12\", \"3.25\", \"#5\", \"\", \"a\nb\", \" 7 \", \"x1\", \"1e400\"}}");
  CHECK(t.wiz("h = sqlite_open(\":memory:\", 2); return " + q + ";") ==
        "=> {{12, 3.25, \"#5\", \"NULL\", \"a\nb\", 7, \"x1\", \"1e400\"}}");
  CHECK(t.wiz("h = sqlite_open(\":memory:\", 14); return " + q + ";") ==
        "=> {{12, 3.25, #5, \"NULL\", \"a\tb\", 7, \"x1\", \"1e400\"}}");
  CHECK(t.wiz("h = sqlite_open(\":memory:\", 8); return sqlite_execute(h, \"SELECT ? || char(10)\", {\"l1\"});") ==
        "=> {{\"l1\t\"}}");
  CHECK(t.wiz("return {sqlite_info(1), sqlite_info(2), sqlite_info(4)};") ==
        "=> {[\"locks\" -> 0, \"parse_objects\" -> 1, \"parse_types\" -> 1, \"path\" -> \":memory:\", "
        "\"sanitize_strings\" -> 0], [\"locks\" -> 0, \"parse_objects\" -> 0, \"parse_types\" -> 0, \"path\" -> "
        "\":memory:\", \"sanitize_strings\" -> 0], [\"locks\" -> 0, \"parse_objects\" -> 1, \"parse_types\" -> 1, "
        "\"path\" -> \":memory:\", \"sanitize_strings\" -> 1]}");
  // REGEXP, as ToastStunt's (PCRE).
  CHECK(t.wiz("return sqlite_query(1, \"SELECT 'abc' REGEXP '^a.c$', 'abc' REGEXP 'z'\");") == "=> {{1, 0}}");
  CHECK(t.wiz("return sqlite_query(1, \"SELECT 'abc' REGEXP '('\");") ==
        "=> \"missing closing parenthesis\"");
}

TEST_CASE("sqlite: errors as ToastStunt gives them", "[sqlite]") {
  Db t;
  t.wiz("sqlite_open(\":memory:\");");
  // A statement that fails answers SQLite's message as a string.
  CHECK(t.wiz("return sqlite_query(1, \"SELEC 1\");") == "=> \"near \\\"SELEC\\\": syntax error\"");
  CHECK(t.wiz("return sqlite_execute(1, \"SELECT * FROM missing\", {});") == "=> \"no such table: missing\"");
  CHECK(t.wiz("return sqlite_query(1, \"CREATE TABLE u (a UNIQUE); INSERT INTO u VALUES (1); INSERT INTO u VALUES (1);\");") ==
        "=> \"UNIQUE constraint failed: u.a\"");
  // An unknown handle: E_INVARG returned by query and execute, raised by
  // the rest, with a message by close and interrupt.
  CHECK(t.wiz("return {sqlite_query(9, \"SELECT 1\"), sqlite_execute(9, \"SELECT 1\", {})};") ==
        "=> {E_INVARG, E_INVARG}");
  CHECK(t.wiz("return sqlite_info(9);") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("return sqlite_last_insert_row_id(9);") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("return sqlite_limit(9, 0, 1);") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("return sqlite_close(9);") == "!! E_INVARG Invalid database handle");
  CHECK(t.wiz("return sqlite_interrupt(9);") == "!! E_INVARG Invalid database handle");
  CHECK(t.wiz("return `sqlite_close(9) ! ANY => {1, 2}';") == "=> {1, 2}");
  // Arguments checked by type and count.
  CHECK(t.wiz("return sqlite_open(1);") == "!! E_TYPE Type mismatch");
  CHECK(t.wiz("return sqlite_execute(1, \"SELECT 1\");") == "!! E_ARGS Incorrect number of arguments");
  CHECK(t.wiz("return sqlite_execute(1, \"SELECT 1\", \"x\");") == "!! E_TYPE Type mismatch");
  // A file SQLite cannot open: E_NONE with its message.
  fs::create_directories(t.dir / "dir.db");
  CHECK(t.wiz("return sqlite_open(\"dir.db\");") == "!! E_NONE unable to open database file");
  CHECK(t.wiz("return sqlite_handles();") == "=> {1}");
}

TEST_CASE("sqlite: handles, the same file twice, close", "[sqlite]") {
  Db t;
  CHECK(t.wiz("a = sqlite_open(\"a.db\"); b = sqlite_open(\"b.db\"); m = sqlite_open(\":memory:\");"
              " n = sqlite_open(\":memory:\"); return {a, b, m, n, sqlite_handles(), sqlite_info(a)[\"path\"]};") ==
        "=> {1, 2, 3, 4, {1, 2, 3, 4}, \"" + t.dir.string() + "/a.db\"}");
  CHECK(t.wiz("return sqlite_open(\"a.db\");") == "!! E_INVARG Database already open with handle: 1");
  CHECK(t.wiz("return `sqlite_open(\"/a.db\") ! ANY => {1, 2}';") == "=> {1, 2}");
  // Numbers are not reused until every handle is closed (ToastStunt's).
  CHECK(t.wiz("sqlite_close(2); h = sqlite_open(\"b.db\"); return {h, sqlite_handles()};") == "=> {5, {1, 3, 4, 5}}");
  CHECK(t.wiz("for h in (sqlite_handles()) sqlite_close(h); endfor return {sqlite_handles(), sqlite_open(\"\")};") ==
        "=> {{}, 1}");
  // A temporary database ("") works as any other.
  CHECK(t.wiz("sqlite_query(1, \"CREATE TABLE t (x)\"); sqlite_execute(1, \"INSERT INTO t VALUES (?)\", {\"y\"});"
              " return sqlite_query(1, \"SELECT * FROM t\");") == "=> {{\"y\"}}");
}

TEST_CASE("sqlite: at most sqlite_max_handles open", "[sqlite]") {
  Db t;
  CHECK(t.wiz("for i in [1..20] sqlite_open(\":memory:\"); endfor return sqlite_open(\":memory:\");") ==
        "!! E_QUOTA Too many database connections open.");
  CHECK(t.wiz("return length(sqlite_handles());") == "=> 20");
  t.close_all();
  t.wiz("add_property(#0, \"server_options\", create(#1), {#2, \"r\"});"
        " add_property(#0.server_options, \"sqlite_max_handles\", 2, {#2, \"r\"});");
  CHECK(t.wiz("a = sqlite_open(\":memory:\"); b = sqlite_open(\"b.db\"); return `sqlite_open(\"c.db\") ! ANY';") ==
        "=> E_QUOTA");
  CHECK(!fs::exists(t.dir / "c.db"));
}

TEST_CASE("sqlite_limit: by name or number, the value before", "[sqlite]") {
  Db t;
  t.wiz("sqlite_open(\":memory:\");");
  CHECK(t.wiz("return {sqlite_limit(1, \"LIMIT_LENGTH\", 100), sqlite_limit(1, 0, -1), sqlite_limit(1, 7, -1)};") ==
        "=> {1000000000, 100, 10}");
  CHECK(t.wiz("return sqlite_query(1, \"SELECT hex(zeroblob(200))\");") == "=> \"string or blob too big\"");
  CHECK(t.wiz("return sqlite_limit(1, \"limit_length\", 1);") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("return sqlite_limit(1, 12, 1);") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("return sqlite_limit(1, 1.0, 1);") == "!! E_INVARG Invalid argument");
}

TEST_CASE("sqlite: databases stay inside the files directory", "[sqlite][security]") {
  Db t;
  fs::create_directories(t.dir);
  fs::create_directories(t.base / "outside");
  fs::create_symlink(t.base / "outside", t.dir / "up");
  fs::create_symlink(t.base / "outside" / "x.db", t.dir / "link.db");
  for (const char* path : {"../x.db", "..", "a/../../x.db", "up/x.db", "link.db", "sub/.hidden.db"}) {
    INFO(path);
    CHECK(t.wiz(std::string("return sqlite_open(\"") + path + "\");") == "!! E_INVARG Invalid pathname");
  }
  // A leading "/" is the files directory itself, as for the file builtins.
  CHECK(t.wiz("h = sqlite_open(\"/abs.db\"); sqlite_query(h, \"CREATE TABLE t (x)\"); return h;") == "=> 1");
  CHECK(fs::exists(t.dir / "abs.db"));
  // SQL may not reach outside either: ATTACH and VACUUM INTO of a path out
  // of it, or through a symlink, fail; a relative one is under files/.
  std::string out = (t.base / "outside" / "y.db").string();
  CHECK(t.wiz("return sqlite_query(1, \"ATTACH DATABASE '" + out + "' AS o\");") ==
        "=> \"unable to open database: " + out + "\"");
  CHECK(t.wiz("return sqlite_query(1, \"ATTACH DATABASE 'up/z.db' AS o\");") ==
        "=> \"unable to open database: up/z.db\"");
  CHECK(t.wiz("return sqlite_query(1, \"ATTACH DATABASE 'file:" + out + "?vfs=unix' AS o\");") ==
        "=> \"not authorized\"");
  CHECK(t.wiz("return sqlite_query(1, \"VACUUM INTO '" + out + "'\");") ==
        "=> \"unable to open database: " + out + "\"");
  CHECK(t.wiz("return sqlite_query(1, \"ATTACH DATABASE 'inner.db' AS i; CREATE TABLE i.t (x);\");") == "=> {}");
  CHECK(fs::exists(t.dir / "inner.db"));
  CHECK(fs::is_empty(t.base / "outside"));
  // No extensions.
  CHECK(t.wiz("return sqlite_query(1, \"SELECT load_extension('/lib/x.so')\");") == "=> \"not authorized\"");
}

TEST_CASE("sqlite: a result past the task's value limits is E_QUOTA", "[sqlite]") {
  Db t;
  t.wiz("h = sqlite_open(\":memory:\");");
  EvalOptions o;
  o.host = &t.host;
  o.player = 2;
  o.syntax = Syntax::Moo;
  o.limits.values.max_list_length = 1100;
  o.limits.values.catchable = true;
  const char* q = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT x FROM c";
  CHECK(eval_moo(std::string("return `sqlite_query(1, \"") + q + "\") ! E_QUOTA => \"quota\"';", o).describe() ==
        "=> \"quota\"");
  o.limits.values.max_list_length = 4194302;
  o.limits.values.max_string = 2000;
  CHECK(eval_moo("return `sqlite_query(1, \"SELECT printf('%.*c', 5000, 'x')\") ! E_QUOTA => \"quota\"';", o)
            .describe() == "=> \"quota\"");
  CHECK(eval_moo(std::string("return length(sqlite_query(1, \"") + q + "\"));", o).describe() == "=> 2000");
}

TEST_CASE("sqlite_interrupt stops a query running on the handle", "[sqlite]") {
  Db t;
  t.wiz("h = sqlite_open(\":memory:\");");
  std::atomic<bool> done{false};
  // Another thread, as another task would, interrupts until the query ends.
  std::thread other([&] {
    VmHost host;  // the default host: every caller a wizard, no world
    BuiltinContext ctx;
    ctx.host = &host;
    ctx.progr = 2;
    const Builtins& b = Builtins::instance();
    int i = b.find("sqlite_interrupt");
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      Value arg = Value::integer(1);
      b.at(i).fn(ctx, std::span<Value>(&arg, 1));
    }
  });
  std::string r = t.wiz(
      "return sqlite_query(1, \"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000)"
      " SELECT count(*) FROM c\");");
  done = true;
  other.join();
  CHECK(r == "=> \"interrupted\"");
  CHECK(t.wiz("return sqlite_query(1, \"SELECT 1\");") == "=> {{1}}");
}
