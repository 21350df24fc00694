// Printing objects as Echo object files (see object_source.h): the inverse
// of the loader's mapping, recognizing the lines it adds to verb code.
#include <algorithm>
#include <cctype>
#include <vector>

#include "lang/map.h"
#include "lang/world/object_source.h"
#include "lang/world/rules.h"

namespace echo {

namespace {

constexpr const char* kMooMarker = "// syntax: moo";

// ---- printing

void scalar_into(std::string& out, const Value& v) {
  if (!v.is_str()) {
    out += to_literal(v);
    return;
  }
  out += '"';
  for (char c : v.as_str()) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  out += '"';
}

// As to_literal(), with Echo's string escapes and "[->]" for an empty map.
// The lists and maps being printed are kept on an explicit stack, so values
// of any depth print whole.
void literal_into(std::string& out, const Value& root) {
  struct Open {
    const Value* v;
    size_t next, n;
  };
  std::vector<Open> stack;
  auto open = [&](const Value& v) {
    if (v.is_list()) {
      out += '{';
      stack.push_back({&v, 0, v.list_len()});
    } else if (v.map_obj()->entries.empty()) {
      out += "[->";  // closed below
      stack.push_back({&v, 0, 0});
    } else {
      out += '[';
      stack.push_back({&v, 0, v.map_obj()->entries.size() * 2});
    }
  };
  if (!root.is_list() && !root.is_map()) return scalar_into(out, root);
  open(root);
  while (!stack.empty()) {
    Open& o = stack.back();
    if (o.next == o.n) {
      out += o.v->is_list() ? '}' : ']';
      stack.pop_back();
      continue;
    }
    size_t i = o.next++;
    const Value* c;
    if (o.v->is_list()) {
      if (i) out += ", ";
      c = &o.v->list_at(uint32_t(i));
    } else {
      out += (i & 1) ? " -> " : (i ? ", " : "");
      const auto& e = o.v->map_obj()->entries[i / 2];
      c = (i & 1) ? &e.second : &e.first;
    }
    if (c->is_list() || c->is_map()) open(*c);  // invalidates o
    else scalar_into(out, *c);
  }
}

// Takes the `secure` / `requires` lines off the front of code: "secure" and
// " requires A(x), B(y)" as they go in a definition's header.
std::string take_checks(std::string& code) {
  std::vector<std::string> lines = split_lines(code);
  size_t i = 0;
  bool secure = false;
  std::vector<std::string> reqs;
  const std::string rc = "require_capability(\"";
  for (; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l == "require_secure();") {
      secure = true;
    } else if (l.rfind(rc, 0) == 0 && l.size() > rc.size() + 3 && l.compare(l.size() - 2, 2, ");") == 0) {
      std::string inner = l.substr(rc.size(), l.size() - rc.size() - 2);  // Name", args
      size_t q = inner.find('"');
      if (q == std::string::npos) break;
      std::string args = inner.substr(q + 1);
      if (args.rfind(", ", 0) == 0) args = args.substr(2);
      else if (!args.empty()) break;
      reqs.push_back(inner.substr(0, q) + "(" + args + ")");
    } else {
      break;
    }
  }
  if (i == 0) return "";
  std::string rest;
  for (size_t k = i; k < lines.size(); ++k) rest += (k > i ? "\n" : "") + lines[k];
  code = rest;
  std::string out = secure ? "secure" : "";
  for (size_t k = 0; k < reqs.size(); ++k) out += (k ? ", " : " requires ") + reqs[k];
  return out;
}

std::string perms_text(uint8_t bits, std::string_view letters) {
  std::string s = "(";
  bool first = true;
  for (size_t i = 0; i < letters.size(); ++i)
    if (bits & (1u << i)) {
      if (!first) s += ", ";
      s += letters[i];
      first = false;
    }
  return s + ")";
}

}  // namespace

std::string echo_literal(const Value& v) {
  std::string out;
  literal_into(out, v);
  return out;
}

