// The operator's console (/console, wizards only; docs/web.md). It logs in
// as the player client does (the same token in localStorage), asks
// GET /api/monitor once to learn whether this player is a wizard, then
// follows /ws/console: a frame a second with the actors (heaviest first,
// filtered on the server), the tasks, the connections and the last sample,
// which is added to the plots (GET /api/monitor/series fills the last five
// minutes at the start). Snapshots and the event log are polled. Nothing is
// loaded from elsewhere; the plots are drawn on <canvas>.

const $ = (id) => document.getElementById(id);
let token = localStorage.getItem("echo.token");
let socket = null;
let retry = 0;
let series = [];           // samples, oldest first (300 at most)
let lastFrame = null;
let armed = null;          // the task whose Kill button asks for confirmation
let armedTimer = null;
const expanded = new Set(); // tasks whose stack is shown
let eventSince = null;     // the event log's next entry to ask for
let events = [];           // the last entries, oldest first
let timers = [];

// ---- formatting --------------------------------------------------------------

function fmtDur(s) {
  if (!(s > 0)) return "–";
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 0.01 ? 2 : 1)} ms`;
  return `${s.toFixed(2)} s`;
}
function fmtAge(s) {
  if (!(s >= 0)) return "–";
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.floor(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
function fmtNum(v) {
  if (v === 0) return "0";
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v < 10 ? v.toFixed(1) : v.toFixed(0);
}
function fmtBytes(n) {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}
const obj = (v) => (v && typeof v === "object" && "obj" in v ? `#${v.obj}` : String(v));
function clock(t) {
  const d = new Date(t * 1000);
  return d.toLocaleTimeString([], {hour12: false});
}

// ---- the page's states ---------------------------------------------------------

function status(text, live = false) {
  $("status").textContent = text;
  $("status").classList.toggle("live", live);
}

function show(which) {
  for (const id of ["login", "denied", "console"]) $(id).hidden = id !== which;
  $("logout").hidden = which !== "console";
}

// Stops following the server and forgets what the last login saw.
function stop() {
  for (const t of timers) clearInterval(t);
  timers = [];
  series = [];
  events = [];
  eventSince = null;
  lastFrame = null;
  $("summary").textContent = "";
  for (const body of document.querySelectorAll("#console tbody")) body.replaceChildren();
  if (socket) {
    socket.onclose = null;
    socket.close();
    socket = null;
  }
}

function denied() {
  stop();
  show("denied");
  status("not a wizard");
}

function needLogin(message = "") {
  stop();
  token = null;
  localStorage.removeItem("echo.token");
  show("login");
  status("not logged in");
  $("login-error").textContent = message;
}

async function api(method, path, body) {
  const headers = {Authorization: `Bearer ${token}`};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  let doc = null;
  try {
    doc = await r.json();
  } catch {
    doc = null;
  }
  return {status: r.status, doc};
}

