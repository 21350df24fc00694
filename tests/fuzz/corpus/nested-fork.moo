/* Nested fork bodies: the compiler kept a pointer into Program::forks across
   the inner fork's emplace_back (heap-use-after-free in Compiler::emit).
   LambdaCore's #71:21, #24:27 and toastcore's #71:7 nest forks like this. */
fork (0)
  fork (0)
  endfork
endfork
return 1;
