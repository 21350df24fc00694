// The verb editor: a verb's source in a textarea over a highlighted copy
// (highlight.js), saved with PUT /api/objects/{id}/verbs/{name}. A compile
// error comes back with its line and column: it is marked there, the caret
// goes to it, and nothing was saved (the server compiles before it stores).
// Run calls the verb (POST .../methods) and shows the result as a value, or
// the traceback, whose lines open the verb they name at their line.
import {highlight} from "./highlight.js";
import {render} from "./values.js";

const LINE_PX = 20;  // one line of code; the same in builder.css
const PAD_PX = 8;    // the code's padding; the same in builder.css

// A traceback line: "#12:name alias (this == #3), line 4:  message", or
// "... called from #12:name, line 4". Definer, verb names and line.
const TRACE = /#(-?\d+):(.+?)(?: \(this == #-?\d+\))?, line (\d+)/;

// The name to ask the API for: the first alias, without its * (verb
// names such as "l*ook" match "look", not "l*ook").
export function verbKey(names) {
  const first = String(names).split(" ")[0];
  return first.replace("*", "") || first;
}

// Traceback lines as DOM, each line naming a verb on a real object a link
// that calls openAt(object, verbName, line).
export function traceback(lines, openAt) {
  const list = document.createElement("ol");
  list.className = "traceback";
  for (const text of lines || []) {
    const li = document.createElement("li");
    const m = text.match(TRACE);
    if (m && Number(m[1]) >= 0) {
      const a = document.createElement("button");
      a.type = "button";
      a.className = "trace-link";
      a.textContent = text;
      a.title = `Open #${m[1]}:${m[2].split(" ")[0]} at line ${m[3]}`;
      a.addEventListener("click", () => openAt(Number(m[1]), verbKey(m[2]), Number(m[3])));
      li.append(a);
    } else {
      li.textContent = text;
    }
    list.append(li);
  }
  return list;
}

export class Editor {
  // api(method, path, body) -> {status, ok, doc}; onChange() after a save
  // (the inspector refreshes); openObject(n) for object links in results.
  constructor(api, {onChange, openObject}) {
    this.api = api;
    this.onChange = onChange;
    this.openObject = openObject;
    this.$ = (id) => document.getElementById(id);
    this.obj = null;
    this.verb = null;
    this.names = "";
    this.saved = "";
    const src = this.$("editor-source");
    src.addEventListener("input", () => this.refresh());
    src.addEventListener("scroll", () => this.sync());
    src.addEventListener("keydown", (ev) => {
      const mod = ev.ctrlKey || ev.metaKey;
      if (mod && ev.key === "s") { ev.preventDefault(); this.save(); }
      if (mod && ev.key === "Enter") { ev.preventDefault(); this.run(); }
    });
    this.$("editor-syntax").addEventListener("change", () => this.refresh());
    this.$("editor-save").addEventListener("click", () => this.save());
    this.$("editor-run").addEventListener("click", () => this.run());
    this.$("editor-revert").addEventListener("click", () => this.obj !== null && this.open(this.obj, this.verb));
    this.setEnabled(false);
  }

  setEnabled(on) {
    for (const id of ["editor-source", "editor-save", "editor-run", "editor-revert", "editor-syntax"])
      this.$(id).disabled = !on;
  }

  // Opens obj:verb, with the caret at `line` if given.
  async open(obj, verb, line) {
    const r = await this.api("GET", `/api/objects/${obj}/verbs/${encodeURIComponent(verb)}`);
    if (!r.ok) {
      this.status(`Cannot open #${obj}:${verb}: ${r.doc.message || r.status}`, "error");
      return false;
    }
    this.obj = obj;
    this.verb = verb;
    this.names = r.doc.names;
    this.saved = r.doc.source;
    this.$("editor-title").textContent = `#${obj}:${r.doc.names}`;
    this.$("editor-info").textContent = `${r.doc.args.join(" ")} · ${r.doc.perms || "-"}`;
    this.$("editor-syntax").value = r.doc.syntax === "echo" ? "echo" : "moo";
    const src = this.$("editor-source");
    src.value = r.doc.source;
    this.setEnabled(true);
    this.clearMarks();
    this.refresh();
    this.status(`Opened #${obj}:${r.doc.names}.`);
    if (line) this.gotoLine(line, 1, "trace");
    else src.focus();
    return true;
  }

  refresh() {
    const src = this.$("editor-source");
    const text = src.value;
    this.$("editor-highlight").replaceChildren(highlight(text, this.$("editor-syntax").value), "\n");
    const lines = text.split("\n").length;
    const gutter = this.$("editor-lines");
    if (gutter.childElementCount !== lines) {
      const marked = new Map([...gutter.querySelectorAll("[data-mark]")].map((d) => [d.dataset.line, d.dataset.mark]));
      gutter.replaceChildren();
      for (let i = 1; i <= lines; i++) {
        const d = document.createElement("div");
        d.textContent = String(i);
        d.dataset.line = String(i);
        if (marked.has(String(i))) this.markGutter(d, marked.get(String(i)));
        gutter.append(d);
      }
    }
    this.$("editor-modified").hidden = this.obj === null || text === this.saved;
    this.sync();
  }

  // The highlighted copy, the marks and the line numbers follow the textarea's scrolling.
  sync() {
    const src = this.$("editor-source");
    this.$("editor-layer").style.transform = `translate(${-src.scrollLeft}px, ${-src.scrollTop}px)`;
    this.$("editor-lines").style.transform = `translateY(${-src.scrollTop}px)`;
  }

  markGutter(d, kind) {
    d.dataset.mark = kind;
    d.classList.add(kind);
  }

