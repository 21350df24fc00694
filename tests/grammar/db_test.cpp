// Parses every verb program of the shared databases (LambdaCore, enCore,
// toastcore) and fails unless all of them parse cleanly.
//
// Built twice: plain, it checks the tree-sitter grammar alone (no ERROR or
// MISSING node anywhere); with ECHO_DB_TEST_LOWER it runs parse_moo, so the
// lowering to the AST and its compile-time checks are exercised as well.
//
// Textdump layout: after the objects come the verb programs, each a header
// line `#OBJ:VERB`, the code lines, and a line holding just `.`. Format 4
// gives the program count on the third line of the file; format 17
// (ToastStunt) writes it on the line right before the first program.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifdef ECHO_DB_TEST_LOWER
#include "lang/parse.h"
#else
#include <tree_sitter/api.h>
// ECHO_DB_TEST_LANGUAGE selects the grammar: tree_sitter_moo by default;
// tree_sitter_echo checks that Echo's grammar takes every MOO verb too.
#ifndef ECHO_DB_TEST_LANGUAGE
#define ECHO_DB_TEST_LANGUAGE tree_sitter_moo
#endif
extern "C" const TSLanguage* ECHO_DB_TEST_LANGUAGE(void);
#endif

namespace {

struct Program {
  std::string header;  // "#12:3"
  std::string code;    // lines joined with '\n'
};

bool is_verb_header(const std::string& s) {
  size_t i = 0;
  if (i >= s.size() || s[i++] != '#') return false;
  size_t d = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) i++;
  if (i == d || i >= s.size() || s[i++] != ':') return false;
  d = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) i++;
  return i > d && i == s.size();
}

bool parse_count(const std::string& s, long* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (*end != '\0' || v < 0) return false;
  *out = v;
  return true;
}

// Reads `count` programs starting at line `at`; false unless all are there.
bool read_programs(const std::vector<std::string>& lines, size_t at, long count,
                   std::vector<Program>* out) {
  std::vector<Program> progs;
  size_t i = at;
  for (long k = 0; k < count; k++) {
    if (i >= lines.size() || !is_verb_header(lines[i])) return false;
    Program p;
    p.header = lines[i++];
    while (i < lines.size() && lines[i] != ".") {
      p.code += lines[i++];
      p.code += '\n';
    }
    if (i >= lines.size()) return false;
    i++;  // the "."
    progs.push_back(std::move(p));
  }
  *out = std::move(progs);
  return true;
}

bool extract(const std::string& path, std::vector<Program>* out, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = "cannot open " + path;
    return false;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  int version = -1;
  if (!lines.empty()) {
    size_t v = lines[0].find("Format Version ");
    if (v != std::string::npos) version = std::atoi(lines[0].c_str() + v + 15);
  }
  if (version < 0 || lines.size() < 3) {
    *why = "not a LambdaMOO textdump: " + path;
    return false;
  }
  // The first `#N:M` line from which exactly the announced number of programs
  // can be read is the start of the section (a property value could look like
  // a header, but it would not be followed by a run of well-formed programs).
  for (size_t s = 1; s < lines.size(); s++) {
    if (!is_verb_header(lines[s])) continue;
    long count = 0;
    if (!parse_count(version < 17 ? lines[2] : lines[s - 1], &count)) continue;
    if (read_programs(lines, s, count, out)) return true;
  }
  *why = "no verb program section found in " + path;
  return false;
}

struct Failure {
  std::string header, message;
};

#ifdef ECHO_DB_TEST_LOWER
bool check(const Program& p, Failure* f) {
  echo::ParseResult r = echo::parse_moo(p.code);
  if (r.ok()) return true;
  f->header = p.header;
  f->message = r.errors.front().to_string();
  return false;
}
#else
// The first ERROR or MISSING node, depth first.
bool find_error(TSNode n, std::string* what) {
  if (ts_node_is_missing(n)) {
    TSPoint p = ts_node_start_point(n);
    *what = "missing " + std::string(ts_node_type(n)) + " at line " + std::to_string(p.row + 1) +
            ", column " + std::to_string(p.column + 1);
    return true;
  }
  if (std::string_view(ts_node_type(n)) == "ERROR") {
    TSPoint p = ts_node_start_point(n);
    *what = "syntax error at line " + std::to_string(p.row + 1) + ", column " +
            std::to_string(p.column + 1);
    return true;
  }
  if (!ts_node_has_error(n)) return false;
  for (uint32_t i = 0, c = ts_node_child_count(n); i < c; i++)
    if (find_error(ts_node_child(n, i), what)) return true;
  return false;
}

bool check(const Program& p, Failure* f) {
  static TSParser* parser = [] {
    TSParser* ps = ts_parser_new();
    ts_parser_set_language(ps, ECHO_DB_TEST_LANGUAGE());
    return ps;
  }();
  TSTree* tree = ts_parser_parse_string(parser, nullptr, p.code.data(),
                                        static_cast<uint32_t>(p.code.size()));
  TSNode root = ts_tree_root_node(tree);
  bool ok = !ts_node_has_error(root);
  if (!ok) {
    f->header = p.header;
    if (!find_error(root, &f->message)) f->message = "error in tree";
  }
  ts_tree_delete(tree);
  return ok;
}
#endif

}  // namespace

int main() {
  const std::string dir = ECHO_SHARED_DATA_DIR;
  if (!std::filesystem::is_directory(dir)) {
    std::cerr << "FAIL: the shared database directory " << dir
              << " does not exist (it should hold LambdaCore-latest.db, enCore.db and "
                 "toastcore.db)\n";
    return 1;
  }
  struct Db {
    const char* file;
    size_t expected_verbs;
  };
  const Db dbs[] = {{"LambdaCore-latest.db", 1727}, {"enCore.db", 2490}, {"toastcore.db", 1950}};

  bool all_ok = true;
  std::vector<Failure> failures;
  for (const Db& db : dbs) {
    std::vector<Program> progs;
    std::string why;
    if (!extract(dir + "/" + db.file, &progs, &why)) {
      std::cout << "FAIL: " << why << "\n";
      all_ok = false;
      continue;
    }
    auto t0 = std::chrono::steady_clock::now();
    size_t ok = 0, bytes = 0;
    for (const Program& p : progs) {
      bytes += p.code.size();
      Failure f;
      if (check(p, &f)) {
        ok++;
      } else {
        f.header = std::string(db.file) + " " + f.header;
        failures.push_back(std::move(f));
      }
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count();
    std::printf("%-22s verbs %5zu  parsed ok %5zu  failed %4zu  (%.1f MB in %.0f ms)\n", db.file,
                progs.size(), ok, progs.size() - ok, bytes / 1e6, ms);
    if (progs.size() != db.expected_verbs) {
      std::printf("FAIL: %s: expected %zu verb programs, found %zu\n", db.file, db.expected_verbs,
                  progs.size());
      all_ok = false;
    }
    if (ok != progs.size()) all_ok = false;
  }
  for (size_t i = 0; i < failures.size() && i < 10; i++)
    std::cout << "  " << failures[i].header << ": " << failures[i].message << "\n";
  if (failures.size() > 10) std::cout << "  ... and " << failures.size() - 10 << " more\n";
  std::cout << (all_ok ? "PASS" : "FAIL") << "\n";
  return all_ok ? 0 : 1;
}
