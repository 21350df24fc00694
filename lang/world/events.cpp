// Echo's events and object files from MOO code:
//   emit(name, args)        Echo's `emit name(args);`
//   deliver_event(obj, definer, index, args)   (emit's delivery; on: verbs only)
//   load_source(text)       apply an object file (wizards only)
//   dump_source(obj)        an object as an object file
//
// An event goes to the object given as the first argument when it is one,
// else to the emitting object's location and everything in it. Each of a
// receiver's `on:<name>` verbs (its own, then its ancestors') runs as a task
// of its own, started in order with no delay: the tasks run after the
// emitter's and in the order the events were emitted, and the emitter never
// sees what they do. A handler's uncaught error goes to the receiver's
// `on:error` verbs ({code, message, value, traceback}); with none, it is
// reported as any forked task's error is. Each delivery is a fork request
// marked with its receiver (ForkRequest::deliver_to): the server hands it to
// the receiver's actor, which starts the tasks in its mailbox order.
#include <algorithm>

#include "lang/builtins/helpers.h"
#include "lang/compiler.h"
#include "lang/vm.h"
#include "lang/world/object_source.h"
#include "lang/world/world.h"

namespace echo {

namespace {

using bi::raise;

// The task each delivery runs: the fork vector of this program, with args =
// {receiver, definer, verb index, event args, error handlers}.
const std::shared_ptr<const Program>& dispatcher() {
  static const std::shared_ptr<const Program> p = [] {
    CompileResult r = compile_moo(
        "fork (0)\n"
        "  try\n"
        "    deliver_event(args[1], args[2], args[3], args[4]);\n"
        "  except e (ANY)\n"
        "    if (!args[5])\n"
        "      raise(e[1], e[2], e[3]);\n"
        "    endif\n"
        "    for h in (args[5])\n"
        "      `deliver_event(args[1], h[1], h[2], {e}) ! ANY';\n"
        "    endfor\n"
        "  endtry\n"
        "endfork\n");
    if (!r.ok()) throw std::logic_error("emit's dispatcher does not compile: " + r.errors.front().to_string());
    return r.program;
  }();
  return p;
}

bool is_handler_for(const Verb& v, std::string_view event) {
  std::string_view names = v.names;
  std::string_view first = names.substr(0, names.find(' '));
  return first.size() == event.size() + 3 && first.substr(0, 3) == "on:" &&
         compare_ci(first.substr(3), event) == 0;
}

// {definer, index} of every executable handler of `event` on obj and its
// ancestors.
Value handlers(World& w, int64_t obj, std::string_view event) {
  Value out = Value::empty_list();
  std::vector<int64_t> chain = w.ancestors(obj);
  chain.insert(chain.begin(), obj);
  for (int64_t d : chain) {
    const Object* o = w.get(d);
    if (!o) continue;
    for (size_t i = 0; i < o->verbs.size(); ++i)
      if (is_handler_for(o->verbs[i], event) && (o->verbs[i].perms & VF_EXEC)) list_append(out, make_list({Value::obj(d), Value::integer(int64_t(i))}));
  }
  return out;
}

Value bf_emit(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!ctx.task || !ctx.host) raise(E_INVARG);
  std::string_view event = a[0].as_str();
  if (event.empty() || event == "error") throw MooError(E_INVARG, "not an event name");
  const Value& args = a[1];
  const Frame& f = ctx.task->frames().back();
  std::vector<int64_t> receivers;
  if (args.list_len() > 0 && args.list_at(0).is_obj() && w.valid(args.list_at(0).as_obj())) {
    receivers.push_back(args.list_at(0).as_obj());
  } else if (const Object* self = w.get(f.this_obj); self && w.valid(self->location)) {
    receivers.push_back(self->location);
    for (int64_t c : w.get(self->location)->contents) receivers.push_back(c);
  }
  // The target: the object named, or the room (the first receiver then).
  ctx.host->record_event(event, f.this_obj, receivers.empty() ? NOTHING : receivers[0], f.player, args);
  const auto& prog = dispatcher();
  int64_t started = 0;
  for (int64_t r : receivers) {
    Value hs = handlers(w, r, event);
    if (hs.list_len() == 0) continue;
    Value errs = handlers(w, r, "error");
    for (uint32_t i = 0; i < hs.list_len(); ++i) {
      VmHost::ForkRequest req;
      req.program = prog;
      req.vector = 0;
      req.registers.assign(prog->var_names.size(), Value::none());
      for (int t = VAR_NUM; t <= VAR_BOOL; ++t) req.registers[size_t(t)] = Value::integer(int64_t(kTypeVarValues[t]));
      req.registers[VAR_PLAYER] = Value::obj(f.player);
      req.registers[VAR_THIS] = Value::obj(r);
      req.registers[VAR_CALLER] = Value::obj(f.this_obj);
      req.registers[VAR_VERB] = Value::str("on:" + std::string(event));
      req.registers[VAR_ARGS] = make_list({Value::obj(r), hs.list_at(i).list_at(0), hs.list_at(i).list_at(1), args, errs});
      req.registers[VAR_ARGSTR] = Value::str("");
      req.registers[VAR_DOBJ] = Value::obj(NOTHING);
      req.registers[VAR_DOBJSTR] = Value::str("");
      req.registers[VAR_PREPSTR] = Value::str("");
      req.registers[VAR_IOBJ] = Value::obj(NOTHING);
      req.registers[VAR_IOBJSTR] = Value::str("");
      req.delay = 0;
      req.this_obj = r;
      req.progr = ctx.progr;
      req.verb_name = "on:" + std::string(event);
      req.verb_names = "(event delivery)";
      req.player = f.player;
      req.deliver_to = r;
      ctx.host->fork(std::move(req));
      ++started;
    }
  }
  return Value::integer(started);
}

// Calls one on: verb; used by emit()'s delivery tasks. Any task may call it,
// as any task may emit: it reaches only executable event handlers (E_VERBNF
// for any other verb, as a call of a verb without x).
Value bf_deliver_event(BuiltinContext& ctx, std::span<Value> a) {
  if (ctx.resumed) return ctx.resume_value;
  World& w = world_of(ctx);
  int64_t d = a[1].as_obj();
  int64_t i = a[2].as_int();
  const Object* o = w.get(d);
  if (!w.valid(a[0].as_obj()) || !o) raise(E_INVIND);
  if (i < 0 || size_t(i) >= o->verbs.size() || o->verbs[size_t(i)].names.rfind("on:", 0) != 0) raise(E_VERBNF);
  // Only an executable handler: a verb without `x` may not be started from
  // outside its object, by an event or otherwise (object files' `on`
  // handlers are made with x).
  if (!(o->verbs[size_t(i)].perms & VF_EXEC)) raise(E_VERBNF);
  if (!w.is_a(a[0].as_obj(), d)) raise(E_INVARG);
  ctx.call = BuiltinContext::VerbCall{a[0].as_obj(), o->verbs[size_t(i)].names, a[3], Value::integer(0), false, nullptr};
  ctx.call->definer = d;
  ctx.call->verb_index = int(i);
  return Value::integer(0);
}

// load_source(text): text is a string or a list of lines. Returns {errors,
// objects}: each error "Line L, column C: message", and the objects the file
// defines. With errors nothing changed.
Value bf_load_source(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.is_wizard(ctx.progr)) raise(E_PERM);
  std::string text;
  if (a[0].is_str()) {
    text = std::string(a[0].as_str());
  } else if (a[0].is_list()) {
    for (uint32_t i = 0; i < a[0].list_len(); ++i) {
      if (!a[0].list_at(i).is_str()) raise(E_TYPE);
      text.append(a[0].list_at(i).as_str()).push_back('\n');
    }
  } else {
    raise(E_TYPE);
  }
  SourceLoadResult r = load_object_source(w, text, ctx.progr);
  Value errors = Value::empty_list(), objects = Value::empty_list();
  for (auto& e : r.errors) list_append(errors, Value::str(e.to_string()));
  for (int64_t id : r.objects) list_append(objects, Value::obj(id));
  return make_list({errors, objects});
}

// dump_source(obj): the object as an object file, a list of lines.
Value bf_dump_source(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t id = a[0].as_obj();
  if (!w.valid(id)) raise(E_INVARG);
  if (!w.is_wizard(ctx.progr) && !w.controls(ctx.progr, id)) raise(E_PERM);
  std::string text = dump_object_source(w, id, ctx.progr);
  Value lines = Value::empty_list();
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    list_append(lines, Value::str(std::string_view(text).substr(start, nl - start)));
    start = nl + 1;
  }
  return lines;
}

}  // namespace

void register_event_builtins(Builtins& b) {
  using T = ArgType;
  b.add({"emit", 2, 2, {T::Str, T::List}, bf_emit});
  b.add({"deliver_event", 4, 4, {T::Obj, T::Obj, T::Int, T::List}, bf_deliver_event});
  b.add({"load_source", 1, 1, {T::Any}, bf_load_source});
  b.add({"dump_source", 1, 1, {T::Obj}, bf_dump_source});
}

}  // namespace echo
