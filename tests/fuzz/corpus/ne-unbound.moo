/* != with an unbound operand in a condition (JNE): not_equal_bool read the
   uninitialised result of equal_bool (UBSan: invalid bool load). */
x = 1;
if (x != y)
endif
