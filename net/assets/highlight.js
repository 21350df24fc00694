// Syntax highlighting for the verb editor, MOO or Echo. What is coloured
// how comes from the grammars' own queries (grammar/*/queries/highlights.scm),
// turned into tables at build time (syntax_words.js, by
// net/highlight_words.cmake): keywords, operators and punctuation, the
// captures of named nodes, and those of a node in a field of another.
// This file only recognises the tokens (the grammars' lexical rules) and,
// for an identifier, which field it stands in from its neighbours: a
// lexer's view of the tree, good enough for colour while typing.
import {MOO, ECHO} from "./syntax_words.js";

const TABLES = {moo: prepare(MOO, true), echo: prepare(ECHO, false)};

// MOO keywords and error names ignore case (grammar/moo's kw()); Echo's do not.
function prepare(t, ignoreCase) {
  const fields = new Map();
  for (const [parent, field, node, cap] of t.fields) {
    const key = `${parent}.${field}.${node}`;
    if (!fields.has(key)) fields.set(key, cap);  // the first pattern wins
  }
  const symbols = Object.keys(t.strings).filter((s) => !/^[A-Za-z_]/.test(s))
    .sort((a, b) => b.length - a.length);  // longest first: "==" before "="
  const words = new Map();
  for (const [w, cap] of Object.entries(t.strings))
    if (/^[A-Za-z_]/.test(w)) words.set(ignoreCase ? w.toLowerCase() : w, cap);
  const errors = new Set(t.errorCodes.map((e) => (ignoreCase ? e.toLowerCase() : e)));
  return {...t, fields, symbols, words, errors, ignoreCase,
          comment: ignoreCase ? /\/\*[\s\S]*?(?:\*\/|$)/y : /\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*/y};
}

const SPACE = /\s+/y;
const STRING = /"(?:[^"\\\n]|\\.)*"?/y;  // an open string runs to the line's end
const OBJECT_ID = /#-?[0-9]+/y;
const FLOAT = /[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+|\.[0-9]+(?:[eE][-+]?[0-9]+)?/y;
const INTEGER = /[0-9]+/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const QUERY_VARIABLE = /\?[A-Za-z_][A-Za-z0-9_]*/y;

function at(rx, text, i) {
  rx.lastIndex = i;
  const m = rx.exec(text);
  return m ? m[0].length : 0;
}

// The field an identifier stands in, guessed from the tokens around it:
// [parent, field] as the queries name them, or null.
const AFTER_WORD = {
  while: ["while_statement", "label"], fork: ["fork_statement", "label"],
  break: ["break_statement", "label"], continue: ["continue_statement", "label"],
  fn: ["function_definition", "name"], function: ["function_definition", "name"],
  object: ["object_definition", "name"], extends: ["parent_list", ""],
  on: ["event_handler", "event"], emit: ["emit_statement", "event"],
  capability: ["capability_declaration", "name"], event: ["event_declaration", "name"],
};

function identifierField(prev, prevAdjacent, nextChar) {
  if (prev === "$" && prevAdjacent)
    return nextChar === "(" ? ["system_verb_call", "name"] : ["system_property", "name"];
  if (prev === ":") return ["verb_call", "verb"];
  if (prev === ".") return ["property_expression", "property"];
  if (AFTER_WORD[prev]) return AFTER_WORD[prev];
  if (nextChar === "(") return ["call_expression", "function"];
  return null;
}

// Tokens of `text` in `syntax` ("moo" or "echo"): [{from, to, cap}], where
// cap is a capture name such as "keyword" or "string" (null: uncoloured).
export function tokens(text, syntax) {
  const t = TABLES[syntax] || TABLES.moo;
  const out = [];
  let prev = null, prevEnd = -1, i = 0;
  const push = (from, to, cap, word) => {
    out.push({from, to, cap: cap || null});
    prev = word ?? text.slice(from, to);
    prevEnd = to;
  };
  while (i < text.length) {
    let n;
    if ((n = at(SPACE, text, i))) { i += n; continue; }
    if ((n = at(t.comment, text, i))) { out.push({from: i, to: i + n, cap: t.nodes.comment}); i += n; continue; }
    if ((n = at(STRING, text, i))) { push(i, i + n, t.nodes.string); i += n; continue; }
    if ((n = at(OBJECT_ID, text, i))) { push(i, i + n, t.nodes.object_id); i += n; continue; }
    if ((n = at(FLOAT, text, i))) { push(i, i + n, t.nodes.float); i += n; continue; }
    if ((n = at(INTEGER, text, i))) { push(i, i + n, t.nodes.integer); i += n; continue; }
    if (!t.ignoreCase && (n = at(QUERY_VARIABLE, text, i))) {
      push(i, i + n, t.nodes.query_variable);
      i += n;
      continue;
    }
    if ((n = at(WORD, text, i))) {
      const word = text.slice(i, i + n);
      const key = t.ignoreCase ? word.toLowerCase() : word;
      let cap;
      if (t.words.has(key)) cap = t.words.get(key);
      else if (t.errors.has(key)) cap = t.nodes.error_code;
      else if (key === "any" && (t.ignoreCase || word === "ANY" || word === "any")) cap = t.nodes.any;
      else if (key === "true" || key === "false") cap = t.nodes[key];
      else if (!t.ignoreCase && (word === "null" || word === "secure")) cap = t.nodes[word];
      else if (!t.ignoreCase && word === "_") cap = t.nodes.wildcard;
      else {
        const next = text.slice(i + n).match(/^\s*(.)/);
        const f = identifierField(prev, prevEnd === i, next ? next[1] : "");
        cap = (f && t.fields.get(`${f[0]}.${f[1]}.identifier`)) || t.nodes.identifier;
      }
      push(i, i + n, cap, t.ignoreCase ? key : word);
      i += n;
      continue;
    }
    // ^ right after [ or .. is first (grammar: first), even before a "." ("^..$").
    if (text[i] === "^" && (prev === "[" || prev === "..")) { push(i, i + 1, t.nodes.first); i += 1; continue; }
    const sym = t.symbols.find((s) => text.startsWith(s, i));
    if (sym) {
      let cap = t.strings[sym];
      // $ not before a name is last (grammar: last), as in x[2..$].
      if (sym === "$" && !/[A-Za-z_]/.test(text[i + 1] || "")) cap = t.nodes.last;
      push(i, i + sym.length, cap);
      i += sym.length;
      continue;
    }
    push(i, i + 1, null);  // a character no rule knows: left as it is
    i += 1;
  }
  return out;
}

// "keyword.operator" -> "hl-keyword hl-keyword-operator": a style for the
// family, and one for the exact capture if the stylesheet has it.
export function capClass(cap) {
  return `hl-${cap.split(".")[0]} hl-${cap.replaceAll(".", "-")}`;
}

// `text` as a DocumentFragment of spans (text nodes only, never HTML).
export function highlight(text, syntax) {
  const frag = document.createDocumentFragment();
  let pos = 0;
  for (const tok of tokens(text, syntax)) {
    if (!tok.cap) continue;
    if (tok.from > pos) frag.append(text.slice(pos, tok.from));
    const span = document.createElement("span");
    span.className = capClass(tok.cap);
    span.textContent = text.slice(tok.from, tok.to);
    frag.append(span);
    pos = tok.to;
  }
  if (pos < text.length) frag.append(text.slice(pos));
  return frag;
}
