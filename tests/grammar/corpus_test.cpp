// Runs the tree-sitter corpus of grammar/moo (test/corpus/*.txt) with the
// tree-sitter runtime alone, so the grammar is tested without the CLI:
// every input is parsed and its S-expression compared with the expected one,
// normalised as `tree-sitter test` does (whitespace collapsed; field names
// ignored when the expected tree has none).
//
// Built once per grammar: ECHO_CORPUS_LANGUAGE names the language function
// (tree_sitter_moo by default, tree_sitter_echo for grammar/echo).
#include <tree_sitter/api.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#ifndef ECHO_CORPUS_LANGUAGE
#define ECHO_CORPUS_LANGUAGE tree_sitter_moo
#endif
#define ECHO_STR2(x) #x
#define ECHO_STR(x) ECHO_STR2(x)

extern "C" const TSLanguage* ECHO_CORPUS_LANGUAGE(void);

namespace {

struct Case {
  std::string file, name, input, expected;
};

bool is_rule(const std::string& line, char c) {
  size_t n = 0;
  while (n < line.size() && line[n] == c) n++;
  return n >= 3;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      if (!cur.empty() && cur.back() == '\r') cur.pop_back();
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

std::string join(const std::vector<std::string>& lines, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; i++) {
    out += lines[i];
    out += '\n';
  }
  return out;
}

// Header: ===, name lines, ===; then input; then ---; then the expected tree.
std::vector<Case> read_cases(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<std::string> lines = split_lines(ss.str());
  std::vector<Case> cases;
  size_t i = 0;
  while (i < lines.size()) {
    if (!is_rule(lines[i], '=')) { i++; continue; }
    size_t name_start = ++i;
    while (i < lines.size() && !is_rule(lines[i], '=')) i++;
    if (i >= lines.size()) break;
    Case c;
    c.file = path.filename().string();
    for (size_t k = name_start; k < i; k++) c.name += (k > name_start ? " " : "") + lines[k];
    size_t input_start = ++i;
    while (i < lines.size() && !is_rule(lines[i], '-')) i++;
    c.input = join(lines, input_start, i);
    size_t expected_start = ++i;
    while (i < lines.size() && !is_rule(lines[i], '=')) i++;
    c.expected = join(lines, expected_start, std::min(i, lines.size()));
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string normalize(const std::string& sexp) {
  std::string out;
  bool space = false;
  for (char c : sexp) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty() && c != ')') out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string strip_fields(const std::string& sexp) {
  static const std::regex field(R"([a-z_]+: )");
  return std::regex_replace(sexp, field, "");
}

bool has_fields(const std::string& sexp) {
  static const std::regex field(R"(\b[a-z_]+: \()");
  return std::regex_search(sexp, field);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " <corpus-dir>\n";
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(argv[1]))
    if (e.path().extension() == ".txt") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "no corpus files in " << argv[1] << "\n";
    return 1;
  }

  TSParser* parser = ts_parser_new();
  if (!ts_parser_set_language(parser, ECHO_CORPUS_LANGUAGE())) {
    std::cerr << ECHO_STR(ECHO_CORPUS_LANGUAGE) << ": incompatible language version\n";
    return 1;
  }
  int total = 0, failed = 0;
  for (const auto& file : files) {
    for (const Case& c : read_cases(file)) {
      total++;
      TSTree* tree = ts_parser_parse_string(parser, nullptr, c.input.data(),
                                            static_cast<uint32_t>(c.input.size()));
      char* s = ts_node_string(ts_tree_root_node(tree));
      std::string actual = normalize(s);
      free(s);
      ts_tree_delete(tree);
      std::string expected = normalize(c.expected);
      if (!has_fields(expected)) actual = strip_fields(actual);
      if (actual != expected) {
        failed++;
        std::cout << "FAIL " << c.file << ": " << c.name << "\n  expected: " << expected
                  << "\n  actual:   " << actual << "\n";
      }
    }
  }
  ts_parser_delete(parser);
  std::cout << (total - failed) << " of " << total << " corpus cases passed\n";
  return failed == 0 && total > 0 ? 0 : 1;
}
