// The narrative pane: the world's lines as they come, with links, fast with
// thousands of lines of scrollback.
//
// Speed (bench/browser-bench.py, docs/web.md): lines wait in a queue and go
// into the page once per animation frame, FRAME_LINES of them (more when a
// backlog builds up, as many as 5 ms of making lines allow), each frame's
// in one or two appends of a DocumentFragment, then one scroll to the
// bottom: the frame's only layout, which the browser would do anyway.
// Whether to follow the bottom is kept from scroll events, never read
// between writes. A batch of 100 lines that comes in one message is drawn
// over four frames rather than one (at 1,000 lines a second, one frame in
// six took two or three).
// The pane holds blocks of 100 lines: a new line dirties its block only,
// and the pane lays out 100 blocks rather than 10,000 lines. A full block
// is skipped when out of view (content-visibility in client.css); the
// block being filled is not contained, so a line added to it repaints
// that line, not the whole block (as tall as a few screens). The pane is
// opaque, so the browser scrolls it on the compositor rather than
// repainting what is in view at each scroll.
// It keeps the last `max` lines or a few more (a block goes once all its
// lines are older), and lines that would leave it before it is drawn are
// never made. Appending one line at a time and reading the scroll position
// for each laid out 5,000 lines per line: a 10,000-line burst took minutes
// at 7 frames a second; with the lines as the pane's children, each frame
// that added one still took 75-260 ms.
//
// Links, never HTML: a line is text nodes and links made here.
// - http(s) URLs open in a new tab, without access to this page.
// - A world marks links as mooR's do: [label](moo://cmd/COMMAND) runs the
//   command as if typed, [label](moo://inspect/REF) opens the inspector
//   (programmers); a bare moo://cmd/COMMAND is its own label. Any player
//   can say such a link, so a command runs at a click only when the label is
//   the command itself (what you read is what runs); else it is put in the
//   input line, to be read and sent with Enter.
// - #123 opens the inspector for programmers (body[data-builder=yes]); for
//   the others it stays text.
const LINK = new RegExp([
  String.raw`\[([^\]\n]{1,200})\]\((moo://(?:cmd|inspect)/[^)\s]{1,1000})\)`,  // 1 label, 2 target
  String.raw`(moo://(?:cmd|inspect)/[^\s)\]]{1,1000})`,                          // 3 bare target
  String.raw`(https?://[^\s<>"'\x60]{1,2000})`,                                   // 4 URL
  String.raw`(?<![\w#$])(#-?\d{1,18})(?![\w#])`,                                  // 5 object number
].join("|"), "g");

const COMMAND_MAX = 1000;
// Lines a frame draws when it has them: over 1,000 a second at 60 frames a
// second, each frame cheap.
const FRAME_LINES = 24;
// A backlog goes over about this many frames (a frame draws a quarter of it
// when that is more than FRAME_LINES).
const CATCH_UP = 4;
// Time a frame may spend making lines in a burst: the browser needs the rest
// of its 16.7 ms to lay them out and paint.
const FRAME_BUDGET_MS = 5;
// What the announce region says at most, and how often (see speak()).
const ANNOUNCE_LINES = 5;
const ANNOUNCE_CHARS = 1000;
const ANNOUNCE_MS = 500;
// Lines go in blocks of this many (see the top).
const BLOCK = 100;

function decode(s) {
  try { return decodeURIComponent(s); } catch { return s; }
}

// One line of a command: no control characters (a newline would make two).
function oneLine(s) {
  return s.replace(/[\x00-\x1f\x7f]/g, " ").trim().slice(0, COMMAND_MAX);
}

