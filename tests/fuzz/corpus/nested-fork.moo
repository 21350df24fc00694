/* Nested fork bodies: the compiler kept a pointer into Program::forks across
   the inner fork's emplace_back (heap-use-after-free in Compiler::emit). */
fork (0)
  fork (0)
  endfork
endfork
return 1;
