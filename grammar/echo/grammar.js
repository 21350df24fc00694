/**
 * Tree-sitter grammar for Echo's own syntax (../../../shared/design/ECHO-LANGUAGE.md
 * and README.md beside this file). Echo is a modern surface of MOO: every MOO
 * expression form of grammar/moo parses here with the same node and field names,
 * plus Echo's literals, functions, patterns, brace-form statements and the
 * definitions of object files.
 *
 * Differences from grammar/moo at the lexical level: keywords are lower case
 * and case-sensitive, error codes upper case; `//` comments; record keys
 * (`name:` followed by white space) come from src/scanner.c.
 *
 * Operator precedence follows grammar/moo (LambdaMOO's parser.y), lowest first:
 *   x => e (lambda, right)  = (right)  ? | (right)  || &&  == != < <= > >= in
 *   |. &. ^.  << >>  + -  * / %  ^ (right)  ! - ~ (unary)
 *   . : [ (args) (postfix)
 * A lambda's body extends as far to the right as it can.
 *
 * Ambiguities kept on purpose (GLR `conflicts` below, each explained there):
 * the keyword and brace forms of if/while/for/fn share a prefix (`if (c) {`),
 * a keyword catch's head and its body (`catch e (x);`), `(a) => e` starts
 * like `(a)`, `match (x)` like the builtin `match(s, p)`, and `{a, b} = x`
 * like a list (as in grammar/moo). README.md lists how each resolves.
 */

const PREC = {
  lambda: -1,
  assign: 1,
  conditional: 2,
  logical: 3,
  compare: 4,
  bitwise: 5,
  shift: 6,
  additive: 7,
  multiplicative: 8,
  power: 9,
  unary: 10,
  postfix: 11,
  call: 12,
};

const ERROR_CODES = [
  'E_NONE', 'E_TYPE', 'E_DIV', 'E_PERM', 'E_PROPNF', 'E_VERBNF', 'E_VARNF',
  'E_INVIND', 'E_RECMOVE', 'E_MAXREC', 'E_RANGE', 'E_ARGS', 'E_NACC',
  'E_INVARG', 'E_QUOTA', 'E_FLOAT', 'E_FILE', 'E_EXEC', 'E_INTRPT',
];

function commaSep1(rule) {
  return seq(rule, repeat(seq(',', rule)));
}

function commaSep(rule) {
  return optional(commaSep1(rule));
}

