// Capabilities and Datalog queries on objects (see rules.h).
#include "lang/world/rules.h"

#include <map>
#include <mutex>

#include "lang/builtins/helpers.h"
#include "lang/lower_echo.h"
#include "lang/vm.h"
#include "lang/world/query_relations.h"

namespace echo {

using echo_syntax::K;
using echo_syntax::kind_of;

namespace {

using bi::raise;

TSNode field(TSNode n, const char* name) {
  return ts_node_child_by_field_name(n, name, uint32_t(std::char_traits<char>::length(name)));
}

struct RuleReader {
  World& w;
  int64_t self;
  std::string_view src;
  std::vector<CompileError>& errors;

  std::string_view text(TSNode n) { return echo_syntax::node_text(n, src); }
  void fail(TSNode n, std::string msg) {
    ast::Pos p = echo_syntax::node_pos(n);
    errors.push_back({p.line, p.column, std::move(msg)});
  }

  datalog::Term term(TSNode n) {
    switch (kind_of(n)) {
      case K::identifier: {
        std::string_view t = text(n);
        if (t == "this") return datalog::val(Value::obj(self));
        return datalog::var(std::string(t));
      }
      case K::query_variable: return datalog::var(std::string(text(n).substr(1)));
      case K::atom: {
        std::vector<datalog::Term> args;
        for_terms(n, [&](TSNode t) { args.push_back(term(t)); });
        return datalog::fn(std::string(text(field(n, "relation"))), std::move(args));
      }
      case K::system_property: {
        std::string name(text(field(n, "name")));
        Value v = w.find_slot(0, name) ? w.slot_value(0, name) : Value::obj(NOTHING);
        if (!v.is_obj()) fail(n, "$" + name + " is not an object");
        return datalog::val(v);
      }
      default: {
        std::vector<CompileError> errs;
        echo_syntax::Lowerer lw(src, errs);
        ast::ExprPtr e = lw.constant_expression(n);
        for (auto& x : errs) errors.push_back(x);
        if (e->kind != ast::ExprKind::Literal) {
          fail(n, "a term is a variable, a constant or Name(terms)");
          return datalog::val(Value::integer(0));
        }
        return datalog::val(e->value);
      }
    }
  }

  template <class F>
  void for_terms(TSNode atom, F&& f) {
    uint32_t c = ts_node_named_child_count(atom);
    TSNode rel = field(atom, "relation");
    for (uint32_t i = 0; i < c; ++i) {
      TSNode ch = ts_node_named_child(atom, i);
      if (ts_node_eq(ch, rel) || kind_of(ch) == K::comment) continue;
      f(ch);
    }
  }

  datalog::Atom atom(TSNode n) {
    std::vector<datalog::Term> args;
    for_terms(n, [&](TSNode t) { args.push_back(term(t)); });
    return datalog::atom(std::string(text(field(n, "relation"))), std::move(args));
  }

