// Echo values as the API writes them in JSON (docs/web.md, "Values in
// JSON": objects, errors, floats, odd strings and other maps are tagged) and
// as a MOO programmer reads them: MOO literals, with each object a link
// that opens it in the inspector.

const TAGS = ["obj", "error", "float", "bytes", "map", "unsupported"];

// The tag of a tagged form ("obj", ...), or null for a plain value.
export function tagOf(v) {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
  const keys = Object.keys(v);
  return keys.length === 1 && TAGS.includes(keys[0]) ? keys[0] : null;
}

// JSON text to a value, keeping a FLOAT a FLOAT: JavaScript reads 2.0 as
// the number 2, so a number written with a point or an exponent becomes
// {"float": n} (the API reads that form back). Needs JSON.parse's source
// text (Chromium 114 on); without it 2.0 shows as 2.
export function parseValueJson(text) {
  return JSON.parse(text, (key, v, ctx) =>
    typeof v === "number" && ctx && typeof ctx.source === "string" && /[.eE]/.test(ctx.source) ? {float: v} : v);
}

function quote(s) {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function floatText(n) {
  if (!Number.isFinite(n)) return String(n);
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function bytesText(b64) {
  let bin;
  try { bin = atob(b64); } catch { return `<bytes ${b64}>`; }
  let s = "";
  for (const ch of bin) {
    const c = ch.charCodeAt(0);
    s += c === 0x22 || c === 0x5c ? `\\${ch}` : c >= 0x20 && c < 0x7f ? ch : `\\x${c.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return `"${s}"`;
}

// A MOO literal as plain text ({1, "a", #3}).
export function literal(v) {
  const frag = render(v);
  return frag.textContent;
}

// A MOO literal as DOM: objects are <button class="objref"> when `open` is
// given (called with the object number), with the object's name as title
// when `names` ({"12": "name"}) knows it.
export function render(v, open, names) {
  const frag = document.createDocumentFragment();
  const text = (s, cls) => {
    if (!cls) { frag.append(s); return; }
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = s;
    frag.append(span);
  };
  const walk = (x) => {
    const tag = tagOf(x);
    if (tag === "obj") {
      const n = Number(String(x.obj).replace("#", ""));
      if (open && n >= 0) frag.append(objLink(n, names, open, true));
      else text(`#${n}`, "v-obj");
    } else if (tag === "error") text(String(x.error).toUpperCase(), "v-err");
    else if (tag === "float") text(floatText(x.float), "v-num");
    else if (tag === "bytes") text(bytesText(x.bytes), "v-str");
    else if (tag === "unsupported") text(`<${x.unsupported}>`, "v-other");
    else if (tag === "map") {
      text("[");
      x.map.forEach(([k, val], i) => {
        if (i) text(", ");
        walk(k);
        text(" -> ");
        walk(val);
      });
      text("]");
    } else if (Array.isArray(x)) {
      text("{");
      x.forEach((item, i) => {
        if (i) text(", ");
        walk(item);
      });
      text("}");
    } else if (x !== null && typeof x === "object") {
      text("[");
      Object.entries(x).forEach(([k, val], i) => {
        if (i) text(", ");
        text(quote(k), "v-str");
        text(" -> ");
        walk(val);
      });
      text("]");
    } else if (typeof x === "string") text(quote(x), "v-str");
    else if (typeof x === "number") text(String(x), "v-num");
    else if (typeof x === "boolean") text(String(x), "v-bool");
    else if (x === null) text("null", "v-other");
    else text(String(x));
  };
  walk(v);
  return frag;
}

// A button naming object #n that calls open(n): "Name (#n)" when the name
// is known, or as a literal only "#n" (the name in its title).
export function objLink(n, names, open, asLiteral = false) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "objref";
  b.dataset.obj = String(n);
  const name = names && names[String(n)];
  b.textContent = name && !asLiteral ? `${name} (#${n})` : `#${n}`;
  b.title = name ? `Inspect ${name} (#${n})` : `Inspect #${n}`;
  b.addEventListener("click", () => open(n));
  return b;
}
