// tcpedu player: the browser half of TracePlayer (anywidget ES module, no build step).
//
// Python sends a trace's steps once, as JSON (tcpedu/views/widgets/payload.py); this module draws
// the ladder (a window of rows that follows the current step), both sides' states, the state
// diagram, the variables and the narration, and steps here, with no kernel round trip. Nothing is
// inferred here: fates, marks, styles, labels and sentences all come from the payload.
//
// The same module runs in JupyterLab (anywidget), in a page written by export_html (a small model
// shim), and with a saved widget state and no kernel.

const SVG = "http://www.w3.org/2000/svg";

/** Sizes per look (CSS pixels). Fonts also live in player.css; these place things. */
const LOOKS = {
  notebook: { row: 26, font: 14, head: 56, gutter: 72, ladderH: 452, box: [118, 30],
              cell: [128, 46], line: 2.5 },
  projector: { row: 44, font: 28, head: 84, gutter: 128, ladderH: 390, box: [224, 44],
               cell: [232, 57], line: 4 },
};

/** Glyphs that double a mark's colour and line style. */
const MARK_GLYPH = { retransmission: "↻ ", "dup-ack": "dup ", injected: "⚠ ", "zero-window": "0-win " };

/** Legend entries: style key, words. */
const LEGEND = [
  ["handshake", "SYN / FIN"], ["data", "data"], ["ack", "ACK only"], ["dup-ack", "duplicate ACK (dup)"],
  ["retransmission", "retransmission ↻"], ["lost", "lost ✕"], ["rst", "RST"],
  ["injected", "injected ⚠"],
];

const SEGMENT_KINDS = new Set(["send", "deliver", "drop"]);

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
    '"': "&quot;", "'": "&#39;" })[c]);
}

function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) node.append(child);
  return node;
}