async function start() {
  if (!token) return needLogin();
  status("checking…");
  let r;
  try {
    r = await api("GET", "/api/monitor?limit=200");
  } catch {
    status("the server does not answer; trying again");
    setTimeout(start, 3000);
    return;
  }
  if (r.status === 401) return needLogin("Your session has ended: log in again.");
  if (r.status === 403) return denied();
  if (r.status !== 200) {
    status(`the server answered ${r.status}: ${r.doc?.message ?? ""}; trying again`);
    setTimeout(start, 3000);
    return;
  }
  show("console");
  const s = await api("GET", "/api/monitor/series");
  if (s.status === 200) series = s.doc.samples;
  render(r.doc);
  connect();
  loadSnapshots();
  loadEvents();
  timers.push(setInterval(loadSnapshots, 10000), setInterval(loadEvents, 2000));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/ws/console`);
  socket = ws;
  ws.onopen = () => {
    retry = 0;
    ws.send(JSON.stringify({type: "auth", token}));
    sendWatch();
  };
  ws.onmessage = (m) => {
    const f = JSON.parse(m.data);
    if (f.type === "monitor") {
      status("live", true);
      render(f);
    } else if (f.type === "error") {
      status(f.message);
    }
  };
  ws.onclose = (e) => {
    if (socket !== ws) return;
    socket = null;
    if (e.code === 4403) return denied();
    if (e.code === 4401) return needLogin("Your session has ended: log in again.");
    status("reconnecting…");
    setTimeout(() => { if (!socket && token) connect(); }, Math.min(10000, 500 * 2 ** retry++));
  };
}

function sendWatch() {
  if (socket && socket.readyState === WebSocket.OPEN)
    socket.send(JSON.stringify({type: "watch", filter: $("actor-filter").value.trim().slice(0, 200), limit: 200}));
}

// ---- tables ----------------------------------------------------------------------

// A row of text cells: [text, className?] or an Element.
function row(cells, cls) {
  const tr = document.createElement("tr");
  if (cls) tr.className = cls;
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Element) {
      td.append(c);
    } else if (Array.isArray(c)) {
      td.textContent = c[0];
      if (c[1]) td.className = c[1];
      if (c[2]) td.title = c[2];
    } else {
      td.textContent = c;
    }
    tr.append(td);
  }
  return tr;
}

function fill(tableId, rows, emptyText, columns) {
  const body = $(tableId).tBodies[0];
  if (!rows.length) {
    const tr = row([emptyText], "empty");
    tr.firstChild.colSpan = columns;
    body.replaceChildren(tr);
  } else {
    body.replaceChildren(...rows);
  }
}

function renderActors(f) {
  const rows = f.actors.map((a) => {
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${Math.max(1, Math.min(1, a.busy) * 50)}px`;
    const busy = document.createElement("span");
    busy.append(bar, `${(a.busy * 100).toFixed(a.busy < 0.1 ? 2 : 1)}%`);
    return row([[a.name, "mono", a.name], a.kind, [fmtNum(a.mailbox), "n"], [fmtNum(a.rate), "n"], busy,
                [fmtDur(a.p50), "n"], [fmtDur(a.p99), "n"], [fmtNum(a.handled), "n"]],
               a.mailbox > 0 || a.busy > 0.5 ? "hot" : "");
  });
  for (const r of rows) r.cells[4].className = "n";
  fill("actors", rows, "no actor matches", 8);
  const filter = $("actor-filter").value.trim();
  $("actors-count").textContent = filter ? `${f.actors.length} shown of ${f.actors_matched} matching` :
    `${f.actors.length} shown of ${f.actors_matched}`;
}

function renderTasks(f) {
  // The rows are made again each second: what had the focus gets it back.
  const active = document.activeElement;
  const focused = $("tasks").contains(active) && active.dataset.task ?
    `${active.tagName.toLowerCase()}${active.classList.contains("kill") ? ".kill" : ".task"}[data-task="${active.dataset.task}"]` :
    null;
  const rows = [];
  for (const t of f.tasks) {
    const kill = document.createElement("button");
    kill.className = "kill";
    kill.dataset.task = t.id;
    kill.textContent = armed === t.id ? "Confirm kill" : "Kill";
    if (armed === t.id) kill.classList.add("confirm");
    let state = t.state;
    if (t.state === "suspended") state += t.wakes < 0 ? " · forever" : ` · ${fmtAge(t.wakes - f.time)}`;
    const r = row([[String(t.id), "n mono"], [state, `state-${t.state}`], obj(t.owner),
                   [t.verb, "mono", t.stack.map((s) => `${obj(s.this)} ${s.verb} line ${s.line}`).join("\n")],
                   [String(t.line), "n"], fmtAge(f.time - t.started), kill]);
    r.dataset.task = t.id;
    r.classList.add("task");
    r.tabIndex = 0;  // Enter or Space shows the stack, as a click does
    r.title = "Show or hide the stack";
    rows.push(r);
    if (expanded.has(t.id)) {
      const lines = t.stack.map((s) => `${s.verb}  line ${s.line}  this ${obj(s.this)}  as ${obj(s.programmer)}`);
      const st = row([lines.join("\n") || "(no stack yet)"], "stack");
      st.firstChild.colSpan = 7;
      rows.push(st);
    }
  }
  fill("tasks", rows, "no tasks", 7);
  if (focused) document.querySelector(`#tasks ${focused}`)?.focus();
  $("tasks-count").textContent = f.tasks_total > f.tasks.length ? `${f.tasks.length} of ${f.tasks_total}` :
    `${f.tasks_total}`;
}

function renderConnections(f) {
  const rows = f.connections.map((c) => row([
    c.player.obj >= 0 ? `${c.name} (${obj(c.player)})` : `${obj(c.player)} (logging in)`,
    [c.connection, "mono"],
    ["connected_seconds" in c ? fmtAge(c.connected_seconds) : "–", "n"],
    [fmtAge(c.idle_seconds), "n"]]));
  fill("connections", rows, "nobody is connected", 4);
  $("connections-count").textContent = String(f.connections_total);
}

