// The messages between the runtime's actors and the sessions of net/.
#pragma once

#include <caf/atom.hpp>

namespace echo::actors {

// Task actors: (int64_t task id, uint64_t lease) run (or wait for) a slice
// of the task that leased the actor; a message of an older lease is stale.
using run_atom = caf::atom_constant<caf::atom("run")>;

// Object actors: (int64_t task id) a task to start or wake, in mailbox order
// (an event handler, a command, a timer).
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
// An object actor's own timer: stop if no message came since the last one.
using idle_check_atom = caf::atom_constant<caf::atom("idlechk")>;

// The runtime's inbox actor: handle the session events posted (no arguments).
using drain_atom = caf::atom_constant<caf::atom("drain")>;

// Sessions (net/): there is output (or a close) to take from the
// connection's OutputQueue (no arguments; one waits at most).
using output_atom = caf::atom_constant<caf::atom("output")>;
// Close now, without waiting for the client to take the output left (at
// shutdown, and a while after a close the client does not read).
using abort_atom = caf::atom_constant<caf::atom("abort")>;
// Read from the client again: the runtime has taken most of the input that
// made the session stop (InputMeter).
using resume_input_atom = caf::atom_constant<caf::atom("resumein")>;

}  // namespace echo::actors
