"use strict";
(function () {
  const STATUSES = DATA.statuses;              // zh labels, in the ledger's order, then 未填报
  const rows = DATA.records;
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => { const e = document.createElement(tag); for (const k in attrs || {}) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; };
  const units = (r) => r.lead_units ? r.lead_units.split("、") : ["（未写牵头单位）"];
  function fill(select, values) { for (const v of values) select.appendChild(el("option", {value: v}, v)); }
  fill($("f-doc"), [...new Set(rows.map(r => r.doc))].sort());
  fill($("f-jur"), [...new Set(rows.map(r => r.jurisdiction).filter(Boolean))].sort());
  fill($("f-unit"), [...new Set(rows.flatMap(units))].sort());
  function chosen() {
    const d = $("f-doc").value, j = $("f-jur").value, u = $("f-unit").value;
    return rows.filter(r => (!d || r.doc === d) && (!j || r.jurisdiction === j) && (!u || units(r).includes(u)));
  }
  function table(id, key, list) {
    const t = $(id); t.textContent = "";
    const head = el("tr"); head.appendChild(el("th", {}, key === "doc" ? "文件 document" : "单位 unit"));
    for (const [h, t] of [["记录", "records"], ["红", "red: overdue"], ["黄", "amber: due soon"], ["绿", "green: done"], ...STATUSES.map(s => [s, DATA.english[s] || s])]) head.appendChild(el("th", {title: t}, h));
    t.appendChild(head);
    const groups = new Map();
    for (const r of list) for (const name of (key === "doc" ? [r.doc] : units(r))) {
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name).push(r);
    }
    for (const name of [...groups.keys()].sort()) {
      const g = groups.get(name), tr = el("tr", {"data-name": name});
      tr.appendChild(el("td", {title: key === "doc" ? (DATA.titles[name] || name) : name}, name));
      tr.appendChild(el("td", {"data-count": "records"}, String(g.length)));
      for (const light of ["red", "amber", "green"]) {
        const n = g.filter(r => r.light === light).length, td = el("td", {"data-count": light});
        td.appendChild(el("span", {class: "light " + (n ? light : "none zero")}, String(n))); tr.appendChild(td);
      }
      for (const s of STATUSES) { const n = g.filter(r => (r.status || "未填报") === s).length; tr.appendChild(el("td", {"data-count": s, class: n ? "" : "zero"}, String(n))); }
      t.appendChild(tr);
    }
  }
  function timeline(list) {
    const dated = list.filter(r => r.due).sort((a, b) => a.due < b.due ? -1 : 1);
    const box = $("timeline-svg"); box.textContent = "";
    if (!dated.length) { box.textContent = "无完成日期 / no due dates"; return; }
    const day = (s) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10)) / 864e5;
    const docs = [...new Set(dated.map(r => r.doc))].sort();
    const lo = Math.min(day(DATA.as_of), day(dated[0].due)) - 15, hi = Math.max(day(DATA.as_of), day(dated[dated.length - 1].due)) + 15;
    const W = 1300, left = 290, rowH = 30, H = 34 + docs.length * rowH;
    const x = (d) => left + (W - left - 10) * (d - lo) / (hi - lo);
    const ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const add = (tag, attrs, text) => { const e = document.createElementNS(ns, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; svg.appendChild(e); return e; };
    for (let y = new Date(lo * 864e5).getUTCFullYear(); y <= new Date(hi * 864e5).getUTCFullYear() + 1; y++) {
      const d = Date.UTC(y, 0, 1) / 864e5; if (d < lo || d > hi) continue;
      add("line", {x1: x(d), x2: x(d), y1: 14, y2: H, stroke: "#ddd"}); add("text", {x: x(d) + (x(d) > W - 40 ? -30 : 2), y: 12, "font-size": 11, fill: "#666"}, String(y));
    }
    add("line", {x1: x(day(DATA.as_of)), x2: x(day(DATA.as_of)), y1: 14, y2: H, stroke: "#1f3b5a", "stroke-dasharray": "4 3"});
    docs.forEach((d, i) => {
      const y = 34 + i * rowH;
      add("text", {x: 4, y: y + 4, "font-size": 11, fill: "#333"}, d.length > 40 ? d.slice(0, 39) + "…" : d);
      add("line", {x1: left, x2: W - 10, y1: y, y2: y, stroke: "#f0f0f0"});
    });
    const colour = {red: "#c62828", amber: "#e69500", green: "#2e7d32", "": "#9e9e9e"};
    const marks = new Map(), shift = {red: -8, amber: -3, "": 3, green: 8};
    for (const r of dated) {
      const k = `${r.doc}|${r.due}|${r.light}`;
      if (!marks.has(k)) marks.set(k, []);
      marks.get(k).push(r);
    }
    for (const group of marks.values()) {
      const r = group[0], n = group.length;
      const c = add("circle", {cx: x(day(r.due)), cy: 34 + docs.indexOf(r.doc) * rowH + shift[r.light], r: Math.min(3 + 1.5 * Math.sqrt(n), 11),
                               fill: colour[r.light], "fill-opacity": .75, stroke: "#fff", "data-count": n});
      const t = document.createElementNS(ns, "title");
      t.textContent = `${r.doc} ${r.due}: ${n} — ` + group.map(g => `${g.record} ${g.status || "未填报"}`).join("，");
      c.appendChild(t);
    }
    box.appendChild(svg);
  }
  function records(list) {
    const t = $("records"); t.textContent = "";
    const head = el("tr"); for (const h of ["记录 record", "文件 document", "完成日期 due", "状态 status", "填报 reported", "牵头 lead", "任务 task"]) head.appendChild(el("th", {}, h));
    t.appendChild(head);
    const order = {red: 0, amber: 1, "": 2, green: 3};
    for (const r of [...list].sort((a, b) => order[a.light] - order[b.light] || (a.due || "9") .localeCompare(b.due || "9"))) {
      const tr = el("tr", {"data-light": r.light || "none"}), td = el("td");
      const a = el("a", {href: r.link}, r.record); td.appendChild(a); if (r.light) td.appendChild(el("span", {class: "light " + r.light, style: "margin-left:6px"}, "\u00a0"));
      tr.appendChild(td);
      for (const v of [r.doc, r.due || r.deadline || "", r.status || "未填报", r.reported, r.lead_units]) tr.appendChild(el("td", {}, v));
      tr.appendChild(el("td", {title: r.text}, r.text.length > 60 ? r.text.slice(0, 59) + "…" : r.text));
      t.appendChild(tr);
    }
  }
  function draw() {
    const list = chosen();
    $("shown").textContent = `${list.length} / ${rows.length} 条记录 records`;
    table("by-doc", "doc", list); table("by-unit", "unit", list); timeline(list); records(list);
  }
  for (const id of ["f-doc", "f-jur", "f-unit"]) $(id).addEventListener("change", draw);
  draw();
})();
