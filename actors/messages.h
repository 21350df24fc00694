// The messages between the runtime's actors and the sessions of net/.
#pragma once

#include <caf/atom.hpp>

namespace echo::actors {

// Task actors.
using run_atom = caf::atom_constant<caf::atom("run")>;        // run (or wait for) a slice

// Object actors: (int64_t task id) a task to start or wake, in mailbox order
// (an event handler, a command, a timer).
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;

// Sessions (net/): what the world sends to a connection.
using output_atom = caf::atom_constant<caf::atom("output")>;  // (std::string text): bytes to send
using close_atom = caf::atom_constant<caf::atom("close")>;    // flush and close

}  // namespace echo::actors
