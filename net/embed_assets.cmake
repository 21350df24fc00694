# cmake -DDIR=net/assets -DFILES=a.html,b.js -DOUT=FILE.cpp -P embed_assets.cmake
# Writes FILE.cpp defining echo::net::find_asset() (net/assets.h): each
# file's text in a raw string literal with its MIME type, served at
# /assets/NAME (index.html also at /). A file given by an absolute path (one
# generated in the build tree) is served by its file name.
set(delim "ECHO_ASSET")
string(REPLACE "," ";" files "${FILES}")
set(body "")
set(table "")
set(i 0)
foreach(path IN LISTS files)
  if(IS_ABSOLUTE "${path}")
    get_filename_component(f "${path}" NAME)
  else()
    set(f "${path}")
    set(path "${DIR}/${f}")
  endif()
  file(READ "${path}" text)
  string(FIND "${text}" ")${delim}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path} contains )${delim}\", which would end the raw string early")
  endif()
  if(f MATCHES "\\.html$")
    set(mime "text/html; charset=utf-8")
  elseif(f MATCHES "\\.js$")
    set(mime "text/javascript; charset=utf-8")
  elseif(f MATCHES "\\.css$")
    set(mime "text/css; charset=utf-8")
  else()
    message(FATAL_ERROR "no MIME type for ${f}")
  endif()
  string(APPEND body "constexpr char kAsset${i}[] = R\"${delim}(${text})${delim}\";\n")
  string(APPEND table "    {\"${f}\", \"${mime}\", {kAsset${i}, sizeof(kAsset${i}) - 1}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}"
  "// Generated from net/assets/ by net/embed_assets.cmake; do not edit.\n"
  "#include \"net/assets.h\"\n\n"
  "namespace echo::net {\n\n"
  "namespace {\n\n"
  "${body}\n"
  "constexpr Asset kAssets[] = {\n${table}};\n\n"
  "}  // namespace\n\n"
  "const Asset* find_asset(std::string_view name) {\n"
  "  for (const Asset& a : kAssets)\n"
  "    if (a.name == name) return &a;\n"
  "  return nullptr;\n"
  "}\n\n"
  "}  // namespace echo::net\n")
