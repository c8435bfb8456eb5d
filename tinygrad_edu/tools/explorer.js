/* tinygrad_edu graph explorer: draws the graph data of explorer.py (inlined into the page).
   Graphs of more than 16 nodes start with their modules folded.
   Layout: nodes in layers by longest path from the inputs (data flows left to right),
   ordered in each layer by the barycentre of their neighbours.  The step control replays
   data.steps, the engine's own order. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const N = data.nodes, E = data.edges, S = data.steps;
  const W = 168, H = 44, XGAP = 74, YGAP = 22, PAD = 28;
  const SVGNS = "http://www.w3.org/2000/svg";
  const state = { step: 0, selected: data.root, expanded: new Set(), zoom: 1, timer: null };
  const byGroup = new Map();  // group name -> its node ids (members of it or of subgroups)
  N.forEach(n => { if (n.group != null) ancestors(n.group).forEach(g => {
    if (!byGroup.has(g)) byGroup.set(g, []); byGroup.get(g).push(n.id); }); });
  const groupLabel = new Map(data.groups.map(g => [g.name, g.label]));
  const stepOf = new Map(S.map((s, k) => [s.node, k]));   // node -> its step (0-based)
  const usesOf = N.map(() => []);                          // node -> edges to its users
  const usersOf = N.map(() => []);                         // node -> all edges to its users
  E.forEach(e => { usersOf[e.src].push(e); if (e.grad) usesOf[e.src].push(e); });
  if (N.length <= 16) byGroup.forEach((_, g) => state.expanded.add(g));
  state.expanded.add("");  // the model itself is never one box

  function ancestors(g) {  // "a.b.c" -> ["", "a", "a.b", "a.b.c"]
    const parts = g === "" ? [] : g.split("."), out = [""];
    parts.forEach((_, i) => out.push(parts.slice(0, i + 1).join(".")));
    return out;
  }
  function el(tag, attrs, parent, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function h(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  const fmt = v => v == null ? "–" : (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3))
    ? v.toExponential(3) : String(+v.toPrecision(4));
  const shapeText = s => s == null ? "" : "(" + s.join(", ") + (s.length === 1 ? ",)" : ")");
  const nodeName = n => (n.label ? n.label + " · " : "") + (n.kind === "leaf" ? "leaf" : n.op);

  // ---------------------------------------------------------------- the visible graph
  function rep(id) {  // the box a node is drawn in: itself, or its outermost folded group
    const n = N[id];
    if (n.group == null) return "n" + id;
    for (const g of ancestors(n.group)) if (!state.expanded.has(g)) return "g" + g;
    return "n" + id;
  }
  function visible() {
    const boxes = new Map(), links = new Map();
    N.forEach(n => { const r = rep(n.id); if (!boxes.has(r)) boxes.set(r, { key: r, ids: [] });
      boxes.get(r).ids.push(n.id); });
    E.forEach(e => { const a = rep(e.src), b = rep(e.dst); if (a === b) return;
      const k = a + ">" + b; if (!links.has(k)) links.set(k, { a, b, edges: [] });
      links.get(k).edges.push(e.id); });
    return { boxes, links: [...links.values()] };
  }
  function boxGroup(key) {  // the module a box is drawn inside ("" for none)
    if (key[0] === "g") return key.slice(1).split(".").slice(0, -1).join(".");
    const g = N[+key.slice(1)].group;
    return g == null ? "" : g;
  }
  function layout(vis) {
    const keys = [...vis.boxes.keys()], preds = new Map(keys.map(k => [k, []])),
      succs = new Map(keys.map(k => [k, []])), indeg = new Map(keys.map(k => [k, 0]));
    vis.links.forEach(l => { preds.get(l.b).push(l.a); succs.get(l.a).push(l.b);
      indeg.set(l.b, indeg.get(l.b) + 1); });
    const rank = new Map(), queue = keys.filter(k => indeg.get(k) === 0);
    queue.forEach(k => rank.set(k, 0));
    for (let i = 0; i < queue.length; i++) {
      const k = queue[i];
      succs.get(k).forEach(s => { rank.set(s, Math.max(rank.get(s) || 0, rank.get(k) + 1));
        indeg.set(s, indeg.get(s) - 1); if (indeg.get(s) === 0) queue.push(s); });
    }
    keys.forEach(k => { if (!rank.has(k)) rank.set(k, 0); });  // (a cycle cannot happen)
    // inputs sit just before their first use, not all in the first column
    keys.forEach(k => { if (preds.get(k).length === 0 && succs.get(k).length)
      rank.set(k, Math.min(...succs.get(k).map(s => rank.get(s))) - 1); });
    const layers = [];
    keys.forEach(k => { const r = rank.get(k); (layers[r] = layers[r] || []).push(k); });
    const pos = new Map();
    const place = () => layers.forEach(L => L && L.forEach((k, i) => pos.set(k, i)));
    place();
    const bary = (k, nb) => { const p = nb.get(k).filter(x => pos.has(x));
      return p.length ? p.reduce((s, x) => s + pos.get(x), 0) / p.length : pos.get(k); };
    for (let it = 0; it < 6; it++) {
      const down = it % 2 === 0, order = down ? layers : [...layers].reverse();
      order.forEach(L => { if (!L) return;
        const b = new Map(L.map(k => [k, bary(k, down ? preds : succs)]));
        const mean = new Map();  // a module's boxes stay together: sorted by their mean
        L.forEach(k => { const g = boxGroup(k); const m = mean.get(g) || [0, 0];
          mean.set(g, [m[0] + b.get(k), m[1] + 1]); });
        const key = k => { const m = mean.get(boxGroup(k)); return m[0] / m[1]; };
        L.sort((x, y) => key(x) - key(y) || b.get(x) - b.get(y));
        L.forEach((k, i) => pos.set(k, i)); });
    }
    const tallest = Math.max(...layers.map(L => (L || []).length));
    const xy = new Map();
    layers.forEach((L, r) => { if (!L) return;
      const off = (tallest - L.length) * (H + YGAP) / 2;
      L.forEach((k, i) => xy.set(k, { x: PAD + r * (W + XGAP), y: PAD + 18 + off + i * (H + YGAP) })); });
    return { xy, width: PAD * 2 + layers.length * (W + XGAP) - XGAP,
             height: PAD * 2 + 18 + tallest * (H + YGAP) };
  }

  // ---------------------------------------------------------------- the replay
  function replay(k) {  // what is known after k steps
    const carried = new Set(), done = new Set();
    for (let i = 0; i < k; i++) { S[i].produces.forEach(e => carried.add(e));
      if (i < k - 1) done.add(S[i].node); }
    const cur = k > 0 ? S[k - 1] : null;
    return { carried, done, cur, produced: new Set(cur ? cur.produces : []),
             summed: new Set(cur ? cur.summed : []) };
  }
  function outsideUses(ids) {  // gradient-carrying edges from the box to other boxes
    const inside = new Set(ids);
    return ids.flatMap(i => usesOf[i]).filter(e => !inside.has(e.dst));
  }
  function nodeState(ids, r) {
    if (r.cur && ids.includes(r.cur.node)) return "current";
    if (ids.every(i => r.done.has(i) || !stepOf.has(i))
        && ids.some(i => r.done.has(i))) return "done";
    if (ids.some(i => r.done.has(i)) || outsideUses(ids).some(e => r.carried.has(e.id))) return "pending";
    return "idle";
  }

  // ---------------------------------------------------------------- drawing
  const svgHost = document.createElement("div");
  let svg = null;
  function draw() {
    const vis = visible(), lay = layout(vis), r = replay(state.step);
    svg = el("svg", { id: "graph", width: lay.width * state.zoom, height: lay.height * state.zoom,
                      viewBox: `0 0 ${lay.width} ${lay.height}` });
    const defs = el("defs", {}, svg);
    [["arrow", "#94a3b8"], ["arrowRed", "#dc2626"], ["arrowPurple", "#7c3aed"],
     ["arrowPink", "#fca5a5"]].forEach(([id, c]) => {
      const m = el("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7,
                               markerHeight: 7, orient: "auto-start-reverse" }, defs);
      el("path", { d: "M0,0 L10,5 L0,10 z", fill: c }, m); });
    // edges: forward direction; during the replay the gradient flows back along them
    vis.links.forEach(l => {
      const a = lay.xy.get(l.a), b = lay.xy.get(l.b);
      const x0 = a.x + W, y0 = a.y + H / 2, x1 = b.x, y1 = b.y + H / 2, dx = (x1 - x0) / 2;
      // a link that skips columns arcs over the boxes between its ends
      const span = Math.round((x1 - x0 + W) / (W + XGAP)) - 1;
      const lift = span > 0 ? Math.min(H * 0.75 + 14 * span, Math.min(y0, y1) - 4) : 0;
      const top = Math.min(y0, y1) - lift;
      const d = span > 0 ? `M${x0},${y0} C${x0 + XGAP},${top} ${x1 - XGAP},${top} ${x1},${y1}`
        : `M${x0},${y0} C${x0 + dx},${y0} ${x1 - dx},${y1} ${x1},${y1}`;
      let cls = "edge", marker = "arrow";
      if (l.edges.some(e => r.produced.has(e))) { cls += " produced"; marker = "arrowRed"; }
      else if (l.edges.some(e => r.summed.has(e))) { cls += " summed"; marker = "arrowPurple"; }
      else if (l.edges.some(e => r.carried.has(e))) { cls += " carried"; marker = "arrowPink"; }
      const backward = cls !== "edge";
      el("path", { class: cls, "data-edges": l.edges.join(" "), d,
                   [backward ? "marker-start" : "marker-end"]: `url(#${marker})` }, svg);
      if (l.edges.length > 1)  // one tensor used several times by the same op (h * h)
        el("text", { class: "multi", x: (x0 + x1) / 2, y: (span > 0 ? top + lift * 0.25 : (y0 + y1) / 2) - 5,
                     "text-anchor": "middle" }, svg, "×" + l.edges.length);
    });
    // boxes
    vis.boxes.forEach(box => {
      const p = lay.xy.get(box.key), folded = box.key[0] === "g";
      const n = N[box.ids[box.ids.length - 1]], st = nodeState(box.ids, r);
      const cls = ["node", folded ? "group" : (n.kind === "leaf" ? (n.requires_grad ? "leaf" : "const") : "op")];
      if (box.ids.includes(data.root)) cls.push("root");
      if (!folded && n.id === state.selected) cls.push("selected");
      const g = el("g", { class: cls.join(" "), "data-state": st, transform: `translate(${p.x},${p.y})`,
                         [folded ? "data-group" : "data-id"]: folded ? box.key.slice(1) : n.id }, svg);
      el("rect", { width: W, height: H, rx: 7 }, g);
      if (!folded && n.group != null && n.group !== "") {  // the module it belongs to
        const tag = el("text", { class: "tag", x: 4, y: -4 }, g, "▾ " + (groupLabel.get(n.group) || n.group));
        tag.addEventListener("click", ev => { ev.stopPropagation(); state.expanded.delete(n.group); draw(); });
      }
      let t1, t2;
      if (folded) {
        const gname = box.key.slice(1), ops = box.ids.filter(i => N[i].kind === "op").length;
        const out = box.ids.find(i => usersOf[i].some(e => !box.ids.includes(e.dst)));
        t1 = "▸ " + (groupLabel.get(gname) || gname);
        const count = (k, what) => `${k} ${what}${k === 1 ? "" : "s"}`;
        t2 = count(ops, "op") + ", " + count(box.ids.length - ops, "param")
          + (out != null ? " → " + shapeText(N[out].shape) : "");
      } else {
        t1 = nodeName(n); t2 = shapeText(n.shape) + " " + (n.dtype || "");
      }
      el("text", { class: "t1", x: 10, y: 18 }, g, t1.length > 24 ? t1.slice(0, 23) + "…" : t1);
      el("text", { class: "t2", x: 10, y: 34 }, g, t2.length > 28 ? t2.slice(0, 27) + "…" : t2);
      const uses = outsideUses(box.ids);
      const got = uses.filter(e => r.carried.has(e.id)).length;
      const badge = { done: "✓", current: "∇", pending: uses.length > 1 ? `Σ ${got}/${uses.length}` : "•" }[st];
      if (badge) el("text", { class: "badge " + st, x: W - 2, y: -4, "text-anchor": "end" }, g, badge);
      g.addEventListener("click", () => {
        if (folded) { state.expanded.add(box.key.slice(1)); draw(); return; }
        state.selected = n.id; draw(); details(); });
    });
    svgHost.replaceChildren(svg);
    stepPanel(r);
  }

  // ---------------------------------------------------------------- side panel
  function heat(summary) {
    const hm = summary && summary.heat;
    if (!hm) return null;
    const cell = Math.max(2, Math.min(24, Math.floor(340 / hm.cols), Math.floor(160 / hm.rows)));
    const c = h("canvas", { class: "heat", width: hm.cols, height: hm.rows });
    c.style.width = hm.cols * cell + "px"; c.style.height = hm.rows * cell + "px";
    const ctx = c.getContext("2d"), img = ctx.createImageData(hm.cols, hm.rows);
    hm.cells.forEach((v, i) => { const t = Math.abs(v) / 99;  // white -> red (+) / blue (-)
      const [r, g, b] = v >= 0 ? [255, 255 - 200 * t, 255 - 210 * t] : [255 - 210 * t, 255 - 150 * t, 255];
      img.data.set([r, g, b, 255], 4 * i); });
    ctx.putImageData(img, 0, 0);
    c.title = `heat map${hm.exact ? "" : " (block means)"}: ±${fmt(hm.scale)} is full colour`;
    return c;
  }
  function summaryBlock(title, s, missing) {
    const box = h("div", { class: "box" });
    box.appendChild(h("h3", {}, title));
    if (!s) { box.appendChild(h("div", { class: "muted" }, missing)); return box; }
    const t = h("table", { class: "stats" });
    [["shape", shapeText(s.shape) + " " + s.dtype], ["min / max", fmt(s.min) + " / " + fmt(s.max)],
     ["mean / std", fmt(s.mean) + " / " + fmt(s.std)], ["norm", fmt(s.norm)]]
      .concat(s.nonfinite ? [["non-finite", String(s.nonfinite)]] : [])
      .forEach(([k, v]) => { const tr = h("tr"); tr.appendChild(h("td", {}, k));
        tr.appendChild(h("td", {}, v)); t.appendChild(tr); });
    box.appendChild(t);
    box.appendChild(h("div", { class: "preview" }, s.preview));
    const c = heat(s); if (c) box.appendChild(c);
    return box;
  }
  function link(id) {
    const a = h("a", { class: "node-link" }, "#" + id + " " + nodeName(N[id]));
    a.addEventListener("click", () => { state.selected = id; reveal(id); draw(); details(); });
    return a;
  }
  function reveal(id) { const g = N[id].group; if (g != null) ancestors(g).forEach(a => state.expanded.add(a)); }
  function details() {
    const n = N[state.selected], d = document.getElementById("details");
    d.replaceChildren();
    const head = h("h3", {}, "#" + n.id + " " + nodeName(n));
    d.appendChild(head);
    d.appendChild(h("div", { class: "muted" }, (n.kind === "leaf" ? (n.requires_grad ? "leaf tensor (requires grad)" : "constant leaf") : "op node")
      + (n.group != null ? " · in " + (groupLabel.get(n.group) || n.group) : "") + (n.root ? " · the output" : "")));
    d.appendChild(h("div", { class: "formula", id: "formula" }, n.formula));
    d.appendChild(summaryBlock("Value", n.value, "not kept: no backward formula needs this tensor, so the graph let it go"));
    if (n.saved.length) {
      const box = h("div", { class: "box" }); box.appendChild(h("h3", {}, "Saved for backward"));
      n.saved.forEach(s => { const row = h("div");
        row.appendChild(document.createTextNode("input " + s.slot + ": "));
        if (s.node != null) row.appendChild(link(s.node));
        else row.appendChild(document.createTextNode(s.constant || "a constant"));
        row.appendChild(h("span", { class: s.kept ? "" : "muted" }, s.kept ? "  — saved" : "  — not saved (its gradient formula does not read it)"));
        box.appendChild(row);
        if (s.summary) box.appendChild(summaryBlock("constant input " + s.slot, s.summary, ""));
      });
      d.appendChild(box);
    }
    const idx = stepOf.has(n.id) ? stepOf.get(n.id) : -1;
    d.appendChild(summaryBlock("Gradient ∂L/∂(this output)" + (idx >= 0 ? ` — step ${idx + 1}` : ""), n.grad,
      S.length ? "no gradient reaches this node" : "no backward replay for this graph"));
  }
  function stepPanel(r) {
    const p = document.getElementById("step-info");
    document.getElementById("step-label").textContent = `step ${state.step} / ${S.length}`;
    document.getElementById("slider").value = state.step;
    ["first", "prev"].forEach(id => document.getElementById(id).disabled = state.step === 0);
    ["next", "last", "play"].forEach(id => document.getElementById(id).disabled = state.step === S.length);
    p.replaceChildren();
    if (!S.length) { p.appendChild(h("div", { class: "muted" }, data.notes.join("; ") || "no backward steps")); return; }
    if (!r.cur) { p.appendChild(h("div", {}, `Before backward: the forward graph. ${S.length} steps replay the engine's backward pass in its own order (▶ or →).`)); return; }
    const n = N[r.cur.node], box = h("div", { class: "box step" });
    const title = h("h3", {}, `Step ${state.step}: `); title.appendChild(link(n.id)); box.appendChild(title);
    const uses = r.cur.summed;
    const recv = h("div");
    if (n.root) recv.appendChild(document.createTextNode("The output: the pass starts with ∂L/∂L = 1 (or the given gradient)."));
    else if (uses.length > 1) {
      recv.appendChild(h("span", { class: "sum" }, `Σ sum of ${uses.length} gradients`));
      recv.appendChild(document.createTextNode(" — this tensor was used " + uses.length + " times; the engine waited for all of them: "));
      uses.forEach((e, i) => { if (i) recv.appendChild(document.createTextNode(" + ")); recv.appendChild(link(E[e].dst)); });
    } else if (uses.length === 1) {
      recv.appendChild(document.createTextNode("Receives its gradient from ")); recv.appendChild(link(E[uses[0]].dst));
    }
    box.appendChild(recv);
    if (n.kind === "leaf") box.appendChild(h("div", {}, "A leaf: the gradient is added into its .grad."));
    else if (r.cur.produces.length) {
      const pr = h("div"); pr.appendChild(h("span", { class: "gradtag" }, "Its backward produces "));
      r.cur.produces.forEach((e, i) => { if (i) pr.appendChild(document.createTextNode(", "));
        pr.appendChild(document.createTextNode("∂L/∂input" + E[e].slot + " → ")); pr.appendChild(link(E[e].src)); });
      box.appendChild(pr);
    }
    p.appendChild(box);
    p.appendChild(summaryBlock("Gradient reaching it", n.grad, "none"));
    r.cur.produces.forEach(e => p.appendChild(summaryBlock(`sent to input ${E[e].slot} (#${E[e].src})`, E[e].grad, "")));
  }
  function go(k) { state.step = Math.max(0, Math.min(S.length, k));
    if (state.step > 0) state.selected = S[state.step - 1].node;
    draw(); details(); }

  // ---------------------------------------------------------------- the page
  document.body.innerHTML = `
<header><h1></h1>
 <div class="controls"><button id="first" title="before backward">|◀</button><button id="prev" title="previous step (←)">◀</button>
  <button id="next" class="primary" title="next step (→)">▶ step</button><button id="last" title="after backward">▶|</button>
  <button id="play" title="play the steps">play</button><input id="slider" type="range" min="0" step="1"><span id="step-label"></span></div>
 <div class="controls"><button id="fold">fold modules</button><button id="unfold">unfold all</button>
  <button id="zoom-out">−</button><button id="zoom-in">+</button></div>
 <div class="legend"><span><i class="chip" style="background:#dbeafe;border-color:#3b82f6"></i>leaf</span>
  <span><i class="chip" style="background:#f3f4f6;border-color:#6b7280"></i>op</span>
  <span><i class="chip" style="background:#ede9fe;border-color:#7c3aed"></i>module (click to unfold; its ▾ tag folds it)</span>
  <span><i class="chip" style="background:#fed7aa;border-color:#ea580c"></i>current step</span>
  <span><i class="chip" style="background:#fff;border-color:#16a34a"></i>done</span>
  <span><i class="chip" style="background:#fff;border-color:#7c3aed;border-style:dashed"></i>gradient arrived, waiting for its other uses (Σ k/n)</span>
  <span style="color:#dc2626">- - ◂ gradient sent</span></div>
 <div class="notes"></div></header>
<main><div id="canvas"></div><aside><h2>Backward step</h2><div id="step-info"></div><h2>Node</h2><div id="details"></div></aside></main>`;
  document.querySelector("h1").textContent = data.title;
  document.querySelector(".notes").textContent = data.notes.join("; ");
  document.getElementById("canvas").appendChild(svgHost);
  const slider = document.getElementById("slider"); slider.max = S.length;
  slider.addEventListener("input", () => go(+slider.value));
  const on = (id, f) => document.getElementById(id).addEventListener("click", f);
  on("first", () => go(0)); on("prev", () => go(state.step - 1));
  on("next", () => go(state.step + 1)); on("last", () => go(S.length));
  on("play", () => { if (state.timer) { clearInterval(state.timer); state.timer = null; return; }
    state.timer = setInterval(() => { if (state.step >= S.length) { clearInterval(state.timer); state.timer = null; }
      else go(state.step + 1); }, 700); });
  on("fold", () => { state.expanded = new Set([""]); draw(); });
  on("unfold", () => { byGroup.forEach((_, g) => state.expanded.add(g)); draw(); });
  on("zoom-in", () => { state.zoom = Math.min(2, state.zoom * 1.25); draw(); });
  on("zoom-out", () => { state.zoom = Math.max(0.3, state.zoom / 1.25); draw(); });
  document.addEventListener("keydown", e => { if (e.key === "ArrowRight") go(state.step + 1);
    if (e.key === "ArrowLeft") go(state.step - 1); });
  const fit = () => { const lay = layout(visible()), room = document.getElementById("canvas").clientWidth - 8;
    state.zoom = Math.max(0.8, Math.min(1, room / lay.width)); };
  fit(); draw(); details();
})();