  datalog::Rule rule(TSNode n) {
    datalog::Rule r;
    ast::Pos p = echo_syntax::node_pos(n);
    r.origin = "#" + std::to_string(self) + " line " + std::to_string(p.line);
    if (kind_of(n) == K::fact) {
      for (uint32_t i = 0; i < ts_node_named_child_count(n); ++i)
        if (kind_of(ts_node_named_child(n, i)) == K::atom) r.head = atom(ts_node_named_child(n, i));
      return r;
    }
    TSNode head = field(n, "head");
    r.head = atom(head);
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c; ++i) {
      TSNode b = ts_node_named_child(n, i);
      if (ts_node_eq(b, head) || kind_of(b) == K::comment) continue;
      if (kind_of(b) == K::atom) {
        r.body.push_back(atom(b));
      } else if (kind_of(b) == K::negation) {
        TSNode a = ts_node_named_child(b, 0);
        r.body.push_back(datalog::negate(atom(a)));
      } else if (kind_of(b) == K::binary_expression) {
        std::string_view op = ts_node_type(field(b, "operator"));
        datalog::CmpOp o = op == "==" ? datalog::CmpOp::Eq : op == "!=" ? datalog::CmpOp::Ne
                         : op == "<"  ? datalog::CmpOp::Lt : op == "<=" ? datalog::CmpOp::Le
                         : op == ">"  ? datalog::CmpOp::Gt : datalog::CmpOp::Ge;
        r.body.push_back(datalog::cmp(term(field(b, "left")), o, term(field(b, "right"))));
      }
    }
    return r;
  }
};

// The rules of obj and its ancestors, cached per world and object until the
// world's verbs change.
std::shared_ptr<datalog::RuleSet> rules_of(World& w, int64_t obj) {
  static std::mutex mu;
  static std::map<std::pair<uint64_t, int64_t>, std::pair<uint64_t, std::shared_ptr<datalog::RuleSet>>> cache;
  std::lock_guard<std::mutex> lock(mu);
  const std::pair<uint64_t, int64_t> key{w.instance(), obj};
  auto it = cache.find(key);
  if (it != cache.end() && it->second.first == w.generation()) return it->second.second;
  std::string text;
  std::vector<int64_t> chain = w.ancestors(obj);
  chain.insert(chain.begin(), obj);
  for (int64_t d : chain) {
    const Object* o = w.get(d);
    if (!o) continue;
    for (const Verb& v : o->verbs) {
      size_t start = 0;
      while (start < v.source.size()) {
        size_t nl = v.source.find('\n', start);
        if (nl == std::string::npos) nl = v.source.size();
        std::string_view line = std::string_view(v.source).substr(start, nl - start);
        if (!is_rule_line(line)) break;
        text.append(line.substr(3)).push_back('\n');
        start = nl + 1;
      }
    }
  }
  auto set = std::make_shared<datalog::RuleSet>(parse_rules(w, obj, text, nullptr));
  if (cache.size() > 10000) cache.clear();
  cache[key] = {w.generation(), set};
  return set;
}

// A capability's anchor: its first object argument, else #0.
int64_t capability_anchor(const Value& cap) {
  for (uint32_t i = 1; i < cap.list_len(); ++i)
    if (cap.list_at(i).is_obj()) return cap.list_at(i).as_obj();
  return 0;
}

// The {grantee, capability} pairs stored on anchor (only well-formed ones).
Value capability_grants(World& w, int64_t anchor) {
  Value out = Value::empty_list();
  if (!w.valid(anchor) || !w.find_slot(anchor, kCapabilityGrantsProp)) return out;
  Value grants = w.slot_value(anchor, kCapabilityGrantsProp);
  if (!grants.is_list()) return out;
  for (uint32_t i = 0; i < grants.list_len(); ++i) {
    const Value& g = grants.list_at(i);
    if (g.is_list() && g.list_len() == 2 && g.list_at(0).is_obj() && g.list_at(1).is_list()) list_append(out, g);
  }
  return out;
}

// has_capability/2 over the anchors' grant lists (kCapabilityGrantsProp).
WorldRelations relations_for(World& w) {
  WorldRelations rel(w, w.mutations());
  rel.set_capabilities([&w](std::span<const std::optional<Value>> pat, const datalog::Emit& emit) {
    auto scan = [&](int64_t anchor) {
      Value grants = capability_grants(w, anchor);
      for (uint32_t i = 0; i < grants.list_len(); ++i) {
        const Value& g = grants.list_at(i);
        if (pat[0] && !equal(*pat[0], g.list_at(0))) continue;
        if (pat[1] && !equal(*pat[1], g.list_at(1))) continue;
        if (!w.valid(g.list_at(0).as_obj())) continue;
        Value t[2] = {g.list_at(0), g.list_at(1)};
        if (!emit(std::span<const Value>(t, 2))) return false;
      }
      return true;
    };
    if (pat[1]) {  // the capability names its anchor
      if (pat[1]->is_list() && pat[1]->list_len() >= 1) scan(capability_anchor(*pat[1]));
      return;
    }
    for (int64_t id = 0; id <= w.max_object(); ++id)
      if (w.valid(id) && !scan(id)) return;
  });
  return rel;
}

Value query_error(const datalog::QueryError& e) {
  Error code = e.kind() == datalog::ErrorKind::Limit ? E_QUOTA
               : e.kind() == datalog::ErrorKind::Refused ? E_PERM : E_INVARG;
  throw MooError(code, e.what());
}

Value bf_query_holds(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.valid(a[0].as_obj())) raise(E_INVIND);
  std::vector<Value> args(a[2].list_obj()->items(), a[2].list_obj()->items() + a[2].list_len());
  try {
    auto rules = rules_of(w, a[0].as_obj());
    WorldRelations rel = relations_for(w);
    return Value::boolean(datalog::holds(*rules, rel, a[1].as_str(), args));
  } catch (const datalog::QueryError& e) {
    return query_error(e);
  }
}

