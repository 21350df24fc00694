// Echo object files (see object_source.h): a plan checked whole, then applied.
#include "lang/world/object_source.h"
#include "lang/world/rules.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "lang/compiler.h"
#include "lang/function.h"
#include "lang/lower_echo.h"
#include "lang/map.h"

namespace echo {

using echo_syntax::K;
using echo_syntax::kind_of;
using echo_syntax::node_pos;

namespace {

constexpr const char* kMooMarker = "// syntax: moo";

using ts::lower_case;

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// A reference to an object from the file: one that exists, or the n-th
// object the file defines (created when the file is applied).
struct ObjRef {
  int64_t id = NOTHING;
  int file_index = -1;
};

struct PropPlan {
  TSNode node;
  std::string name;
  std::optional<uint8_t> perms;
  TSNode value = {};
};

struct VerbPlan {
  std::string names;
  int8_t dobj = ASPEC_THIS, iobj = ASPEC_THIS;
  int prep = PREP_NONE;
  uint8_t perms = VF_READ | VF_EXEC | VF_DEBUG;
  std::string source;
  Syntax syntax = Syntax::Echo;
};

struct ObjPlan {
  TSNode node;
  std::string key;        // $key, or empty for `object #N`
  int64_t existing = NOTHING;
  bool has_parents = false;
  std::vector<ObjRef> parents;
  std::vector<PropPlan> props;
  std::vector<VerbPlan> verbs;
  int64_t id = NOTHING;   // set when applied
};

class Loader {
 public:
  Loader(World& w, std::string_view src, int64_t progr, std::vector<CompileError>& errors)
      : w_(w), src_(src), progr_(progr), errors_(errors) {}

  void plan(TSNode root) {
    uint32_t n = ts_node_named_child_count(root);
    for (uint32_t i = 0; i < n; ++i) {
      TSNode ch = ts_node_named_child(root, i);
      if (ts_node_is_missing(ch) || std::string_view(ts_node_type(ch)) == "ERROR") continue;  // reported
      switch (kind_of(ch)) {
        case K::comment: break;
        case K::object_definition: plan_object(ch); break;
        case K::event_declaration: break;  // declares; emit() does not check arities
        default:
          fail(ch, std::string("an object file holds object definitions and declarations, not a ") +
                       ts_node_type(ch));
      }
    }
    // Values last: they may name any object of the file, even a later one.
    for (ObjPlan& o : objs_)
      for (PropPlan& p : o.props)
        if (!ts_node_is_null(p.value)) {
          Value v = constant(p.value, o);
          if (lower_case(p.name) == "name" && !v.is_str()) fail(p.value, "an object's name is a string");
        }
  }

  void apply(SourceLoadResult& out) {
    for (ObjPlan& o : objs_) {
      if (o.existing != NOTHING) {
        o.id = o.existing;
        if (o.has_parents) {
          std::vector<int64_t> ps = resolve(o.parents);
          if (ps != w_.get(o.id)->parents && !w_.change_parents(o.id, ps))
            fail(o.node, "the new parents define a property this object or a descendant defines");
        }
      } else {
        o.id = w_.create(resolve(o.parents), progr_);
        out.created.push_back(o.id);
        w_.get_mut(o.id)->name = o.key;
        if (w_.find_slot(0, o.key)) w_.set_prop(0, o.key, Value::obj(o.id));
        else w_.add_propdef(0, o.key, Value::obj(o.id), progr_, PF_READ);
        w_.mark_dirty(0);
      }
      out.objects.push_back(o.id);
    }
    for (ObjPlan& o : objs_) {
      // The file's `on E` handlers replace the object's own on:E verbs.
      std::set<std::string> events;
      for (VerbPlan& v : o.verbs)
        if (v.names.rfind("on:", 0) == 0) events.insert(v.names);
      const Object* obj = w_.get(o.id);
      for (size_t i = obj->verbs.size(); i-- > 0;)
        if (events.count(obj->verbs[i].names)) w_.delete_verb(o.id, int(i));
      for (PropPlan& p : o.props) apply_prop(o, p);
      for (VerbPlan& v : o.verbs) apply_verb(o, v);
      w_.mark_dirty(o.id);
    }
    w_.verbs_changed();
  }

