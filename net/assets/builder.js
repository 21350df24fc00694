// The builder's tools, for programmers only: the object inspector, the verb
// editor and the eval panel, in the "Build" tab. client.js says who is
// logged in (the echo:welcome and echo:logout events); the tab appears only
// when GET /api/players/{me} lists the programmer or wizard flag. The server
// refuses non-programmers anyway (eval, add_verb ...): hiding the tab is a
// courtesy, not the protection.
import {Inspector} from "./inspector.js";
import {Editor, traceback} from "./editor.js";
import {parseValueJson, render} from "./values.js";

const $ = (id) => document.getElementById(id);
const EVAL_HISTORY = 100;

let token = null;
let player = null;
let inspector = null;
let editor = null;
const evalHistory = [];
let evalAt = 0;

// One API request as the logged-in player: {status, ok, doc}.
async function api(method, path, body) {
  const headers = {Authorization: `Bearer ${token}`};
  if (body !== undefined && body !== null) headers["Content-Type"] = "application/json";
  try {
    const r = await fetch(path, {method, headers, body: body == null ? undefined : JSON.stringify(body)});
    const text = await r.text();
    let doc;
    try { doc = parseValueJson(text); } catch { doc = {error: "bad_reply", message: text.slice(0, 200)}; }
    return {status: r.status, ok: r.ok, doc};
  } catch (e) {
    return {status: 0, ok: false, doc: {error: "network", message: `cannot reach the server: ${e}`}};
  }
}

// ---- tabs ---------------------------------------------------------------------

function selectTab(name) {
  for (const tab of document.querySelectorAll("#tabs [role=tab]")) {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
  if (name === "build" && inspector.current === null) inspector.open(player);
}

function setupTabs() {
  const tabs = [...document.querySelectorAll("#tabs [role=tab]")];
  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab.dataset.tab));
    tab.addEventListener("keydown", (ev) => {  // arrows move between tabs (WAI-ARIA tabs pattern)
      if (ev.key !== "ArrowRight" && ev.key !== "ArrowLeft") return;
      const i = (tabs.indexOf(tab) + (ev.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length;
      tabs[i].focus();
      selectTab(tabs[i].dataset.tab);
    });
  }
}

// ---- eval ---------------------------------------------------------------------

function evalLine(...parts) {
  const log = $("eval-log");
  const div = document.createElement("div");
  div.append(...parts);
  log.append(div);
  while (log.childElementCount > 500) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
  return div;
}

// As `;` and `;;` on telnet (the default world's eval verb): ";CODE" runs
// as statements. Otherwise one statement's worth (no ";" but a last one) is
// an expression and returned; more is statements. When that reading does
// not compile the other is tried (a loop without ";", say).
async function evalRequest(code, syntax) {
  const trimmed = code.trim();
  if (trimmed.startsWith(";")) return api("POST", "/api/eval", {code: trimmed.slice(1), syntax});
  const expr = trimmed.replace(/;\s*$/, "");
  const tries = [`return ${expr};`, trimmed];
  if (expr.includes(";")) tries.reverse();
  const r = await api("POST", "/api/eval", {code: tries[0], syntax});
  if (r.status !== 422 || r.doc.error !== "compile_error") return r;
  const again = await api("POST", "/api/eval", {code: tries[1], syntax});
  return again.status === 422 && again.doc.error === "compile_error" ? r : again;
}

async function runEval(ev) {
  ev.preventDefault();
  const input = $("eval-input");
  const code = input.value;
  if (!code.trim()) return;
  input.value = "";
  if (evalHistory[evalHistory.length - 1] !== code) evalHistory.push(code);
  if (evalHistory.length > EVAL_HISTORY) evalHistory.shift();
  evalAt = evalHistory.length;
  const syntax = $("eval-syntax").value;
  evalLine(`; ${code}`).className = "own";
  const r = await evalRequest(code, syntax);
  const open = (n) => { selectTab("build"); inspector.open(n); };
  if (r.ok && "result" in r.doc) {
    evalLine("=> ", render(r.doc.result, open)).className = "result";
  } else if (r.status === 202) {
    evalLine(`(task ${r.doc.task} suspended; GET /api/tasks/${r.doc.task} has its outcome)`).className = "note";
  } else if (r.doc.errors) {
    for (const e of r.doc.errors) evalLine(`Line ${e.line}, column ${e.column}: ${e.message}`).className = "error";
  } else {
    const line = evalLine(`${r.doc.error}: ${r.doc.message}`);
    line.className = "error";
    if (r.doc.traceback) line.append(traceback(r.doc.traceback, (o, v, l) => editor.open(o, v, l)));
  }
}

function evalKeys(ev) {
  if (ev.key !== "ArrowUp" && ev.key !== "ArrowDown") return;
  ev.preventDefault();
  evalAt = Math.max(0, Math.min(evalHistory.length, evalAt + (ev.key === "ArrowUp" ? -1 : 1)));
  $("eval-input").value = evalHistory[evalAt] ?? "";
}

// ---- who is logged in -----------------------------------------------------------

async function welcome(detail) {
  token = detail.token;
  player = detail.player && detail.player.obj;
  const r = await api("GET", `/api/players/${player}`);
  const flags = (r.ok && r.doc.flags) || [];
  const programmer = flags.includes("programmer") || flags.includes("wizard");
  $("tabs").hidden = !programmer;
  if (!programmer && !$("build").hidden) selectTab("play");
  document.body.dataset.builder = programmer ? "yes" : "no";  // for tests and styles
}

function logout() {
  token = player = null;
  delete document.body.dataset.builder;
  $("tabs").hidden = true;
  $("build").hidden = true;
  for (const tab of document.querySelectorAll("#tabs [role=tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === "play"));
    tab.tabIndex = tab.dataset.tab === "play" ? 0 : -1;
  }
  inspector.current = null;
  inspector.history = [];
}

inspector = new Inspector(api, (obj, verb) => editor.open(obj, verb));
editor = new Editor(api, {onChange: () => inspector.refresh(), openObject: (n) => inspector.open(n)});
setupTabs();
$("eval-form").addEventListener("submit", runEval);
$("eval-input").addEventListener("keydown", evalKeys);
document.addEventListener("echo:welcome", (ev) => welcome(ev.detail));
document.addEventListener("echo:logout", logout);
// An object link in the narrative or the side panel (client.js).
document.addEventListener("echo:inspect", (ev) => {
  if (!token || document.body.dataset.builder !== "yes") return;
  selectTab("build");
  inspector.open(ev.detail);
});
if (window.echoSession) welcome(window.echoSession);  // welcomed before this module ran
