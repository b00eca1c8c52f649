// policykg SPARQL editor: plain JS, no dependencies, talks only to this origin.
// Query text goes to /sparql as a POST form; results render as a table
// (SPARQL JSON) or as text (every other format). Data is only ever inserted
// with textContent, never as HTML. The question box follows the text: it shows
// the stored query the text still is (same header lines, or the same text) and
// clears when the text becomes another query. Parameters of a stored query
// (# @param) are sent as param=NAME=VALUE and bound by the server as
// `policykg query --param` binds them; downloads are POST /export (named after
// the query and format); a share link holds the query, scope and parameters in
// the URL fragment and, opened, only fills the editor.
"use strict";

(function () {
  const ENDPOINT = "/sparql";
  const MAX_ROWS = 5000;
  const FORMATS = {
    table: { accept: "application/sparql-results+json, text/turtle;q=0.9", ext: "json" },
    json: { accept: "application/sparql-results+json", ext: "srj" },
    xml: { accept: "application/sparql-results+xml", ext: "srx" },
    csv: { accept: "text/csv", ext: "csv" },
    tsv: { accept: "text/tab-separated-values", ext: "tsv" },
    turtle: { accept: "text/turtle", ext: "ttl" },
    ntriples: { accept: "application/n-triples", ext: "nt" },
  };

  const $ = (id) => document.getElementById(id);
  let examples = [];
  let corpus = { documents: [], context: [] }; // from /documents.json
  let followed = -1; // index of the stored query the text still is, or -1
  const downloads = []; // {name, type, size} of each download, for tests
  Object.defineProperty(window, "policykgEditor", {
    get: () => Object.freeze({ followed: followed >= 0 ? examples[followed].name : "",
                               downloads: downloads.slice() }),
  });

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function setStatus(text, kind) {
    const status = $("status");
    status.textContent = text;
    status.className = "status" + (kind ? " " + kind : "");
  }

  // ---- prefixes declared in the query, to shorten IRIs in the table
  function prefixesOf(query) {
    const found = [];
    const re = /PREFIX\s+([^\s:]*):\s*<([^>\s]*)>/gi;
    let m;
    while ((m = re.exec(query)) !== null) found.push([m[1], m[2]]);
    const declared = new Set(found.map((p) => p[0]));
    for (const [name, ns] of Object.entries(corpus.prefixes || {})) { // the defaults the server adds
      if (!declared.has(name)) found.push([name, ns]);
    }
    found.sort((a, b) => b[1].length - a[1].length); // longest namespace first
    return found;
  }

  function compactIri(iri, prefixes) {
    for (const [name, ns] of prefixes) {
      if (ns && iri.startsWith(ns) && /^[^\s/#?]*$/.test(iri.slice(ns.length))) {
        return name + ":" + iri.slice(ns.length);
      }
    }
    return "<" + iri + ">";
  }

  // Exact term in Turtle-like syntax (shown as the cell's tooltip).
  function termText(term, prefixes) {
    if (!term) return "";
    const iri = (value) => (prefixes ? compactIri(value, prefixes) : "<" + value + ">");
    switch (term.type) {
      case "uri":
        return iri(term.value);
      case "bnode":
        return "_:" + term.value;
      case "triple": {
        const t = term.value;
        return "<< " + [t.subject, t.predicate, t.object].map((x) => termText(x, prefixes)).join(" ") + " >>";
      }
      default:
        if (term["xml:lang"]) return JSON.stringify(term.value) + "@" + term["xml:lang"];
        if (term.datatype) return JSON.stringify(term.value) + "^^" + iri(term.datatype);
        return JSON.stringify(term.value);
    }
  }

  // What a reader wants to see: literals as their plain text, other terms as above.
  function cellText(term, prefixes) {
    if (!term) return "";
    return term.type === "literal" || term.type === "typed-literal" ? term.value : termText(term, prefixes);
  }

  // ---- rendering
  function renderTable(data, query) {
    const out = $("output");
    out.replaceChildren();
    if (typeof data.boolean === "boolean") {
      out.append(el("p", data.boolean ? "true 是" : "false 否", "boolean"));
      return "ASK → " + data.boolean;
    }
    const vars = (data.head && data.head.vars) || [];
    const rows = (data.results && data.results.bindings) || [];
    const prefixes = $("compact").checked ? prefixesOf(query) : null;
    const table = el("table");
    const head = el("tr");
    head.append(el("th", "#"));
    for (const v of vars) head.append(el("th", "?" + v));
    const thead = el("thead");
    thead.append(head);
    table.append(thead);
    const body = el("tbody");
    rows.slice(0, MAX_ROWS).forEach((row, i) => {
      const tr = el("tr");
      tr.append(el("td", String(i + 1), "n"));
      for (const v of vars) {
        const term = row[v];
        const td = el("td", cellText(term, prefixes), term ? term.type : "unbound");
        if (term) td.title = termText(term, prefixes);
        tr.append(td);
      }
      body.append(tr);
    });
    table.append(body);
    out.append(table);
    if (rows.length > MAX_ROWS) {
      out.append(el("p", "只显示前 " + MAX_ROWS + " 行 / showing the first " + MAX_ROWS +
        " rows; download for all", "note"));
    }
    return rows.length + " 行 rows";
  }

  function renderText(text, kind) {
    const out = $("output");
    out.replaceChildren(el("pre", text, "raw" + (kind ? " " + kind : "")));
  }

  // ---- scope: the whole corpus (union) or one document (a named graph)
  function scopeDocument() {
    const graph = $("scope").value;
    return corpus.documents.find((d) => d.graph === graph) || null;
  }

  // The protocol's dataset for one document: it (plus the shared graphs) as the
  // default graph, and it as the one named graph; nothing for the union.
  function scopeParams(form) {
    const doc = scopeDocument();
    if (!doc) return "";
    form.append("default-graph-uri", doc.graph);
    for (const g of corpus.context) form.append("default-graph-uri", g);
    form.append("named-graph-uri", doc.graph);
    return " · 范围 scope: " + doc.id;
  }

  // ---- running a query
  async function run() {
    const query = $("query").value;
    const format = $("format").value;
    const spec = FORMATS[format];
    const button = $("run");
    button.disabled = true;
    setStatus("运行中 running…", "busy");
    const started = performance.now();
    history.replaceState(null, "", "#" + linkParams().toString());
    const form = new URLSearchParams({ query: query });
    for (const p of paramFields()) form.append("param", p);
    const scope = scopeParams(form);
    let response, text;
    try {
      response = await fetch(ENDPOINT, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: spec.accept },
        body: form,
      });
      text = await response.text();
    } catch (err) {
      setStatus("连接失败 request failed: " + err, "error");
      button.disabled = false;
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2) + " s";
    const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
    button.disabled = false;
    if (!response.ok) {
      setStatus("错误 HTTP " + response.status + " · " + seconds, "error");
      renderText(text, "error");
      return;
    }
    let summary = type;
    if (format === "table" && type === "application/sparql-results+json") {
      try {
        summary = renderTable(JSON.parse(text), query);
      } catch (err) {
        console.error("table rendering failed", err);
        renderText(text);
      }
    } else {
      renderText(text);
    }
    setStatus("完成 done · " + summary + " · " + seconds + scope, "ok");
  }

  // ---- the stored query the text still is
  function headerOf(text) {
    const lines = [];
    for (const line of text.split(/\r?\n/)) {
      if (!line.startsWith("#")) break;
      lines.push(line.slice(1).replace(/^ /, "").trimEnd());
    }
    return lines.join("\n");
  }

  function whichExample(text) {
    const header = headerOf(text);
    if (followed >= 0 && header && examples[followed].header === header) return followed;
    let i = examples.findIndex((e) => e.query === text);
    if (i < 0 && header) i = examples.findIndex((e) => e.header === header);
    return i;
  }

  function follow(index) {
    const changed = index !== followed;
    followed = index;
    const example = examples[index];
    $("question").hidden = !example;
    $("example").value = example ? String(index) : "";
    $("question-zh").textContent = example ? example.zh || example.title : "";
    $("question-en").textContent = example ? example.en : "";
    $("question-en").hidden = !(example && example.en);
    $("example-header").textContent = example ? example.header : "";
    if (changed) renderParams(example ? example.params : []);
    $("download-name").textContent = "→ " + baseName() + ".csv / .tsv / .json / .xlsx";
  }

  function renderParams(params) {
    const box = $("params");
    box.replaceChildren();
    for (const p of params) {
      const label = el("label", "", "param");
      label.append(el("code", "?" + p.name));
      const input = el("input");
      input.type = "text";
      input.value = p.default;
      input.dataset.name = p.name;
      input.title = p.doc;
      input.placeholder = p.default;
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
      });
      label.append(input);
      if (p.doc) label.append(el("span", p.doc, "hint"));
      box.append(label);
    }
    $("params-section").hidden = params.length === 0;
  }

  function paramFields() {
    return Array.from($("params").querySelectorAll("input[data-name]"), (i) => i.dataset.name + "=" + i.value);
  }

  function baseName() {
    return followed >= 0 ? examples[followed].name.replace(/[^A-Za-z0-9_.-]+/g, "_") : "query";
  }

  // ---- downloads: POST /export, named after the query and the format
  async function download(format) {
    const form = new URLSearchParams({ query: $("query").value, format: format, name: baseName() });
    if (format === "csv" && $("bom").checked) form.set("bom", "1");
    for (const p of paramFields()) form.append("param", p);
    scopeParams(form);
    setStatus("准备下载 preparing " + format.toUpperCase() + "…", "busy");
    let response, blob;
    try {
      response = await fetch("/export", { method: "POST", body: form,
        headers: { "Content-Type": "application/x-www-form-urlencoded" } });
      blob = await response.blob();
    } catch (err) {
      setStatus("下载失败 download failed: " + err, "error");
      return;
    }
    if (!response.ok) {
      setStatus("错误 HTTP " + response.status, "error");
      renderText(await blob.text(), "error");
      return;
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(disposition);
    const name = match ? match[1] : baseName() + "." + format;
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    downloads.push({ name: name, type: blob.type, size: blob.size });
    setStatus("已下载 downloaded " + name + " (" + blob.size + " bytes)", "ok");
  }

  // ---- share link: query, scope and parameters in the fragment (opening it runs nothing)
  function linkParams() {
    const link = new URLSearchParams({ query: $("query").value });
    if ($("scope").value) link.set("doc", $("scope").value);
    for (const p of paramFields()) link.append("param", p);
    return link;
  }

  function share() {
    const url = location.origin + location.pathname + "#" + linkParams().toString();
    history.replaceState(null, "", url);
    $("share-box").hidden = false;
    $("share-link").value = url;
    $("share-link").select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(
        () => setStatus("链接已复制 link copied", "ok"), () => setStatus("链接见下方 link below", ""));
    }
  }

  // ---- examples
  function showExample(index) {
    const example = examples[index];
    if (example) $("query").value = example.query;
    follow(example ? index : -1);
  }

  async function loadExamples() {
    try {
      const response = await fetch("/examples.json", { headers: { Accept: "application/json" } });
      examples = await response.json();
    } catch (err) {
      setStatus("示例加载失败 examples not loaded: " + err, "error");
    }
  }

  async function loadDocuments() {
    try {
      const response = await fetch("/documents.json", { headers: { Accept: "application/json" } });
      corpus = await response.json();
    } catch (err) {
      setStatus("文件列表加载失败 documents not loaded: " + err, "error");
    }
    $("scope-section").hidden = corpus.documents.length === 0;
  }

  function onKey(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    } else if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      const area = event.target;
      area.setRangeText("  ", area.selectionStart, area.selectionEnd, "end");
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("run").addEventListener("click", run);
    for (const button of document.querySelectorAll("button.dl")) {
      button.addEventListener("click", () => download(button.dataset.format));
    }
    $("share").addEventListener("click", share);
    $("query").addEventListener("keydown", onKey);
    $("query").addEventListener("input", () => follow(whichExample($("query").value)));
    $("example").addEventListener("change", (e) => showExample(e.target.value === "" ? -1 : Number(e.target.value)));
    await Promise.all([loadExamples(), loadDocuments()]);
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.has("doc") && corpus.documents.some((d) => d.graph === hash.get("doc"))) {
      $("scope").value = hash.get("doc"); // a link may choose the scope; it still runs nothing
    }
    if (hash.has("format") && FORMATS[hash.get("format")]) $("format").value = hash.get("format");
    if (hash.has("query")) {
      // A link only fills the editor; running it takes a click (or Ctrl+Enter):
      // a crafted link must not make a visitor's browser send a query.
      $("query").defaultValue = hash.get("query"); // as text content too: the DOM shows what was loaded
      $("query").value = hash.get("query");
      follow(whichExample(hash.get("query")));
      for (const field of hash.getAll("param")) {
        const [name, ...rest] = field.split("=");
        const input = Array.from($("params").querySelectorAll("input[data-name]")).find((i) => i.dataset.name === name);
        if (input) input.value = rest.join("=");
      }
      setStatus("链接中的查询已载入，点击运行 query from the link loaded: press Run", "");
    } else if (examples.length) {
      $("example").value = "0";
      showExample(0);
    }
  });
})();
