// The interactive REPL (MOO or Echo syntax) and its helpers.
#pragma once

#include <string>
#include <string_view>

#include "lang/parse.h"

namespace echo::cli {

// Whether `text` is an unfinished statement (open block, bracket or string),
// so the REPL should read another line before evaluating.
bool is_unfinished(std::string_view text, Syntax syntax = Syntax::Moo);

// Runs the interactive loop on the terminal; returns the exit status.
int run_repl(Syntax syntax = Syntax::Moo);

}  // namespace echo::cli
