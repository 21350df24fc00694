// Echo's player client: logs in through POST /api/login (the world's own
// login), then plays over the WebSocket gateway (docs/web.md): commands in,
// numbered output and event frames out. After a drop it reconnects with the
// last frame number it saw, so nothing is missed; the token is kept in
// localStorage, so a reload or a server restart keeps the session.
// builder.js hears who is logged in through the echo:welcome and
// echo:logout events on the document (and window.echoSession), and is asked
// to inspect an object with echo:inspect. The narrative pane is
// narrative.js, the side panel's who and what is here here.js.
import {Narrative} from "./narrative.js";
import {Here} from "./here.js";

const $ = (id) => document.getElementById(id);
const MAX_LINES = 10000;  // scrollback kept in the page (at least)
const HISTORY = 200;

let token = localStorage.getItem("echo.token");
let lastSeq = -1;
let socket = null;
let retry = 0;
let history = [];
let historyAt = 0;

function inspect(ref) {
  document.dispatchEvent(new CustomEvent("echo:inspect", {detail: ref}));
}

const narrative = new Narrative($("output"), {
  max: MAX_LINES,
  announce: $("announce"),
  // A link whose label is its command runs it; another is offered in the
  // input line, to be read first (narrative.js says why).
  onCommand: (text, direct) => {
    if (direct) return send(text);
    $("command").value = text;
    $("command").focus();
  },
  onInspect: inspect,
});
const here = new Here($("here"), {onCommand: (text) => send(text), onInspect: inspect});

function line(text, kind) { narrative.add(text, kind); }

function status(text) { $("status").textContent = text; }

function showPlay(playing) {
  $("login").hidden = playing;
  $("play").hidden = !playing;
  $("logout").hidden = !playing;
  if (playing) $("command").focus();
}

// A ui_update event: {"element": id, "property": "text", "value": ...}.
// Elements live in the side panel, made on first use; only text and a few
// harmless properties are set (never HTML).
function uiUpdate(data) {
  if (!data || typeof data !== "object" || typeof data.element !== "string") return;
  const panel = $("ui");
  let el = panel.querySelector(`[data-ui="${CSS.escape(data.element)}"]`);
  if (!el) {
    el = document.createElement("div");
    el.className = "item";
    el.dataset.ui = data.element;
    panel.appendChild(el);
  }
  const value = typeof data.value === "string" ? data.value : JSON.stringify(data.value);
  if (data.property === "text" || data.property === undefined) el.textContent = value;
  else if (data.property === "title") el.title = value;
  else if (data.property === "hidden") el.hidden = Boolean(data.value);
}

function onFrame(f) {
  if (typeof f.seq === "number") lastSeq = f.seq;
  switch (f.type) {
    case "welcome":
      retry = 0;
      status("connected");
      if (lastSeq < 0) lastSeq = f.seq;
      window.echoSession = {token, player: f.player};
      here.setPlayer(f.player);
      socket.send(JSON.stringify({type: "room"}));  // a page loaded afresh has not seen one
      document.dispatchEvent(new CustomEvent("echo:welcome", {detail: window.echoSession}));
      break;
    case "output":
      line(f.text);
      break;
    case "event":
      if (f.name === "ui_update") uiUpdate(f.data);
      break;
    case "room":
      here.show(f);
      break;
    case "reload":
      line("(some output was missed while disconnected)", "note");
      break;
    case "error":
      line(`${f.error}: ${f.message}`, "error");
      break;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/ws`);
  status(retry ? "reconnecting..." : "connecting...");
  // batch: frames that pile up in a burst come as one message, an array.
  socket.onopen = () => socket.send(JSON.stringify({type: "auth", token, last_seq: lastSeq, batch: true}));
  socket.onmessage = (m) => {
    let doc;
    try { doc = JSON.parse(m.data); } catch (e) { console.error(e); return; }
    for (const f of Array.isArray(doc) ? doc : [doc]) {
      try { onFrame(f); } catch (e) { console.error(e); }
    }
  };
  socket.onclose = (e) => {
    socket = null;
    if (e.code === 4401 || e.code === 4001) {  // not logged in, or the session ended
      line(e.code === 4001 ? "*** The session ended. ***" : "*** Please log in again. ***", "note");
      forget();
      return;
    }
    if (!token) return;
    status("disconnected; reconnecting...");
    retry = Math.min(retry + 1, 6);
    setTimeout(connect, 250 * 2 ** retry);
  };
}

function forget() {
  window.echoSession = null;
  document.dispatchEvent(new CustomEvent("echo:logout"));
  token = null;
  localStorage.removeItem("echo.token");
  here.clear();
  status("not connected");
  showPlay(false);
}

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("login-error").textContent = "";
  const body = {name: $("name").value, password: $("password").value, create: $("create").checked};
  try {
    const r = await fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
                                         body: JSON.stringify(body)});
    const doc = await r.json();
    if (!r.ok) {
      $("login-error").textContent = doc.message || `login failed (${r.status})`;
      return;
    }
    token = doc.token;
    localStorage.setItem("echo.token", token);
    lastSeq = -1;
    narrative.clear();
    showPlay(true);
    connect();
  } catch (e) {
    $("login-error").textContent = `cannot reach the server: ${e}`;
  }
});

// A command as if typed: echoed, sent, and kept in the history.
function send(text) {
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    line("(not connected: the command was not sent)", "error");
    return;
  }
  line(`> ${text}`, "own");
  socket.send(JSON.stringify({type: "command", command: text}));
  if (text && history[history.length - 1] !== text) history.push(text);
  if (history.length > HISTORY) history.shift();
  historyAt = history.length;
}

$("command-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const input = $("command");
  const text = input.value;
  input.value = "";
  send(text);
});

$("command").addEventListener("keydown", (ev) => {
  if (ev.key !== "ArrowUp" && ev.key !== "ArrowDown") return;
  ev.preventDefault();
  historyAt = Math.max(0, Math.min(history.length, historyAt + (ev.key === "ArrowUp" ? -1 : 1)));
  $("command").value = history[historyAt] ?? "";
});

$("logout").addEventListener("click", async () => {
  if (token) await fetch("/api/logout", {method: "POST", headers: {Authorization: `Bearer ${token}`}}).catch(() => {});
  if (socket) socket.close();
  forget();
});

if (token) {
  showPlay(true);
  connect();
} else {
  showPlay(false);
}
// The forms are live now (the HTML shows them before this module runs, and
// a form submitted before then reloads the page): tests wait for this.
document.documentElement.dataset.scripts = "ready";
