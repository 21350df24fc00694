// Keeps echo_actors non-empty until its first real source lands.
namespace echo::actors { int runtime_placeholder = 0; }