 private:
  World& w_;
  std::string_view src_;
  int64_t progr_;
  std::vector<CompileError>& errors_;
  std::vector<ObjPlan> objs_;
  std::map<std::string, int> file_names_;  // lower-cased key -> index in objs_
  bool applying_ = false;

  std::string_view text(TSNode n) { return echo_syntax::node_text(n, src_); }
  TSNode field(TSNode n, const char* name) {
    return ts_node_child_by_field_name(n, name, uint32_t(std::char_traits<char>::length(name)));
  }
  void fail(TSNode n, std::string msg) {
    ast::Pos p = node_pos(n);
    errors_.push_back({p.line, p.column, std::move(msg)});
  }

  std::vector<int64_t> resolve(const std::vector<ObjRef>& refs) {
    std::vector<int64_t> r;
    for (auto& ref : refs) r.push_back(ref.file_index >= 0 ? objs_[size_t(ref.file_index)].id : ref.id);
    return r;
  }

  // $name: the object #0.name holds, if valid.
  int64_t corified(const std::string& key) {
    if (!w_.valid(0) || !w_.find_slot(0, key)) return NOTHING;
    Value v = w_.slot_value(0, key);
    return v.is_obj() && w_.valid(v.as_obj()) ? v.as_obj() : NOTHING;
  }

  std::optional<ObjRef> object_ref(TSNode n, bool must_exist_now) {
    K k = kind_of(n);
    if (k == K::object_id) {
      int64_t id = std::strtoll(std::string(text(n).substr(1)).c_str(), nullptr, 10);
      if (!w_.valid(id) && id >= 0) {
        fail(n, std::string(text(n)) + " is not a valid object");
        return std::nullopt;
      }
      return ObjRef{id, -1};
    }
    std::string key(k == K::system_property ? text(field(n, "name")) : text(n));
    if (auto it = file_names_.find(lower_case(key)); it != file_names_.end()) return ObjRef{NOTHING, it->second};
    int64_t id = corified(key);
    if (id == NOTHING) {
      fail(n, "$" + key + " is not an object" +
                  (must_exist_now ? " (a parent must exist or be defined earlier in the file)" : ""));
      return std::nullopt;
    }
    return ObjRef{id, -1};
  }

  // ---- objects

  void plan_object(TSNode n) {
    ObjPlan o;
    o.node = n;
    TSNode name = field(n, "name");
    if (ts_node_is_null(name) || ts_node_has_error(name)) return;
    K nk = kind_of(name);
    if (nk == K::object_id) {
      auto ref = object_ref(name, true);
      if (!ref) return;
      o.existing = ref->id;
      if (o.existing < 0) {
        fail(name, "cannot define " + std::string(text(name)));
        return;
      }
    } else {
      o.key = std::string(nk == K::system_property ? text(field(name, "name")) : text(name));
      o.existing = corified(o.key);
    }
    std::string fkey = o.key.empty() ? std::string(text(name)) : lower_case(o.key);
    if (file_names_.count(fkey)) {
      fail(name, "`" + std::string(text(name)) + "' is defined twice in this file");
      return;
    }
    for (auto& other : objs_)
      if (o.existing != NOTHING && other.existing == o.existing)
        fail(name, "`" + std::string(text(name)) + "' is the same object as another definition in this file");
    TSNode parents = field(n, "parents");
    if (!ts_node_is_null(parents)) {
      o.has_parents = true;
      uint32_t c = ts_node_named_child_count(parents);
      for (uint32_t i = 0; i < c; ++i) {
        TSNode p = ts_node_named_child(parents, i);
        if (kind_of(p) == K::comment) continue;
        auto ref = object_ref(p, true);
        if (!ref) continue;
        if (ref->id != NOTHING && o.existing != NOTHING && w_.is_a(ref->id, o.existing))
          fail(p, "a parent cannot be the object itself or one of its descendants");
        o.parents.push_back(*ref);
      }
    }
    int index = int(objs_.size());
    objs_.push_back(std::move(o));
    file_names_[fkey] = index;
    ObjPlan& op = objs_.back();
    // The members: every named child after the name and the parents (the
    // field lookup by child index is unreliable in tree-sitter 0.20).
    uint32_t count = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < count; ++i) {
      TSNode m = ts_node_named_child(n, i);
      if (ts_node_eq(m, name) || (!ts_node_is_null(parents) && ts_node_eq(m, parents)) || kind_of(m) == K::comment)
        continue;
      plan_member(op, m);
    }
  }

