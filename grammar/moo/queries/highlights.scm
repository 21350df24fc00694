; Syntax highlighting for MOO.

[
  "if" "elseif" "else" "endif"
  "for" "endfor" "while" "endwhile"
  "fork" "endfork"
  "try" "except" "finally" "endtry"
  "return" "break" "continue"
] @keyword

(binary_expression operator: "in" @keyword.operator)
(for_statement "in" @keyword)
(for_range_statement "in" @keyword)

(any) @constant.builtin
(error_code) @constant.builtin
[(true) (false)] @boolean

(integer) @number
(float) @number.float
(string) @string
(object_id) @constant
(comment) @comment

(first) @variable.builtin
(last) @variable.builtin

(system_property name: (identifier) @variable.builtin)
(system_verb_call name: (identifier) @function.method)
(call_expression function: (identifier) @function.builtin)
(verb_call verb: (identifier) @function.method)
(property_expression property: (identifier) @property)

(while_statement label: (identifier) @label)
(fork_statement label: (identifier) @label)
(break_statement label: (identifier) @label)
(continue_statement label: (identifier) @label)

(identifier) @variable

[
  "=" "==" "!=" "<" "<=" ">" ">=" "+" "-" "*" "/" "%" "^"
  "!" "~" "&&" "||" "|." "&." "^." "<<" ">>" "?" "|" "->" "=>" "@" ".."
] @operator

["(" ")" "[" "]" "{" "}"] @punctuation.bracket
["," ";" "." ":" "$" "`" "'"] @punctuation.delimiter
