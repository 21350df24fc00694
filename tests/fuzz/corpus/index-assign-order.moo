/* Assignment to an index (or range) whose right side reassigns the variable:
   LambdaMOO pushes the variable's value before evaluating the right side
   (code_gen.c push_lvalue), so the base is the old value. */
x = {0, 0};
x[1] = (x = 7);
y = {0, 0};
y[1] = y[2] = 5;
z = {1, 2, 3};
z[2..3] = (z = {9});
return {x, y, z};
/* expect: => {{7, 0}, {5, 0}, {1, 9}} */
