// The interactive REPL (MOO or Echo syntax) and its helpers.
#pragma once

#include <string>
#include <string_view>

#include "lang/parse.h"

namespace echo::cli {

// Whether `text` is complete, unfinished (an open block or bracket: the
// REPL reads another line before evaluating), or ends inside a string,
// which cannot go on: both syntaxes end a string literal at its line's end.
enum class InputState { Complete, Unfinished, OpenString };
InputState input_state(std::string_view text, Syntax syntax = Syntax::Moo);

// Runs the interactive loop on the terminal; returns the exit status.
int run_repl(Syntax syntax = Syntax::Moo);

}  // namespace echo::cli
