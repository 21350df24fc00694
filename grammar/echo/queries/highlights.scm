; Syntax highlighting for Echo.

[
  "if" "elseif" "else" "endif"
  "for" "endfor" "while" "endwhile"
  "fork" "endfork"
  "try" "catch" "except" "finally" "endtry"
  "return" "break" "continue"
  "let" "const" "throw" "yield" "emit" "grant" "to" "revoke" "from"
  "fn" "endfn" "match"
  "object" "extends" "endobject"
  "property" "verb" "endverb" "function" "endfunction"
  "requires" "on" "where" "error" "thrown" "as" "endon"
  "define" "event" "capability" "query" "fact" "not"
] @keyword

(secure) @keyword.modifier

(binary_expression operator: "in" @keyword.operator)
(for_statement "in" @keyword)
(for_range_statement "in" @keyword)

(any) @constant.builtin
(error_code) @constant.builtin
[(true) (false)] @boolean
(null) @constant.builtin
(wildcard) @variable.builtin

(integer) @number
(float) @number.float
(string) @string
(object_id) @constant
(comment) @comment

(first) @variable.builtin
(last) @variable.builtin

(record_key) @property
(system_property name: (identifier) @variable.builtin)
(system_verb_call name: (identifier) @function.method)
(call_expression function: (identifier) @function.call)
(error_call code: (error_code) @constant.builtin)
(verb_call verb: (identifier) @function.method)
(property_expression property: (identifier) @property)

(function_expression name: (identifier) @function)
(function_definition name: (identifier) @function)
(verb_definition names: (string) @function)
(property_definition name: (_) @property)
(object_definition name: (identifier) @type)
(parent_list (identifier) @type)
(event_handler event: (identifier) @function)
(event_declaration name: (identifier) @function)
(emit_statement event: (identifier) @function.call)
(capability_declaration name: (identifier) @type)
(typed_parameter type: (identifier) @type)
(requires_clause (call_expression function: (identifier) @type))
(grant_statement capability: (call_expression function: (identifier) @type))
(revoke_statement capability: (call_expression function: (identifier) @type))
(atom relation: (identifier) @function)
(query_variable) @variable.parameter
(verb_argspec) @variable.builtin
(permission_list (identifier) @attribute)

(parameter_list (identifier) @variable.parameter)
(lambda parameters: (identifier) @variable.parameter)
(typed_parameter name: (identifier) @variable.parameter)

(while_statement label: (identifier) @label)
(fork_statement label: (identifier) @label)
(break_statement label: (identifier) @label)
(continue_statement label: (identifier) @label)

(identifier) @variable

[
  "=" "==" "!=" "<" "<=" ">" ">=" "+" "-" "*" "/" "%" "^"
  "!" "~" "&&" "||" "|." "&." "^." "<<" ">>" "?" "|" "->" "=>" "@" ".."
  ":-"
] @operator

["(" ")" "[" "]" "{" "}"] @punctuation.bracket
["," ";" "." ":" "$" "`" "'"] @punctuation.delimiter
