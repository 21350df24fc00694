#include "cli/repl.h"

#include <editline/readline.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "cli/repl_world.h"
#include "lang/compiler.h"
#include "lang/eval.h"

namespace echo::cli {

InputState input_state(std::string_view text, Syntax syntax) {
  int blocks = 0, brackets = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') { in_string = true; continue; }
    if (c == '(' || c == '{' || c == '[') ++brackets;
    else if (c == ')' || c == '}' || c == ']') --brackets;
    else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
      std::string w(text.substr(i, j - i));
      for (auto& ch : w) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      bool after_dot_or_colon = i > 0 && (text[i - 1] == '.' || text[i - 1] == ':' || text[i - 1] == '$');
      if (!after_dot_or_colon) {
        bool opener = w == "if" || w == "for" || w == "while" || w == "fork" || w == "try";
        if (syntax == Syntax::Echo) {
          opener = opener || w == "fn";
          // Echo's brace forms (`if c {`) have no end keyword: an opener is
          // a keyword form when a `;` or the line's end comes before a `{`.
          if (opener) {
            size_t k = j;
            while (k < text.size() && text[k] != '{' && text[k] != ';' && text[k] != '\n') ++k;
            if (k < text.size() && text[k] == '{') opener = false;
          }
        } else {
          // MOO keywords ignore case; Echo's are lower case.
        }
        if (opener) ++blocks;
        else if (w == "endif" || w == "endfor" || w == "endwhile" || w == "endfork" || w == "endtry" ||
                 (syntax == Syntax::Echo && w == "endfn"))
          --blocks;
      }
      i = j - 1;
    }
  }
  if (in_string) return InputState::OpenString;
  return blocks > 0 || brackets > 0 ? InputState::Unfinished : InputState::Complete;
}

// A line that starts with `moo:` or `echo:` is in that syntax whatever the
// REPL's current one; `:syntax echo` / `:syntax moo` changes the current one.
static Syntax line_syntax(std::string& line, Syntax current) {
  for (Syntax s : {Syntax::Moo, Syntax::Echo}) {
    std::string prefix = std::string(syntax_name(s)) + ":";
    if (line.rfind(prefix, 0) == 0) {
      line.erase(0, prefix.size());
      return s;
    }
  }
  return current;
}

namespace {

// Ctrl-C. Its handler is installed without SA_RESTART, so the signal makes
// readline's read of the terminal fail and readline return. A signal that
// arrives in readline before that read would be missed: until the loop has
// seen the flag, an alarm each second interrupts the read again. While a
// line is evaluated the same flag is its task's TaskLimits::interrupt: the
// VM sees it and stops the task.
std::atomic<bool> interrupted{false};
// Setting it is then async-signal-safe.
static_assert(std::atomic<bool>::is_always_lock_free);

void on_interrupt(int) {
  interrupted.store(true, std::memory_order_relaxed);
  alarm(1);
}

void on_alarm(int) {
  if (interrupted) alarm(1);
}

void catch_interrupts() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART
  sa.sa_handler = on_interrupt;
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, nullptr);
  rl_catch_signals = 0;  // editline's own handlers would end the process
}

// Whether Ctrl-C was typed since the last call; clears it.
bool take_interrupt() {
  if (!interrupted.exchange(false)) return false;  // a Ctrl-C in between is not lost
  alarm(0);
  return true;
}

const char* const kReplHelp =
    "Type a statement (x = 1;) or an expression (x + 1) and Enter; an unfinished one (an open\n"
    "if, bracket or string) continues on the next line.\n"
    "  :syntax moo | :syntax echo   the syntax of the lines that follow\n"
    "  moo: LINE, echo: LINE        one line in the other syntax\n"
    "  :help                        this text\n"
    "  :quit, or Ctrl-D             leave (on an empty line)\n"
    "  Ctrl-C                       drop the input typed so far, or stop the line running\n"
    "                               (what it changed before it stopped stays changed)\n"
    "Variables last from line to line, and in Echo so do top-level let, const and fn.\n"
    "The world is in memory and is lost on leaving; to keep one, make a store\n"
    "(echo-repl new-world NAME.db) and serve it (echo-repl serve NAME.db).\n";

}  // namespace

int run_repl(Syntax syntax) {
  catch_interrupts();
  std::string history_file;
  if (const char* home = std::getenv("HOME")) history_file = std::string(home) + "/.echo_history";
  using_history();
  if (!history_file.empty()) read_history(history_file.c_str());
  std::cout << "Echo REPL on an in-memory world (#0-#3, you are #3, a wizard).\n"
               "Type statements or expressions in " << syntax_name(syntax)
            << " syntax; a line starting with moo: or echo: is in that syntax;\n"
               ":syntax moo|echo switches; :help for more; Ctrl-C cancels, Ctrl-D exits.\n";
  std::unique_ptr<World> world = make_minimal_world();
  WorldHost host(*world);
  EvalOptions opts;
  opts.host = &host;
  opts.player = kReplWizard;
  opts.expression_fallback = true;
  opts.run_forks = true;
  opts.keep_bindings = true;  // Echo lines' top-level let and const last too
  opts.limits.interrupt = &interrupted;  // Ctrl-C stops the line and its forks
  std::string pending;
  Syntax pending_syntax = syntax;
  for (;;) {
    std::string prompt = pending.empty() ? std::string(syntax_name(syntax)) + "> " : "...> ";
    // A Ctrl-C as a line ended, too late to stop it: it is only reported.
    if (take_interrupt()) std::cout << "^C" << std::endl;
    char* raw = readline(prompt.c_str());
    if (take_interrupt()) {
      std::free(raw);
      std::cout << "^C (input dropped)" << std::endl;
      pending.clear();
      continue;
    }
    if (!raw) break;
    std::string line(raw);
    std::free(raw);
    if (pending.empty() && line.find_first_not_of(" \t") == std::string::npos) continue;
    if (pending.empty()) {
      if (line == ":syntax echo" || line == ":syntax moo") {
        syntax_from_name(line.substr(8), &syntax);
        continue;
      } else if (line == ":help") {
        std::cout << kReplHelp;
        continue;
      } else if (line == ":quit") {
        break;
      }
      pending_syntax = line_syntax(line, syntax);
    }
    size_t before = pending.size();
    pending += pending.empty() ? line : "\n" + line;
    InputState state = input_state(pending, pending_syntax);
    if (state == InputState::OpenString) {
      pending.resize(before);  // the lines before it stay
      std::cout << "That line leaves a string open, and a string must end on the line it starts on\n"
                   "(write \\n for a line break). Type the line again.\n";
      continue;
    }
    if (state == InputState::Unfinished) continue;
    add_history(pending.c_str());
    opts.syntax = pending_syntax;
    EvalOutcome r = eval_moo(pending, opts);
    pending.clear();
    if (r.interrupted) {
      take_interrupt();  // reported by r: no "^C" as well
      // The terminal echoed ^C where the cursor was: start a line.
      if (isatty(STDIN_FILENO)) std::cout << "\n";
    }
    std::cout << r.describe() << "\n";
    if (r.kind != EvalOutcome::CompileFailed) opts.constants = r.constants;
    for (auto& [name, value] : r.vars) {
      bool found = false;
      for (auto& [n, v] : opts.vars)
        if (n == name) { v = value; found = true; }
      if (!found) opts.vars.emplace_back(name, value);
    }
  }
  if (!history_file.empty()) write_history(history_file.c_str());
  std::cout << "\n";
  return 0;
}

}  // namespace echo::cli
