/// The label page of `cellphase label`: plain HTML, CSS and JavaScript served as one document (no build step, no
/// framework, nothing fetched from elsewhere). A grid of crops scaled up with a contrast slider, the model's guess and
/// confidence on each, a button and a key per class (1–9), Enter to confirm the guess, arrows to move, U or
/// Ctrl+Z to undo, filters by predicted class, by confidence and by labelled or not, progress per class, and
/// "retrain now". Every label is sent at once and written by the server before the page shows it.
enum LabelPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cellphase label</title>
<style>
  :root { --tile: 112px; --accent: #0072b2; }
  body { font: 14px system-ui, sans-serif; margin: 0; background: #f4f4f4; color: #222; }
  header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ccc; padding: 8px 14px; z-index: 2; }
  header h1 { font-size: 16px; margin: 0 12px 0 0; display: inline; }
  .bar { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; margin-top: 6px; }
  .bar label { white-space: nowrap; }
  #progress { font-weight: 600; }
  #perclass span { margin-right: 10px; }
  #keys span { margin-right: 10px; }
  kbd { border: 1px solid #aaa; border-radius: 3px; padding: 0 4px; background: #fafafa; font-size: 12px; }
  #status { color: #555; }
  #status.error { color: #b00; font-weight: 600; }
  #problems { color: #b00; margin: 6px 14px; }
  #grid { display: flex; flex-wrap: wrap; gap: 10px; padding: 14px; }
  .crop { background: #fff; border: 2px solid #ddd; border-radius: 6px; padding: 6px; width: calc(var(--tile) + 4px); cursor: pointer; }
  .crop.selected { border-color: var(--accent); box-shadow: 0 0 0 2px var(--accent); }
  .crop.labelled { background: #e9f5ec; }
  .crop img { width: var(--tile); height: var(--tile); image-rendering: pixelated; display: block; background: #000; }
  .crop .guess { font-size: 12px; color: #555; margin-top: 3px; height: 16px; overflow: hidden; }
  .crop .label { font-weight: 700; height: 18px; }
  .crop .buttons { display: flex; flex-wrap: wrap; gap: 2px; margin-top: 3px; }
  .crop .buttons button { font-size: 11px; padding: 1px 4px; }
  .crop .buttons button.on { background: var(--accent); color: #fff; }
  button { cursor: pointer; }
</style>
</head>
<body>
<header>
  <h1>cellphase label</h1><span id="progress">…</span> <span id="perclass"></span>
  <div class="bar">
    <label>contrast <input id="contrast" type="range" min="0.5" max="4" step="0.1" value="1"></label>
    <label>brightness <input id="brightness" type="range" min="0.5" max="3" step="0.1" value="1"></label>
    <label>size <input id="size" type="range" min="64" max="256" step="16" value="112"></label>
    <label>predicted <select id="filter-class"><option value="">any</option></select></label>
    <label>confidence below <input id="filter-confidence" type="range" min="0" max="1" step="0.05" value="1"> <span id="confidence-value">1.00</span></label>
    <label>show <select id="filter-labelled"><option value="all">all</option><option value="unlabelled">to label</option><option value="labelled">labelled</option></select></label>
    <button id="undo" title="U or Ctrl+Z">undo</button>
    <button id="retrain">retrain now</button>
    <span id="status"></span>
  </div>
  <div class="bar" id="keys"></div>
</header>
<div id="problems"></div>
<div id="grid"></div>
<script>
"use strict";
let state = null, selected = null, busy = false;
const grid = document.getElementById("grid");
const status = (text, error) => { const s = document.getElementById("status"); s.textContent = text; s.className = error ? "error" : ""; };

async function call(method, url, body) {
  const r = await fetch(url, { method, headers: body ? { "Content-Type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
  const j = await r.json().catch(() => ({ error: "HTTP " + r.status }));
  if (!r.ok) throw new Error(j.error || ("HTTP " + r.status));
  return j;
}

function visible(c) {
  const cls = document.getElementById("filter-class").value;
  const below = parseFloat(document.getElementById("filter-confidence").value);
  const which = document.getElementById("filter-labelled").value;
  if (cls && c.predicted !== cls) return false;
  if (below < 1 && !(c.confidence !== null && c.confidence !== undefined && c.confidence < below)) return false;
  if (which === "unlabelled" && c.label) return false;
  if (which === "labelled" && !c.label) return false;
  return true;
}

function setup() {
  const s = state.session;
  const sel = document.getElementById("filter-class");
  for (const k of s.classes) { const o = document.createElement("option"); o.value = k; o.textContent = k; sel.appendChild(o); }
  document.getElementById("keys").innerHTML = "keys: " + s.classes.map((k, i) => i < 9 ? `<span><kbd>${i + 1}</kbd> ${esc(k)}</span>` : "").join("")
    + "<span><kbd>Enter</kbd> confirm the guess</span><span><kbd>←</kbd><kbd>→</kbd> move</span><span><kbd>U</kbd> undo</span>";
  if (s.problems.length) document.getElementById("problems").textContent = "Left out (could not be read): " + s.problems.join("; ");
  for (const c of s.crops) {
    const d = document.createElement("div");
    d.className = "crop"; d.dataset.index = c.index; d.title = c.path;
    d.innerHTML = `<img src="/api/crops/${c.index}" alt="${esc(c.name)}"><div class="label"></div><div class="guess"></div><div class="buttons">`
      + s.classes.map(k => `<button data-label="${esc(k)}">${esc(k)}</button>`).join("") + "</div>";
    d.addEventListener("click", e => {
      select(c.index);
      const b = e.target.closest("button");
      if (b) give(c.index, b.dataset.label);
    });
    grid.appendChild(d);
  }
}

function esc(t) { return String(t).replace(/[&<>"']/g, ch => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch])); }

function render() {
  const s = state.session;
  document.getElementById("progress").textContent = `${s.labelled} labelled, ${s.total - s.labelled} to go`;
  document.getElementById("perclass").innerHTML = s.classes.map(k => `<span>${esc(k)} ${s.per_class[k] || 0}</span>`).join("");
  document.getElementById("undo").disabled = !s.can_undo;
  const rb = document.getElementById("retrain");
  rb.disabled = !state.can_retrain || state.retraining || busy;
  rb.title = state.can_retrain ? `retrained ${s.retrainings} times` : "start cellphase label with --model to retrain";
  for (const c of s.crops) {
    const d = grid.children[c.index];
    d.style.display = visible(c) ? "" : "none";
    d.classList.toggle("labelled", !!c.label);
    d.querySelector(".label").textContent = c.label || "";
    d.querySelector(".guess").textContent = c.predicted ? `${c.predicted} ${(100 * c.confidence).toFixed(0)} %` : "";
    for (const b of d.querySelectorAll("button")) b.classList.toggle("on", b.dataset.label === c.label);
  }
  if (selected === null || grid.children[selected].style.display === "none") select(next(-1, true));
}

function select(i) {
  if (selected !== null && grid.children[selected]) grid.children[selected].classList.remove("selected");
  selected = i;
  if (i === null) return;
  const d = grid.children[i];
  d.classList.add("selected");
  d.scrollIntoView({ block: "nearest" });
}

// The next visible crop after `from` (an unlabelled one first when `unlabelledFirst`), or null.
function next(from, unlabelledFirst) {
  const crops = state.session.crops, n = crops.length;
  for (const wantUnlabelled of unlabelledFirst ? [true, false] : [false]) {
    for (let k = 1; k <= n; k++) {
      const i = ((from + k) % n + n) % n;
      if (grid.children[i].style.display !== "none" && (!wantUnlabelled || !crops[i].label)) return i;
    }
  }
  return null;
}

function previous(from) {
  const n = state.session.crops.length;
  for (let k = 1; k <= n; k++) { const i = ((from - k) % n + n) % n; if (grid.children[i].style.display !== "none") return i; }
  return null;
}

async function give(index, label) {
  try {
    state = await call("POST", "/api/labels", { index, label });
    status(`${state.session.crops[index].name}: ${label}`);
    render();
    select(next(index, true));
  } catch (e) { status("not saved: " + e.message, true); }
}

async function undo() {
  try { state = await call("POST", "/api/undo"); status("undone"); render(); }
  catch (e) { status("undo failed: " + e.message, true); }
}

async function retrain() {
  busy = true; render(); status("retraining on the labels so far…");
  const t0 = performance.now();
  try {
    state = await call("POST", "/api/retrain");
    status(`retrained in ${((performance.now() - t0) / 1000).toFixed(0)} s; guesses refreshed`);
  } catch (e) { status("retraining failed: " + e.message, true); }
  busy = false; render();
}

document.addEventListener("keydown", e => {
  if (!state || e.target.tagName === "SELECT" || e.target.tagName === "INPUT" && e.target.type !== "range") return;
  const s = state.session;
  if ((e.key === "z" && (e.ctrlKey || e.metaKey)) || e.key === "u" || e.key === "U") { e.preventDefault(); undo(); return; }
  if (selected === null) return;
  if (/^[1-9]$/.test(e.key) && +e.key <= s.classes.length) { e.preventDefault(); give(selected, s.classes[+e.key - 1]); }
  else if (e.key === "Enter" && s.crops[selected].predicted && s.classes.includes(s.crops[selected].predicted)) { e.preventDefault(); give(selected, s.crops[selected].predicted); }
  else if (e.key === "ArrowRight" || e.key === "ArrowDown") { e.preventDefault(); select(next(selected, false)); }
  else if (e.key === "ArrowLeft" || e.key === "ArrowUp") { e.preventDefault(); select(previous(selected)); }
});

function look() {
  const c = document.getElementById("contrast").value, b = document.getElementById("brightness").value;
  document.documentElement.style.setProperty("--tile", document.getElementById("size").value + "px");
  for (const img of grid.querySelectorAll("img")) img.style.filter = `contrast(${c}) brightness(${b})`;
}
for (const id of ["contrast", "brightness", "size"]) document.getElementById(id).addEventListener("input", look);
for (const id of ["filter-class", "filter-labelled"]) document.getElementById(id).addEventListener("change", render);
document.getElementById("filter-confidence").addEventListener("input", e => {
  document.getElementById("confidence-value").textContent = parseFloat(e.target.value).toFixed(2); render();
});
document.getElementById("undo").addEventListener("click", undo);
document.getElementById("retrain").addEventListener("click", retrain);

call("GET", "/api/state").then(s => { state = s; setup(); render(); document.body.dataset.ready = "1"; })
  .catch(e => status("cannot load the session: " + e.message, true));
</script>
</body>
</html>
"""#
}