function render(f) {
  lastFrame = f;
  const s = f.sample;
  if (s && s.time && (!series.length || s.time > series[series.length - 1].time)) {
    series.push(s);
    if (series.length > 300) series.splice(0, series.length - 300);
  }
  if (eventSince === null) eventSince = Math.max(0, f.event_seq - 200);
  renderActors(f);
  renderTasks(f);
  renderConnections(f);
  const last = series[series.length - 1] || s;
  if (last)
    $("summary").textContent = `${last.actors} actors · ${last.tasks} tasks · ${last.connections} connected · ` +
      `${fmtNum(last.commits)} commits/s · ${fmtNum(last.resident_objects)} objects resident`;
  drawPlots();
}

// ---- plots ------------------------------------------------------------------------

const plots = {
  commits: [["commits", "--c0"], ["conflicts", "--c1"], ["reruns", "--c2"]],
  latency: [["command_p50", "--c0", 1000], ["command_p99", "--c1", 1000]],
  connections: [["connections", "--c0"]],
  resident: [["resident_objects", "--c0"]],
  wal: [["wal_syncs", "--c0"]],
  tasks: [["tasks", "--c0"], ["commands", "--c1"]],
};

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function drawPlots() {
  const css = getComputedStyle(document.documentElement);
  const now = series.length ? series[series.length - 1].time : Date.now() / 1000;
  // The last five minutes; less while the server is younger (a minute at least).
  const span = Math.min(300, Math.max(60, series.length ? Math.ceil((now - series[0].time) / 30) * 30 : 60));
  for (const canvas of document.querySelectorAll("canvas[data-plot]")) {
    const lines = plots[canvas.dataset.plot];
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(100, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(50, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, w, h);
    let max = 0;
    for (const [key, , scale = 1] of lines)
      for (const s of series) max = Math.max(max, (s[key] || 0) * scale);
    max = niceMax(max * 1.1);
    const left = 0, top = 4 * dpr, bottom = h - 12 * dpr, width = w - left;
    const x = (t) => left + width * (1 - (now - t) / span);
    const y = (v) => bottom - (bottom - top) * (v / max);
    g.strokeStyle = "#2a2e35";
    g.lineWidth = 1;
    g.fillStyle = "#8a9099";
    g.font = `${10 * dpr}px system-ui, sans-serif`;
    for (const f of [0, 0.5, 1]) {
      const yy = Math.round(y(max * f)) + 0.5;
      g.beginPath();
      g.moveTo(left, yy);
      g.lineTo(w, yy);
      g.stroke();
    }
    g.textBaseline = "top";
    g.fillText(fmtNum(max), 2 * dpr, top + 1);
    g.textBaseline = "bottom";
    g.fillText(span >= 120 ? `${span / 60} min ago` : `${span} s ago`, 2 * dpr, h);
    g.textAlign = "right";
    g.fillText("now", w - 2 * dpr, h);
    g.textAlign = "left";
    g.lineWidth = 1.5 * dpr;
    for (const [key, color, scale = 1] of lines) {
      g.strokeStyle = css.getPropertyValue(color).trim() || "#7fb4ff";
      g.beginPath();
      let started = false;
      for (const s of series) {
        if (now - s.time > span) continue;
        const px = x(s.time), py = y((s[key] || 0) * scale);
        if (started) g.lineTo(px, py);
        else g.moveTo(px, py);
        started = true;
      }
      g.stroke();
    }
    // The latest values beside the title.
    const value = canvas.parentElement.querySelector("figcaption .value");
    const last = series[series.length - 1];
    value.textContent = last ? lines.map(([key, , scale = 1]) => fmtNum(+((last[key] || 0) * scale).toFixed(2))).join(" / ") : "";
  }
}

// ---- snapshots and the event log ------------------------------------------------------

async function loadSnapshots() {
  const r = await api("GET", "/api/monitor/snapshots").catch(() => null);
  if (!r || r.status !== 200) return;
  const rows = r.doc.snapshots.slice().reverse().map((s) => row([
    s.time ? `${new Date(s.time * 1000).toLocaleDateString()} ${clock(s.time)}` : "?", [fmtBytes(s.bytes), "n"],
    [s.name, "mono", s.path]]));
  fill("snapshots", rows, "no snapshots yet", 3);
}

async function takeSnapshot() {
  const r = await api("POST", "/api/monitor/snapshots");
  status(r.status === 202 ? "snapshot requested" : `snapshot refused: ${r.doc?.message ?? r.status}`);
  setTimeout(loadSnapshots, 1000);
  setTimeout(loadSnapshots, 4000);
}

async function loadEvents() {
  if (eventSince === null) return;
  const type = $("event-type").value;
  // Pages until the end, at most five at a time.
  for (let page = 0; page < 5; ++page) {
    const q = `/api/events?since=${eventSince}&limit=500${type ? `&type=${encodeURIComponent(type)}` : ""}`;
    const r = await api("GET", q).catch(() => null);
    if (!r || r.status !== 200) return;
    if (type !== $("event-type").value) return;  // changed meanwhile: that load starts again
    events.push(...r.doc.events);
    if (events.length > 500) events.splice(0, events.length - 500);
    const done = r.doc.events.length < 500 || r.doc.next_since <= eventSince;
    eventSince = r.doc.next_since;
    if (done) break;
  }
  renderEvents();
}

function renderEvents() {
  const text = $("event-filter").value.trim().toLowerCase();
  const rows = [];
  for (let i = events.length - 1; i >= 0 && rows.length < 300; --i) {
    const e = events[i];
    const data = JSON.stringify(e.data);
    if (text && !`${e.type} ${obj(e.player)} ${obj(e.source)} ${data}`.toLowerCase().includes(text)) continue;
    const who = e.player.obj >= 0 ? obj(e.player) : e.source.obj >= 0 ? obj(e.source) : "";
    rows.push(row([[String(e.seq), "n"], clock(e.time), e.type, who, [data, "data", data]]));
  }
  fill("events", rows, text ? "no entry matches" : "no entries yet", 5);
}

// ---- actions ------------------------------------------------------------------------

async function kill(id) {
  armed = null;
  const r = await api("POST", `/api/monitor/tasks/${id}/kill`);
  status(r.status === 200 ? `task ${id} killed` : `task ${id} not killed: ${r.doc?.message ?? r.status}`);
}

$("tasks").addEventListener("click", (e) => {
  const button = e.target.closest("button.kill");
  if (button) {
    const id = Number(button.dataset.task);
    if (armed === id) {
      kill(id);
    } else {
      armed = id;
      clearTimeout(armedTimer);
      armedTimer = setTimeout(() => { armed = null; if (lastFrame) renderTasks(lastFrame); }, 4000);
    }
    if (lastFrame) renderTasks(lastFrame);
    return;
  }
  const tr = e.target.closest("tr.task");
  if (!tr) return;
  const id = Number(tr.dataset.task);
  if (expanded.has(id)) expanded.delete(id);
  else expanded.add(id);
  if (lastFrame) renderTasks(lastFrame);
});

$("tasks").addEventListener("keydown", (e) => {
  const tr = e.target.closest("tr.task");
  if (!tr || e.target !== tr || (e.key !== "Enter" && e.key !== " ")) return;
  e.preventDefault();
  const id = Number(tr.dataset.task);
  if (expanded.has(id)) expanded.delete(id);
  else expanded.add(id);
  if (lastFrame) renderTasks(lastFrame);
});

let filterTimer = null;
$("actor-filter").addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(sendWatch, 200);
});
$("event-type").addEventListener("change", () => {
  events = [];
  eventSince = lastFrame ? Math.max(0, lastFrame.event_seq - 2000) : 0;
  renderEvents();
  loadEvents();
});
$("event-filter").addEventListener("input", renderEvents);
$("snapshot-now").addEventListener("click", takeSnapshot);
window.addEventListener("resize", drawPlots);

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("login-error").textContent = "";
  const r = await fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({name: $("name").value, password: $("password").value})});
  const doc = await r.json().catch(() => ({}));
  if (r.status !== 200) {
    $("login-error").textContent = doc.message || `login failed (${r.status})`;
    return;
  }
  token = doc.token;
  localStorage.setItem("echo.token", token);
  start();
});

async function logout() {
  if (token) await fetch("/api/logout", {method: "POST", headers: {Authorization: `Bearer ${token}`}}).catch(() => {});
  needLogin();
}
$("logout").addEventListener("click", logout);
$("denied-logout").addEventListener("click", logout);

start();
