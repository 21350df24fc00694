// LambdaMOO's parse_cmd.c, match.c and the command verb search; see
// command.h for what the server does around them.
#include "lang/world/command.h"

#include <cstdlib>

namespace echo {

namespace {

unsigned char fold(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'A' && u <= 'Z') ? u + 32 : u;
}

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

std::string join(const std::vector<std::string>& w, size_t from, size_t to) {
  std::string s;
  for (size_t i = from; i < to; ++i) {
    if (i > from) s += ' ';
    s += w[i];
  }
  return s;
}

// db_verbs.c's prep_table: each preposition's alternatives, each split into
// words, in the order of the names ("on top of" before "on").
using PrepTable = std::vector<std::vector<std::vector<std::string>>>;
const PrepTable& prep_table() {
  static const PrepTable t = [] {
    PrepTable r;
    for (int j = 0; j < kPrepCount; ++j) {
      auto& aliases = r.emplace_back();
      std::string names = unparse_prep(j);
      for (size_t start = 0; start <= names.size();) {
        size_t slash = names.find('/', start);
        if (slash == std::string::npos) slash = names.size();
        aliases.push_back(parse_words(std::string_view(names).substr(start, slash - start)));
        start = slash + 1;
      }
    }
    return r;
  }();
  return t;
}

// db_find_prep: the earliest word position wins; at a position, the lowest
// preposition number, then its first alternative that matches there. So
// "off of" parses as "off" (its first alternative) followed by "of".
int find_prep(const std::vector<std::string>& args, size_t* first, size_t* last) {
  const PrepTable& t = prep_table();
  for (size_t i = 0; i < args.size(); ++i)
    for (int j = 0; j < kPrepCount; ++j)
      for (const auto& alias : t[size_t(j)]) {
        if (i + alias.size() > args.size()) continue;
        size_t k = 0;
        while (k < alias.size() && ieq(args[i + k], alias[k])) ++k;
        if (k == alias.size()) {
          *first = i;
          *last = i + alias.size() - 1;
          return j;
        }
      }
  return PREP_NONE;
}

}  // namespace

std::vector<std::string> parse_words(std::string_view s) {
  std::vector<std::string> words;
  size_t i = 0, n = s.size();
  bool in_quotes = false;
  while (i < n && s[i] == ' ') ++i;
  while (i < n) {
    std::string w;
    while (i < n && (in_quotes || s[i] != ' ')) {
      char c = s[i++];
      if (c == '"')
        in_quotes = !in_quotes;
      else if (c == '\\') {
        if (i < n) w += s[i++];
      } else
        w += c;
    }
    while (i < n && s[i] == ' ') ++i;
    words.push_back(std::move(w));
  }
  return words;
}

ParsedCommand parse_command(std::string_view line) {
  ParsedCommand pc;
  line = line.substr(0, line.find('\0'));  // the C server sees a C string
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  std::string_view cmd = line.substr(i);
  std::string buf;
  std::string_view argstr;
  const char* special = nullptr;
  if (!cmd.empty()) {
    if (cmd[0] == '"') special = "say";
    else if (cmd[0] == ':') special = "emote";
    else if (cmd[0] == ';') special = "eval";
  }
  if (special) {
    // argstr is everything after the shortcut character, spaces included.
    argstr = cmd.substr(1);
    buf = std::string(special) + " " + std::string(argstr);
  } else {
    buf = std::string(cmd);
    // Skip the verb word, quotes and backslashes included, then the spaces.
    size_t a = 0;
    bool in_quotes = false;
    while (a < cmd.size() && (in_quotes || cmd[a] != ' ')) {
      char c = cmd[a++];
      if (c == '"')
        in_quotes = !in_quotes;
      else if (c == '\\' && a < cmd.size())
        ++a;
    }
    while (a < cmd.size() && cmd[a] == ' ') ++a;
    argstr = cmd.substr(a);
  }
  std::vector<std::string> argv = parse_words(buf);
  if (argv.empty()) {
    pc.empty = true;
    return pc;
  }
  pc.verb = argv[0];
  pc.argstr = std::string(argstr);
  pc.words.assign(argv.begin() + 1, argv.end());

  size_t first = 0, last = 0;
  pc.prep = find_prep(pc.words, &first, &last);
  if (pc.prep == PREP_NONE) {
    pc.dobjstr = join(pc.words, 0, pc.words.size());
  } else {
    pc.dobjstr = join(pc.words, 0, first);
    pc.prepstr = join(pc.words, first, last + 1);
    pc.iobjstr = join(pc.words, last + 1, pc.words.size());
  }
  return pc;
}