  void plan_member(ObjPlan& o, TSNode m) {
    if (ts_node_has_error(m)) return;  // its syntax errors are reported
    switch (kind_of(m)) {
      case K::property_definition: plan_property(o, m); return;
      case K::verb_definition: plan_verb(o, m); return;
      case K::function_definition: plan_function(o, m); return;
      case K::event_handler: plan_handler(o, m); return;
      case K::error_handler: plan_error_handler(o, m); return;
      case K::event_declaration: return;
      case K::capability_declaration: return;  // declares a type; grants are not checked against it
      case K::query_rule:
      case K::fact: plan_rule(o, m); return;
      default:
        fail(m, std::string("`") + ts_node_type(m) +
                    "' needs the capability and query runtime, which this server does not have yet");
    }
  }

  void plan_property(ObjPlan& o, TSNode m) {
    PropPlan p;
    p.node = m;
    TSNode name = field(m, "name");
    p.name = kind_of(name) == K::string ? echo_syntax::unescape_echo(text(name)) : std::string(text(name));
    TSNode perms = field(m, "permissions");
    if (!ts_node_is_null(perms)) p.perms = perm_bits(perms, "rwc");
    p.value = field(m, "value");
    for (auto& q : o.props)
      if (lower_case(q.name) == lower_case(p.name)) fail(name, "property `" + p.name + "' is set twice");
    // LambdaMOO's built-in properties other than name.
    static const char* const builtin[] = {"owner", "location", "contents", "programmer", "wizard", "r", "w", "f"};
    for (const char* b : builtin)
      if (lower_case(p.name) == b) fail(name, "the built-in property `" + p.name + "' cannot be set in an object file");
    if (lower_case(p.name) == "name" && p.perms) fail(perms, "the built-in property `name' has no permissions to set");
    if (ts_node_is_null(p.value) && lower_case(p.name) == "name") {
      fail(m, "`property name' needs a value");
    }
    // A new property must not clash with one a descendant defines.
    if (o.existing != NOTHING && lower_case(p.name) != "name" && !w_.find_slot(o.existing, p.name))
      for (int64_t d : w_.descendants(o.existing))
        if (const PropSlot* s = w_.find_slot(d, p.name); s && s->definer == d)
          fail(name, "property `" + p.name + "' is already defined on #" + std::to_string(d) + ", a descendant");
    o.props.push_back(std::move(p));
  }

  uint8_t perm_bits(TSNode list, std::string_view allowed) {
    uint8_t bits = 0;
    uint32_t c = ts_node_named_child_count(list);
    for (uint32_t i = 0; i < c; ++i) {
      TSNode id = ts_node_named_child(list, i);
      if (kind_of(id) == K::comment) continue;
      for (char ch : text(id)) {
        size_t at = allowed.find(char(std::tolower(static_cast<unsigned char>(ch))));
        if (at == std::string_view::npos) {
          fail(id, "unknown permission `" + std::string(1, ch) + "' (expected one of " + std::string(allowed) + ")");
          continue;
        }
        bits |= uint8_t(1u << at);
      }
    }
    return bits;
  }

