# Finds every library of the design (see ../shared/design/ARCHITECTURE.md) and
# exposes each as an imported target. Packages are Debian 12's; .ci/run installs them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# C++ Actor Framework 0.17 (libcaf-dev) ships no CMake config.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
find_library(CAF_IO_LIBRARY caf_io REQUIRED)
add_library(caf::core UNKNOWN IMPORTED)
set_target_properties(caf::core PROPERTIES IMPORTED_LOCATION ${CAF_CORE_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR} INTERFACE_LINK_LIBRARIES Threads::Threads)
add_library(caf::io UNKNOWN IMPORTED)
set_target_properties(caf::io PROPERTIES IMPORTED_LOCATION ${CAF_IO_LIBRARY}
  INTERFACE_LINK_LIBRARIES caf::core)

# tree-sitter runtime (libtree-sitter-dev); its .pc claims 0.6.3, so no version.
pkg_check_modules(TREE_SITTER REQUIRED IMPORTED_TARGET tree-sitter)

# RocksDB 7.8 (librocksdb-dev): its config appends to CMAKE_MODULE_PATH.
set(_echo_saved_module_path ${CMAKE_MODULE_PATH})
find_package(RocksDB CONFIG REQUIRED)
set(CMAKE_MODULE_PATH ${_echo_saved_module_path})

# Cap'n Proto 0.9 with RPC (capnproto, libcapnp-dev).
find_package(CapnProto CONFIG REQUIRED)

# LLVM 14 ORC (llvm-14-dev), for lang/jit.
if(ECHO_JIT)
  find_package(LLVM 14 CONFIG REQUIRED HINTS /usr/lib/llvm-14/lib/cmake/llvm)
  message(STATUS "LLVM ${LLVM_PACKAGE_VERSION} at ${LLVM_DIR}")
endif()

# CivetWeb 1.15 (libcivetweb-dev + civetweb for the CMake config).
find_package(civetweb CONFIG REQUIRED)

# Catch2 v2 (catch2).
find_package(Catch2 2 REQUIRED)
include(Catch)

# Line editing for the REPL (libedit-dev).
pkg_check_modules(LIBEDIT REQUIRED IMPORTED_TARGET libedit)

# crypt(3) for the crypt() builtin (libcrypt-dev), OpenSSL for hashes (libssl-dev).
find_library(CRYPT_LIBRARY crypt REQUIRED)
find_package(OpenSSL REQUIRED)

# Libraries that ship no CMake config: find the header and the library
# directly and wrap them as an imported target echo::<target>.
function(echo_find_plain_library target header library package)
  string(TOUPPER ${target} var)
  find_path(${var}_INCLUDE_DIR ${header})
  find_library(${var}_LIBRARY ${library})
  if(NOT ${var}_INCLUDE_DIR OR NOT ${var}_LIBRARY)
    message(FATAL_ERROR "${library} not found (${header} / lib${library}): install ${package} "
      "(apt-get install ${package}, or ./echo.sh build)")
  endif()
  add_library(echo::${target} UNKNOWN IMPORTED GLOBAL)
  set_target_properties(echo::${target} PROPERTIES IMPORTED_LOCATION ${${var}_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${${var}_INCLUDE_DIR})
endfunction()

# Argon2 for ToastStunt's argon2() / argon2_verify().
echo_find_plain_library(argon2 argon2.h argon2 libargon2-dev)
# PCRE2 for ToastStunt's pcre_match() / pcre_replace().
echo_find_plain_library(pcre2 pcre2.h pcre2-8 libpcre2-dev)
# GNU Aspell for ToastStunt's spellcheck(); its English dictionary is aspell-en.
echo_find_plain_library(aspell aspell.h aspell libaspell-dev)
