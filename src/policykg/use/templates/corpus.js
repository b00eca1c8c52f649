/* policykg corpus unit network page script.
 *
 * Reads the graph from the JSON block and draws it with vis-network at the
 * precomputed positions (physics off). Labels appear by weighted degree as one
 * zooms in: a node of tier k (computed in Python) is labelled from 2^k times
 * the zoom that fits the whole network; only nodes crossing a tier are updated. Filters by
 * document, jurisdiction and level hide nodes (and, for a document, the edges
 * of other documents) and zoom to fit what stays. Every document text goes
 * into the DOM with textContent, never as HTML.
 * window.policykgStatus is a frozen snapshot of what vis has drawn, for tests.
 */
(function () {
  "use strict";

  var started = performance.now();
  var data = JSON.parse(document.getElementById("policykg-data").textContent);
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var BIG = data.edges.length > 1500;
  var mode = "region";

  var status = Object.freeze({ ready: false, nodes: 0, edges: 0 });
  Object.defineProperty(window, "policykgStatus", {
    get: function () { return status; },
    enumerable: true
  });

  function textTip(text) {
    var el = document.createElement("div");
    el.className = "pkg-tip";
    el.textContent = text;
    return el;
  }

  function colourOf(n) { return mode === "region" ? n.cr : n.cl; }

  var shownTier = 0; // labels of tiers 0..shownTier are set

  function visNode(n) {
    return { id: n.id, label: n.t <= shownTier ? n.label : "", x: n.x, y: n.y, size: n.size,
             color: colourOf(n), title: textTip(n.tooltip) };
  }

  function visEdge(e) {
    var o = { id: e.id, from: e.from, to: e.to, width: e.width };
    if (!BIG) { o.title = textTip(e.tooltip); }
    return o;
  }

  var nodes = new vis.DataSet(data.nodes.map(visNode));
  var edges = new vis.DataSet(data.edges.map(visEdge));
  var container = document.getElementById("pkg-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  window.policykgNetwork = network; // for tests and the console: what vis draws

  var hiddenNode = {};
  var hiddenEdge = {};
  var matches = 0;
  var draws = 0;
  var firstDrawMs = null;

  function publish() {
    draws += 1;
    if (firstDrawMs === null) { firstDrawMs = Math.round(performance.now()); }
    status = Object.freeze({
      ready: true,
      nodes: network.body.nodeIndices.length,
      edges: network.body.edgeIndices.length,
      totalNodes: nodes.length,
      totalEdges: edges.length,
      matches: matches,
      draws: draws,
      firstDrawMs: firstDrawMs,
      scriptMs: Math.round(firstDrawMs - started),
      mode: mode
    });
  }
  network.on("afterDrawing", publish);

  /* ---------------------------------------------------------- labels by zoom */

  var fitScale = null;

  function updateLabels() {
    if (fitScale === null) { return; }
    var tier = Math.max(0, Math.floor(Math.log2(network.getScale() / fitScale + 1e-9)));
    if (tier === shownTier) { return; }
    var low = Math.min(tier, shownTier), high = Math.max(tier, shownTier);
    var changes = [];
    data.nodes.forEach(function (n) {
      if (n.t > low && n.t <= high) { changes.push({ id: n.id, label: n.t <= tier ? n.label : "" }); }
    });
    shownTier = tier;
    if (changes.length) { nodes.update(changes); }
  }

  var zoomTimer = null;
  network.on("zoom", function () {
    clearTimeout(zoomTimer);
    zoomTimer = setTimeout(updateLabels, 120);
  });

  /* ---------------------------------------------------------- details */

  var details = document.getElementById("pkg-details");

  function showDetails(id) {
    var n = byId[id];
    if (!n) { details.hidden = true; return; }
    var place = data.places[n.j] || "";
    var docs = n.docs.map(function (i) { return data.documents[i].id; });
    document.getElementById("pkg-details-label").textContent = n.label;
    document.getElementById("pkg-details-meta").textContent =
      [place + (n.lv ? "（" + n.lv + "）" : ""), "协作单位 " + n.degree, "文件 " + docs.length].join(" · ");
    document.getElementById("pkg-details-text").textContent = n.tooltip;
    details.hidden = false;
  }

  network.on("click", function (params) {
    if (params.nodes.length) { showDetails(params.nodes[0]); } else { details.hidden = true; }
  });

  /* ---------------------------------------------------------- search */

  var input = document.getElementById("pkg-search-input");
  var message = document.getElementById("pkg-search-msg");
  var results = document.getElementById("pkg-search-results");
  var MAX_RESULTS = 50;

  function focusNode(id) {
    network.selectNodes([id], false);
    network.focus(id, { scale: 1.5, animation: false });
    updateLabels();
    showDetails(id);
  }

  function search() {
    var q = input.value.trim().toLocaleLowerCase();
    var ids = [];
    if (q) {
      ids = data.nodes.filter(function (n) {
        return !hiddenNode[n.id] && n.label.toLocaleLowerCase().indexOf(q) >= 0;
      }).map(function (n) { return n.id; });
    }
    matches = ids.length;
    network.selectNodes(ids, false);
    results.textContent = "";
    ids.slice(0, MAX_RESULTS).forEach(function (id) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = byId[id].label;
      button.addEventListener("click", function () { focusNode(id); });
      li.appendChild(button);
      results.appendChild(li);
    });
    if (!q) {
      message.textContent = "";
    } else if (!ids.length) {
      message.textContent = "没有找到匹配的单位";
    } else {
      message.textContent = "找到 " + ids.length + " 个单位" + (ids.length > MAX_RESULTS ? "（列出前 " + MAX_RESULTS + " 个）" : "");
      if (ids.length === 1) { focusNode(ids[0]); } else { network.fit({ nodes: ids, animation: false }); updateLabels(); }
    }
    network.redraw();
  }

  var pending = null;
  input.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(search, 250);
  });
  document.getElementById("pkg-search").addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(pending);
    search();
  });
  document.getElementById("pkg-search-clear").addEventListener("click", function () {
    input.value = "";
    search();
    fitVisible();
  });

  /* ---------------------------------------------------------- filters */

  var docSelect = document.getElementById("pkg-doc");
  var placeSelect = document.getElementById("pkg-place");
  var levelSelect = document.getElementById("pkg-level");
  var visibleNote = document.getElementById("pkg-visible");

  function visibleIds() {
    return data.nodes.filter(function (n) { return !hiddenNode[n.id]; }).map(function (n) { return n.id; });
  }

  function fitVisible() {
    var ids = visibleIds();
    if (ids.length) { network.fit({ nodes: ids, animation: false }); }
    updateLabels();
  }

  function applyFilters() {
    var doc = docSelect.value === "" ? null : Number(docSelect.value);
    var place = placeSelect.value === "" ? null : Number(placeSelect.value);
    var level = levelSelect.value === "" ? null : levelSelect.value;
    var nodeChanges = [];
    var shown = 0;
    data.nodes.forEach(function (n) {
      var hide = (doc !== null && n.docs.indexOf(doc) < 0) || (place !== null && n.j !== place) ||
        (level !== null && n.lv !== level);
      if (!hide) { shown += 1; }
      if (!!hiddenNode[n.id] !== hide) {
        hiddenNode[n.id] = hide;
        nodeChanges.push({ id: n.id, hidden: hide });
      }
    });
    var edgeChanges = [];
    data.edges.forEach(function (e) {
      var hide = doc !== null && e.docs.indexOf(doc) < 0;
      if (!!hiddenEdge[e.id] !== hide) {
        hiddenEdge[e.id] = hide;
        edgeChanges.push({ id: e.id, hidden: hide });
      }
    });
    if (nodeChanges.length) { nodes.update(nodeChanges); }
    if (edgeChanges.length) { edges.update(edgeChanges); }
    details.hidden = true;
    visibleNote.textContent = shown === data.nodes.length ? "" :
      (shown ? "显示 " + shown + " / " + data.nodes.length + " 个单位" : "没有符合条件的单位");
    if (input.value.trim()) { search(); } else { network.selectNodes([], false); }
    fitVisible();
    network.redraw();
  }

  [docSelect, placeSelect, levelSelect].forEach(function (s) { s.addEventListener("change", applyFilters); });

  /* ---------------------------------------------------------- colour */

  Array.prototype.forEach.call(document.querySelectorAll("input[name=pkg-colour]"), function (radio) {
    radio.addEventListener("change", function () {
      if (!radio.checked) { return; }
      mode = radio.value;
      document.getElementById("pkg-legend-region").hidden = mode !== "region";
      document.getElementById("pkg-legend-level").hidden = mode !== "level";
      nodes.update(data.nodes.map(function (n) { return { id: n.id, color: colourOf(n) }; }));
      network.redraw();
    });
  });

  document.getElementById("pkg-reset").addEventListener("click", function () {
    docSelect.value = "";
    placeSelect.value = "";
    levelSelect.value = "";
    input.value = "";
    message.textContent = "";
    results.textContent = "";
    matches = 0;
    applyFilters();
  });

  network.fit({ animation: false });
  fitScale = network.getScale();
  // Labels read at ~13 px when the whole network fits; vis caps them at 16 px (maxVisible) when zoomed in.
  network.setOptions({ nodes: { font: { size: Math.max(14, Math.round(13 / fitScale)) } } });
}());