int64_t match_object(World& w, int64_t player, std::string_view name) {
  if (name.empty()) return NOTHING;
  if (name[0] == '#') {
    // strtol, as LambdaMOO: leading spaces and a sign are allowed, and a
    // bare "#" is #0.
    std::string digits(name.substr(1));
    char* end = nullptr;
    long long r = std::strtoll(digits.c_str(), &end, 10);
    if (*end != '\0' || !w.valid(r)) return FAILED_MATCH;
    return r;
  }
  if (!w.valid(player)) return FAILED_MATCH;
  if (ieq(name, "me")) return player;
  if (ieq(name, "here")) return w.get(player)->location;

  // match_contents: the player's contents, then its location's (which
  // include the player). The object's name, then each string in its
  // `aliases` list, is compared by prefix. Two different objects matching
  // exactly is AMBIGUOUS at once; exact beats partial otherwise.
  int64_t exact = NOTHING, partial = FAILED_MATCH;
  int64_t where[2] = {player, w.get(player)->location};
  for (int64_t oid : where) {
    const Object* container = w.get(oid);
    if (!container) continue;
    for (int64_t c : container->contents) {
      const Object* o = w.get(c);
      if (!o) continue;
      Value aliases = w.slot_value(c, "aliases");
      uint32_t n = aliases.is_list() ? aliases.list_len() : 0;
      for (uint32_t i = 0; i <= n; ++i) {
        std::string_view cand;
        if (i == 0) {
          cand = o->name;
        } else {
          const Value& a = aliases.list_at(i - 1);
          if (!a.is_str()) continue;
          cand = a.as_str();
        }
        if (cand.size() < name.size() || !ieq(cand.substr(0, name.size()), name)) continue;
        if (cand.size() == name.size()) {
          if (exact != NOTHING && exact != c) return AMBIGUOUS;
          exact = c;
        } else {
          partial = (partial == FAILED_MATCH || partial == c) ? c : AMBIGUOUS;
        }
      }
    }
  }
  return exact != NOTHING ? exact : partial;
}

namespace {

// find_verb_on + db_find_command_verb: the argspecs the command has relative
// to `oid` (this when it is the matched object, none when nothing was
// named, any otherwise, FAILED_MATCH and AMBIGUOUS included), and the first
// verb on oid or its ancestors whose name and argspecs fit.
std::optional<CommandTarget> find_verb_on(World& w, int64_t oid, const ParsedCommand& pc,
                                          int64_t dobj, int64_t iobj) {
  if (!w.valid(oid)) return std::nullopt;
  auto spec = [oid](int64_t o) { return o == oid ? ASPEC_THIS : o == NOTHING ? ASPEC_NONE : ASPEC_ANY; };
  int8_t d = spec(dobj), io = spec(iobj);
  std::vector<int64_t> chain = w.ancestors(oid);
  chain.insert(chain.begin(), oid);
  for (int64_t a : chain) {
    const Object* o = w.get(a);
    for (size_t i = 0; i < o->verbs.size(); ++i) {
      const Verb& v = o->verbs[i];
      if (verb_name_matches(v.names, pc.verb) && (v.dobj == ASPEC_ANY || v.dobj == d) &&
          (v.prep == PREP_ANY || v.prep == pc.prep) && (v.iobj == ASPEC_ANY || v.iobj == io))
        return CommandTarget{oid, a, &v, int(i)};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<CommandTarget> find_command_verb(World& w, int64_t player, int64_t location,
                                               const ParsedCommand& pc, int64_t dobj,
                                               int64_t iobj, bool try_huh) {
  for (int64_t oid : {player, location, dobj, iobj})
    if (auto t = find_verb_on(w, oid, pc, dobj, iobj)) return t;
  if (!try_huh || !w.valid(location)) return std::nullopt;
  int64_t definer = NOTHING;
  const Verb* v = w.find_callable_verb(location, "huh", &definer);
  if (!v) return std::nullopt;
  int index = int(v - w.get(definer)->verbs.data());
  return CommandTarget{location, definer, v, index, true};
}

}  // namespace echo
