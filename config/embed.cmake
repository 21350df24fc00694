# cmake -DDIR=config/world -DFILES=a.echo,b.echo -DBOOTSTRAP=bootstrap.moo -DOUT=FILE.cpp -P embed.cmake
# Writes FILE.cpp defining default_world_files() and default_world_bootstrap()
# (see default_world.h): each file's text in a raw string literal, the object
# files in the order FILES gives.
set(delim "ECHO_WORLD")
string(REPLACE "," ";" files "${FILES}")

function(embed_text path var)
  file(READ "${DIR}/${path}" text)
  string(FIND "${text}" ")${delim}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${DIR}/${path} contains )${delim}\", which would end the raw string early")
  endif()
  set(${var} "R\"${delim}(${text})${delim}\"" PARENT_SCOPE)
endfunction()

set(body "")
set(table "")
set(i 0)
foreach(f IN LISTS files)
  embed_text("${f}" literal)
  string(APPEND body "constexpr char kFile${i}[] = ${literal};\n")
  string(APPEND table "    {\"config/world/${f}\", {kFile${i}, sizeof(kFile${i}) - 1}},\n")
  math(EXPR i "${i} + 1")
endforeach()
embed_text("${BOOTSTRAP}" literal)
string(APPEND body "constexpr char kBootstrap[] = ${literal};\n")

file(WRITE "${OUT}"
  "// Generated from config/world/ by config/embed.cmake; do not edit.\n"
  "#include \"config/default_world.h\"\n\n"
  "namespace echo::config {\n\n"
  "namespace {\n\n"
  "${body}\n"
  "constexpr WorldFile kFiles[] = {\n${table}};\n\n"
  "}  // namespace\n\n"
  "std::span<const WorldFile> default_world_files() { return kFiles; }\n\n"
  "WorldFile default_world_bootstrap() {\n"
  "  return {\"config/world/${BOOTSTRAP}\", {kBootstrap, sizeof(kBootstrap) - 1}};\n"
  "}\n\n"
  "}  // namespace echo::config\n")
