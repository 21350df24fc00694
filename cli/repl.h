// The interactive MOO REPL and its helpers.
#pragma once

#include <string>
#include <string_view>

namespace echo::cli {

// Whether `text` is an unfinished statement (open block, bracket or string),
// so the REPL should read another line before evaluating.
bool is_unfinished(std::string_view text);

// Runs the interactive loop on the terminal; returns the exit status.
int run_repl();

}  // namespace echo::cli