module.exports = grammar({
  name: 'echo',

  word: ($) => $.identifier,

  externals: ($) => [
    $.integer, $.float, $._bitxor, $._bitor, $._bitand, $.record_key,
    // Never used by a rule: valid only during error recovery, where the
    // scanner then declines to produce record keys.
    $._error_sentinel,
  ],

  extras: ($) => [/\s/, $.comment],

  supertypes: ($) => [$._statement, $._expression],

  // Expanded in place, so `for x in [` is still open to a range.
  inline: ($) => [$._for_variables, $._variable],

  conflicts: ($) => [
    // `{?b}` is a list holding a query variable until `} =` shows a pattern.
    [$._expression, $.scatter_optional],
    // `fn f(x) ... endfn` at a statement's start: a declaration, unless an
    // operator or call follows (then an expression statement).
    [$.function_declaration, $.function_expression],
    // `{a, @b}` is a list until `} =` shows it is a scattering assignment
    // (as in grammar/moo); `(a)` is a parenthesized expression until `=>`
    // shows it is a lambda's parameter_list.
    [$._expression, $._scatter_item],
    [$._expression, $.scatter_rest],
    // `if (c) {` starts the brace form (condition `(c)`) or the keyword form
    // whose first statement begins with `{`, `(`, `[` or `-`; likewise
    // `while (c)`, `while x (c)` (label or call), `for x in (xs)`,
    // `for i in [a..b] {` and `fn (a) {` (brace_block or list). Both are
    // tried; the one that fails to reach its `}` or `end...` is dropped, and
    // where both succeed the brace form wins (prec.dynamic).
    [$.if_statement, $.parenthesized_expression],
    [$.while_statement, $.parenthesized_expression],
    [$.while_statement, $.argument_list],
    [$.for_statement, $.parenthesized_expression],
    [$.brace_block, $.list],
    // Keyword `catch e (CODES)` against `catch` followed by a body that
    // starts with `e;`, `e(...)` or `(...)`: both are tried; where both
    // parse, the body wins (prec.dynamic(-1) in _catch_head). The same
    // holds for `on error thrown (CODES)`.
    [$._catch_head, $._expression],
    [$.code_list, $.parenthesized_expression],
    [$.code_list, $.argument_list],
    [$.argument_list, $.parenthesized_expression],
    // `match (x) {` is a match expression, `match(s, p)` MOO's builtin: the
    // token after `)` (or a `,`) tells.
    [$._contextual_name, $.match_expression],
  ],

  // Resolved statically instead (no GLR): a verb's `(perms)` after its
  // argspec (permission_list), `catch (name) {` as the variable
  // (_brace_except_clause), a name before `=>` in a catch expression's codes
  // or a match guard (lambda's lowest precedence), and a name, `$name` or
  // error code before `(` as a call (PREC.call).

  rules: {
    source_file: ($) => repeat(choice($._statement, $._definition)),

    block: ($) => repeat1($._statement),

    brace_block: ($) => seq('{', repeat($._statement), '}'),

    _statement: ($) => choice(
      $.expression_statement,
      $.function_declaration,
      $.empty_statement,
      $.if_statement,
      $.for_statement,
      $.for_range_statement,
      $.while_statement,
      $.fork_statement,
      $.return_statement,
      $.break_statement,
      $.continue_statement,
      $.try_statement,
      $.let_declaration,
      $.const_declaration,
      $.throw_statement,
      $.yield_statement,
      $.emit_statement,
      $.grant_statement,
      $.revoke_statement,
    ),

    expression_statement: ($) => seq(field('expression', $._expression), ';'),

    // `fn name(...) ... endfn` as a statement declares `name` (no `;` after
    // it); preferred over an expression statement holding a named fn.
    function_declaration: ($) => prec.dynamic(2, seq(
      'fn', field('name', $.identifier),
      field('parameters', $.parameter_list),
      choice(
        seq(optional(field('body', $.block)), 'endfn'),
        field('body', $.brace_block),
      ),
    )),

    empty_statement: (_) => ';',

    // ------------------------------------------------------------ control flow

    if_statement: ($) => choice(
      seq(
        'if', '(', field('condition', $._expression), ')',
        optional(field('consequence', $.block)),
        repeat($.elseif_clause),
        optional($.else_clause),
        'endif',
      ),
      // prec.right: an `else` after a brace-form if belongs to it (also
      // inside a keyword-form if's body).
      prec.right(prec.dynamic(1, seq(
        'if', field('condition', $._expression),
        field('consequence', $.brace_block),
        optional(alias($._brace_else_clause, $.else_clause)),
      ))),
    ),

    elseif_clause: ($) => seq(
      'elseif', '(', field('condition', $._expression), ')',
      optional(field('consequence', $.block)),
    ),

    else_clause: ($) => seq('else', optional(field('body', $.block))),

    // `else { }` or `else if ...` after a brace-form consequence.
    _brace_else_clause: ($) => seq('else', field('body', choice($.brace_block, $.if_statement))),

    for_statement: ($) => choice(
      seq(
        'for', $._for_variables, 'in', '(', field('iterable', $._expression), ')',
        optional(field('body', $.block)),
        'endfor',
      ),
      prec.dynamic(1, seq(
        'for', $._for_variables, 'in', field('iterable', $._expression),
        field('body', $.brace_block),
      )),
    ),

    // `for v in`, `for v, k in` (ToastStunt: value, then key or index) and
    // `for [k, v] in` (key or index first): variable is always the value.
    _for_variables: ($) => choice(
      seq(field('variable', $.identifier), optional(seq(',', field('index', $.identifier)))),
      seq('[', field('index', $.identifier), ',', field('variable', $.identifier), ']'),
    ),

    for_range_statement: ($) => seq(
      'for', field('variable', $.identifier),
      'in', '[', field('from', $._expression), '..', field('to', $._expression), ']',
      choice(
        seq(optional(field('body', $.block)), 'endfor'),
        prec.dynamic(1, field('body', $.brace_block)),
      ),
    ),

    while_statement: ($) => choice(
      seq(
        'while', optional(field('label', $.identifier)),
        '(', field('condition', $._expression), ')',
        optional(field('body', $.block)),
        'endwhile',
      ),
      prec.dynamic(1, seq(
        'while', field('condition', $._expression), field('body', $.brace_block),
      )),
    ),

    fork_statement: ($) => seq(
      'fork', optional(field('label', $.identifier)),
      '(', field('delay', $._expression), ')',
      optional(field('body', $.block)),
      'endfork',
    ),

    return_statement: ($) => seq('return', optional(field('value', $._expression)), ';'),

    break_statement: ($) => seq('break', optional(field('label', $.identifier)), ';'),

    continue_statement: ($) => seq('continue', optional(field('label', $.identifier)), ';'),

    try_statement: ($) => choice(
      seq(
        'try',
        optional(field('body', $.block)),
        choice(seq(repeat1($.except_clause), optional($.finally_clause)), $.finally_clause),
        'endtry',
      ),
      // prec.right: inside a keyword-form body, a `catch`, `except` or
      // `finally` after a brace-form try belongs to that try (as a dangling
      // else belongs to the nearest if).
      prec.right(prec.dynamic(1, seq(
        'try',
        field('body', $.brace_block),
        choice(
          seq(
            repeat1(alias($._brace_except_clause, $.except_clause)),
            optional(alias($._brace_finally_clause, $.finally_clause)),
          ),
          alias($._brace_finally_clause, $.finally_clause),
        ),
      ))),
    ),

    // Keyword form: `catch e (E_PERM, E_INVARG)`, `except (ANY)`, `catch e`,
    // `catch` (no codes: everything).
    except_clause: ($) => seq(
      choice('catch', 'except'),
      optional($._catch_head),
      optional(field('body', $.block)),
    ),

    // prec.dynamic(-1): where `catch NAME(ARGS);`, `catch NAME;` or
    // `catch (X);` parse both as a head and as a body, the body wins: a
    // catch-all whose first statement is a call (`catch` newline
    // `notify(player, "x");`) is common, a `;` right after a head is not.
    _catch_head: ($) => prec.dynamic(-1, choice(
      seq(field('variable', $.identifier),
        optional(seq('(', field('codes', choice($.any, $.code_list)), ')'))),
      seq('(', field('codes', choice($.any, $.code_list)), ')'),
    )),

    // Brace form: `catch (e) { }` (e is the variable, everything is caught),
    // `catch e (E_PERM) { }`, `catch (E_PERM) { }`, `catch { }`.
    _brace_except_clause: ($) => seq(
      choice('catch', 'except'),
      optional(choice(
        prec(1, seq('(', field('variable', $.identifier), ')')),
        seq(
          optional(field('variable', $.identifier)),
          '(', field('codes', choice($.any, $.code_list)), ')',
        ),
        field('variable', $.identifier),
      )),
      field('body', $.brace_block),
    ),

    finally_clause: ($) => seq('finally', optional(field('body', $.block))),

    _brace_finally_clause: ($) => seq('finally', field('body', $.brace_block)),

    // ------------------------------------------------------ Echo's statements

    let_declaration: ($) => seq('let', $._declaration),

    const_declaration: ($) => seq('const', $._declaration),

    _declaration: ($) => seq(
      field('pattern', choice($.identifier, $.scatter_pattern)),
      optional(seq('=', field('value', $._expression))),
      ';',
    ),

    throw_statement: ($) => seq('throw', field('value', $._expression), ';'),

    yield_statement: (_) => seq('yield', ';'),

    emit_statement: ($) => seq(
      'emit', field('event', $.identifier), field('arguments', $.argument_list), ';'),

    grant_statement: ($) => seq(
      'grant', field('capability', $.call_expression), 'to', field('target', $._expression), ';'),

    revoke_statement: ($) => seq(
      'revoke', field('capability', $.call_expression), 'from', field('target', $._expression), ';'),

    // ------------------------------------------------------------ expressions

    _expression: ($) => choice(
      $.integer,
      $.float,
      $.string,
      $.object_id,
      $.error_code,
      $.true,
      $.false,
      $.null,
      $.query_variable,  // `?d`: an unbound place in query_all's pattern
      $._variable,
      $.system_property,
      $.system_verb_call,
      $.call_expression,
      $.apply_expression,
      $.error_call,
      $.property_expression,
      $.verb_call,
      $.index_expression,
      $.range_expression,
      $.first,
      $.last,
      $.unary_expression,
      $.binary_expression,
      $.conditional_expression,
      $.assignment_expression,
      $.scatter_assignment,
      $.list,
      $.map,
      $.record,
      $.lambda,
      $.function_expression,
      $.match_expression,
      $.catch_expression,
      $.parenthesized_expression,
    ),

    parenthesized_expression: ($) => seq('(', field('expression', $._expression), ')'),

    assignment_expression: ($) => prec.right(PREC.assign, seq(
      field('left', $._expression), '=', field('right', $._expression))),

    // Preferred over assigning to a list literal when both parse.
    scatter_assignment: ($) => prec.dynamic(1, prec.right(PREC.assign, seq(
      field('left', $.scatter_pattern), '=', field('right', $._expression)))),

    scatter_pattern: ($) => seq('{', commaSep1($._scatter_item), '}'),

    _scatter_item: ($) => choice($._variable, $.scatter_optional, $.scatter_rest),

    // A variable where an expression could also start: `{object, @match} = args`.
    _variable: ($) => choice($.identifier, alias($._contextual_name, $.identifier)),

    // `?name` lexes as one query_variable token where an expression may
    // start (a list element), so an optional target accepts it as its name.
    scatter_optional: ($) => seq(
      choice(seq('?', field('name', $.identifier)), field('name', $.query_variable)),
      optional(seq('=', field('default', $._expression)))),

    scatter_rest: ($) => seq('@', field('name', $._variable)),

    conditional_expression: ($) => prec.right(PREC.conditional, seq(
      field('condition', $._expression), '?',
      field('consequence', $._expression), '|',
      field('alternative', $._expression))),

    binary_expression: ($) => {
      const table = [
        [PREC.logical, choice('||', '&&')],
        [PREC.compare, choice('==', '!=', '<', '<=', '>', '>=', 'in')],
        [PREC.bitwise, choice(alias($._bitor, '|.'), alias($._bitand, '&.'),
          alias($._bitxor, '^.'))],
        [PREC.shift, choice('<<', '>>')],
        [PREC.additive, choice('+', '-')],
        [PREC.multiplicative, choice('*', '/', '%')],
      ];
      return choice(
        ...table.map(([p, op]) => prec.left(p, seq(
          field('left', $._expression), field('operator', op), field('right', $._expression)))),
        prec.right(PREC.power, seq(
          field('left', $._expression), field('operator', '^'), field('right', $._expression))),
      );
    },

    unary_expression: ($) => prec(PREC.unary, seq(
      field('operator', choice('!', '-', '~')), field('operand', $._expression))),

    property_expression: ($) => prec(PREC.postfix, seq(
      field('object', $._expression), '.',
      field('property', choice($.identifier, $.parenthesized_expression)))),

    verb_call: ($) => prec(PREC.postfix, seq(
      field('object', $._expression), ':',
      field('verb', choice($.identifier, $.parenthesized_expression)),
      field('arguments', $.argument_list))),

    index_expression: ($) => prec(PREC.postfix, seq(
      field('object', $._expression), '[', field('index', $._expression), ']')),

    range_expression: ($) => prec(PREC.postfix, seq(
      field('object', $._expression), '[',
      field('from', $._expression), '..', field('to', $._expression), ']')),

    // `^` and `$` inside an index or range: the first and last positions.
    first: (_) => '^',
    last: (_) => '$',

    // `name(args)`: a builtin, or a function held by a variable in scope.
    call_expression: ($) => prec(PREC.call, seq(
      field('function', $._variable),
      field('arguments', $.argument_list))),

    // Keywords that are also common MOO names, where a statement or
    // expression may start: `match(subject, pattern)` is MOO's builtin and
    // `object` a common variable. They are keywords only where their
    // construct fits (`match x {`, a top-level `object name`).
    _contextual_name: (_) => choice('match', 'object'),

    // Any other expression called: `this.handler(x)`, `(x => x)(1)`, `f(1)(2)`.
    // A bare name, `$name` or an error code before `(` is a call_expression,
    // system_verb_call or error_call instead (PREC.call beats PREC.postfix).
    apply_expression: ($) => prec(PREC.postfix, seq(
      field('function', $._expression), field('arguments', $.argument_list))),

    // `E_PERM("message")`, `E_PERM("message", value)`.
    error_call: ($) => prec(PREC.call, seq(
      field('code', $.error_code), field('arguments', $.argument_list))),

    system_property: ($) => seq('$', field('name', $.identifier)),

    system_verb_call: ($) => prec(PREC.call, seq(
      '$', field('name', $.identifier), field('arguments', $.argument_list))),

    argument_list: ($) => seq('(', commaSep(choice($._expression, $.splice)), ')'),

    splice: ($) => seq('@', field('expression', $._expression)),

    // `{1, 2}` (MOO) and `[1, 2]` (Echo) are both lists.
    list: ($) => choice(
      seq('{', commaSep(choice($._expression, $.splice)), '}'),
      seq('[', commaSep(choice($._expression, $.splice)), ']'),
    ),

    // `["a" -> 1]`; `[->]` is the empty map.
    map: ($) => seq('[', choice('->', commaSep1($.map_entry)), ']'),

    map_entry: ($) => seq(field('key', $._expression), '->', field('value', $._expression)),

    // `{name: "x", size: 3}`; a record_key is a name followed by `:` and
    // white space (src/scanner.c), so `{this:name()}` stays a verb call.
    record: ($) => seq('{', commaSep1($.record_entry), '}'),

    record_entry: ($) => seq(field('key', $.record_key), ':', field('value', $._expression)),

    catch_expression: ($) => seq(
      '`', field('expression', $._expression), '!',
      field('codes', choice($.any, $.code_list)),
      optional(seq('=>', field('default', $._expression))),
      '\''),

    code_list: ($) => commaSep1(choice($._expression, $.splice)),

    any: (_) => choice('ANY', 'any'),

    // `x => x * 2`, `(a, ?b = 1, @rest) => a + b`. The lowest precedence: the
    // body takes everything to its right, and where an expression may be
    // followed by `=>` (a catch expression's codes, a match guard) a name
    // before `=>` ends that expression instead of starting a lambda.
    lambda: ($) => prec.right(PREC.lambda, seq(
      field('parameters', choice($.parameter_list, $.identifier)),
      '=>',
      field('body', $._expression))),

    parameter_list: ($) => seq('(', commaSep($._scatter_item), ')'),

    // `fn (params) ... endfn`, `fn name(params) ... endfn`, `fn (params) { }`.
    function_expression: ($) => seq(
      'fn', optional(field('name', $.identifier)),
      field('parameters', $.parameter_list),
      choice(
        seq(optional(field('body', $.block)), 'endfn'),
        prec.dynamic(1, field('body', $.brace_block)),
      ),
    ),

    // `match x { pattern => value, pattern if guard => value, }`
    match_expression: ($) => seq(
      'match', field('value', $._expression),
      '{', commaSep($.match_arm), optional(','), '}',
    ),

    match_arm: ($) => seq(
      field('pattern', $._pattern),
      optional(seq('if', field('guard', $._expression))),
      '=>',
      field('value', $._expression),
    ),

    _pattern: ($) => choice(
      $.wildcard,
      $.identifier,
      $.list_pattern,
      $.alternative_pattern,
      $.integer,
      $.float,
      $.string,
      $.object_id,
      $.system_property,
      $.error_code,
      $.true,
      $.false,
      $.null,
      alias($._negative_number, $.unary_expression),
    ),

    wildcard: (_) => '_',

    _negative_number: ($) => seq(field('operator', '-'), field('operand', choice($.integer, $.float))),

    list_pattern: ($) => seq('[', commaSep(choice($._pattern, $.scatter_rest)), ']'),

    alternative_pattern: ($) => prec.left(seq($._pattern, '|', $._pattern)),

    // ------------------------------------------------------------ definitions

    _definition: ($) => choice(
      $.object_definition,
      $.event_declaration,
      $.capability_declaration,
    ),

    object_definition: ($) => seq(
      'object', field('name', $._object_name),
      optional(seq('extends', field('parents', $.parent_list))),
      repeat(field('members', $._member)),
      'endobject',
    ),

    _object_name: ($) => choice($.identifier, $.object_id, $.system_property),

    parent_list: ($) => commaSep1($._object_name),

    _member: ($) => choice(
      $.property_definition,
      $.verb_definition,
      $.function_definition,
      $.event_handler,
      $.error_handler,
      $.query_rule,
      $.fact,
      $.event_declaration,
      $.capability_declaration,
    ),

    // `property name (r, w) = value;`
    property_definition: ($) => seq(
      'property', field('name', choice($.identifier, $.string)),
      optional(field('permissions', $.permission_list)),
      optional(seq('=', field('value', $._expression))),
      ';',
    ),

    // prec(1): after a verb's argspec, `(name, ...)` is always its
    // permissions, never a body starting with `(x)` or `(x) => ...`.
    permission_list: ($) => prec(1, seq('(', commaSep($.identifier), ')')),

    secure: (_) => 'secure',

    // `verb "names" (dobj, prep, iobj) (perms) requires Cap(args) ... endverb`
    verb_definition: ($) => seq(
      optional(field('secure', $.secure)),
      'verb', field('names', $.string),
      field('argspec', $.verb_argspec),
      optional(field('permissions', $.permission_list)),
      optional(field('requires', $.requires_clause)),
      optional(field('body', $.block)),
      'endverb',
    ),

    // Each is a name (`this`, `none`, `any`, `with`...) or a string for a
    // preposition of several words (`"in front of"`).
    verb_argspec: ($) => seq(
      '(',
      field('dobj', $.identifier), ',',
      field('prep', choice($.identifier, $.string)), ',',
      field('iobj', $.identifier),
      ')',
    ),

    function_definition: ($) => seq(
      optional(field('secure', $.secure)),
      'function', field('name', $.identifier),
      field('parameters', $.parameter_list),
      optional(field('requires', $.requires_clause)),
      optional(field('body', $.block)),
      'endfunction',
    ),

    requires_clause: ($) => seq('requires', commaSep1($.call_expression)),

    // `on name(params) where condition ... endon`
    event_handler: ($) => seq(
      'on', field('event', $.identifier),
      field('parameters', $.parameter_list),
      optional(seq('where', field('condition', $._expression))),
      optional(field('body', $.block)),
      'endon',
    ),

    // `on error thrown as e (E_PERM, E_INVARG) ... endon`
    error_handler: ($) => seq(
      'on', 'error', 'thrown',
      optional(seq('as', field('variable', $.identifier))),
      optional($._handler_codes),
      optional(field('body', $.block)),
      'endon',
    ),

    // prec.dynamic(-1) as in _catch_head: `on error thrown (x);` is a body.
    _handler_codes: ($) => prec.dynamic(-1, seq(
      '(', field('codes', choice($.any, $.code_list)), ')')),

    // `define event name(params);`
    event_declaration: ($) => seq(
      'define', 'event', field('name', $.identifier),
      field('parameters', $.parameter_list), ';',
    ),

    // `define capability Name(doc: Object, reader: Player);`
    capability_declaration: ($) => seq(
      'define', 'capability', field('name', $.identifier),
      '(', commaSep($.typed_parameter), ')', ';',
    ),

    typed_parameter: ($) => seq(
      field('name', $.identifier),
      optional(seq(':', field('type', $.identifier))),
    ),

    // `query head(args) :- atom, not atom, X != Y.`
    query_rule: ($) => seq(
      'query', field('head', $.atom), ':-',
      commaSep1(field('body', choice(
        $.atom,
        $.negation,
        alias($._comparison, $.binary_expression),
      ))),
      '.',
    ),

    // `fact name(args).`
    fact: ($) => seq('fact', $.atom, '.'),

    atom: ($) => seq(
      field('relation', $.identifier),
      '(', commaSep(field('term', $._term)), ')',
    ),

    negation: ($) => seq(choice('not', '!'), $.atom),

    _comparison: ($) => seq(
      field('left', $._term),
      field('operator', choice('==', '!=', '<', '<=', '>', '>=')),
      field('right', $._term),
    ),

    _term: ($) => choice(
      $.identifier,
      $.query_variable,
      $.atom,
      $.integer,
      $.float,
      $.string,
      $.object_id,
      $.system_property,
      $.error_code,
      $.true,
      $.false,
      $.null,
    ),

    query_variable: (_) => /\?[A-Za-z_][A-Za-z0-9_]*/,

    // ------------------------------------------------------------------ tokens

    string: (_) => token(seq('"', repeat(choice(/[^"\\\n]/, /\\[^\n]/)), '"')),

    object_id: (_) => /#-?[0-9]+/,

    error_code: (_) => choice(...ERROR_CODES),

    true: (_) => 'true',
    false: (_) => 'false',
    null: (_) => 'null',

    comment: (_) => token(choice(
      seq('/*', /[^*]*\*+([^/*][^*]*\*+)*/, '/'),
      seq('//', /[^\n]*/),
    )),

    identifier: (_) => /[A-Za-z_][A-Za-z0-9_]*/,
  },
});
