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

# Argon2 for ToastStunt's argon2() / argon2_verify() (libargon2-dev); no CMake
# config is shipped, so find the header and library directly.
find_path(ARGON2_INCLUDE_DIR argon2.h)
find_library(ARGON2_LIBRARY argon2)
if(NOT ARGON2_INCLUDE_DIR OR NOT ARGON2_LIBRARY)
  message(FATAL_ERROR "libargon2 not found (argon2.h / libargon2): install libargon2-dev "
    "(apt-get install libargon2-dev, or ./echo.sh build)")
endif()
add_library(echo::argon2 UNKNOWN IMPORTED)
set_target_properties(echo::argon2 PROPERTIES IMPORTED_LOCATION ${ARGON2_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${ARGON2_INCLUDE_DIR})

# PCRE2 for ToastStunt's pcre_match() / pcre_replace() (libpcre2-dev).
find_path(PCRE2_INCLUDE_DIR pcre2.h)
find_library(PCRE2_LIBRARY pcre2-8)
if(NOT PCRE2_INCLUDE_DIR OR NOT PCRE2_LIBRARY)
  message(FATAL_ERROR "libpcre2 not found (pcre2.h / libpcre2-8): install libpcre2-dev "
    "(apt-get install libpcre2-dev, or ./echo.sh build)")
endif()
add_library(echo::pcre2 UNKNOWN IMPORTED)
set_target_properties(echo::pcre2 PROPERTIES IMPORTED_LOCATION ${PCRE2_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${PCRE2_INCLUDE_DIR})
