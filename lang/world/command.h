// LambdaMOO's command line handling as pure functions over a World:
// parse_cmd.c (parse_command, parse_into_words), match.c (match_object) and
// the verb search of tasks.c's do_command_task (find_verb_on, which uses
// db_verbs.c's db_find_command_verb, then location:huh).
//
// What the server does around these (tasks.c do_command_task), in order:
//   1. A blank line (ParsedCommand::empty) is ignored.
//   2. Intrinsic commands, before anything else: ".program obj:verb" (verb
//      matching ".pr*ogram", only for programmers, exactly one arg, else
//      "Usage:  .program object:verb"), PREFIX/OUTPUTPREFIX and
//      SUFFIX/OUTPUTSUFFIX (case-sensitive; argstr is the delimiter, "" clears).
//   3. The output prefix is sent, then #0:do_command (the listener object for
//      the connection) is called with args = parse_words(raw line) and
//      argstr = the raw line; if it aborts/suspends or returns a true value,
//      the command is considered handled.
//   4. Otherwise dobj = match_object(player, dobjstr), iobj =
//      match_object(player, iobjstr), find_command_verb(); the found verb runs
//      with player = caller = the player, this = this_obj, verb = the typed
//      verb word (also for :huh), progr = the verb's owner, and args, argstr,
//      dobj, dobjstr, prepstr, iobj, iobjstr from the parse.
//   5. Nothing found: "I couldn't understand that." to the player.
//   6. The output suffix is sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lang/world/world.h"

namespace echo {

constexpr int64_t AMBIGUOUS = -2;
constexpr int64_t FAILED_MATCH = -3;

// parse_into_words: skips leading spaces, splits on runs of spaces; '"'
// toggles quoting (kept across words, never part of a word), '\' takes the
// next character literally (a trailing '\' is dropped). `a "" b` has 3 words.
std::vector<std::string> parse_words(std::string_view line);

struct ParsedCommand {
  std::string verb, argstr, dobjstr, prepstr, iobjstr;
  std::vector<std::string> words;  // the args: every word after the verb
  int prep = PREP_NONE;
  bool empty = false;  // no words at all: LambdaMOO ignores the line
};

// parse_command. Note: the line `\` is not empty (its verb is ""); check
// `empty`, not verb.empty().
ParsedCommand parse_command(std::string_view line);

// match_object (the server's own matcher; no #0:do_match call).
int64_t match_object(World& w, int64_t player, std::string_view name);

struct CommandTarget {
  int64_t this_obj;
  int64_t definer;
  const Verb* verb;
  int index;  // 0-based index of `verb` in definer's verbs
  bool huh = false;  // found as location:huh (the fallback)
};

// The verb for a parsed command: tries player, location, dobj, iobj (each
// skipped when not a valid object), then location:huh (callable: x bit
// needed) when try_huh. The command verbs themselves need no x bit.
std::optional<CommandTarget> find_command_verb(World& w, int64_t player, int64_t location,
                                               const ParsedCommand& pc, int64_t dobj,
                                               int64_t iobj, bool try_huh = true);

}  // namespace echo