// An inspect target (#12, 12, oid:12, $name) as the inspector takes it, or null.
function inspectRef(ref) {
  const r = decode(ref).trim();
  let m = /^(?:#|oid:)?(-?\d{1,18})$/.exec(r);
  if (m) return Number(m[1]);
  m = /^\$\w{1,100}$/.exec(r);
  return m ? r : null;
}

function urlLink(url) {
  // Punctuation after a URL ends the sentence, not the URL; a ")" closes
  // an opening one only when the URL has it.
  let u = url.replace(/[.,;:!?'"]+$/, "");
  if (u.endsWith(")") && !u.includes("(")) u = u.slice(0, -1);
  const a = document.createElement("a");
  a.href = u;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  a.textContent = u;
  return [a, url.slice(u.length)];
}

function actionLink(label, target) {
  const a = document.createElement("a");
  a.href = "#";
  a.textContent = label;
  const [, kind, rest] = /^moo:\/\/(cmd|inspect)\/(.*)$/.exec(target);
  if (kind === "cmd") {
    const command = oneLine(decode(rest));
    if (!command) return document.createTextNode(label);
    a.className = "cmd";
    a.dataset.cmd = command;
    a.title = command;
  } else {
    const ref = inspectRef(rest);
    if (ref === null) return document.createTextNode(label);
    a.className = "ref";
    a.dataset.inspect = String(ref);
  }
  return a;
}

// The line's text as nodes: text, and links where it has them.
export function linkify(text) {
  const nodes = [];
  let at = 0;
  LINK.lastIndex = 0;
  for (let m; (m = LINK.exec(text));) {
    if (m.index > at) nodes.push(document.createTextNode(text.slice(at, m.index)));
    at = LINK.lastIndex;
    if (m[2]) {
      nodes.push(actionLink(m[1], m[2]));
    } else if (m[3]) {
      nodes.push(actionLink(m[3], m[3]));
    } else if (m[4]) {
      const [a, tail] = urlLink(m[4]);
      nodes.push(a);
      if (tail) nodes.push(document.createTextNode(tail));
    } else {
      const a = document.createElement("a");
      a.href = "#";
      a.className = "ref";
      a.dataset.inspect = m[5].slice(1);
      a.textContent = m[5];
      nodes.push(a);
    }
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

export class Narrative {
  // pane: the log element. onCommand(text, direct): a command link was
  // followed (direct: run it; else offer it). onInspect(ref): an object.
  // announce: a live region for screen readers, told the new lines in
  // short (the pane itself is not live: see speak()).
  constructor(pane, {max, announce, onCommand, onInspect}) {
    this.pane = pane;
    this.max = max;
    this.announce = announce;
    this.heard = [];  // the last lines drawn and not yet announced
    this.unheard = 0;  // lines drawn and left out of the announcement
    this.spoken = 0;  // performance.now() of the last announcement
    this.speakTimer = 0;
    this.queue = [];  // [text, kind], drawn from queue[head] on
    this.head = 0;
    this.count = 0;  // lines in the pane
    this.scheduled = false;
    // Whether new lines scroll the pane to the bottom: they do unless the
    // reader has scrolled up. Kept from scroll events (the reader's and
    // ours), so a frame never reads the layout before it writes.
    this.stick = true;
    pane.addEventListener("scroll", () => {
      this.stick = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 4;
    }, {passive: true});
    // A pane made smaller (the window, the keyboard on a phone) keeps its
    // bottom in view.
    // So does a block whose height changes after the frame that scrolled:
    // a full block out of view is laid out at its remembered or estimated
    // height (client.css) and at its real one once it comes near the view,
    // which moves the bottom with nothing new to draw (fonts differ, so the
    // estimate is never exact). Sizes are observed after layout and before
    // paint, so the reader never sees the gap; while lines are still coming,
    // the next frame scrolls anyway.
    this.sizes = new ResizeObserver(() => {
      if (this.stick) pane.scrollTop = pane.scrollHeight;
    });
    this.sizes.observe(pane);
    this.watched = [];
    pane.addEventListener("click", (ev) => {
      const a = ev.target.closest("a.cmd, a.ref");
      if (!a || !pane.contains(a)) return;
      ev.preventDefault();
      if (a.classList.contains("cmd")) {
        const same = oneLine(a.textContent).toLowerCase() === a.dataset.cmd.toLowerCase();
        onCommand(a.dataset.cmd, same);
      } else if (document.body.dataset.builder === "yes") {
        const n = Number(a.dataset.inspect);
        onInspect(Number.isNaN(n) ? a.dataset.inspect : n);
      }
    });
  }

  // Watches the heights of the two full blocks before the last one (see
  // the constructor): with the last, they are the ones in view at the
  // bottom. The last one, being filled, changes height only in flush(),
  // which scrolls after it; a change above them moves what is in view and
  // the bottom alike (the browser anchors the view), so needs nothing.
  watch() {
    const a = this.pane.lastElementChild?.previousElementSibling, b = a?.previousElementSibling;
    const now = [a, b].filter(Boolean);
    for (const el of this.watched) if (!now.includes(el)) this.sizes.unobserve(el);
    // (Observing a block again would report it again: only the new ones.)
    for (const el of now) if (!this.watched.includes(el)) this.sizes.observe(el);
    this.watched = now;
  }

  // Queues a line (kind: a class, such as "own", "note" or "error").
  add(text, kind) {
    this.queue.push([text, kind]);
    // A hidden page has no frames: keep only what the pane would.
    if (this.queue.length - this.head > 2 * this.max) {
      this.queue = this.queue.slice(this.queue.length - this.max);
      this.head = 0;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  clear() {
    this.queue = [];
    this.head = 0;
    this.count = 0;
    this.stick = true;
    this.pane.replaceChildren();
    this.watch();
    this.heard = [];
    this.unheard = 0;
    clearTimeout(this.speakTimer);
    this.speakTimer = 0;
    this.announce?.replaceChildren();
  }

  // Screen readers hear new lines through the announce region, not the
  // pane: a live pane is read line by line as it grows, a flood at a
  // thousand lines a second, and the browser tracks every line for it. The
  // region says at most the last ANNOUNCE_LINES lines (ANNOUNCE_CHARS in
  // all) and how many came before them, at most once every ANNOUNCE_MS; all
  // of them stay in the pane, to be read there.
  hear(text) {
    this.heard.push(text);
    if (this.heard.length > ANNOUNCE_LINES) {
      this.heard.shift();
      ++this.unheard;
    }
  }

  speak() {
    if (!this.announce || this.speakTimer || !this.heard.length) return;
    const wait = this.spoken + ANNOUNCE_MS - performance.now();
    if (wait > 0) {
      this.speakTimer = setTimeout(() => { this.speakTimer = 0; this.speak(); }, wait);
      return;
    }
    this.spoken = performance.now();
    let text = this.heard.join("\n");
    if (text.length > ANNOUNCE_CHARS) text = text.slice(0, ANNOUNCE_CHARS) + "...";
    if (this.unheard) text = `(${this.unheard} more ${this.unheard === 1 ? "line" : "lines"} before.)\n${text}`;
    this.heard = [];
    this.unheard = 0;
    // A new node each time: the region's only addition, read once.
    const p = document.createElement("p");
    p.textContent = text;
    this.announce.replaceChildren(p);
  }

  flush() {
    this.scheduled = false;
    const q = this.queue;
    const pane = this.pane;
    // Lines older than the last `max` would leave the pane before it is drawn.
    let i = Math.max(this.head, q.length - this.max);
    if (i >= q.length) return;
    this.unheard += i - this.head;
    const t0 = performance.now();
    // This frame's share: FRAME_LINES, or more to catch up with a backlog.
    const end = Math.min(q.length, i + Math.max(FRAME_LINES, Math.ceil((q.length - i) / CATCH_UP)));
    // Lines for the last block (if it has room) and new blocks, each put in
    // the page with one append.
    let last = pane.lastElementChild;
    let room = last ? BLOCK - last.childElementCount : 0;
    const tail = document.createDocumentFragment();
    const fresh = document.createDocumentFragment();
    let block = null;
    while (i < end) {
      const [text, kind] = q[i++];
      this.hear(text);
      const div = document.createElement("div");
      if (kind) div.className = kind;
      // Most lines have no link: one text node, no regular expression.
      if (/[#:]/.test(text)) div.append(...linkify(text));
      else div.textContent = text;
      if (room > 0) {
        tail.append(div);
        --room;
      } else {
        if (!block || block.childElementCount >= BLOCK) {
          (block || last)?.classList.add("full");
          block = document.createElement("div");
          block.className = "block";
          fresh.append(block);
        }
        block.append(div);
      }
      ++this.count;
      // A burst is drawn over a few frames rather than freezing the page
      // for one.
      if ((i & 15) === 0 && performance.now() - t0 > FRAME_BUDGET_MS) break;
    }
    this.head = i;
    if (i >= q.length) {
      this.queue = [];
      this.head = 0;
    } else if (i > 4096 && i > q.length / 2) {
      this.queue = q.slice(i);
      this.head = 0;
    }
    if (tail.firstChild) last.append(tail);
    if (fresh.firstChild) {
      pane.append(fresh);
      this.watch();
    }
    // Whole blocks go once all their lines are older than the last `max`.
    for (let first = pane.firstElementChild; first && this.count - first.childElementCount >= this.max;
         first = pane.firstElementChild) {
      this.count -= first.childElementCount;
      first.remove();
    }
    // The one layout of the frame (the browser would do it anyway).
    if (this.stick) pane.scrollTop = pane.scrollHeight;
    this.speak();
    if (this.head < this.queue.length) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }
}