  clearMarks() {
    this.$("editor-marks").replaceChildren();
    for (const d of this.$("editor-lines").querySelectorAll("[data-mark]")) {
      d.classList.remove(d.dataset.mark);
      delete d.dataset.mark;
      d.removeAttribute("title");
    }
  }

  // A band on `line` ("error" or "trace") and, for an error, a caret under its column.
  mark(line, column, kind, message) {
    const band = document.createElement("div");
    band.className = `line-mark ${kind}`;
    band.style.top = `${PAD_PX + (line - 1) * LINE_PX}px`;
    this.$("editor-marks").append(band);
    if (kind === "error" && column > 0) {
      const col = document.createElement("div");
      col.className = "col-mark";
      col.style.top = `${PAD_PX + line * LINE_PX - 3}px`;
      col.style.left = `calc(${PAD_PX}px + ${column - 1}ch)`;
      this.$("editor-marks").append(col);
    }
    const d = this.$("editor-lines").querySelector(`[data-line="${line}"]`);
    if (d) {
      this.markGutter(d, kind);
      if (message) d.title = message;
    }
  }

  // Puts the caret at line:column (1-based), scrolled into view, and marks the line.
  gotoLine(line, column, kind) {
    const src = this.$("editor-source");
    const lines = src.value.split("\n");
    line = Math.max(1, Math.min(line, lines.length));
    let pos = 0;
    for (let i = 0; i < line - 1; i++) pos += lines[i].length + 1;
    pos += Math.max(0, Math.min((column || 1) - 1, lines[line - 1].length));
    if (kind === "trace") {
      this.clearMarks();
      this.mark(line, 0, "trace");
    }
    src.focus();
    src.setSelectionRange(pos, pos);
    const top = PAD_PX + (line - 1) * LINE_PX;
    if (top < src.scrollTop || top + LINE_PX > src.scrollTop + src.clientHeight)
      src.scrollTop = Math.max(0, top - src.clientHeight / 3);
    this.sync();
  }

  status(text, kind, extra) {
    const s = this.$("editor-status");
    const p = document.createElement("p");
    p.textContent = text;
    if (kind) p.className = kind;
    s.replaceChildren(p);
    if (extra) s.append(extra);
  }

  async save() {
    if (this.obj === null) return;
    const src = this.$("editor-source");
    const body = {source: src.value, syntax: this.$("editor-syntax").value};
    this.status("Saving...");
    const r = await this.api("PUT", `/api/objects/${this.obj}/verbs/${encodeURIComponent(this.verb)}`, body);
    this.clearMarks();
    if (r.ok) {
      this.saved = body.source;
      this.refresh();
      this.status(`Saved #${this.obj}:${this.names}.`, "ok");
      if (this.onChange) this.onChange(this.obj);
      return;
    }
    const errors = r.doc.errors || [];
    if (!errors.length) {
      this.status(`Not saved: ${r.doc.message || r.doc.error || r.status}`, "error");
      return;
    }
    // Each error a button that puts the caret there.
    const list = document.createElement("ul");
    list.className = "compile-errors";
    for (const e of errors) {
      this.mark(e.line, e.column, "error", e.message);
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "error-at";
      b.dataset.line = String(e.line);
      b.dataset.column = String(e.column);
      b.textContent = `Line ${e.line}, column ${e.column}: ${e.message}`;
      b.addEventListener("click", () => this.gotoLine(e.line, e.column));
      li.append(b);
      list.append(li);
    }
    this.status(`Not saved: ${errors.length === 1 ? "a compile error" : `${errors.length} compile errors`}.`,
                "error", list);
    this.gotoLine(errors[0].line, errors[0].column);
  }

  // Calls the verb with no arguments, as the player; its result or its traceback.
  async run() {
    if (this.obj === null) return;
    if (this.$("editor-source").value !== this.saved) {
      this.status("Save first: Run calls the saved verb.", "error");
      return;
    }
    this.status(`Running #${this.obj}:${this.verb}()...`);
    let r = await this.api("POST", `/api/objects/${this.obj}/methods`, {verb: this.verb, args: []});
    for (let i = 0; r.status === 202 && r.doc.task && i < 60; i++) {  // suspended: ask for the outcome
      await new Promise((ok) => setTimeout(ok, 500));
      const t = await this.api("GET", `/api/tasks/${r.doc.task}`);
      if (t.status !== 202) r = {...t, doc: {...t.doc, task: undefined}};
    }
    this.clearMarks();
    if (r.ok && "result" in r.doc) {
      const out = document.createElement("p");
      out.className = "result";
      out.append("=> ", render(r.doc.result, this.openObject));
      this.status(`#${this.obj}:${this.verb}() returned:`, "ok", out);
      return;
    }
    if (r.status === 202) {
      this.status(`Still running as task ${r.doc.task}.`);
      return;
    }
    const tb = traceback(r.doc.traceback, (o, v, line) => this.openAt(o, v, line));
    this.status(`${r.doc.error}: ${r.doc.message}`, "error", tb);
    // The first line of the traceback in this verb is marked.
    for (const text of r.doc.traceback || []) {
      const m = text.match(TRACE);
      if (m && Number(m[1]) === this.obj && m[2].split(" ").map(verbKey).includes(verbKey(this.names))) {
        this.mark(Number(m[3]), 0, "trace");
        break;
      }
    }
  }

  // A traceback link: this verb at the line, or another verb opened there.
  async openAt(obj, verb, line) {
    const here = obj === this.obj && String(this.names).split(" ").map(verbKey).includes(verb);
    if (here) this.gotoLine(line, 1, "trace");
    else await this.open(obj, verb, line);
  }
}