// query_all(obj, name, pattern): a "?name" string in the pattern is unbound.
Value bf_query_all(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.valid(a[0].as_obj())) raise(E_INVIND);
  datalog::Pattern pat;
  for (uint32_t i = 0; i < a[2].list_len(); ++i) {
    const Value& v = a[2].list_at(i);
    if (v.is_str() && !v.as_str().empty() && v.as_str()[0] == '?') pat.push_back(std::nullopt);
    else pat.push_back(v);
  }
  try {
    auto rules = rules_of(w, a[0].as_obj());
    WorldRelations rel = relations_for(w);
    Value out = Value::empty_list();
    for (auto& t : datalog::query_all(*rules, rel, a[1].as_str(), pat)) {
      Value row = Value::empty_list();
      for (auto& v : t) list_append(row, v);
      list_append(out, std::move(row));
    }
    return out;
  } catch (const datalog::QueryError& e) {
    return query_error(e);
  }
}

// ---- capabilities

bool holds_capability(World& w, int64_t who, const Value& cap) {
  if (!w.valid(who)) return false;
  Value grants = capability_grants(w, capability_anchor(cap));
  for (uint32_t i = 0; i < grants.list_len(); ++i) {
    const Value& g = grants.list_at(i);
    if (g.list_at(0).as_obj() == who && equal(g.list_at(1), cap)) return true;
  }
  return false;
}

void check_capability_value(const Value& cap) {
  if (!cap.is_list() || cap.list_len() < 1 || !cap.list_at(0).is_str() || cap.list_at(0).as_str().empty())
    throw MooError(E_INVARG, "a capability is {\"Name\", args...}");
}

// Only a wizard or the owner of the capability's anchor; the anchor must be
// a valid object, since the grant is written there.
void check_grantor(World& w, int64_t progr, const Value& cap) {
  int64_t anchor = capability_anchor(cap);
  const Object* o = w.get(anchor);
  if (!o) throw MooError(E_INVARG, "the capability's object #" + std::to_string(anchor) + " is not valid");
  if (w.is_wizard(progr) || o->owner == progr) return;
  throw MooError(E_PERM, "only a wizard or the owner of its object may grant or revoke a capability");
}

// Writes the anchor's grant list, defining the property on first use.
void set_capability_grants(World& w, int64_t anchor, Value grants) {
  if (!w.find_slot(anchor, kCapabilityGrantsProp)) {
    // Wizard-owned and unreadable: only the engine and wizards see grants.
    int64_t owner = NOTHING;
    for (int64_t id = 0; owner == NOTHING && id <= w.max_object(); ++id)
      if (w.is_wizard(id)) owner = id;
    if (!w.add_propdef(anchor, kCapabilityGrantsProp, Value::empty_list(), owner, 0))
      throw MooError(E_INVARG, "#" + std::to_string(anchor) + " cannot hold grants: a relative defines " +
                                   kCapabilityGrantsProp);
  }
  w.set_prop(anchor, kCapabilityGrantsProp, std::move(grants));
  w.mark_dirty(anchor);
}

Value bf_grant_capability(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  check_capability_value(a[0]);
  int64_t who = a[1].as_obj();
  if (!w.valid(who)) raise(E_INVARG);
  check_grantor(w, ctx.progr, a[0]);
  if (holds_capability(w, who, a[0])) return Value::integer(0);
  int64_t anchor = capability_anchor(a[0]);
  Value grants = capability_grants(w, anchor);
  list_append(grants, make_list({Value::obj(who), a[0]}));
  set_capability_grants(w, anchor, std::move(grants));
  return Value::integer(1);
}

