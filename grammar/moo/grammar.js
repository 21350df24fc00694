/**
 * Tree-sitter grammar for MOO: everything LambdaMOO 1.8 accepts, plus the
 * ToastStunt/mooR additions real cores use (maps, `for v, k in`, `^` as the
 * first index, bitwise operators, true/false).
 *
 * Operator precedence follows LambdaMOO's parser.y (lowest first):
 *   = (right)  ? | (right)  || &&  == != < <= > >= in  |. &. ^.  << >>
 *   + -  * / %  ^ (right)  ! - ~ (unary)  . : [ (postfix)
 * Note that `||` and `&&` share one level, and unary minus binds tighter
 * than `^` (so -2 ^ 2 is (-2) ^ 2), as in LambdaMOO. LambdaMOO makes `? |`
 * non-associative; here `a ? b | c ? d | e` nests to the right instead.
 *
 * Numbers and the three bitwise operators come from src/scanner.c so that
 * `1..2` lexes as 1 .. 2 and `2^.5` stays 2 ^ 0.5 (LambdaMOO's lexer rules).
 */

const PREC = {
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
};

const ERROR_CODES = [
  'E_NONE', 'E_TYPE', 'E_DIV', 'E_PERM', 'E_PROPNF', 'E_VERBNF', 'E_VARNF',
  'E_INVIND', 'E_RECMOVE', 'E_MAXREC', 'E_RANGE', 'E_ARGS', 'E_NACC',
  'E_INVARG', 'E_QUOTA', 'E_FLOAT', 'E_FILE', 'E_EXEC', 'E_INTRPT',
];

// A case-insensitive pattern for a keyword: MOO keywords ignore case.
function ci(word) {
  return new RegExp(word.split('').map((c) =>
    /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c).join(''));
}

// A keyword token, named `word` in the tree whatever its spelling.
function kw(word) {
  return alias(ci(word), word);
}

function commaSep1(rule) {
  return seq(rule, repeat(seq(',', rule)));
}

module.exports = grammar({
  name: 'moo',

  word: ($) => $.identifier,

  externals: ($) => [$.integer, $.float, $._bitxor, $._bitor, $._bitand],

  extras: ($) => [/\s/, $.comment],

  supertypes: ($) => [$._statement, $._expression],

  conflicts: ($) => [
    // `{a, @b}` is a list until `} =` shows it is a scattering assignment.
    [$._expression, $._scatter_item],
    [$._expression, $.scatter_rest],
  ],

  rules: {
    source_file: ($) => repeat($._statement),

    block: ($) => repeat1($._statement),

    _statement: ($) => choice(
      $.expression_statement,
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
    ),

    expression_statement: ($) => seq(field('expression', $._expression), ';'),

    empty_statement: (_) => ';',

    if_statement: ($) => seq(
      kw('if'), '(', field('condition', $._expression), ')',
      optional(field('consequence', $.block)),
      repeat($.elseif_clause),
      optional($.else_clause),
      kw('endif'),
    ),

    elseif_clause: ($) => seq(
      kw('elseif'), '(', field('condition', $._expression), ')',
      optional(field('consequence', $.block)),
    ),

    else_clause: ($) => seq(kw('else'), optional(field('body', $.block))),

    for_statement: ($) => seq(
      kw('for'), field('variable', $.identifier),
      optional(seq(',', field('index', $.identifier))),
      kw('in'), '(', field('iterable', $._expression), ')',
      optional(field('body', $.block)),
      kw('endfor'),
    ),

    for_range_statement: ($) => seq(
      kw('for'), field('variable', $.identifier),
      kw('in'), '[', field('from', $._expression), '..', field('to', $._expression), ']',
      optional(field('body', $.block)),
      kw('endfor'),
    ),

    while_statement: ($) => seq(
      kw('while'), optional(field('label', $.identifier)),
      '(', field('condition', $._expression), ')',
      optional(field('body', $.block)),
      kw('endwhile'),
    ),

    fork_statement: ($) => seq(
      kw('fork'), optional(field('label', $.identifier)),
      '(', field('delay', $._expression), ')',
      optional(field('body', $.block)),
      kw('endfork'),
    ),

    return_statement: ($) => seq(kw('return'), optional(field('value', $._expression)), ';'),

    break_statement: ($) => seq(kw('break'), optional(field('label', $.identifier)), ';'),

    continue_statement: ($) => seq(kw('continue'), optional(field('label', $.identifier)), ';'),

    try_statement: ($) => seq(
      kw('try'),
      optional(field('body', $.block)),
      choice(repeat1($.except_clause), $.finally_clause),
      kw('endtry'),
    ),

    except_clause: ($) => seq(
      kw('except'), optional(field('variable', $.identifier)),
      '(', field('codes', choice($.any, $.code_list)), ')',
      optional(field('body', $.block)),
    ),

    finally_clause: ($) => seq(kw('finally'), optional(field('body', $.block))),

    // ---------------------------------------------------------------- expressions

    _expression: ($) => choice(
      $.integer,
      $.float,
      $.string,
      $.object_id,
      $.error_code,
      $.true,
      $.false,
      $.identifier,
      $.system_property,
      $.system_verb_call,
      $.call_expression,
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

    _scatter_item: ($) => choice($.identifier, $.scatter_optional, $.scatter_rest),

    scatter_optional: ($) => seq('?', field('name', $.identifier),
      optional(seq('=', field('default', $._expression)))),

    scatter_rest: ($) => seq('@', field('name', $.identifier)),

    conditional_expression: ($) => prec.right(PREC.conditional, seq(
      field('condition', $._expression), '?',
      field('consequence', $._expression), '|',
      field('alternative', $._expression))),

    binary_expression: ($) => {
      const table = [
        [PREC.logical, choice('||', '&&')],
        [PREC.compare, choice('==', '!=', '<', '<=', '>', '>=', kw('in'))],
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

    call_expression: ($) => seq(field('function', $.identifier), field('arguments', $.argument_list)),

    system_property: ($) => seq('$', field('name', $.identifier)),

    system_verb_call: ($) => seq('$', field('name', $.identifier), field('arguments', $.argument_list)),

    argument_list: ($) => seq('(', optional(commaSep1(choice($._expression, $.splice))), ')'),

    splice: ($) => seq('@', field('expression', $._expression)),

    list: ($) => seq('{', optional(commaSep1(choice($._expression, $.splice))), '}'),

    map: ($) => seq('[', optional(commaSep1($.map_entry)), ']'),

    map_entry: ($) => seq(field('key', $._expression), '->', field('value', $._expression)),

    catch_expression: ($) => seq(
      '`', field('expression', $._expression), '!',
      field('codes', choice($.any, $.code_list)),
      optional(seq('=>', field('default', $._expression))),
      '\''),

    code_list: ($) => commaSep1(choice($._expression, $.splice)),

    any: (_) => ci('any'),

    // ------------------------------------------------------------------ tokens

    string: (_) => token(seq('"', repeat(choice(/[^"\\\n]/, /\\[^\n]/)), '"')),

    object_id: (_) => /#-?[0-9]+/,

    error_code: (_) => choice(...ERROR_CODES.map(kw)),

    true: (_) => ci('true'),
    false: (_) => ci('false'),

    comment: (_) => token(seq('/*', /[^*]*\*+([^/*][^*]*\*+)*/, '/')),

    // Last, so that keywords and error codes win over it (they are extracted as
    // keywords only when defined before the word token).
    identifier: (_) => /[A-Za-z_][A-Za-z0-9_]*/,
  },
});
