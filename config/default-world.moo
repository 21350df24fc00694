/* Echo's default world: a small, playable core.
 *
 * `echo-repl new-world NAME.db` runs this script as the wizard (#3) against
 * the Minimal-shaped world (#0 System Object, #1 Root Class, #2 The First
 * Room, #3 Wizard) and writes the result as a store; `./echo.sh run` does it
 * once, into default-world.db, and serves that. The script is compiled into
 * echo-repl (see config/CMakeLists.txt), so editing it and rebuilding is all
 * it takes to change the world new stores start from.
 *
 * What it builds, LambdaCore-style but much smaller:
 *   $util            helpers the verbs share (matching, lists, padding)
 *   $room            generic room: look, say, emote, announce, exits, huh
 *   $exit            generic exit: walking through moves the player and tells both rooms
 *   $thing           generic thing: take, drop (look comes from #1)
 *   $player          generic player: look, say, emote, inventory, @who, page,
 *                    @create, @dig, @describe, @rename, @verb, @program, eval (;),
 *                    @password, @quit, help
 *   $server_options  LambdaMOO's defaults, written out so they are easy to change
 *   #0               do_login_command (connect / create / quit), the welcome,
 *                    user_connected / user_disconnected
 * and four rooms joined by exits, with a few things in them.
 *
 * Every verb is owned by the wizard and so runs with wizard permissions; the
 * verbs players type check by hand (with $util:controls) that the player
 * may do what they ask. Verb code is MOO source in string lists, so a quote
 * inside it is written \" and a quote inside a string inside it \\\". */

/* ---- the generic objects ------------------------------------------------ */