Value bf_revoke_capability(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  check_capability_value(a[0]);
  int64_t who = a[1].as_obj();
  if (!w.valid(who)) raise(E_INVARG);
  check_grantor(w, ctx.progr, a[0]);
  if (!holds_capability(w, who, a[0])) return Value::integer(0);
  int64_t anchor = capability_anchor(a[0]);
  Value grants = capability_grants(w, anchor), kept = Value::empty_list();
  for (uint32_t i = 0; i < grants.list_len(); ++i) {
    const Value& g = grants.list_at(i);
    if (!(g.list_at(0).as_obj() == who && equal(g.list_at(1), a[0]))) list_append(kept, g);
  }
  set_capability_grants(w, anchor, std::move(kept));
  return Value::integer(1);
}

Value bf_has_capability(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  check_capability_value(a[1]);
  return Value::boolean(holds_capability(w, a[0].as_obj(), a[1]));
}

// Who called the running verb: the calling frame's permissions, or for the
// task's first verb (a command, a server call) its player.
int64_t calling_perms(BuiltinContext& ctx) {
  if (!ctx.task) raise(E_INVARG);
  const auto& fr = ctx.task->frames();
  if (fr.size() >= 2) return fr[fr.size() - 2].progr;
  return fr.back().player;
}

// require_capability("Name", args...): a verb's `requires Name(args)`.
Value bf_require_capability(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Value cap = Value::empty_list();
  for (const Value& v : a) list_append(cap, v);
  int64_t who = calling_perms(ctx);
  if (w.is_wizard(who) || holds_capability(w, who, cap)) return Value::integer(0);
  std::string desc(a[0].as_str());
  desc += "(";
  for (size_t i = 1; i < a.size(); ++i) desc += (i > 1 ? ", " : "") + to_literal(a[i]);
  throw MooError(E_PERM, "requires " + desc + ")");
}

// require_secure(): a `secure` verb's caller must control its object.
Value bf_require_secure(BuiltinContext& ctx, std::span<Value>) {
  World& w = world_of(ctx);
  int64_t who = calling_perms(ctx);
  int64_t self = ctx.task->frames().back().this_obj;
  if (w.controls(who, self)) return Value::integer(0);
  throw MooError(E_PERM, "secure: the caller does not control #" + std::to_string(self));
}

}  // namespace

bool is_rule_line(std::string_view line) {
  return line.rfind("// query ", 0) == 0 || line.rfind("// fact ", 0) == 0;
}

std::vector<datalog::Rule> parse_rules(World& w, int64_t self, std::string_view text,
                                       std::vector<CompileError>* errors) {
  // The members parse as the body of an object definition.
  std::string src = "object __rules\n" + std::string(text) + "endobject\n";
  std::vector<CompileError> errs;
  std::vector<datalog::Rule> rules;
  echo_syntax::EchoTree tree;
  if (echo_syntax::parse_echo_tree(src, tree, errs)) {
    TSNode obj = ts_node_named_child(tree.root(), 0);
    RuleReader rr{w, self, src, errs};
    for (uint32_t i = 0; i < ts_node_named_child_count(obj); ++i) {
      TSNode m = ts_node_named_child(obj, i);
      if (kind_of(m) == K::query_rule || kind_of(m) == K::fact) rules.push_back(rr.rule(m));
    }
    if (errs.empty()) {
      try {
        datalog::RuleSet check(rules);  // safety and stratification
      } catch (const datalog::QueryError& e) {
        errs.push_back({2, 1, e.what()});
      }
    }
  }
  for (auto& e : errs) e.line -= 1;  // the added `object` line
  if (!errs.empty()) {
    if (errors) {
      for (auto& e : errs) errors->push_back(e);
      return {};
    }
    throw datalog::QueryError(datalog::ErrorKind::Invalid, errs.front().to_string());
  }
  return rules;
}

void register_rule_builtins(Builtins& b) {
  using T = ArgType;
  b.add({"query_holds", 3, 3, {T::Obj, T::Str, T::List}, bf_query_holds});
  b.add({"query_all", 3, 3, {T::Obj, T::Str, T::List}, bf_query_all});
  b.add({"grant_capability", 2, 2, {T::List, T::Obj}, bf_grant_capability});
  b.add({"revoke_capability", 2, 2, {T::List, T::Obj}, bf_revoke_capability});
  b.add({"has_capability", 2, 2, {T::Obj, T::List}, bf_has_capability});
  b.add({"require_capability", 1, -1, {T::Str}, bf_require_capability});
  b.add({"require_secure", 0, 0, {}, bf_require_secure});
}

}  // namespace echo