function fmtTime(ms) {
  if (ms >= 10000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  const digits = ms >= 100 && Number.isInteger(Math.round(ms * 1000) / 1000) ? 0 : ms < 10 ? 2 : 1;
  return `${ms.toFixed(digits)} ms`;
}

/** The payload as an object (the model holds a JSON string). */
function parse(text) {
  if (!text) return null;
  try { return JSON.parse(text); } catch (e) { return null; }
}

function safeSave(model) {
  // Without a kernel (a saved notebook, an exported page) there is nothing to save to.
  try { model.save_changes(); } catch (e) { /* no comm: stepping stays local */ }
}

// -- the ladder -----------------------------------------------------------------------------------

/** Rows [first, first + count) of the ladder around step `cur`, as an SVG string. */
function ladderSVG(data, cur, width, height, look, hover, clipId) {
  const L = LOOKS[look];
  const steps = data.steps;
  const n = steps.length;
  const top = L.head + L.font * 0.8;  // room for the first row's label
  const rows = Math.max(3, Math.floor((height - top - 6) / L.row));
  const first = Math.max(0, Math.min(cur - rows + 2, n - rows));
  const last = Math.min(n - 1, first + rows - 1);
  const nodes = data.nodes;
  const left = L.gutter + 14, right = width - 14;
  const xs = {};
  nodes.forEach((name, i) => {
    xs[name] = nodes.length === 1 ? (left + right) / 2
      : left + (right - left) * (i / (nodes.length - 1));
  });
  const y = (row) => top + (row - first + 0.5) * L.row;
  const out = [];
  out.push(`<rect class="tcpedu-bg" x="0" y="0" width="${width}" height="${height}"/>`);
  // The current step's band.
  out.push(`<rect class="tcpedu-current-band" x="2" y="${y(cur) - L.row / 2}" width="${width - 4}"`
    + ` height="${L.row}" rx="4"/>`);
  // Axis: the step's time where it changes; a compressed pause drawn as a break.
  out.push(`<text class="tcpedu-axis-title" x="6" y="${L.head - 8}">steps ↓<title>One row per step,`
    + ` not drawn to scale: the time is written where it changes; ⋯ marks a long pause.</title></text>`);
  for (let r = first; r <= last; r++) {
    const s = steps[r];
    const prev = r > 0 ? steps[r - 1] : null;
    if (s.gap) {
      const yy = y(r) - L.row / 2;
      out.push(`<path class="tcpedu-break" d="M2 ${yy - 3} l8 6 l8 -6 l8 6 M${left - 10} ${yy}`
        + ` H${right + 10}"/>`);
    }
    if (!prev || prev.t !== s.t || r === first) {
      const label = s.gap ? `+${fmtTime(s.t - prev.t)} ⋯ ${fmtTime(s.t)}` : fmtTime(s.t);
      out.push(`<text class="tcpedu-time${s.gap ? " tcpedu-gap" : ""}" x="${L.gutter}" `
        + `y="${y(r) + L.font * 0.35}" text-anchor="end">${esc(s.gap ? `⋯ ${fmtTime(s.t)}` : label)}</text>`);
    }
  }
  // Lifelines and their heads: name and current state.
  for (const name of nodes) {
    const x = xs[name];
    out.push(`<line class="tcpedu-lifeline tcpedu-node-${esc(name)}" x1="${x}" x2="${x}" y1="${L.head - 4}"`
      + ` y2="${height}"/>`);
    const state = steps[cur].states[name];
    const anchor = name === nodes[0] ? "start" : name === nodes[nodes.length - 1] ? "end" : "middle";
    const tx = anchor === "start" ? Math.max(4, x - 30) : anchor === "end" ? Math.min(width - 4, x + 30) : x;
    const changed = steps[cur].changes.some((c) => c[0] === name);
    out.push(`<text class="tcpedu-node-name" x="${tx}" y="${L.font + 4}" text-anchor="${anchor}">`
      + `${esc(name)}</text>`);
    if (state) {
      out.push(`<text class="tcpedu-state tcpedu-node-state${changed ? " tcpedu-changed" : ""}" x="${tx}"`
        + ` y="${2 * L.font + 12}" text-anchor="${anchor}">${changed ? "▶ " : ""}${esc(state)}</text>`);
    }
  }
  // Application calls and timers beside their lifeline.
  for (let r = first; r <= Math.min(last, cur); r++) {
    const s = steps[r];
    if (!s.tag || !(s.node in xs)) continue;
    const x = xs[s.node];
    const onLeft = s.node !== nodes[0];
    out.push(`<circle class="tcpedu-event-dot" cx="${x}" cy="${y(r)}" r="${L.line + 2}"/>`);
    out.push(`<text class="tcpedu-event${r === cur ? " tcpedu-now" : ""}" x="${x + (onLeft ? -10 : 10)}"`
      + ` y="${y(r) + L.font * 0.35}" text-anchor="${onLeft ? "end" : "start"}">${esc(s.tag)}</text>`);
  }
  // Segments that touch the window and have been sent by now (clipped below the heads).
  const described = [];
  out.push(`<clipPath id="${clipId}"><rect x="0" y="${L.head - 2}" width="${width}" height="${height}"/>`
    + `</clipPath><g clip-path="url(#${clipId})">`);
  for (const seg of data.segList) {
    const a = seg.sent;
    if (a > cur || a > last) continue;
    const b = seg.end === null || seg.end === undefined ? a + 0.7 : seg.end;
    if (b < first) continue;
    const x1 = xs[seg.src], x2full = xs[seg.dst];
    if (x1 === undefined || x2full === undefined) continue;
    const lost = seg.fate === "dropped";
    const tx2 = lost ? x1 + (x2full - x1) * 0.55 : x2full;
    let frac = 1;
    if (b > cur) frac = Math.min(1, Math.max(0.15, (cur + 0.5 - a) / (b - a)));
    const y1 = y(a), yb = y(b);
    const x2 = x1 + (tx2 - x1) * frac, y2 = y1 + (yb - y1) * frac;
    const now = steps[cur].seg === seg.id;
    const cls = `tcpedu-seg tcpedu-seg-${seg.style}${now ? " tcpedu-now" : ""}${hover === seg.id ? " tcpedu-hover" : ""}`;
    const words = `segment ${seg.id}: ${seg.src} to ${seg.dst}, ${seg.label}, ${seg.fate}`;
    out.push(`<g class="${cls}" data-seg="${seg.id}" tabindex="0" role="button" aria-label="${esc(words)}">`);
    out.push(`<line class="tcpedu-hit" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"/>`);
    out.push(`<line class="tcpedu-arrow" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"/>`);
    if (frac >= 1 && !lost) {
      const ang = Math.atan2(y2 - y1, x2 - x1), size = L.line * 3 + 4;
      const p = (da) => `${x2 - size * Math.cos(ang + da)},${y2 - size * Math.sin(ang + da)}`;
      out.push(`<polygon class="tcpedu-head" points="${x2},${y2} ${p(0.45)} ${p(-0.45)}"/>`);
    }
    if (lost && frac >= 1) {
      const k = L.line * 2 + 5;
      out.push(`<path class="tcpedu-cross" d="M${x2 - k} ${y2 - k} L${x2 + k} ${y2 + k} M${x2 - k} ${y2 + k}`
        + ` L${x2 + k} ${y2 - k}"/>`);
    }
    if (a >= first) {
      const toRight = x2full >= x1;
      const glyphs = seg.marks.map((m) => MARK_GLYPH[m] || "").join("");
      out.push(`<text class="tcpedu-label" x="${x1 + (toRight ? 8 : -8)}" y="${y1 - 5}"`
        + ` text-anchor="${toRight ? "start" : "end"}">${esc(glyphs + seg.label)}${lost ? " ✕" : ""}</text>`);
    }
    out.push("</g>");
    if (a >= first) described.push(`step ${a + 1}: ${words}`);
  }
  out.push("</g>");
  return { svg: out.join(""), first, last, rows, described };
}

// -- the state diagram ------------------------------------------------------------------------------

function diagramSVG(data, cur, look) {
  const L = LOOKS[look];
  const [bw, bh] = L.box, [cw, ch] = L.cell;
  const dg = data.diagram;
  const width = 3 * cw + 8, height = 7 * ch + 8 + L.font;
  const pos = {};
  for (const s of dg.states) pos[s.key] = [4 + s.col * cw + cw / 2, 4 + s.row * ch + ch / 2];
  const step = data.steps[cur];
  // Where each side is: the box its last edge went into, else the state's first box.
  const at = {};
  for (const name of data.stateful) {
    let key = null;
    for (let i = cur; i >= 0 && key === null; i--) {
      for (const c of data.steps[i].changes) {
        if (c[0] === name && c[3] >= 0) { key = dg.edges[c[3]].toKey; break; }
        if (c[0] === name) { key = c[2]; break; }
      }
    }
    const state = step.states[name];
    if (state === undefined) continue;
    if (key === null || !(key in pos) || dg.states.find((s) => s.key === key).name !== state) {
      key = dg.states.find((s) => s.name === state).key;
    }
    at[name] = key;
  }
  const taken = new Map(step.changes.filter((c) => c[3] >= 0).map((c) => [c[3], c[0]]));
  const clip = (from, to) => {
    const [x1, y1] = pos[from], [x2, y2] = pos[to];
    const dx = x2 - x1, dy = y2 - y1;
    const t = Math.min(Math.abs((bw / 2 + 3) / (dx || 1e-9)), Math.abs((bh / 2 + 3) / (dy || 1e-9)));
    return [x1 + dx * t, y1 + dy * t, x2 - dx * t, y2 - dy * t];
  };
  const out = [`<svg class="tcpedu-diagram" xmlns="${SVG}" width="${width}" height="${height}"`
    + ` viewBox="0 0 ${width} ${height}" role="img" aria-label="TCP state diagram (RFC 9293 Figure 5)`
    + `${Object.entries(at).map(([n, k]) => `; ${n} is in ${k.replace("-end", "")}`).join("")}">`];
  dg.edges.forEach((e, i) => {
    const isTaken = taken.has(i);
    if (!e.figure5 && !isTaken) return;
    const [x1, y1, x2, y2] = clip(e.fromKey, e.toKey);
    const mx = (x1 + x2) / 2, my = (y1 + y2) / 2, len = Math.hypot(x2 - x1, y2 - y1) || 1;
    const bend = e.bend * len;
    const cx = mx + bend * (y2 - y1) / len, cy = my - bend * (x2 - x1) / len;
    const ang = Math.atan2(y2 - cy, x2 - cx), size = isTaken ? L.line * 3 + 6 : L.line * 2 + 5;
    const p = (da) => `${x2 - size * Math.cos(ang + da)},${y2 - size * Math.sin(ang + da)}`;
    const cls = `tcpedu-edge${isTaken ? ` tcpedu-taken tcpedu-by-${taken.get(i)}` : ""}${e.figure5 ? "" : " tcpedu-extra"}`;
    out.push(`<g class="${cls}"><path d="M${x1} ${y1} Q${cx} ${cy} ${x2} ${y2}"/>`
      + `<polygon points="${x2},${y2} ${p(0.4)} ${p(-0.4)}"/><title>${esc(e.from)} → ${esc(e.to)}: `
      + `${esc(e.label)} (RFC 9293 ${esc(e.rfc)})</title></g>`);
  });
  for (const s of dg.states) {
    const [x, y] = pos[s.key];
    const who = Object.keys(at).filter((n) => at[n] === s.key);
    const cls = `tcpedu-box${who.map((n) => ` tcpedu-at-${n}`).join("")}${who.length ? " tcpedu-here" : ""}`;
    out.push(`<g class="${cls}"><rect x="${x - bw / 2}" y="${y - bh / 2}" width="${bw}" height="${bh}"`
      + ` rx="${bh / 3}"/><text x="${x}" y="${y + L.font * 0.36}" text-anchor="middle">`
      + `${esc(s.name)}</text>`);
    who.forEach((n, i) => {
      const above = i === 0;
      out.push(`<text class="tcpedu-who tcpedu-who-${n}" x="${x}" y="${above ? y - bh / 2 - 4 : y + bh / 2 + L.font}"`
        + ` text-anchor="middle">${above ? "▼ " : "▲ "}${esc(n)}</text>`);
    });
    out.push("</g>");
  }
  out.push("</svg>");
  const caption = step.changes.map((c) => {
    const e = c[3] >= 0 ? dg.edges[c[3]] : null;
    return `${c[0]}: ${c[1]} → ${c[2]}${e ? ` on “${e.label}” (RFC 9293 ${e.rfc})` : ""}`;
  });
  return { svg: out.join(""), caption };
}

// -- the player ------------------------------------------------------------------------------------

function prepare(data) {
  if (!data) return null;
  data.segList = Object.values(data.segments).sort((a, b) => a.sent - b.sent);
  // The diagram's boxes: CLOSED twice, as in RFC 9293 Figure 5 (top: before, bottom: after).
  const dg = data.diagram;
  if (!dg.prepared) {
    const bottom = new Set(["FIN-WAIT-1", "FIN-WAIT-2", "CLOSING", "TIME-WAIT", "LAST-ACK", "CLOSE-WAIT"]);
    dg.states.forEach((s) => { s.key = s.name; });
    dg.states.push({ name: "CLOSED", key: "CLOSED-end", col: 2, row: 6 });
    const rowOf = Object.fromEntries(dg.states.map((s) => [s.key, s.row]));
    const seen = new Set();
    for (const e of dg.edges) {
      e.fromKey = e.from;
      e.toKey = e.to === "CLOSED" && bottom.has(e.from) ? "CLOSED-end" : e.to;
      const pair = [e.fromKey, e.toKey].sort().join("|");
      const skip = Math.abs(rowOf[e.fromKey] - rowOf[e.toKey]) > 1 && e.fromKey !== "CLOSED"
        && e.toKey !== "CLOSED";
      e.bend = skip ? 0.35 : seen.has(pair) ? 0.12 : 0.06;
      seen.add(pair);
    }
    dg.prepared = true;
  }
  // What the diagram shows at each step (redrawn only when it changes).
  const last = {};
  for (const s of data.steps) {
    for (const c of s.changes) last[c[0]] = `${c[2]}/${c[3]}`;
    s.diagramKey = JSON.stringify([last, s.states, s.changes]);
  }
  return data;
}

function render({ model, el }) {
  const look = model.get("look") === "projector" ? "projector" : "notebook";
  const L = LOOKS[look];
  let original = prepare(parse(model.get("data")));
  let alternative = prepare(parse(model.get("alt")));
  let showing = model.get("showing") === "alt" && alternative ? "alt" : "original";
  let data = showing === "alt" ? alternative : original;
  let cur = 0, timer = null, pinned = null, hover = null, waiting = null;
  let tab = look === "projector" ? "ladder" : "diagram";
  const maxRows = model.get("rows") || 0;

  const root = h("div", { class: `tcpedu-player tcpedu-look-${look}`, tabindex: "0", role: "region",
    "data-lm-suppress-shortcuts": "true", "aria-roledescription": "TCP trace player" });
  const title = h("span", { class: "tcpedu-title" });
  const back = h("button", { class: "tcpedu-back", type: "button", title: "previous step (←)",
    "aria-label": "previous step", text: "◀ Back" });
  const play = h("button", { class: "tcpedu-play", type: "button", title: "play / pause (space)",
    text: "▶ Play" });
  const forward = h("button", { class: "tcpedu-step", type: "button", title: "next step (→)",
    "aria-label": "next step", text: "Step ▶" });
  const slider = h("input", { class: "tcpedu-slider", type: "range", min: "1", value: "1",
    "aria-label": "step" });
  const count = h("span", { class: "tcpedu-count", "aria-hidden": "true" });
  const mode = h("select", { class: "tcpedu-mode", "aria-label": "what a step is" }, [
    h("option", { value: "all", text: "every event" }),
    h("option", { value: "segments", text: "segments only" })]);
  const bar = h("div", { class: "tcpedu-bar" }, [back, play, forward, slider, count, mode]);
  const variant = h("div", { class: "tcpedu-variant", hidden: true });
  const ladderBox = h("div", { class: "tcpedu-ladder-pane tcpedu-pane" });
  const ladderDesc = h("div", { class: "tcpedu-sr-only", id: `tcpedu-desc-${Math.random().toString(36).slice(2)}` });
  const when = h("div", { class: "tcpedu-when" });
  const sentence = h("div", { class: "tcpedu-sentence" });
  const narration = h("div", { class: "tcpedu-narration", "aria-live": "polite", "aria-atomic": "true" },
    [when, sentence]);
  const tabs = h("div", { class: "tcpedu-tabs", role: "tablist" });
  const diagramPane = h("div", { class: "tcpedu-diagram-pane tcpedu-pane" });
  const variablesPane = h("div", { class: "tcpedu-variables-pane tcpedu-pane" });
  const legendPane = h("div", { class: "tcpedu-legend-pane tcpedu-pane" });
  const panes = { ladder: ladderBox, diagram: diagramPane, variables: variablesPane, legend: legendPane };
  const tabNames = look === "projector" ? ["ladder", "diagram", "variables", "legend"]
    : ["diagram", "variables", "legend"];
  const tabButtons = {};
  for (const name of tabNames) {
    tabButtons[name] = h("button", { class: `tcpedu-tab tcpedu-tab-${name}`, type: "button",
      role: "tab", text: name === "diagram" && look !== "projector" ? "state diagram" : name });
    tabButtons[name].addEventListener("click", () => { tab = name; draw(); });
    tabs.append(tabButtons[name]);
  }
  const popover = h("div", { class: "tcpedu-popover", role: "dialog", hidden: true });
  const main = h("div", { class: "tcpedu-main" });
  const side = h("div", { class: "tcpedu-side" });
  if (look === "projector") {
    main.append(tabs, ...Object.values(panes));
    side.append(narration);
  } else {
    main.append(ladderBox);
    side.append(narration, tabs, diagramPane, variablesPane, legendPane);
  }
  const body = h("div", { class: "tcpedu-body" }, [main, side, popover]);
  root.append(h("div", { class: "tcpedu-head" }, [title, bar]), variant, body, ladderDesc);
  el.append(root);

  const stepOf = () => data.steps[cur];

  function setStep(i, { save = true } = {}) {
    if (!data) return;
    const n = data.steps.length;
    cur = Math.max(0, Math.min(n - 1, i));
    draw();
    if (save && model.get("step") !== cur && showing === "original") {
      model.set("step", cur);
      safeSave(model);
    }
  }

  function move(delta) {
    if (mode.value === "segments") {
      let i = cur + delta;
      while (i >= 0 && i < data.steps.length && !SEGMENT_KINDS.has(data.steps[i].kind)) i += delta;
      if (i >= 0 && i < data.steps.length) setStep(i);
    } else {
      setStep(cur + delta);
    }
  }

  function togglePlay() {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ Play"; return; }
    if (cur >= data.steps.length - 1) setStep(0);
    play.textContent = "❚❚ Pause";
    timer = setInterval(() => {
      if (cur >= data.steps.length - 1) togglePlay(); else move(1);
    }, 900);
  }

  function ladderSize() {
    const width = Math.max(320, Math.floor(ladderBox.clientWidth || (look === "projector" ? 900 : 470)));
    let height = L.ladderH;
    if (maxRows) height = Math.min(height, L.head + L.font + maxRows * L.row + 8);
    return [width, height];
  }

  function drawLadder() {
    const [width, height] = ladderSize();
    const t0 = performance.now();
    const lad = ladderSVG(data, cur, width, height, look, hover, `${ladderDesc.id}-clip`);
    ladderBox.innerHTML = `<svg class="tcpedu-ladder" xmlns="${SVG}" width="${width}" height="${height}"`
      + ` viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${ladderDesc.id}">${lad.svg}</svg>`;
    ladderDesc.textContent = `Ladder diagram, steps ${lad.first + 1} to ${lad.last + 1} of `
      + `${data.steps.length}. ${lad.described.join(". ")}`;
    root.dataset.drawMs = (performance.now() - t0).toFixed(2);
    root.dataset.firstRow = lad.first + 1;
    root.dataset.lastRow = lad.last + 1;
  }

  let drawnDiagram = null;
  function drawDiagram() {
    const key = `${showing}|${stepOf().diagramKey}`;
    if (key === drawnDiagram && diagramPane.firstChild) return;
    drawnDiagram = key;
    const d = diagramSVG(data, cur, look);
    diagramPane.innerHTML = d.svg + `<div class="tcpedu-caption">${d.caption.length
      ? d.caption.map(esc).join("<br>") : "no state change at this step"}</div>`;
  }

  function drawVariables() {
    const s = stepOf();
    const prev = cur > 0 ? data.steps[cur - 1] : null;
    const nodes = data.stateful.filter((n) => n in s.states);
    let rows = `<tr><th scope="row">state</th>${nodes.map((n) => {
      const changed = prev && prev.states[n] !== s.states[n];
      return `<td class="tcpedu-state${changed ? " tcpedu-changed" : ""}">${esc(s.states[n])}</td>`;
    }).join("")}</tr>`;
    if (s.vars) {
      data.variables.forEach((label, k) => {
        rows += `<tr><th scope="row">${esc(label)}</th>${nodes.map((n) => {
          const v = s.vars[n] ? s.vars[n][k] : null;
          const before = prev && prev.vars && prev.vars[n] ? prev.vars[n][k] : v;
          const changed = prev && before !== v;
          return `<td${changed ? ' class="tcpedu-changed"' : ""}>${v === null ? "—" : esc(v)}</td>`;
        }).join("")}</tr>`;
      });
    } else {
      rows += `<tr><td colspan="${nodes.length + 1}">a capture shows no endpoint variables</td></tr>`;
    }
    variablesPane.innerHTML = `<table class="tcpedu-states"><caption>both sides after step ${cur + 1}`
      + ` (changed: <span class="tcpedu-changed">bold, underlined</span>)</caption><tr><th></th>`
      + `${nodes.map((n) => `<th scope="col">${esc(n)}</th>`).join("")}</tr>${rows}</table>`;
  }

  function drawLegend() {
    legendPane.innerHTML = `<ul class="tcpedu-legend">${LEGEND.map(([k, words]) =>
      `<li><svg width="56" height="${L.font}" aria-hidden="true"><line class="tcpedu-seg-${k} tcpedu-swatch"`
      + ` x1="2" x2="54" y1="${L.font / 2}" y2="${L.font / 2}"/></svg> ${esc(words)}</li>`).join("")}</ul>`
      + `<p>The ladder has one row per step (not drawn to time scale): the time is written where it`
      + ` changes, and ⋯ marks a long pause.</p><p>Keys: → next, ← back, space play/pause, Home first, End last. Point at or click an arrow`
      + ` for its fields${data.can_what_if ? "; click it to ask “what if it were lost?”" : ""}.</p>`;
  }

  function drawPopover() {
    const seg = pinned !== null ? data.segments[pinned] : hover !== null ? data.segments[hover] : null;
    if (!seg) { popover.hidden = true; return; }
    const rows = seg.explain.rows.map((r) => `<tr><td>${esc(r[0])}</td><td><code>${esc(r[1])}</code>`
      + `</td><td><code>${esc(r[2])}</code></td><td>${esc(r[3])}</td></tr>`).join("");
    const whatIf = data.can_what_if && showing === "original" && pinned !== null
      ? `<div class="tcpedu-whatif"><button type="button" class="tcpedu-lose" data-seg="${seg.id}">`
        + `✕ lose it</button><button type="button" class="tcpedu-delay" data-seg="${seg.id}">`
        + `⏱ delay it</button><span class="tcpedu-whatif-status" role="status"></span></div>` : "";
    popover.innerHTML = `<div class="tcpedu-popover-head"><b>segment ${seg.id}</b>: `
      + `${esc(seg.src)} → ${esc(seg.dst)}, ${esc(seg.label)} — ${esc(seg.fate)}`
      + `${seg.marks.length ? ` (${esc(seg.marks.join(", "))})` : ""}`
      + `${seg.analysis.length ? `<br>Wireshark's analysis: ${esc(seg.analysis.join(", "))}` : ""}`
      + `${seg.known.length ? `<br>the sender knows: ${esc(seg.known.join(", "))}` : ""}`
      + `${pinned !== null ? '<button type="button" class="tcpedu-close" aria-label="close">✕</button>' : ""}`
      + `</div>${whatIf}<table class="tcpedu-explain"><caption>${esc(seg.explain.title)}</caption>`
      + `<thead><tr><th>field</th><th>value</th><th>bytes</th><th>meaning</th></tr></thead>`
      + `<tbody>${rows}</tbody></table>`;
    popover.hidden = false;
  }

  function drawVariant() {
    if (!alternative) { variant.hidden = true; return; }
    variant.hidden = false;
    variant.innerHTML = showing === "alt"
      ? `<b>What if:</b> ${esc(alternative.variant)} — a new run of the same scenario. `
        + `<button type="button" class="tcpedu-original">show the original run</button>`
      : `Showing the original run. <button type="button" class="tcpedu-alternative">show what if `
        + `${esc(alternative.variant)}</button>`;
  }

  function draw() {
    if (!data) { root.textContent = "tcpedu player: no data"; return; }
    const n = data.steps.length;
    const s = stepOf();
    title.textContent = data.title + (showing === "alt" ? " — what if" : "");
    slider.max = String(n);
    slider.value = String(cur + 1);
    slider.setAttribute("aria-valuetext", `step ${cur + 1} of ${n}`);
    count.textContent = `step ${cur + 1} of ${n}`;
    when.textContent = `step ${cur + 1} of ${n} · t = ${fmtTime(s.t)}`;
    sentence.textContent = s.text;
    back.disabled = cur === 0;
    forward.disabled = cur === n - 1;
    root.classList.toggle("tcpedu-showing-diagram", tab === "diagram");
    for (const [name, button] of Object.entries(tabButtons)) {
      button.setAttribute("aria-selected", String(name === tab));
      button.classList.toggle("tcpedu-active", name === tab);
    }
    for (const [name, pane] of Object.entries(panes)) {
      pane.hidden = name === "ladder" ? look === "projector" && tab !== "ladder" : name !== tab;
    }
    if (!ladderBox.hidden) drawLadder();
    if (tab === "diagram") drawDiagram();
    if (tab === "variables") drawVariables();
    if (tab === "legend") drawLegend();
    drawVariant();
    drawPopover();
  }

  // -- events ----------------------------------------------------------------------------------
  back.addEventListener("click", () => move(-1));
  forward.addEventListener("click", () => move(1));
  play.addEventListener("click", togglePlay);
  slider.addEventListener("input", () => setStep(Number(slider.value) - 1));
  root.addEventListener("keydown", (e) => {
    const inField = e.target === slider || e.target === mode;
    const keys = { ArrowRight: () => move(1), ArrowLeft: () => move(-1), Home: () => setStep(0),
      End: () => setStep(data.steps.length - 1), " ": togglePlay };
    if (e.key === "Escape" && pinned !== null) { pinned = null; drawPopover(); e.stopPropagation(); return; }
    if (e.key === "Enter" && e.target.dataset && e.target.dataset.seg && !e.target.matches("button")) {
      pinned = Number(e.target.dataset.seg); drawPopover(); e.preventDefault(); return;
    }
    const act = keys[e.key];
    if (!act || (inField && e.key !== " ") || (e.key === " " && e.target.matches("button, select"))) {
      if (inField) e.stopPropagation();  // the slider moves itself; keep JupyterLab out of it
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    act();
  });
  ladderBox.addEventListener("mouseover", (e) => {
    const g = e.target.closest && e.target.closest("[data-seg]");
    const id = g ? Number(g.dataset.seg) : null;
    if (id !== hover) { hover = id; drawPopover(); }
  });
  ladderBox.addEventListener("mouseleave", () => { hover = null; drawPopover(); });
  ladderBox.addEventListener("click", (e) => {
    const g = e.target.closest && e.target.closest("[data-seg]");
    pinned = g ? Number(g.dataset.seg) : null;
    drawPopover();
  });
  popover.addEventListener("click", (e) => {
    const t = e.target;
    if (t.matches(".tcpedu-close")) { pinned = null; drawPopover(); root.focus(); return; }
    if (t.matches(".tcpedu-lose, .tcpedu-delay")) {
      const id = Number(t.dataset.seg);
      const status = popover.querySelector(".tcpedu-whatif-status");
      status.textContent = "re-running the scenario…";
      const request = t.matches(".tcpedu-lose") ? { lose: id } : { delay: id };
      try {
        model.send({ what_if: request });
      } catch (err) {
        status.textContent = "what-if needs a running kernel (run the cell first)";
        return;
      }
      clearTimeout(waiting);
      waiting = setTimeout(() => {
        const s = popover.querySelector(".tcpedu-whatif-status");
        if (s) s.textContent = "no answer: what-if needs a running kernel (run the cell first)";
      }, 8000);
    }
  });
  variant.addEventListener("click", (e) => {
    if (e.target.matches(".tcpedu-original")) showing = "original";
    else if (e.target.matches(".tcpedu-alternative")) showing = "alt";
    else return;
    data = showing === "alt" ? alternative : original;
    pinned = null;
    cur = Math.min(cur, data.steps.length - 1);
    model.set("showing", showing);
    safeSave(model);
    draw();
  });

  const onData = () => {
    drawnDiagram = null;
    original = prepare(parse(model.get("data")));
    if (showing === "original") { data = original; cur = Math.min(cur, data.steps.length - 1); draw(); }
  };
  const onAlt = () => {
    clearTimeout(waiting);
    drawnDiagram = null;
    alternative = prepare(parse(model.get("alt")));
    if (!alternative) showing = "original";
    onShowing();
  };
  const onShowing = () => {
    showing = model.get("showing") === "alt" && alternative ? "alt" : "original";
    data = showing === "alt" ? alternative : original;
    pinned = null;
    cur = showing === "alt" ? 0 : Math.min(model.get("step"), data.steps.length - 1);
    draw();
  };
  const onStep = () => {
    const want = model.get("step");
    if (showing === "original" && want !== cur) setStep(want, { save: false });
  };
  model.on("change:data", onData);
  model.on("change:alt", onAlt);
  model.on("change:showing", onShowing);
  model.on("change:step", onStep);

  cur = Math.max(0, Math.min(model.get("step") || 0, data ? data.steps.length - 1 : 0));
  draw();
  // Redraw the ladder once the page has laid the player out (its width is known then).
  const resize = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => {
    if (data && !ladderBox.hidden) drawLadder();
  }) : null;
  if (resize) resize.observe(ladderBox);
  return () => {
    if (timer) clearInterval(timer);
    clearTimeout(waiting);
    if (resize) resize.disconnect();
    model.off("change:data", onData);
    model.off("change:alt", onAlt);
    model.off("change:showing", onShowing);
    model.off("change:step", onStep);
  };
}

export default { render };
