# cmake -DIN=SCRIPT -DOUT=FILE.cpp -P embed.cmake
# Writes FILE.cpp defining echo::config::default_world_script() (see
# default_world.h) as SCRIPT's text in a raw string literal.
file(READ "${IN}" text)
set(delim "ECHO_MOO")
string(FIND "${text}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains )${delim}\", which would end the raw string early")
endif()
file(WRITE "${OUT}"
  "// Generated from config/default-world.moo by config/embed.cmake; do not edit.\n"
  "#include \"config/default_world.h\"\n\n"
  "namespace echo::config {\n\n"
  "std::string_view default_world_script() {\n"
  "  static constexpr char kScript[] = R\"${delim}(${text})${delim}\";\n"
  "  return {kScript, sizeof(kScript) - 1};\n"
  "}\n\n"
  "}  // namespace echo::config\n")
