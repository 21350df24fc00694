// File I/O (lang/builtins/fileio.cpp): ToastStunt's test_fileio.rb, and
// the confinement to the files directory.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "lang/builtins.h"
#include "world_fixtures.h"

using namespace echo;
namespace fs = std::filesystem;

namespace {

// A world (#2 a wizard, #4 a programmer) whose files directory is a fresh
// one under /tmp, removed after.
struct Files : echo::test::World5 {
  fs::path base;
  fs::path dir;
  Files() {
    char tmpl[] = "/tmp/echo-fileio-XXXXXX";
    base = mkdtemp(tmpl);
    dir = base / "files";
    set_files_directory(dir.string());
    close_all();  // handles belong to the process: numbering starts at 1 again
  }
  ~Files() {
    close_all();
    set_files_directory("files");
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  std::string wiz(const std::string& code) { return as(2, code, Syntax::Moo); }
  void close_all() { wiz("for h in (file_handles()) file_close(h); endfor"); }
};

}  // namespace

TEST_CASE("file builtins are for wizards only (test_fileio.rb)", "[builtins][fileio]") {
  Files t;
  for (const char* call :
       {"file_open(\"\", \"\")", "file_close(0)", "file_name(0)", "file_openmode(0)", "file_readline(0)",
        "file_readlines(0, 1, 2)", "file_writeline(0, \"\")", "file_read(0, 1)", "file_write(0, \"\")",
        "file_tell(0)", "file_seek(0, 1, \"\")", "file_eof(0)", "file_size(\"\")", "file_mode(\"\")",
        "file_last_access(\"\")", "file_last_modify(\"\")", "file_last_change(\"\")", "file_size(0)",
        "file_stat(\"\")", "file_stat(0)", "file_rename(\"\", \"\")", "file_remove(\"\")", "file_mkdir(\"\")",
        "file_rmdir(\"\")", "file_list(\"\")", "file_list(\"\", 1)", "file_type(\"\")", "file_chmod(\"\", \"\")",
        "file_handles()", "file_grep(0, \"x\")", "file_count_lines(0)", "file_flush(0)"}) {
    INFO(call);
    CHECK(t.as(4, std::string("return ") + call + ";", Syntax::Moo).rfind("!! E_PERM", 0) == 0);
  }
  CHECK(!fs::exists(t.dir));  // nothing was made for them
}

TEST_CASE("a text file written and read back", "[builtins][fileio]") {
  Files t;
  CHECK(t.wiz("fh = file_open(\"test_fileio.tmp\", \"w-tn\"); file_writeline(fh, \"one two three four five\");"
              "file_close(fh); fh = file_open(\"test_fileio.tmp\", \"r-tn\"); line = file_readline(fh);"
              "file_close(fh); return {line, file_size(\"test_fileio.tmp\")};") ==
        "=> {\"one two three four five\", 24}");
  std::ifstream in(t.dir / "test_fileio.tmp");
  std::string raw((std::istreambuf_iterator<char>(in)), {});
  CHECK(raw == "one two three four five\n");
  CHECK(t.wiz("file_remove(\"test_fileio.tmp\"); return file_list(\"\");") == "=> {}");
}

TEST_CASE("a binary file: ~XX escapes written as bytes and read back", "[builtins][fileio]") {
  Files t;
  CHECK(t.wiz("fh = file_open(\"b.tmp\", \"w-bn\"); n = file_write(fh, \"~A7~CE~F7~8E~0C~D2~16~C9~F6~F2~01~19\");"
              "file_close(fh); fh = file_open(\"b.tmp\", \"r-bn\"); s = file_read(fh, 12); file_close(fh);"
              "return {n, s, file_size(\"b.tmp\")};") ==
        "=> {12, \"~A7~CE~F7~8E~0C~D2~16~C9~F6~F2~01~19\", 12}");
  // Text read in binary mode shows its newline; binary bytes read in text
  // mode are dropped.
  CHECK(t.wiz("fh = file_open(\"t.tmp\", \"w-tn\"); file_writeline(fh, \"one two\"); file_close(fh);"
              "fh = file_open(\"t.tmp\", \"r-bn\"); s = file_read(fh, 24); file_close(fh); return s;") ==
        "=> \"one two~0A\"");
  CHECK(t.wiz("fh = file_open(\"x.tmp\", \"w-bn\"); file_write(fh, \"abc~A7~CE~00~D2123~0A\"); file_close(fh);"
              "fh = file_open(\"x.tmp\", \"r-tn\"); s = file_readline(fh); file_close(fh); return s;") ==
        "=> \"abc123\"");
  CHECK(t.wiz("fh = file_open(\"x.tmp\", \"w-bn\"); return file_writeline(fh, \"abc~ZZ\");") ==
        "!! E_INVARG Invalid binary string");
  CHECK(t.wiz("fh = file_open(\"x.tmp\", \"w-bn\"); return file_write(fh, \"abc~Z\");") ==
        "!! E_INVARG Invalid binary string");
}

TEST_CASE("file_readlines: a range of lines, E_INVARG for a bad one", "[builtins][fileio]") {
  Files t;
  t.wiz("fh = file_open(\"l.tmp\", \"w-tn\"); for w in ({\"one\", \"two\", \"three\", \"four\", \"five\"})"
        " file_writeline(fh, w); endfor file_close(fh);");
  CHECK(t.wiz("fh = file_open(\"l.tmp\", \"r-tn\"); return file_readlines(fh, 0, 4);") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("fh = file_open(\"l.tmp\", \"r-tn\"); return file_readlines(fh, 5, 1);") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("fh = file_open(\"l.tmp\", \"r-tn\"); r = {file_readlines(fh, 1, 500), file_readlines(fh, 2, 3),"
              " file_readline(fh), file_count_lines(fh), file_eof(fh)}; file_close(fh); return r;") ==
        "=> {{\"one\", \"two\", \"three\", \"four\", \"five\"}, {\"two\", \"three\"}, \"two\", 5, 1}");
  CHECK(t.wiz("fh = file_open(\"l.tmp\", \"r-tn\"); return file_readlines(fh, 7, 9);") == "!! E_FILE End of file");
  // Blank lines, and writes with no newline making one line.
  CHECK(t.wiz("fh = file_open(\"e.tmp\", \"w-tn\"); for i in [1..3] file_writeline(fh, \"\"); endfor file_close(fh);"
              "fh = file_open(\"e.tmp\", \"r-tn\"); return file_readlines(fh, 1, 500);") == "=> {\"\", \"\", \"\"}");
  CHECK(t.wiz("fh = file_open(\"w.tmp\", \"w-tn\"); for w in ({\"one\", \"two\", \"three\"}) file_write(fh, w); endfor"
              " file_close(fh); fh = file_open(\"w.tmp\", \"r-tn\"); return file_readlines(fh, 1, 5);") ==
        "=> {\"onetwothree\"}");
}

TEST_CASE("long lines and long reads", "[builtins][fileio]") {
  Files t;
  std::string ten = "1234567890", k;
  for (int i = 0; i < 1000; ++i) k += ten;
  CHECK(t.wiz("s = \"\"; for i in [1..1000] s = s + \"1234567890\"; endfor fh = file_open(\"big.tmp\", \"w-tn\");"
              "for i in [1..10] file_writeline(fh, s); endfor file_close(fh); fh = file_open(\"big.tmp\", \"r-tn\");"
              "r = file_readlines(fh, 1, 100); file_close(fh); return {length(r), r[1] == s, r[10] == s};") ==
        "=> {10, 1, 1}");
  CHECK(t.wiz("s = \"\"; for i in [1..1000] s = s + \"1234567890\"; endfor fh = file_open(\"big.tmp\", \"w-bn\");"
              "for i in [1..10] file_write(fh, s); endfor file_close(fh); fh = file_open(\"big.tmp\", \"r-bn\");"
              "r = file_read(fh, 100000); file_close(fh); return {length(r), r[1..10], r[99991..100000]};") ==
        "=> {100000, \"1234567890\", \"1234567890\"}");
}

TEST_CASE("reading an empty file is E_FILE, and file_eof says so", "[builtins][fileio]") {
  Files t;
  for (const char* m : {"t", "b"}) {
    std::string mode = m;
    CHECK(t.wiz("fh = file_open(\"z.tmp\", \"w-" + mode + "n\"); file_close(fh); fh = file_open(\"z.tmp\", \"r-" + mode +
                "n\"); r = `file_" + (mode == "t" ? std::string("readline(fh)") : std::string("read(fh, 100)")) +
                " ! ANY'; e = file_eof(fh); file_close(fh); return {r, e};") == "=> {E_FILE, 1}");
  }
}

TEST_CASE("handles, modes, seek and tell, stat", "[builtins][fileio]") {
  Files t;
  CHECK(t.wiz("a = file_open(\"a\", \"w+tf\"); b = file_open(\"b\", \"a-bn\"); r = {a, b, file_handles(),"
              " file_name(a), file_openmode(a), file_openmode(b)}; file_close(a); file_close(b);"
              " return {@r, file_handles()};") ==
        "=> {1, 2, {1, 2}, \"a\", \"w+tf\", \"a-bn\", {}}");
  CHECK(t.wiz("return file_open(\"a\", \"x-tn\");") == "!! E_INVARG Invalid mode string");
  CHECK(t.wiz("return file_open(\"a\", \"r-tnx\");") == "!! E_INVARG Invalid mode string");
  CHECK(t.wiz("return file_open(\"missing\", \"r-tn\");") == "!! E_FILE No such file or directory");
  CHECK(t.wiz("return file_close(99);") == "!! E_INVARG Invalid FHANDLE");
  CHECK(t.wiz("fh = file_open(\"a\", \"r-tn\"); return file_writeline(fh, \"x\");") ==
        "!! E_INVARG File is open read-only");
  CHECK(t.wiz("for h in (file_handles()) file_close(h); endfor fh = file_open(\"a\", \"w-tn\");"
              " return file_readline(fh);") == "!! E_INVARG File is open write-only");
  CHECK(t.wiz("for h in (file_handles()) file_close(h); endfor fh = file_open(\"s\", \"w+bn\");"
              " file_write(fh, \"0123456789\"); file_seek(fh, 3, \"seek_set\"); a = file_tell(fh);"
              " b = file_read(fh, 2); file_seek(fh, -1, \"SEEK_END\"); c = file_read(fh, 5);"
              " d = `file_seek(fh, 0, \"nowhere\") ! ANY'; file_close(fh); return {a, b, c, d};") ==
        "=> {3, \"34\", \"9\", E_INVARG}");
  CHECK(t.wiz("file_mkdir(\"d\"); file_chmod(\"s\", \"640\"); st = file_stat(\"s\");"
              " x = file_list(\"\", 1)[1]; return {st[1..5], file_type(\"d\"), file_mode(\"s\"), file_list(\"\"), {x[1], x[2], x[4]},"
              " typeof(file_last_modify(\"s\"))};") ==
        "=> {{10, \"reg\", \"640\", \"\", \"\"}, \"dir\", \"640\", {\"a\", \"b\", \"d\", \"s\"}, {\"a\", \"reg\", 0}, 0}");
  CHECK(t.wiz("return file_chmod(\"s\", \"999\");") == "!! E_INVARG Invalid mode string");
  CHECK(t.wiz("file_rename(\"s\", \"d/s2\"); r = file_list(\"d\"); file_remove(\"d/s2\"); file_rmdir(\"d\");"
              " return {r, file_list(\"\")};") == "=> {{\"s2\"}, {\"a\", \"b\"}}");
  CHECK(t.wiz("return file_rmdir(\"nothere\");") == "!! E_FILE No such file or directory");
}

TEST_CASE("file_list of more names than a list may hold is E_QUOTA, not a list cut short", "[builtins][fileio]") {
  Files t;
  fs::create_directories(t.dir);
  for (int i = 0; i < 5; ++i) std::ofstream(t.dir / ("f" + std::to_string(i)));
  EvalOptions o;
  o.host = &t.host;
  o.player = 2;
  o.syntax = Syntax::Moo;
  o.limits.values.max_list_length = 4;
  o.limits.values.catchable = true;
  CHECK(eval_moo("return `file_list(\"\") ! E_QUOTA => \"quota\"';", o).describe() == "=> \"quota\"");
  o.limits.values.max_list_length = 5;
  CHECK(eval_moo("return length(file_list(\"\"));", o).describe() == "=> 5");
}

TEST_CASE("file_grep and file_count_lines", "[builtins][fileio]") {
  Files t;
  t.wiz("fh = file_open(\"g\", \"w-tn\"); for w in ({\"alpha\", \"Beta\", \"gamma beta\"}) file_writeline(fh, w);"
        " endfor file_close(fh);");
  CHECK(t.wiz("fh = file_open(\"g\", \"r-tn\"); r = {file_grep(fh, \"beta\"), file_grep(fh, \"BETA\", 1),"
              " file_grep(fh, \"delta\"), file_count_lines(fh)}; file_close(fh); return r;") ==
        "=> {{{\"Beta\", 2}}, {{\"Beta\", 2}, {\"gamma beta\", 3}}, {}, 3}");
}

TEST_CASE("the files directory confines every path", "[builtins][fileio][security]") {
  Files t;
  fs::create_directories(t.dir);
  { std::ofstream(t.base / "secret") << "password\n"; }
  fs::create_symlink(t.base / "secret", t.dir / "link");
  fs::create_symlink(t.base, t.dir / "up");
  fs::create_symlink(t.base / "nothing", t.dir / "dangling");
  for (const char* path : {"../secret", "..", "a/../../secret", "sub/.hidden", "link", "up/secret", "up",
                           "dangling"}) {
    INFO(path);
    CHECK(t.wiz(std::string("return file_open(\"") + path + "\", \"r-tn\");") == "!! E_INVARG Invalid pathname");
    CHECK(t.wiz(std::string("return file_size(\"") + path + "\");") == "!! E_INVARG Invalid pathname");
  }
  CHECK(t.wiz("return file_open(\"dangling\", \"w-tn\");") == "!! E_INVARG Invalid pathname");
  CHECK(t.wiz("return file_rename(\"link\", \"x\");") == "!! E_INVARG Invalid pathname");
  CHECK(!fs::exists(t.base / "nothing"));
  // "/" is the files directory itself, as in ToastStunt.
  CHECK(t.wiz("fh = file_open(\"/root.txt\", \"w-tn\"); file_close(fh); return file_list(\"/\");") ==
        "=> {\"dangling\", \"link\", \"root.txt\", \"up\"}");
  CHECK(fs::exists(t.dir / "root.txt"));
}

TEST_CASE("$server_options.file_io_max_files bounds the open handles", "[builtins][fileio]") {
  Files t;
  t.wiz("add_property(#0, \"server_options\", create(#1), {#2, \"r\"});"
        " add_property(#0.server_options, \"file_io_max_files\", 2, {#2, \"r\"});");
  CHECK(t.wiz("a = file_open(\"a\", \"w-tn\"); b = file_open(\"b\", \"w-tn\"); r = `file_open(\"c\", \"w-tn\") ! ANY';"
              " file_close(a); file_close(b); return r;") == "=> E_QUOTA");
}

TEST_CASE("E_FILE, E_EXEC and E_INTRPT are error literals", "[builtins][fileio]") {
  Files t;
  CHECK(t.wiz("return {E_FILE, E_EXEC, E_INTRPT, tostr(E_FILE), typeof(e_intrpt)};") ==
        "=> {E_FILE, E_EXEC, E_INTRPT, \"File error\", 3}");
  CHECK(t.as(2, "return [E_EXEC, E_INTRPT];", Syntax::Echo) == "=> {E_EXEC, E_INTRPT}");
}

// ---- exec() (lang/builtins/exec.cpp): ToastStunt's test_exec.rb ------------

namespace {

// A world whose executables directory holds ToastStunt's test programs.
struct Programs : Files {
  fs::path bin;
  Programs() {
    bin = base / "executables";
    fs::create_directories(bin);
    set_executables_directory(bin.string());
    script("test_io", "IN=$(cat); printf '%s' \"$IN\"; printf '%s' \"$IN\" >&2");
    script("test_args", "printf '%s' \"$*\"");
    script("test_exit_status", "exit \"$1\"");
    script("test_with_sleep", "echo 1; sleep 0.1; echo 2; sleep 0.1; echo 3");
    script("test_env", "printf '%s|%s' \"$FOO\" \"$PATH\"");
    script("cat", "exec cat");
  }
  ~Programs() { set_executables_directory("executables"); }
  void script(const std::string& name, const std::string& body) {
    std::ofstream(bin / name) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(bin / name, fs::perms::owner_all);
  }
};

}  // namespace

TEST_CASE("exec: wizards only, programs in the executables directory only", "[builtins][exec]") {
  Programs t;
  CHECK(t.as(4, "return exec({\"foobar\"});", Syntax::Moo) == "!! E_PERM Permission denied");
  CHECK(t.wiz("return exec({\"test_does_not_exist\"});") == "!! E_INVARG Does not exist");
  for (const char* bad : {"/test_io", "./test_io", "../test_io", "foo/../../test_io", ""}) {
    INFO(bad);
    CHECK(t.wiz(std::string("return exec({\"") + bad + "\"});") == "!! E_INVARG Invalid path");
  }
  CHECK(t.wiz("return exec({});") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("return exec({\"test_io\", 1});") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("return exec({\"test_io\"}, \"1~ZZ23~0A\");") == "!! E_INVARG Invalid argument");
  CHECK(t.wiz("return exec({\"test_io\"}, \"a~00b\");") == "!! E_INVARG Invalid argument");
  fs::create_directories(t.bin / "dir");
  CHECK(t.wiz("return exec({\"dir\"});") == "!! E_INVARG Is not a file");
  // A symlink out of the directory, to a program that exists.
  fs::create_symlink("/bin/sh", t.bin / "sh");
  CHECK(t.wiz("return exec({\"sh\", \"-c\", \"echo out\"});") == "!! E_INVARG Invalid path");
}

TEST_CASE("exec: input, arguments, environment, exit status and output", "[builtins][exec]") {
  Programs t;
  CHECK(t.wiz("return exec({\"test_io\"}, \"Hello, world!\");") == "=> {0, \"Hello, world!\", \"Hello, world!\"}");
  CHECK(t.wiz("return exec({\"test_args\", \"one\", \"two\", \"three\"}, \"\");") == "=> {0, \"one two three\", \"\"}");
  CHECK(t.wiz("return exec({\"test_exit_status\", \"2\"}, \"\");") == "=> {2, \"\", \"\"}");
  CHECK(t.wiz("return exec({\"test_with_sleep\"}, \"\");") == "=> {0, \"1~0A2~0A3~0A\", \"\"}");
  CHECK(t.wiz("return exec({\"test_env\"}, \"\", {\"FOO=bar\"});") == "=> {0, \"bar|/bin:/usr/bin\", \"\"}");
  CHECK(t.wiz("return exec({\"test_env\"}, \"\", {1});") == "!! E_INVARG Invalid argument");
  // Input larger than a pipe holds, echoed back while it is written.
  CHECK(t.wiz("s = \"0123456789abcdef\"; for i in [1..14] s = s + s; endfor r = exec({\"cat\"}, s);"
              " return {r[1], length(r[2]), r[2] == s};") == "=> {0, 262144, 1}");
}
