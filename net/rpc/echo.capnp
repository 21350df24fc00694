# Echo's RPC API, version 1: the contract for external tools (docs/rpc.md).
#
# Everything is a capability. A client connects (TCP, Cap'n Proto's
# two-party protocol), gets the `Gate` as the bootstrap interface, and
# authenticates with a session token from a web login (POST /api/login) or
# with the wizard key the server writes beside its store (NAME.db/rpc.key,
# mode 0600). What it gets back is a `Session`: every call through it runs
# as that player, with MOO's permissions, exactly as the same request over
# HTTP would (the two share one implementation in the server). Nothing of
# the world can be reached without a Session.
#
# Errors. A refused login, a malformed request (a name too long, a syntax
# that is not "moo" or "echo") or a revoked token is a Cap'n Proto exception
# whose description says why. What the world answers (an uncaught E_PERM, a
# missing verb, a compile error) is an `Outcome` with `failed` set.
#
# Limits. A message is read with a traversal limit of 8 MiB and a nesting
# limit of 64; a value nests at most 30 deep (each level is two of those 64); code and verb source are at
# most 1 MiB, object references and names 256 bytes. Per connection: 2 MiB
# of calls waiting for their answers (then the server stops reading it),
# 256 calls not finished (then it is dropped: send Finish, as every Cap'n
# Proto library does when a response is released), 16 sessions and 4
# narratives; a client that leaves 4 MiB or 1024 answers unread is not read
# from, and is dropped after a minute of it. 256 connections, 64 from one
# address.
#
# Compatibility: fields and methods are only ever added, never renumbered;
# `Gate.version` says which version a server speaks.
@0x827e6e2353703598;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("echo::rpc::schema");

const protocolVersion :UInt32 = 1;

# A MOO value. MOO strings are bytes, hence Data. Maps keep MOO's key order.
struct Value {
  union {
    null @0 :Void;
    int @1 :Int64;
    float @2 :Float64;
    str @3 :Data;
    obj @4 :Int64;
    err @5 :Text;          # the error's name: "E_PERM"
    bool @6 :Bool;
    list @7 :List(Value);
    map @8 :List(Entry);
  }
  struct Entry {
    key @0 :Value;
    value @1 :Value;
  }
}

struct CompileError {
  line @0 :UInt32;         # 1-based
  column @1 :UInt32;       # 1-based
  message @2 :Text;
}

# What the world answered: a value, a failure, or a task still running.
struct Outcome {
  union {
    ok @0 :Value;
    failed @1 :Failure;
    # The call suspended or is reading: its task id. `Session.taskResult`
    # gives the outcome once it ends.
    running @2 :Int64;
  }
  struct Failure {
    # A MOO error's name ("E_PERM", "E_VERBNF" ...) or one of "not_found",
    # "compile_error", "aborted" (ticks or seconds), "killed", "bad_request",
    # "unavailable", "server_error".
    error @0 :Text;
    message @1 :Text;
    traceback @2 :List(Text);              # an uncaught MOO error's
    compileErrors @3 :List(CompileError);  # error == "compile_error"
  }
}

# The bootstrap interface: the only thing reachable before authenticating.
interface Gate {
  version @0 () -> (protocol :UInt32, server :Text);
  # A token from POST /api/login (64 hex digits). Refused (an exception)
  # when unknown, expired or revoked (logout, boot_player()).
  withToken @1 (token :Text) -> (session :Session);
  # The key of NAME.db/rpc.key. Acts as `player`, which must be a wizard;
  # -1: the lowest-numbered wizard player.
  withKey @2 (key :Text, player :Int64 = -1) -> (session :Session);
}

# An object is named as over HTTP: "#12", "12" or "$name" (a property of
# #0 holding an object).
interface Session {
  # Who this session acts as: {"id", "name", "flags", ...} as GET /api/players.
  whoami @0 () -> (outcome :Outcome);

  # Runs code as the player, as `;` does (programmers only; `this` is #-1).
  # `syntax` is "moo" (default) or "echo".
  eval @1 (code :Text, syntax :Text) -> (outcome :Outcome);
  # Calls a verb that has x, as a task through the object's actor.
  call @2 (object :Text, verb :Text, args :List(Value)) -> (outcome :Outcome);

  # The object as the player may see it (as GET /api/objects/{id}).
  object @3 (object :Text) -> (outcome :Outcome);
  getProperty @4 (object :Text, name :Text) -> (outcome :Outcome);
  setProperty @5 (object :Text, name :Text, value :Value) -> (outcome :Outcome);

  # The object's own verbs: a list of {"names", "owner", "perms", "args",
  # "syntax"} (E_PERM when the object is not readable).
  verbs @6 (object :Text) -> (outcome :Outcome);
  # One verb with its "source".
  getVerb @7 (object :Text, name :Text) -> (outcome :Outcome);
  # set_verb_code() as the player; a compile error is `failed` with
  # error "compile_error" and each error's line and column, and stores nothing.
  program @8 (object :Text, name :Text, source :Text, syntax :Text) -> (outcome :Outcome);

  # create(parent) and recycle(object) as the player.
  create @9 (parent :Text) -> (outcome :Outcome);
  recycle @10 (object :Text) -> (outcome :Outcome);

  # queued_tasks() as the player (a wizard sees every task).
  tasks @11 () -> (outcome :Outcome);
  # kill_task(id) as the player.
  killTask @12 (task :Int64) -> (outcome :Outcome);
  # The outcome of a call answered `running`, once it ended.
  taskResult @13 (task :Int64) -> (outcome :Outcome);

  # Wizards: a checkpoint now, as dump_database().
  snapshot @14 () -> (outcome :Outcome);
  # Wizards: the monitor's actors (at most `limit`, 1 to 1000; those whose
  # name or kind holds `filter`), tasks and connections, as GET /api/monitor.
  monitor @15 (filter :Text, limit :UInt32 = 200) -> (outcome :Outcome);

  # The player's narrative: a connection of the player is opened (as a
  # browser's is: #0:user_connected or user_reconnected runs), and what
  # the player hears goes to `listener` until the Narrative is dropped.
  # Flow control: lines wait in the server's output queue, bounded as a
  # telnet client's ($server_options.max_queued_output, the oldest dropped
  # with LambdaMOO's overflow notice), until the listener's calls return.
  subscribe @16 (listener :Listener) -> (narrative :Narrative);
}

interface Listener {
  # Lines the player heard, in order (without line ends).
  output @0 (lines :List(Data)) -> stream;
  # An Echo event addressed to the player or its room; `data` is its
  # argument list.
  event @1 (name :Text, source :Int64, target :Int64, data :Value) -> stream;
  # The connection ended (boot_player(), the server stopping ...).
  ended @2 (why :Text);
}

interface Narrative {
  # A line typed on the narrative's connection (a command, or input for a
  # task in read()), as telnet's.
  type @0 (line :Text);
}
