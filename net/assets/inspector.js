// The object inspector: GET /api/objects/{id} shown as a builder reads it
// (name, owner, flags, parents and children, location and contents, the
// properties with values and permissions, the verbs). Every object named is
// a link to inspect it. A property's value is edited as a MOO literal: the
// server evaluates it (POST /api/eval, as the player) and the value is
// stored with PUT .../properties/{name}, so the literal means what it means
// in MOO. Verbs and properties are added and deleted through the API too.
import {objLink, render, literal} from "./values.js";
import {verbKey} from "./editor.js";

const MAX_REFS = 200;  // children and contents shown; the rest counted
const LONG_VALUE = 600;  // characters of a value's literal shown before "Show all"

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

// A delete button that asks once more before it acts (no modal dialog).
function deleteButton(label, act) {
  const b = el("button", {type: "button", class: "danger", "aria-label": `Delete ${label}`}, "Delete");
  let armed = null;
  b.addEventListener("click", () => {
    if (!armed) {
      b.textContent = "Really delete?";
      armed = setTimeout(() => { armed = null; b.textContent = "Delete"; }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    act();
  });
  return b;
}

export class Inspector {
  // api(method, path, body) -> {status, ok, doc}; openVerb(obj, name) opens the editor.
  constructor(api, openVerb) {
    this.api = api;
    this.openVerb = openVerb;
    this.root = document.getElementById("inspector-body");
    this.current = null;
    this.history = [];
    document.getElementById("inspect-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = document.getElementById("inspect-id").value.trim();
      const m = v.match(/^(\$\w+|#?-?\d+):(.+)$/);  // obj:verb opens the verb too
      const obj = (m ? m[1] : v).replace(/^#/, "");
      if (!obj) return;
      this.open(obj).then((ok) => { if (ok && m) this.openVerb(this.current, m[2].trim()); });
    });
    document.getElementById("inspect-back").addEventListener("click", () => {
      if (this.history.length) this.open(this.history.pop(), false);
    });
  }

  say(text, kind) {
    const s = document.getElementById("inspector-status");
    s.textContent = text;
    s.className = kind || "";
  }

  // Opens an object: a number, or "$name". False (and said why) when it cannot.
  async open(id, remember = true) {
    const r = await this.api("GET", `/api/objects/${encodeURIComponent(String(id))}`);
    if (!r.ok) {
      this.say(`Cannot inspect ${String(id).startsWith("$") ? id : `#${id}`}: ${r.doc.message || r.status}`, "error");
      return false;
    }
    const n = r.doc.id.obj;
    if (remember && this.current !== null && this.current !== n) this.history.push(this.current);
    this.current = n;
    document.getElementById("inspect-id").value = `#${n}`;
    document.getElementById("inspect-back").disabled = !this.history.length;
    this.say("");
    // A link followed inside the inspector is replaced with the page: the
    // new object's title takes the focus, so the keyboard is not lost.
    const inside = this.root.contains(document.activeElement);
    this.show(r.doc);
    if (inside) document.getElementById("inspector-title").focus();
    return true;
  }

  refresh() {
    if (this.current !== null) this.open(this.current, false);
  }

  show(o) {
    const n = o.id.obj;
    const names = o.object_names || {};
    const go = (m) => this.open(m);
    const refs = (list) => {
      if (!list.length) return el("span", {class: "none"}, "none");
      const ul = el("ul", {class: "refs"});
      for (const r of list.slice(0, MAX_REFS)) ul.append(el("li", {}, objLink(r.obj, names, go)));
      if (list.length > MAX_REFS) ul.append(el("li", {class: "none"}, `and ${list.length - MAX_REFS} more`));
      return ul;
    };
    const one = (ref) => (ref.obj < 0 ? el("span", {class: "none"}, `#${ref.obj}`) : objLink(ref.obj, names, go));
    const rel = el("dl", {class: "relations"},
      el("dt", {}, "Owner"), el("dd", {}, one(o.owner)),
      el("dt", {}, "Flags"), el("dd", {}, o.flags.length ? o.flags.join(", ") : el("span", {class: "none"}, "none")),
      el("dt", {}, "Parents"), el("dd", {}, refs(o.parents)),
      el("dt", {}, "Children"), el("dd", {}, refs(o.children || [])),
      el("dt", {}, "Location"), el("dd", {}, one(o.location)),
      el("dt", {}, "Contents"), el("dd", {}, refs(o.contents)));
    this.root.replaceChildren(
      el("h2", {id: "inspector-title", tabindex: "-1"}, o.name, " ", el("span", {class: "id"}, `#${n}`)),
      rel,
      this.properties(o, names, go),
      this.verbs(o));
  }

  properties(o, names, go) {
    const n = o.id.obj;
    const table = el("table", {class: "props"},
      el("caption", {}, `Properties (${o.properties.length})`),
      el("thead", {}, el("tr", {}, ...["Name", "Value", "Perms", "Owner", ""].map(
        (h) => el("th", {scope: "col"}, h)))));
    const body = el("tbody");
    for (const p of o.properties) {
      const value = el("td", {class: "value"}, this.valueCell(p.value, go, names));
      const edit = el("button", {type: "button", "aria-label": `Edit ${p.name}`}, "Edit");
      edit.addEventListener("click", () => this.editValue(n, p, value));
      const actions = el("td", {class: "actions"}, edit);
      const name = el("th", {scope: "row"}, p.name);
      if (p.definer.obj === n)
        actions.append(deleteButton(`property ${p.name}`, () => this.change("DELETE",
          `/api/objects/${n}/properties/${encodeURIComponent(p.name)}`, null, `Deleted property ${p.name}.`)));
      else  // inherited: where it is defined
        name.append(el("span", {class: "from meta"}, "from ", objLink(p.definer.obj, names, go, true)));
      body.append(el("tr", {"data-prop": p.name}, name, value, el("td", {class: "perms"}, p.perms || "-"),
        el("td", {}, objLink(p.owner.obj, names, go, true)), actions));
    }
    table.append(body);
    const form = el("form", {class: "add", "aria-label": "Add a property"},
      el("input", {name: "name", placeholder: "name", "aria-label": "New property name", required: ""}),
      el("input", {name: "value", placeholder: "value (MOO): 0", "aria-label": "New property value, a MOO literal"}),
      el("input", {name: "perms", value: "rc", size: "3", "aria-label": "New property permissions (r, w, c)"}),
      el("button", {type: "submit"}, "Add property"));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = form.elements;
      const value = await this.evalLiteral(f.value.value.trim() || "0");
      if (value === undefined) return;
      this.change("POST", `/api/objects/${n}/properties`, {name: f.name.value.trim(), value, perms: f.perms.value},
                  `Added property ${f.name.value.trim()}.`);
    });
    return el("section", {"aria-label": "Properties"}, table, form);
  }

  verbs(o) {
    const n = o.id.obj;
    if (!o.verbs) return el("p", {class: "none"}, "The verbs are not readable to you.");
    const ul = el("ul", {class: "verbs"});
    for (const v of o.verbs) {
      const key = verbKey(v.names);
      ul.append(el("li", {"data-verb": v.names},
        el("button", {type: "button", class: "verb", title: `Edit #${n}:${v.names}`,
                      onclick: () => this.openVerb(n, key)}, v.names),
        el("span", {class: "meta"}, ` ${v.args.join(" ")} · ${v.perms || "-"}${v.syntax === "echo" ? " · echo" : ""}`),
        deleteButton(`verb ${v.names}`, () => this.change("DELETE",
          `/api/objects/${n}/verbs/${encodeURIComponent(key)}`, null, `Deleted verb ${v.names}.`))));
    }
    const form = el("form", {class: "add", "aria-label": "Add a verb"},
      el("input", {name: "names", placeholder: "names", "aria-label": "New verb names", required: ""}),
      el("input", {name: "args", value: "this none this", size: "12", "aria-label": "New verb arguments: dobj prep iobj"}),
      el("input", {name: "perms", value: "rxd", size: "4", "aria-label": "New verb permissions (r, w, x, d)"}),
      el("button", {type: "submit"}, "Add verb"));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = form.elements;
      const args = f.args.value.trim().split(/\s+/);
      if (args.length !== 3) { this.say("Arguments are three words: dobj prep iobj.", "error"); return; }
      const names = f.names.value.trim();
      if (await this.change("POST", `/api/objects/${n}/verbs`, {names, args, perms: f.perms.value},
                            `Added verb ${names}.`))
        this.openVerb(n, verbKey(names));
    });
    return el("section", {"aria-label": "Verbs"}, el("h3", {}, `Verbs (${o.verbs.length})`), ul, form);
  }

  // A value as a literal; a long one cut short with a button for the rest
  // (LambdaCore's help texts would make the table very long and slow).
  valueCell(v, go, names) {
    const text = literal(v);
    if (text.length <= LONG_VALUE) return render(v, go, names);
    const span = el("span", {}, text.slice(0, LONG_VALUE), el("span", {class: "meta"}, " …"));
    const more = el("button", {type: "button", class: "more"}, `Show all (${text.length} characters)`);
    more.addEventListener("click", () => span.replaceChildren(render(v, go, names)));
    span.append(" ", more);
    return span;
  }

  // A change through the API; the inspector shows the outcome and reloads.
  async change(method, path, body, done) {
    const r = await this.api(method, path, body);
    if (!r.ok) {
      this.say(`${r.doc.error || r.status}: ${r.doc.message || "refused"}`, "error");
      return false;
    }
    this.refresh();
    this.say(done, "ok");
    return true;
  }

  // The value a MOO literal (or any expression) stands for, evaluated by
  // the server as the player; undefined (and said why) when it fails.
  async evalLiteral(text) {
    const r = await this.api("POST", "/api/eval", {code: `return ${text};`});
    if (r.ok) return r.doc.result;
    const e = r.doc.errors && r.doc.errors[0];
    this.say(e ? `Not a value: ${e.message}` : `${r.doc.error}: ${r.doc.message}`, "error");
    return undefined;
  }

  // The value cell becomes an input holding the literal; Enter saves, Escape cancels.
  editValue(n, p, cell) {
    const input = el("input", {class: "edit", "aria-label": `New value of ${p.name}, a MOO literal`});
    input.value = literal(p.value);
    cell.replaceChildren(input);
    input.focus();
    input.select();
    input.addEventListener("keydown", async (ev) => {
      if (ev.key === "Escape") { ev.preventDefault(); this.refresh(); }
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      const value = await this.evalLiteral(input.value);
      if (value === undefined) return;
      this.change("PUT", `/api/objects/${n}/properties/${encodeURIComponent(p.name)}`, {value},
                  `Set ${p.name}.`);
    });
  }
}