wiz = #3;
util = create(#1);
util.name = "Utilities";
room = create(#1);
room.name = "generic room";
exit = create(#1);
exit.name = "generic exit";
thing = create(#1);
thing.name = "generic thing";
genplayer = create(#1);
genplayer.name = "generic player";
options = create(#1);
options.name = "Server Options";

/* Players may make rooms and things of their own (create() needs a fertile
 * parent); exits are made by @dig, which runs as the wizard. */
room.f = 1;
thing.f = 1;

/* Corified names: verbs say $room rather than a number that could change. */
for c in ({{"root_class", #1}, {"util", util}, {"room", room}, {"exit", exit}, {"thing", thing},
           {"player", genplayer}, {"server_options", options}, {"player_start", #2},
           {"nothing", #-1}, {"ambiguous_match", #-2}, {"failed_match", #-3}})
  add_property(#0, c[1], c[2], {wiz, "r"});
endfor

/* What every object has. "c": a child's copy belongs to the child's owner,
 * so players can change the descriptions of what they own. */
add_property(#1, "description", "", {wiz, "rc"});
add_property(#1, "aliases", {}, {wiz, "rc"});
add_property(room, "exits", {}, {wiz, "r"});
add_property(exit, "source", #-1, {wiz, "rc"});
add_property(exit, "dest", #-1, {wiz, "rc"});
/* Only ever read by wizard-owned verbs: no one else may read it. */
add_property(genplayer, "password", "", {wiz, ""});
add_property(genplayer, "help_text", {}, {wiz, "r"});

/* ---- $server_options: LambdaMOO's built-in defaults ---------------------
 * The server reads these from #0.server_options when it needs them; a
 * missing one means the same default, so they are here only to be found
 * and changed. */
for o in ({{"fg_ticks", 60000}, {"bg_ticks", 30000},        /* ticks per command / background task */
           {"fg_seconds", 5}, {"bg_seconds", 3},             /* seconds per command / background task */
           {"max_stack_depth", 50},                          /* nested verb calls */
           {"connect_timeout", 300},                         /* seconds to log in before being dropped */
           {"default_flush_command", ".flush"},              /* drops typed-ahead input */
           {"name_lookup_timeout", 5}, {"outbound_connect_timeout", 5},
           {"max_queued_output", 65536}})                    /* bytes waiting for a slow client */
  add_property(options, o[1], o[2], {wiz, "r"});
endfor

/* ---- verbs ----------------------------------------------------------------
 * Each entry: {object, names, {dobj, prep, iobj}, code}. They are all added
 * at the end, so that a compile error stops the script with the verb's name. */
this_none_this = {"this", "none", "this"};
anyargs = {"any", "any", "any"};
verbs = {};

/* #1, the Root Class: what every object can do. */
verbs = {@verbs, {#1, "tell", this_none_this, {
  "\"Players hear what they are told; other objects ignore it.\";",
  "if (is_player(this))",
  "  notify(this, tostr(@args));",
  "endif"}}};
verbs = {@verbs, {#1, "title", this_none_this, {"return this.name;"}}};
verbs = {@verbs, {#1, "description", this_none_this, {"return this.description;"}}};
verbs = {@verbs, {#1, "look_self", this_none_this, {
  "\"What player sees on looking at this: its name and its description.\";",
  "player:tell(this:title());",
  "d = this:description();",
  "if (typeof(d) == LIST)",
  "  for line in (d)",
  "    player:tell(line);",
  "  endfor",
  "else",
  "  player:tell(d ? d | \"You see nothing special.\");",
  "endif"}}};
verbs = {@verbs, {#1, "accept", this_none_this, {
  "\"Objects hold nothing unless they say otherwise (rooms and players do).\";",
  "return 0;"}}};
verbs = {@verbs, {#1, "match_name", this_none_this, {
  "\"2 if args[1] is this object's name or an alias, 1 if it starts one of their words, else 0.\";",
  "str = args[1];",
  "best = 0;",
  "for n in ({this.name, @this.aliases})",
  "  if (n == str)",
  "    return 2;",
  "  elseif (index(n, str) == 1 || index(n, \" \" + str))",
  "    best = 1;",
  "  endif",
  "endfor",
  "return best;"}}};

/* $util: helpers. */
verbs = {@verbs, {util, "controls", this_none_this, {
  "\"May player args[1] change object args[2]? Its owner and wizards may.\";",
  "{who, what} = args;",
  "return who.wizard || what.owner == who;"}}};
verbs = {@verbs, {util, "match", this_none_this, {
  "\"The object args[2] names as player args[1] sees it: me, here, #N, $name, or the name of\";",
  "\"something carried, in the room, or an exit; $failed_match or $ambiguous_match if none or several.\";",
  "{who, str} = args;",
  "if (!str)",
  "  return $nothing;",
  "elseif (str == \"me\")",
  "  return who;",
  "elseif (str == \"here\")",
  "  return who.location;",
  "elseif (str[1] == \"#\")",
  "  o = toobj(str);",
  "  return valid(o) ? o | $failed_match;",
  "elseif (str[1] == \"$\")",
  "  o = `#0.(str[2..$]) ! ANY => $failed_match';",
  "  return typeof(o) == OBJ ? o | $failed_match;",
  "endif",
  "where = who.location;",
  "candidates = who.contents;",
  "if (valid(where))",
  "  candidates = {@candidates, @where.contents, @`where.exits ! ANY => {}'};",
  "endif",
  "exact = partial = {};",
  "for o in (candidates)",
  "  m = `o:match_name(str) ! ANY => 0';",
  "  if (m == 2)",
  "    exact = setadd(exact, o);",
  "  elseif (m == 1)",
  "    partial = setadd(partial, o);",
  "  endif",
  "endfor",
  "hits = exact || partial;",
  "return length(hits) == 1 ? hits[1] | (hits ? $ambiguous_match | $failed_match);"}}};
verbs = {@verbs, {util, "find_player", this_none_this, {
  "\"The player named args[1]; with a true args[2], a name's beginning will do if only one fits.\";",
  "name = args[1];",
  "partial = {};",
  "for p in (players())",
  "  if (p.name == name)",
  "    return p;",
  "  elseif (length(args) > 1 && args[2] && index(p.name, name) == 1)",
  "    partial = {@partial, p};",
  "  endif",
  "endfor",
  "return length(partial) == 1 ? partial[1] | (partial ? $ambiguous_match | $failed_match);"}}};
verbs = {@verbs, {util, "english_list", this_none_this, {
  "\"{a, b, c} -> \\\"a, b and c\\\"\";",
  "items = args[1];",
  "n = length(items);",
  "if (n == 0)",
  "  return \"nothing\";",
  "elseif (n == 1)",
  "  return tostr(items[1]);",
  "endif",
  "s = \"\";",
  "for i in [1..n - 1]",
  "  s = s + tostr(items[i]) + (i < n - 1 ? \", \" | \" \");",
  "endfor",
  "return s + \"and \" + tostr(items[n]);"}}};
verbs = {@verbs, {util, "join", this_none_this, {
  "{items, sep} = args;",
  "s = \"\";",
  "for i in [1..length(items)]",
  "  s = s + (i > 1 ? sep | \"\") + tostr(items[i]);",
  "endfor",
  "return s;"}}};
verbs = {@verbs, {util, "trim", this_none_this, {
  "s = args[1];",
  "while (s && s[1] == \" \")",
  "  s = s[2..$];",
  "endwhile",
  "while (s && s[$] == \" \")",
  "  s = s[1..$ - 1];",
  "endwhile",
  "return s;"}}};
verbs = {@verbs, {util, "split", this_none_this, {
  "\"Pieces of args[1] between the separators args[2], trimmed: (\\\"east, e\\\", \\\",\\\") -> {\\\"east\\\", \\\"e\\\"}\";",
  "{s, sep} = args;",
  "parts = {};",
  "while (i = index(s, sep))",
  "  parts = {@parts, this:trim(s[1..i - 1])};",
  "  s = s[i + length(sep)..$];",
  "endwhile",
  "return {@parts, this:trim(s)};"}}};
verbs = {@verbs, {util, "pad", this_none_this, {
  "s = tostr(args[1]);",
  "while (length(s) < args[2])",
  "  s = s + \" \";",
  "endwhile",
  "return s;"}}};
verbs = {@verbs, {util, "duration", this_none_this, {
  "\"Seconds, the way @who shows them: 42s, 5m, 3h, 2d.\";",
  "s = args[1];",
  "if (s < 60)",
  "  return tostr(s, \"s\");",
  "elseif (s < 3600)",
  "  return tostr(s / 60, \"m\");",
  "elseif (s < 86400)",
  "  return tostr(s / 3600, \"h\");",
  "endif",
  "return tostr(s / 86400, \"d\");"}}};
verbs = {@verbs, {util, "make_exit", this_none_this, {
  "\"An exit named args[1] (a list: the name, then aliases) from room args[2] to room args[3], owned by args[4].\";",
  "{names, from, to, owner} = args;",
  "e = create($exit, owner);",
  "e.name = names[1];",
  "e.aliases = names;",
  "e.source = from;",
  "e.dest = to;",
  "from.exits = {@from.exits, e};",
  "return e;"}}};

/* $room. */
verbs = {@verbs, {room, "look_self", this_none_this, {
  "\"What player sees here: the name, the description, the exits, what and who is here.\";",
  "player:tell(this.name);",
  "d = this:description();",
  "for line in (typeof(d) == LIST ? d | (d ? {d} | {}))",
  "  player:tell(line);",
  "endfor",
  "ways = {};",
  "for e in (this.exits)",
  "  if (valid(e))",
  "    ways = {@ways, e.name};",
  "  endif",
  "endfor",
  "if (ways)",
  "  player:tell(\"Exits: \", $util:join(ways, \", \"), \".\");",
  "endif",
  "things = people = {};",
  "awake = connected_players();",
  "for o in (this.contents)",
  "  if (o == player)",
  "  elseif (is_player(o))",
  "    if (o in awake)",
  "      people = {@people, o.name};",
  "    endif",
  "  else",
  "    things = {@things, o.name};",
  "  endif",
  "endfor",
  "if (things)",
  "  player:tell(\"You see \", $util:english_list(things), \" here.\");",
  "endif",
  "if (people)",
  "  player:tell($util:english_list(people), length(people) == 1 ? \" is\" | \" are\", \" here.\");",
  "endif"}}};
verbs = {@verbs, {room, "look_at", this_none_this, {
  "\"look_at(WORDS, OBJECT): look with no words looks at the room, else at what they name\";",
  "\"(OBJECT is what the command parser matched, which does not know exits).\";",
  "{str, obj} = args;",
  "if (!str)",
  "  return this:look_self();",
  "endif",
  "if (obj == $failed_match)",
  "  obj = $util:match(player, str);",
  "endif",
  "if (obj == $ambiguous_match)",
  "  player:tell(\"Which \", str, \" do you mean?\");",
  "elseif (!valid(obj))",
  "  player:tell(\"You see no \", str, \" here.\");",
  "else",
  "  obj:look_self();",
  "endif"}}};
verbs = {@verbs, {room, "l*ook", anyargs, {"this:look_at(dobjstr || iobjstr, dobjstr ? dobj | iobj);"}}};
verbs = {@verbs, {room, "do_say", this_none_this, {
  "player:tell(\"You say, \\\"\", args[1], \"\\\"\");",
  "this:announce(player.name, \" says, \\\"\", args[1], \"\\\"\");"}}};
verbs = {@verbs, {room, "do_emote", this_none_this, {
  "\"No space before punctuation: :'s eyes narrow -> Wizard's eyes narrow.\";",
  "text = args[1];",
  "this:announce_all(player.name, text && index(\",':\", text[1]) ? \"\" | \" \", text);"}}};
verbs = {@verbs, {room, "say", anyargs, {"this:do_say(argstr);"}}};
verbs = {@verbs, {room, "emote", anyargs, {"this:do_emote(argstr);"}}};
verbs = {@verbs, {room, "announce", this_none_this, {
  "\"Tell everyone here but the player what happened.\";",
  "for o in (this.contents)",
  "  if (o != player)",
  "    `o:tell(@args) ! E_VERBNF';",
  "  endif",
  "endfor"}}};
verbs = {@verbs, {room, "announce_all", this_none_this, {
  "for o in (this.contents)",
  "  `o:tell(@args) ! E_VERBNF';",
  "endfor"}}};
verbs = {@verbs, {room, "accept", this_none_this, {"return 1;"}}};
verbs = {@verbs, {room, "match_exit", this_none_this, {
  "for e in (this.exits)",
  "  if (valid(e) && e:match_name(args[1]) == 2)",
  "    return e;",
  "  endif",
  "endfor",
  "return $failed_match;"}}};
verbs = {@verbs, {room, "huh", this_none_this, {
  "\"No verb matched the command: the server asks the room. An exit's name (east, e, go east) walks.\";",
  "name = verb == \"go\" && args ? args[1] | verb;",
  "e = this:match_exit(name);",
  "if (valid(e))",
  "  return e:invoke();",
  "endif",
  "player:tell(\"I don't understand that. (Type help for the commands.)\");"}}};

/* $exit. */
verbs = {@verbs, {exit, "invoke", this_none_this, {
  "\"Walk player through: both rooms are told, and player sees where they arrive.\";",
  "from = player.location;",
  "to = this.dest;",
  "if (!valid(to))",
  "  player:tell(\"That way leads nowhere.\");",
  "  return 0;",
  "endif",
  "player:tell(\"You go \", this.name, \".\");",
  "`from:announce(player.name, \" goes \", this.name, \".\") ! ANY';",
  "move(player, to);",
  "to:announce(player.name, \" arrives from \", valid(from) ? from.name | \"nowhere\", \".\");",
  "to:look_self();",
  "return 1;"}}};
verbs = {@verbs, {exit, "look_self", this_none_this, {
  "player:tell(this.name, \" leads to \", valid(this.dest) ? this.dest.name | \"nowhere\", \".\");",
  "if (this.description)",
  "  player:tell(this.description);",
  "endif"}}};

/* $thing. */
verbs = {@verbs, {thing, "g*et t*ake", {"this", "none", "none"}, {
  "if (this.location == player)",
  "  return player:tell(\"You already have \", this.name, \".\");",
  "endif",
  "move(this, player);",
  "player:tell(\"You take \", this.name, \".\");",
  "player.location:announce(player.name, \" takes \", this.name, \".\");"}}};
verbs = {@verbs, {thing, "d*rop", {"this", "none", "none"}, {
  "if (this.location != player)",
  "  return player:tell(\"You don't have \", this.name, \".\");",
  "endif",
  "move(this, player.location);",
  "player:tell(\"You drop \", this.name, \".\");",
  "player.location:announce(player.name, \" drops \", this.name, \".\");"}}};

/* $player: the commands. They are found on the player first, so they work
 * in any room; say and emote still go through the room, which may change them. */
verbs = {@verbs, {genplayer, "accept", this_none_this, {"return 1;"}}};
verbs = {@verbs, {genplayer, "l*ook", anyargs, {
  "if (valid(player.location))",
  "  player.location:look_at(dobjstr || iobjstr, dobjstr ? dobj | iobj);",
  "else",
  "  player:tell(\"You are nowhere.\");",
  "endif"}}};
verbs = {@verbs, {genplayer, "say", anyargs, {"player.location:do_say(argstr);"}}};
verbs = {@verbs, {genplayer, "emote", anyargs, {"player.location:do_emote(argstr);"}}};
verbs = {@verbs, {genplayer, "i*nventory", anyargs, {
  "if (!player.contents)",
  "  return player:tell(\"You are empty-handed.\");",
  "endif",
  "player:tell(\"You are carrying:\");",
  "for o in (player.contents)",
  "  player:tell(\"  \", o.name, \" (\", o, \")\");",
  "endfor"}}};
verbs = {@verbs, {genplayer, "@who", anyargs, {
  "people = connected_players();",
  "player:tell($util:pad(\"Player\", 24), $util:pad(\"Connected\", 11), $util:pad(\"Idle\", 7), \"Location\");",
  "for p in (people)",
  "  where = valid(p.location) ? p.location.name | \"nowhere\";",
  "  player:tell($util:pad(tostr(p.name, \" (\", p, \")\"), 24), $util:pad($util:duration(connected_seconds(p)), 11),",
  "              $util:pad($util:duration(idle_seconds(p)), 7), where);",
  "endfor",
  "player:tell(length(people), length(people) == 1 ? \" player is\" | \" players are\", \" connected.\");"}}};
verbs = {@verbs, {genplayer, "page", anyargs, {
  "\"page NAME MESSAGE (or page NAME with MESSAGE): a word to someone anywhere.\";",
  "if (length(args) < 2)",
  "  return player:tell(\"Usage: page NAME MESSAGE\");",
  "endif",
  "who = $util:find_player(args[1], 1);",
  "if (who == $ambiguous_match)",
  "  return player:tell(\"More than one player's name starts with \", args[1], \".\");",
  "elseif (!valid(who))",
  "  return player:tell(\"There is no player named \", args[1], \".\");",
  "elseif (!(who in connected_players()))",
  "  return player:tell(who.name, \" is not connected.\");",
  "endif",
  "words = args[2..$];",
  "if (words[1] == \"with\" && length(words) > 1)",
  "  words = words[2..$];",
  "endif",
  "who:tell(player.name, \" pages, \\\"\", $util:join(words, \" \"), \"\\\"\");",
  "player:tell(\"Your message has been sent to \", who.name, \".\");"}}};
verbs = {@verbs, {genplayer, "@create", anyargs, {
  "\"@create NAME or @create PARENT named NAME[,ALIAS...]: a new object, owned by you, in your hands.\";",
  "parent = $thing;",
  "name = argstr;",
  "if (i = index(argstr, \" named \"))",
  "  parent = $util:match(player, $util:trim(argstr[1..i - 1]));",
  "  name = argstr[i + 7..$];",
  "  if (!valid(parent))",
  "    return player:tell(\"There is no parent \", argstr[1..i - 1], \" here.\");",
  "  elseif (!(parent.f || $util:controls(player, parent)))",
  "    return player:tell(\"You can't create children of \", parent.name, \".\");",
  "  endif",
  "endif",
  "names = $util:split(name, \",\");",
  "if (!names[1])",
  "  return player:tell(\"Usage: @create NAME  or  @create PARENT named NAME,ALIAS,...\");",
  "endif",
  "o = create(parent, player);",
  "o.name = names[1];",
  "o.aliases = names;",
  "if (!isa(o, $room))",
  "  move(o, player);",
  "endif",
  "player:tell(\"You now have \", o.name, \" with object number \", o, \" and parent \", parent.name, \" (\", parent, \").\");"}}};
verbs = {@verbs, {genplayer, "@dig", anyargs, {
  "\"@dig ROOM: a new room. @dig EXIT to ROOM|#N: an exit from here to a new or existing room;\";",
  "\"EXIT may be `east,e' or `east,e|west,w' (the part after | is the way back).\";",
  "if (!argstr)",
  "  return player:tell(\"Usage: @dig ROOM  or  @dig EXIT[,ALIAS...][|BACK[,ALIAS...]] to ROOM|#N\");",
  "elseif (prepstr != \"to\" || !dobjstr || !iobjstr)",
  "  r = create($room, player);",
  "  r.name = argstr;",
  "  return player:tell(r.name, \" (\", r, \") created.\");",
  "endif",
  "here = player.location;",
  "if (!valid(here) || !$util:controls(player, here))",
  "  return player:tell(\"You can only dig exits from rooms you own.\");",
  "endif",
  "if (iobjstr[1] == \"#\")",
  "  to = toobj(iobjstr);",
  "  if (!valid(to) || !isa(to, $room))",
  "    return player:tell(iobjstr, \" is not a room.\");",
  "  endif",
  "else",
  "  to = create($room, player);",
  "  to.name = iobjstr;",
  "  player:tell(to.name, \" (\", to, \") created.\");",
  "endif",
  "ways = $util:split(dobjstr, \"|\");",
  "e = $util:make_exit($util:split(ways[1], \",\"), here, to, player);",
  "player:tell(\"Exit from \", here.name, \" (\", here, \") to \", to.name, \" (\", to, \") created with id \", e, \".\");",
  "if (length(ways) > 1)",
  "  if (!$util:controls(player, to))",
  "    return player:tell(\"You don't own \", to.name, \", so there is no way back.\");",
  "  endif",
  "  e = $util:make_exit($util:split(ways[2], \",\"), to, here, player);",
  "  player:tell(\"Exit from \", to.name, \" (\", to, \") to \", here.name, \" (\", here, \") created with id \", e, \".\");",
  "endif"}}};
verbs = {@verbs, {genplayer, "@desc*ribe", {"any", "as", "any"}, {
  "\"@describe OBJECT as TEXT\";",
  "o = $util:match(player, dobjstr);",
  "if (!valid(o))",
  "  return player:tell(\"You see no \", dobjstr, \" here.\");",
  "elseif (!$util:controls(player, o))",
  "  return player:tell(\"You don't own \", o.name, \".\");",
  "endif",
  "o.description = iobjstr;",
  "player:tell(\"Description set.\");"}}};
verbs = {@verbs, {genplayer, "@rename", {"any", "to", "any"}, {
  "\"@rename OBJECT to NAME[,ALIAS...] (players' names are left to wizards).\";",
  "o = $util:match(player, dobjstr);",
  "if (!valid(o))",
  "  return player:tell(\"You see no \", dobjstr, \" here.\");",
  "elseif (!$util:controls(player, o) || (is_player(o) && !player.wizard))",
  "  return player:tell(\"You can't rename \", o.name, \".\");",
  "endif",
  "names = $util:split(iobjstr, \",\");",
  "o.name = names[1];",
  "o.aliases = names;",
  "player:tell(\"Name set: \", o.name, \".\");"}}};
verbs = {@verbs, {genplayer, "parse_verbref", this_none_this, {
  "\"OBJECT:VERB as typed -> {object, verb name}, or what is wrong with it.\";",
  "spec = args[1];",
  "c = index(spec, \":\");",
  "if (!c || c == 1 || c == length(spec))",
  "  return \"Give the verb as OBJECT:VERB.\";",
  "endif",
  "o = $util:match(player, spec[1..c - 1]);",
  "if (!valid(o))",
  "  return tostr(\"You see no \", spec[1..c - 1], \" here.\");",
  "endif",
  "return {o, spec[c + 1..$]};"}}};
verbs = {@verbs, {genplayer, "find_verb", this_none_this, {
  "\"OBJECT:VERB as typed -> {the object or ancestor defining the verb, verb name}, or what is wrong.\";",
  "r = this:parse_verbref(args[1]);",
  "if (typeof(r) == STR)",
  "  return r;",
  "endif",
  "{o, name} = r;",
  "for where in ({o, @ancestors(o)})",
  "  if (`verb_info(where, name) ! E_VERBNF => 0')",
  "    return {where, name};",
  "  endif",
  "endfor",
  "return tostr(o.name, \" has no verb \", name, \". (Add it with @verb.)\");"}}};
verbs = {@verbs, {genplayer, "@verb", anyargs, {
  "\"@verb OBJECT:NAME [DOBJ PREP IOBJ [PERMS]]: a new verb, owned by you, with no code yet.\";",
  "if (!player.programmer)",
  "  return player:tell(\"You need to be a programmer to add verbs.\");",
  "elseif (!args)",
  "  return player:tell(\"Usage: @verb OBJECT:NAME [DOBJ PREP IOBJ [PERMS]]\");",
  "endif",
  "r = this:parse_verbref(args[1]);",
  "if (typeof(r) == STR)",
  "  return player:tell(r);",
  "endif",
  "{o, name} = r;",
  "if (!$util:controls(player, o))",
  "  return player:tell(\"You don't own \", o.name, \".\");",
  "endif",
  "spec = length(args) >= 4 ? args[2..4] | {\"none\", \"none\", \"none\"};",
  "perms = length(args) >= 5 ? args[5] | \"rxd\";",
  "try",
  "  add_verb(o, {player, perms, name}, spec);",
  "except e (ANY)",
  "  return player:tell(\"The verb was not added: \", e[2]);",
  "endtry",
  "player:tell(\"Verb added: \", o.name, \":\", name, \" (\", $util:join(spec, \" \"), \").\");"}}};
verbs = {@verbs, {genplayer, "@program", anyargs, {
  "\"@program OBJECT:VERB, then the code, then a line with only a period. @abort gives up.\";",
  "if (!player.programmer)",
  "  return player:tell(\"You need to be a programmer to program verbs.\");",
  "elseif (length(args) != 1)",
  "  return player:tell(\"Usage: @program OBJECT:VERB\");",
  "endif",
  "found = this:find_verb(args[1]);",
  "if (typeof(found) == STR)",
  "  return player:tell(found);",
    "endif",
  "{where, name} = found;",
  "if (!player.wizard && verb_info(where, name)[1] != player)",
  "  return player:tell(\"You don't own \", where.name, \":\", name, \".\");",
  "endif",
  "player:tell(\"Now programming \", where.name, \":\", name, \" (\", where, \").\");",
  "player:tell(\"Type lines of input; end with a period (.) on a line by itself, or @abort.\");",
  "lines = {};",
  "while (1)",
  "  line = read();",
  "  if (line == \".\")",
  "    break;",
  "  elseif (line == \"@abort\")",
  "    return player:tell(\"Aborted; the verb is unchanged.\");",
  "  endif",
  "  lines = {@lines, line};",
  "endwhile",
  "errors = set_verb_code(where, name, lines);",
  "for e in (errors)",
  "  player:tell(e);",
  "endfor",
  "if (errors)",
  "  player:tell(length(errors), length(errors) == 1 ? \" error\" | \" errors\", \"; the verb is unchanged.\");",
  "else",
  "  player:tell(\"0 errors. Verb programmed.\");",
  "endif"}}};
verbs = {@verbs, {genplayer, "eval", anyargs, {
  "\"For programmers: ;EXPRESSION prints its value, ;;STATEMENTS runs them (as you, not as the wizard).\";",
  "if (!player.programmer)",
  "  return player:tell(\"I don't understand that.\");",
  "endif",
  "set_task_perms(player);",
  "code = argstr && argstr[1] == \";\" ? argstr[2..$] | \"return \" + argstr + \";\";",
  "try",
  "  r = eval(code);",
  "except e (ANY)",
  "  return player:tell(\"Error: \", toliteral(e[1]), \" \", e[2]);",
  "endtry",
  "if (r[1])",
  "  player:tell(\"=> \", toliteral(r[2]));",
  "else",
  "  for line in (r[2])",
  "    player:tell(line);",
  "  endfor",
  "endif"}}};
verbs = {@verbs, {genplayer, "@password", anyargs, {
  "\"@password OLD NEW\";",
  "if (length(args) != 2)",
  "  return player:tell(\"Usage: @password OLD NEW\");",
  "elseif (strcmp(crypt(args[1], player.password), player.password) != 0)",
  "  return player:tell(\"That is not your password.\");",
  "endif",
  "player.password = crypt(args[2]);",
  "player:tell(\"Password changed.\");"}}};
verbs = {@verbs, {genplayer, "@quit", anyargs, {
  "player:tell(\"Goodbye.\");",
  "boot_player(player);"}}};
verbs = {@verbs, {genplayer, "help", anyargs, {
  "\"help: every command; help WORD: the commands starting with WORD.\";",
  "lines = {};",
  "for line in ($player.help_text)",
  "  if (!args || index(line, args[1]) == 1 || index(line, \"@\" + args[1]) == 1)",
  "    lines = {@lines, line};",
  "  endif",
  "endfor",
  "if (!lines)",
  "  return player:tell(\"There is no help on \", args[1], \". Type help for the commands.\");",
  "endif",
  "for line in (lines)",
  "  player:tell(line);",
  "endfor"}}};
genplayer.help_text = {
  "look [THING]             the room, or a thing, player or exit here (also l, look at THING)",
  "say TEXT                 talk to the room (also \"TEXT)",
  "emote TEXT               act: emote waves. -> Wizard waves. (also :TEXT)",
  "EXIT                     walk through an exit: north, n, go north",
  "take THING, drop THING   pick things up and put them down (also get)",
  "inventory                what you carry (also i)",
  "@who                     who is connected, since when, and where",
  "page NAME MESSAGE        a message to someone anywhere",
  "@create [PARENT named] NAME[,ALIAS...]   a new thing (PARENT: $thing, $room, #N, ...)",
  "@dig ROOM                a new room",
  "@dig EXIT to ROOM|#N     an exit from here (EXIT: east,e or east,e|west,w for a way back)",
  "@describe THING as TEXT  set a description (here, me, or a thing you own)",
  "@rename THING to NAME    rename a thing you own",
  "@verb OBJ:NAME [DOBJ PREP IOBJ [PERMS]]   add a verb (programmers)",
  "@program OBJ:NAME        then the code, then . on a line by itself (programmers)",
  ";EXPRESSION, ;;CODE      evaluate MOO code (programmers)",
  "@password OLD NEW        change your password",
  "@quit                    disconnect",
  "help [COMMAND]           this list"};

/* #0: logging in, and arriving and leaving. */
verbs = {@verbs, {#0, "do_login_command", this_none_this, {
  "\"Every line before login comes here as words; returning a player logs the connection in.\";",
  "\"player is the connection's negative id, so this talks with notify().\";",
  "if (!args)",
  "  return this:welcome();",
  "endif",
  "cmd = args[1];",
  "if (length(cmd) >= 2 && index(\"connect\", cmd) == 1)",
  "  if (length(args) < 2)",
  "    notify(player, \"Usage: connect NAME PASSWORD\");",
  "    return 0;",
  "  endif",
  "  who = $util:find_player(args[2]);",
  "  pw = length(args) >= 3 ? args[3] | \"\";",
  "  \"strcmp, not ==: string == ignores case.\";",
  "  if (valid(who) && who.password && strcmp(crypt(pw, who.password), who.password) == 0)",
  "    return who;",
  "  endif",
  "  notify(player, \"Either that player does not exist, or has a different password.\");",
  "elseif (cmd == \"create\")",
  "  if (length(args) != 3)",
  "    notify(player, \"Usage: create NAME PASSWORD\");",
  "    return 0;",
  "  endif",
  "  name = args[2];",
  "  if (name in {\"me\", \"here\", \"home\"} || index(\"#$*\", name[1]) || valid($util:find_player(name)))",
  "    notify(player, tostr(\"The name \", name, \" is taken or not allowed; try another.\"));",
  "    return 0;",
  "  endif",
  "  \"Created by the wizard, then made its own: players own themselves.\";",
  "  who = create($player);",
  "  who.owner = who;",
  "  who.name = name;",
  "  who.password = crypt(args[3]);",
  "  set_player_flag(who, 1);",
  "  move(who, $player_start);",
  "  return who;",
  "elseif (cmd in {\"quit\", \"@quit\", \"QUIT\"})",
  "  boot_player(player);",
  "else",
  "  this:welcome();",
  "endif",
  "return 0;"}}};
verbs = {@verbs, {#0, "welcome", this_none_this, {
  "for line in (this.welcome_message)",
  "  notify(player, line);",
  "endfor",
  "return 0;"}}};
verbs = {@verbs, {#0, "user_connected user_created", this_none_this, {
  "\"The server logged player in (or created them): show them where they are, tell the room.\";",
  "who = args[1];",
  "if (!valid(who.location))",
  "  move(who, $player_start);",
  "endif",
  "who.location:announce(who.name, \" has connected.\");",
  "who.location:look_self();"}}};
verbs = {@verbs, {#0, "user_reconnected", this_none_this, {
  "\"A second connection took over: the room saw no one leave, so it hears nothing.\";",
  "if (valid(args[1].location))",
  "  args[1].location:look_self();",
  "endif"}}};
verbs = {@verbs, {#0, "user_disconnected user_client_disconnected", this_none_this, {
  "\"Also called for connections that never logged in (negative ids): nothing to say then.\";",
  "who = args[1];",
  "if (valid(who) && valid(who.location))",
  "  who.location:announce(who.name, \" has disconnected.\");",
  "endif"}}};
add_property(#0, "welcome_message", {
  "Welcome to Echo, a MOO server. This is its default world.",
  "",
  "  connect NAME PASSWORD   log in; the wizard is: connect wizard wizard",
  "  create NAME PASSWORD    make yourself a new player and log in",
  "  quit                    disconnect",
  "",
  "Once in, type help for the commands. (Wizards: change that password with @password.)"},
  {wiz, "r"});

/* Now add them all; stop at the first verb that does not compile. */
for v in (verbs)
  {obj, names, argspec, code} = v;
  add_verb(obj, {wiz, "rxd", names}, argspec);
  /* By number: a name like "g*et t*ake" is several names, not one to look up. */
  errors = set_verb_code(obj, length(verbs(obj)), code);
  if (errors)
    raise(E_INVARG, tostr(obj, ":", names, " does not compile: ", $util:join(errors, "; ")));
  endif
endfor

/* ---- the wizard ------------------------------------------------------------ */

chparent(#3, genplayer);
#3.password = crypt("wizard");
#3.description = "An imposing figure who keeps this world running.";

/* ---- the places and things ---------------------------------------------- */

chparent(#2, room);
#2.description = "A plain, square room with whitewashed walls. Everyone new arrives here; a brass plaque hangs by the door.";
library = create(room);
library.name = "The Library";
library.description = "Shelves of old books climb to a dim ceiling. It is very quiet.";
garden = create(room);
garden.name = "The Garden";
garden.description = "Gravel paths wind between rose beds under an open sky.";
cellar = create(room);
cellar.name = "The Cellar";
cellar.description = "A cool, low vault that smells of earth and old wood.";
for way in ({{{"north", "n"}, {"south", "s"}, library},
             {{"east", "e"}, {"west", "w"}, garden},
             {{"down", "d"}, {"up", "u"}, cellar}})
  {there, back, place} = way;
  util:make_exit(there, #2, place, wiz);
  util:make_exit(back, place, #2, wiz);
endfor

for t in ({{"brass plaque", {"plaque"}, #2, "It reads: Welcome! Type help for the commands, and look around."},
           {"old book", {"book"}, library, "A leather-bound book; its title has worn away."},
           {"red rose", {"rose"}, garden, "A deep red rose, still wet with dew."},
           {"wooden crate", {"crate", "box"}, cellar, "A sturdy crate, nailed shut."}})
  o = create(thing);
  o.name = t[1];
  o.aliases = {t[1], @t[2]};
  o.description = t[4];
  move(o, t[3]);
endfor

return tostr("default world: ", toint(max_object()) + 1, " objects, ", length(verbs), " verbs");
