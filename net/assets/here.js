// Who and what is here: the side panel drawn from the server's room frames
// ({"type": "room"}, docs/web.md), which come whenever the player's room,
// what is in it, or who there is connected or idle changes.
//
// People show as active, idle (a minute or more without a command; the
// minutes are counted here from the frame's idle seconds) or asleep (not
// connected). Things are links that look at them, exits links that go
// through them (the exit's name, typed as a command: LambdaCore's and the
// default world's rooms both take it). Programmers also get each object's
// number, which opens it in the inspector. Names are text, never HTML.
const IDLE = 60;

function name(v) {
  return typeof v === "string" ? v : "";
}

function objNumber(v) {
  return v && typeof v === "object" && typeof v.obj === "number" ? v.obj : null;
}

export class Here {
  // root: the panel; onCommand(text): a link was followed; onInspect(n).
  constructor(root, {onCommand, onInspect}) {
    this.root = root;
    this.me = null;
    this.frame = null;
    this.at = 0;  // performance.now() when the frame came
    this.onCommand = onCommand;
    this.onInspect = onInspect;
    root.addEventListener("click", (ev) => {
      const a = ev.target.closest("a");
      if (!a || !root.contains(a)) return;
      ev.preventDefault();
      if (a.dataset.cmd) this.onCommand(a.dataset.cmd);
      else if (a.dataset.inspect) this.onInspect(Number(a.dataset.inspect));
    });
    setInterval(() => this.ageIdle(), 30000);
  }

  setPlayer(obj) { this.me = objNumber(obj); }

  clear() {
    this.frame = null;
    this.draw();
  }

  show(frame) {
    this.frame = frame;
    this.at = performance.now();
    this.draw();
  }

  // A person's state, from the frame's idle seconds and the time since.
  state(p) {
    if (!p.connected) return ["asleep", "asleep"];
    const idle = (p.idle ?? 0) + (performance.now() - this.at) / 1000;
    if (idle < IDLE) return ["active", "active"];
    const m = Math.floor(idle / 60);
    return ["idle", m < 60 ? `idle ${m}m` : `idle ${Math.floor(m / 60)}h`];
  }

  ageIdle() {
    for (const li of this.root.querySelectorAll("#people li")) {
      const p = this.frame?.players?.[Number(li.dataset.index)];
      if (!p) continue;
      const [cls, text] = this.state(p);
      li.dataset.state = cls;
      li.querySelector(".state").textContent = text;
    }
  }

  item(o, command) {
    const li = document.createElement("li");
    const label = name(o.name) || `#${objNumber(o.obj)}`;
    if (command) {
      const a = document.createElement("a");
      a.href = "#";
      a.dataset.cmd = command;
      a.title = command;
      a.textContent = label;
      li.append(a);
    } else {
      const span = document.createElement("span");
      span.className = "name";
      span.textContent = label;
      li.append(span);
    }
    const n = objNumber(o.obj);
    if (n !== null) {
      const ref = document.createElement("a");
      ref.href = "#";
      ref.className = "objnum";
      ref.dataset.inspect = String(n);
      ref.textContent = `#${n}`;
      ref.title = `inspect #${n}`;
      li.append(" ", ref);
    }
    return li;
  }

  draw() {
    const f = this.frame;
    const q = (id) => this.root.querySelector(id);
    q("#room-name").textContent = f ? name(f.name) || "nowhere" : "";
    const people = (f?.players ?? []).map((p, i) => {
      const li = this.item(p, p.obj?.obj === this.me ? null : `look ${name(p.name)}`);
      const [cls, text] = this.state(p);
      li.dataset.index = String(i);
      li.dataset.state = cls;
      const st = document.createElement("span");
      st.className = "state";
      st.textContent = text;
      li.prepend(st);
      if (objNumber(p.obj) === this.me) li.querySelector(".name").append(" (you)");
      return li;
    });
    q("#people").replaceChildren(...people);
    q("#things").replaceChildren(...(f?.things ?? []).map((t) => this.item(t, `look ${name(t.name)}`)));
    q("#exits").replaceChildren(...(f?.exits ?? []).map((e) => this.item(e, name(e.name))));
    q("#here-more").textContent = f?.more ? `and ${f.more} more` : "";
    for (const id of ["people", "things", "exits"])
      q(`#${id}-title`).hidden = !q(`#${id}`).childElementCount;
  }
}