  // The verb's code: the lines between its header and its end keyword, with
  // their common indentation removed.
  struct Body {
    std::string text;
    int first_line = 1;  // file line of the body's first line
    int indent = 0;
  };
  Body body_of(TSNode def, TSNode body) {
    Body b;
    if (ts_node_is_null(body)) return b;
    uint32_t header_end_row = ts_node_start_point(def).row;
    uint32_t count = ts_node_child_count(def);
    TSNode end_kw = ts_node_child(def, count - 1);
    for (uint32_t i = 0; i + 1 < count; ++i) {
      TSNode ch = ts_node_child(def, i);
      if (ts_node_eq(ch, body) || kind_of(ch) == K::comment) continue;  // a comment may open the body
      header_end_row = std::max(header_end_row, ts_node_end_point(ch).row);
    }
    uint32_t start_row = ts_node_start_point(body).row, end_row = ts_node_start_point(end_kw).row;
    std::string_view region;
    if (start_row > header_end_row && end_row > start_row) {
      // Whole lines: from the line after the header to the line before the end.
      std::vector<size_t> line_starts{0};
      for (size_t i = 0; i < src_.size(); ++i)
        if (src_[i] == '\n') line_starts.push_back(i + 1);
      size_t from = line_starts[header_end_row + 1];
      size_t to = line_starts[end_row] - 1;
      region = src_.substr(from, to > from ? to - from : 0);
      b.first_line = int(header_end_row) + 2;
    } else {
      region = text(body);
      b.first_line = int(start_row) + 1;
    }
    std::vector<std::string> lines = split_lines(region);
    while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
    size_t skip = 0;
    while (skip < lines.size() && trim(lines[skip]).empty()) ++skip;
    lines.erase(lines.begin(), lines.begin() + long(skip));
    b.first_line += int(skip);
    size_t indent = std::string::npos;
    for (auto& l : lines)
      if (!trim(l).empty()) indent = std::min(indent, l.find_first_not_of(" \t"));
    if (indent == std::string::npos) indent = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) b.text += '\n';
      b.text += lines[i].size() >= indent ? lines[i].substr(indent) : trim(lines[i]);
    }
    b.indent = int(indent);
    return b;
  }

  // Compiles code whose first `prologue` lines were added to the body, and
  // reports its errors at their places in the file.
  void check_code(const std::string& code, Syntax syntax, const Body& b, int prologue, TSNode at) {
    CompileResult r = compile_source(code, syntax);
    for (auto& e : r.errors) {
      int line = e.line - prologue;
      if (line < 1) {
        fail(at, e.message);
        continue;
      }
      errors_.push_back({b.first_line + line - 1, e.column > 0 ? e.column + b.indent : 0, e.message});
    }
  }

  void code_from(VerbPlan& v, TSNode def, TSNode body, const std::string& prologue) {
    Body b = body_of(def, body);
    std::string code = b.text;
    v.syntax = Syntax::Echo;
    if (code.rfind(kMooMarker, 0) == 0 && prologue.empty()) {
      v.syntax = Syntax::Moo;
      size_t nl = code.find('\n');
      code = nl == std::string::npos ? "" : code.substr(nl + 1);
      b.first_line += 1;
    }
    int plines = prologue.empty() ? 0 : int(std::count(prologue.begin(), prologue.end(), '\n'));
    v.source = prologue + code;
    check_code(v.source, v.syntax, b, plines, def);
  }

  void plan_verb(ObjPlan& o, TSNode m) {
    VerbPlan v;
    v.names = echo_syntax::unescape_echo(text(field(m, "names")));
    if (trim(v.names).empty()) fail(field(m, "names"), "a verb needs a name");
    TSNode spec = field(m, "argspec");
    auto aspec = [&](TSNode id) -> int8_t {
      std::string t = lower_case(text(id));
      if (t == "this") return ASPEC_THIS;
      if (t == "none") return ASPEC_NONE;
      if (t == "any") return ASPEC_ANY;
      fail(id, "expected this, none or any, not `" + std::string(text(id)) + "'");
      return ASPEC_NONE;
    };
    v.dobj = aspec(field(spec, "dobj"));
    v.iobj = aspec(field(spec, "iobj"));
    TSNode prep = field(spec, "prep");
    std::string p = kind_of(prep) == K::string ? echo_syntax::unescape_echo(text(prep)) : std::string(text(prep));
    if (lower_case(p) == "none") v.prep = PREP_NONE;
    else if (lower_case(p) == "any") v.prep = PREP_ANY;
    else if ((v.prep = match_prep(p)) == PREP_NONE) fail(prep, "unknown preposition `" + p + "'");
    TSNode perms = field(m, "permissions");
    if (!ts_node_is_null(perms)) v.perms = perm_bits(perms, "rwxd");
    code_from(v, m, field(m, "body"), checks_prologue(m));
    for (auto& other : o.verbs)
      if (other.names == v.names) fail(m, "verb \"" + v.names + "\" is defined twice");
    o.verbs.push_back(std::move(v));
  }

  std::string params_prologue(TSNode params) {
    if (ts_node_is_null(params) || ts_node_named_child_count(params) == 0) return "";
    std::string_view t = text(params);
    if (t.size() >= 2 && t.front() == '(' && t.back() == ')') t = t.substr(1, t.size() - 2);
    std::string flat;
    for (char c : t) flat += c == '\n' ? ' ' : c;
    return "let {" + trim(flat) + "} = args;\n";
  }

  VerbPlan code_verb(std::string names) {
    VerbPlan v;
    v.names = std::move(names);
    v.dobj = ASPEC_THIS;
    v.prep = PREP_NONE;
    v.iobj = ASPEC_THIS;
    return v;
  }

  void plan_function(ObjPlan& o, TSNode m) {
    VerbPlan v = code_verb(std::string(text(field(m, "name"))));
    code_from(v, m, field(m, "body"), params_prologue(field(m, "parameters")) + checks_prologue(m));
    for (auto& other : o.verbs)
      if (other.names == v.names) fail(m, "`" + v.names + "' is defined twice");
    o.verbs.push_back(std::move(v));
  }

  void plan_handler(ObjPlan& o, TSNode m) {
    VerbPlan v = code_verb("on:" + std::string(text(field(m, "event"))));
    std::string prologue = params_prologue(field(m, "parameters"));
    TSNode cond = field(m, "condition");
    if (!ts_node_is_null(cond)) {
      std::string c;
      for (char ch : text(cond)) c += ch == '\n' ? ' ' : ch;
      prologue += "if (!(" + c + ")) return; endif\n";
    }
    code_from(v, m, field(m, "body"), prologue);
    o.verbs.push_back(std::move(v));  // several handlers of one event: several verbs
  }

  // query/fact members: the rules of a relation become the comment lines of
  // a verb named after it (rules.h).
  void plan_rule(ObjPlan& o, TSNode m) {
    TSNode head = kind_of(m) == K::fact ? ts_node_named_child(m, 0) : field(m, "head");
    std::string rel(text(field(head, "relation")));
    std::string line;
    for (char c : text(m)) line += c == '\n' ? ' ' : c;
    std::vector<CompileError> errs;
    parse_rules(w_, NOTHING, line + "\n", &errs);
    ast::Pos p = node_pos(m);
    for (auto& e : errs) errors_.push_back({p.line, e.column, e.message});
    for (auto& v : o.verbs)
      if (lower_case(v.names) == lower_case(rel) && v.source.rfind("// ", 0) != 0)
        fail(m, "`" + rel + "' is both a relation and a verb of this object");
    for (auto& v : o.verbs)
      if (lower_case(v.names) == lower_case(rel) && v.source.rfind("// ", 0) == 0) {
        size_t at = v.source.rfind("return query_holds(");
        v.source.insert(at, "// " + line + "\n");
        return;
      }
    VerbPlan v = code_verb(rel);
    v.source = "// " + line + "\nreturn query_holds(this, " + echo_literal(Value::str(rel)) + ", args);";
    o.verbs.push_back(std::move(v));
  }

  // `secure` and `requires Cap(args)`: the first lines of the code.
  std::string checks_prologue(TSNode def) {
    std::string out;
    if (!ts_node_is_null(field(def, "secure"))) out += "require_secure();\n";
    TSNode req = field(def, "requires");
    if (ts_node_is_null(req)) return out;
    for (uint32_t i = 0; i < ts_node_named_child_count(req); ++i) {
      TSNode call = ts_node_named_child(req, i);
      if (kind_of(call) != K::call_expression) continue;
      std::string args(text(field(call, "arguments")));
      args = args.size() >= 2 ? trim(args.substr(1, args.size() - 2)) : "";
      for (char& c : args)
        if (c == '\n') c = ' ';
      out += "require_capability(\"" + std::string(text(field(call, "function"))) + "\"" +
             (args.empty() ? "" : ", " + args) + ");\n";
    }
    return out;
  }

  void plan_error_handler(ObjPlan& o, TSNode m) {
    VerbPlan v = code_verb("on:error");
    TSNode var = field(m, "variable");
    std::string prologue = "let {" + (ts_node_is_null(var) ? std::string("error") : std::string(text(var))) +
                           "} = args;\n";
    TSNode codes = field(m, "codes");
    if (!ts_node_is_null(codes) && kind_of(codes) != K::any) {
      std::string c;
      for (char ch : text(codes)) c += ch == '\n' ? ' ' : ch;
      prologue += "if (!(args[1][1] in {" + c + "})) return; endif\n";
    }
    code_from(v, m, field(m, "body"), prologue);
    o.verbs.push_back(std::move(v));
  }

  // ---- property values: constants, checked while planning and built while
  // applying (when the file's objects exist).

  Value constant(TSNode n, const ObjPlan& o) {
    switch (kind_of(n)) {
      case K::integer:
      case K::float_:
      case K::string:
      case K::true_:
      case K::false_:
      case K::null:
      case K::error_code:
      case K::unary_expression: {
        if (kind_of(n) == K::unary_expression) {
          K ok = kind_of(field(n, "operand"));
          if (std::string_view(ts_node_type(field(n, "operator"))) != "-" || (ok != K::integer && ok != K::float_))
            break;
        }
        // The front end's own literal rules (escapes, ranges, -literal folding).
        std::vector<CompileError> errs;
        echo_syntax::Lowerer lw(src_, errs);
        ast::ExprPtr e = lw.constant_expression(n);
        for (auto& er : errs) errors_.push_back(er);
        if (e->kind == ast::ExprKind::Literal) return e->value;
        break;
      }
      case K::object_id:
      case K::system_property:
      case K::identifier: {
        auto ref = object_ref(n, false);
        if (!ref) return Value::obj(NOTHING);
        if (ref->file_index >= 0) return Value::obj(applying_ ? objs_[size_t(ref->file_index)].id : NOTHING);
        return Value::obj(ref->id);
      }
      case K::list: {
        Value l = Value::empty_list();
        uint32_t c = ts_node_named_child_count(n);
        for (uint32_t i = 0; i < c; ++i) {
          TSNode ch = ts_node_named_child(n, i);
          if (kind_of(ch) != K::comment) list_append(l, constant(ch, o));
        }
        return l;
      }
      case K::map:
      case K::record: {
        Value m = Value::empty_map();
        uint32_t c = ts_node_named_child_count(n);
        for (uint32_t i = 0; i < c; ++i) {
          TSNode e = ts_node_named_child(n, i);
          if (kind_of(e) == K::comment) continue;
          Value k = kind_of(n) == K::record ? Value::str(text(field(e, "key"))) : constant(field(e, "key"), o);
          if (!valid_map_key(k)) {
            fail(e, "a map key cannot be a list, a map or a function");
            continue;
          }
          m.map_mut()->set(std::move(k), constant(field(e, "value"), o));
        }
        return m;
      }
      case K::parenthesized_expression: return constant(field(n, "expression"), o);
      case K::lambda:
      case K::function_expression: return function_value(n, o);
      default: break;
    }
    fail(n, "a property value must be a constant: a literal, a list, map or record of them, an object or a function");
    return Value::integer(0);
  }

  Value function_value(TSNode n, const ObjPlan& o) {
    std::vector<CompileError> errs;
    echo_syntax::Lowerer lw(src_, errs);
    TSNode name = field(n, "name");
    auto fn = lw.function_from(field(n, "parameters"), field(n, "body"), kind_of(n) == K::lambda,
                               ts_node_is_null(name) ? std::string() : std::string(text(name)), n);
    CompileResult r;
    if (errs.empty()) r = compile_program_function(*fn);
    for (auto& e : errs) errors_.push_back(e);
    for (auto& e : r.errors) errors_.push_back(e);
    if (!errs.empty() || !r.ok()) return Value::integer(0);
    if (!fn->captures.empty()) {
      fail(n, "a function in a property value cannot use variables from outside it");
      return Value::integer(0);
    }
    auto* f = new FuncObj();
    Value v = make_function(f);
    f->source = fn->source;
    f->name = fn->name;
    f->this_obj = f->definer = applying_ ? o.id : NOTHING;
    f->player = f->progr = progr_;
    f->set_program(r.program);
    return v;
  }

  // ---- applying

  void apply_prop(ObjPlan& o, PropPlan& p) {
    applying_ = true;
    Value v = ts_node_is_null(p.value) ? Value::integer(0) : constant(p.value, o);
    if (lower_case(p.name) == "name") {
      w_.get_mut(o.id)->name = std::string(v.as_str());
      return;
    }
    PropSlot* s = w_.find_slot_mut(o.id, p.name);
    if (!s) {
      w_.add_propdef(o.id, p.name, std::move(v), progr_, p.perms.value_or(PF_READ | PF_CHOWN));
      return;
    }
    if (s->definer == o.id && p.perms) s->perms = *p.perms;
    if (!ts_node_is_null(p.value)) w_.set_prop(o.id, p.name, std::move(v));
  }

  void apply_verb(ObjPlan& o, VerbPlan& v) {
    Object* obj = w_.get_mut(o.id);
    Verb* target = nullptr;
    // Event handlers accumulate (several per event); other verbs are
    // replaced by name.
    if (v.names.rfind("on:", 0) != 0)
      for (Verb& existing : obj->verbs)
        if (existing.names == v.names) target = &existing;
    if (!target) {
      Verb nv;
      nv.names = v.names;
      nv.owner = progr_;
      int index = w_.add_verb(o.id, std::move(nv));
      target = &w_.get_mut(o.id)->verbs[size_t(index - 1)];
    }
    target->perms = v.perms;
    target->dobj = v.dobj;
    target->iobj = v.iobj;
    target->prep = v.prep;
    w_.set_verb_code(o.id, *target, v.source, v.syntax);
  }
};

}  // namespace

SourceLoadResult load_object_source(World& w, std::string_view text, int64_t progr) {
  SourceLoadResult res;
  echo_syntax::EchoTree tree;
  echo_syntax::parse_echo_tree(text, tree, res.errors);
  if (!tree.tree) return res;
  // Members without syntax errors are still checked, so that one run reports
  // every error of the file.
  Loader loader(w, text, progr, res.errors);
  loader.plan(tree.root());
  echo_syntax::sort_errors(res.errors);
  if (!res.errors.empty()) return res;
  loader.apply(res);
  return res;
}

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t nl = s.find('\n', start);
    out.emplace_back(s.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace echo