std::string dump_object_source(World& w, int64_t id, int64_t reader) {
  const Object* o = w.get(id);
  if (!o) return "";
  bool all = reader == NOTHING || w.is_wizard(reader);
  auto readable = [&](uint8_t perms, uint8_t read_bit, int64_t owner) {
    return all || (perms & read_bit) || owner == reader;
  };
  size_t hidden_props = 0, hidden_verbs = 0;
  // An object's name in the file: its corified name when #0 has one.
  auto name_of = [&](int64_t x) -> std::string {
    if (const Object* sys = w.get(0); sys && x >= 0)
      for (const std::string& p : sys->propdefs) {
        Value v = w.slot_value(0, p);
        if (v.is_obj() && v.as_obj() == x) {
          bool plain = !p.empty() && (std::isalpha(static_cast<unsigned char>(p[0])) || p[0] == '_');
          for (char c : p) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
          if (plain) return "$" + p;
        }
      }
    return "#" + std::to_string(x);
  };
  std::string out = "object " + name_of(id);
  if (!o->parents.empty()) {
    out += " extends ";
    for (size_t i = 0; i < o->parents.size(); ++i) out += (i ? ", " : "") + name_of(o->parents[i]);
  }
  out += "\n  property name = " + echo_literal(Value::str(o->name)) + ";\n";
  for (const std::string& p : o->propdefs) {
    const PropSlot* s = w.find_slot(id, p);
    if (!s) continue;
    if (!readable(s->perms, PF_READ, s->owner)) {
      ++hidden_props;
      continue;
    }
    out += "  property " + p + " " + perms_text(s->perms, "rwc");
    if (s->value.type() != Type::Clear) out += " = " + echo_literal(s->value);
    out += ";\n";
  }
  for (auto& [key, s] : o->props) {
    if (s.definer == id || s.value.type() == Type::Clear) continue;
    if (!readable(s.perms, PF_READ, s.owner)) {
      ++hidden_props;
      continue;
    }
    out += "  property " + w.prop_name(s.definer, key) + " = " + echo_literal(s.value) + ";\n";
  }
  auto indent = [](const std::string& code) {
    std::string r;
    for (auto& l : split_lines(code)) r += l.empty() ? "\n" : "    " + l + "\n";
    return r;
  };
  for (const Verb& v : o->verbs) {
    if (!readable(v.perms, VF_READ, v.owner)) {
      ++hidden_verbs;
      continue;
    }
    std::string code = v.source;
    bool code_verb = v.dobj == ASPEC_THIS && v.prep == PREP_NONE && v.iobj == ASPEC_THIS &&
                     v.syntax == Syntax::Echo && v.perms == (VF_READ | VF_EXEC | VF_DEBUG);
    std::string first = code.substr(0, code.find('\n'));
    const std::string phead = "let {", ptail = "} = args;";
    bool has_params = first.size() > phead.size() + ptail.size() && first.rfind(phead, 0) == 0 &&
                      first.compare(first.size() - ptail.size(), ptail.size(), ptail) == 0;
    std::string params_text = has_params ? first.substr(phead.size(), first.size() - phead.size() - ptail.size()) : "";
    // A relation: its rules, then the call of the engine.
    if (code_verb && is_rule_line(first)) {
      std::vector<std::string> lines = split_lines(code);
      std::string rules;
      size_t i = 0;
      for (; i < lines.size() && is_rule_line(lines[i]); ++i) rules += "  " + lines[i].substr(3) + "\n";
      if (i + 1 == lines.size() &&
          lines[i] == "return query_holds(this, " + echo_literal(Value::str(v.names)) + ", args);") {
        out += "\n" + rules;
        continue;
      }
    }
    if (code_verb && v.names.rfind("on:", 0) != 0 && v.names.find(' ') == std::string::npos &&
        v.names.find(':') == std::string::npos && v.names.find('*') == std::string::npos) {
      std::string params;
      if (has_params) {
        params = params_text;
        code = code.find('\n') == std::string::npos ? "" : code.substr(code.find('\n') + 1);
      }
      std::string mods = take_checks(code);
      out += "\n  " + std::string(mods.find("secure") == 0 ? "secure " : "") + "function " + v.names + "(" + params + ")" +
             (mods.find("secure") == 0 ? mods.substr(6) : mods) + "\n" + indent(code) + "  endfunction\n";
      continue;
    }
    if (code_verb && v.names.rfind("on:", 0) == 0 && v.names.size() > 3 && has_params &&
        v.names.find(' ') == std::string::npos) {
      std::string event = v.names.substr(3), params = params_text;
      std::vector<std::string> lines = split_lines(code);
      lines.erase(lines.begin());
      std::string test;
      const std::string head = "if (!(", tail = ")) return; endif";
      if (!lines.empty() && lines[0].size() > head.size() + tail.size() && lines[0].rfind(head, 0) == 0 &&
          lines[0].compare(lines[0].size() - tail.size(), tail.size(), tail) == 0) {
        test = lines[0].substr(head.size(), lines[0].size() - head.size() - tail.size());
        lines.erase(lines.begin());
      }
      std::string rest;
      for (size_t i = 0; i < lines.size(); ++i) rest += (i ? "\n" : "") + lines[i];
      if (event == "error") {
        std::string codes;
        if (test.rfind("args[1][1] in {", 0) == 0 && test.back() == '}') codes = " (" + test.substr(15, test.size() - 16) + ")";
        else if (!test.empty()) codes = "\x01";  // not a form the loader writes: print as a verb
        if (codes != "\x01") {
          out += "\n  on error thrown as " + params + codes + "\n" + indent(rest) + "  endon\n";
          continue;
        }
      } else {
        out += "\n  on " + event + "(" + params + ")" + (test.empty() ? "" : " where " + test) + "\n" + indent(rest) +
               "  endon\n";
        continue;
      }
    }
    std::string spec = std::string(v.dobj == ASPEC_THIS ? "this" : v.dobj == ASPEC_ANY ? "any" : "none") + ", ";
    std::string prep = v.prep == PREP_NONE ? "none" : v.prep == PREP_ANY ? "any" : unparse_prep(v.prep);
    bool plain_prep = prep.find_first_of(" /") == std::string::npos;
    spec += (plain_prep ? prep : echo_literal(Value::str(prep.substr(0, prep.find('/'))))) + ", ";
    spec += v.iobj == ASPEC_THIS ? "this" : v.iobj == ASPEC_ANY ? "any" : "none";
    if (v.syntax == Syntax::Moo) code = std::string(kMooMarker) + (code.empty() ? "" : "\n" + code);
    std::string mods = v.syntax == Syntax::Echo ? take_checks(code) : "";
    bool secure = mods.find("secure") == 0;
    out += std::string("\n  ") + (secure ? "secure " : "") + "verb " + echo_literal(Value::str(v.names)) + " (" + spec +
           ") " + perms_text(v.perms, "rwxd") + (secure ? mods.substr(6) : mods) + "\n" + indent(code) + "  endverb\n";
  }
  if (hidden_props || hidden_verbs)
    out += "\n  // left out, not readable by #" + std::to_string(reader) + ": " + std::to_string(hidden_props) +
           (hidden_props == 1 ? " property, " : " properties, ") + std::to_string(hidden_verbs) +
           (hidden_verbs == 1 ? " verb\n" : " verbs\n");
  return out + "endobject\n";
}

}  // namespace echo
