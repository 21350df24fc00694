/* Range assignment up to INT64_MAX: set_range computed `to + 1` (UBSan:
   signed integer overflow in vm_ops.cpp set_range). */
l = {1, 2, 3};
l[2..9223372036854775807] = {9};
s = "abc";
s[2..9223372036854775807] = "z";
return {l, s};
/* expect: => {{1, 9}, "az"} */
