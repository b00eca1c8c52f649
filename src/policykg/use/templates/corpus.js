/* policykg corpus unit network page script.
 *
 * Reads the graph from the JSON block and draws it with vis-network at the
 * precomputed positions (physics off). Labels appear by weighted degree as one
 * zooms in: a node of tier k (computed in Python) is labelled from 2^k times
 * the zoom that fits the whole network; only nodes crossing a tier are updated.
 * The busiest units (by weighted degree) of what is shown are named at every
 * zoom: data.topLabelled of the whole network, or of what a filter leaves, and
 * the first search hits. Filters by document, jurisdiction and level (the
 * level 「（未知）」 is data.unknownLevel, units of no known level) hide nodes
 * (and, for a document, the edges of other documents) and centre what stays,
 * fitted from the nodes' own positions (policykg.fitNodes). Search hits are
 * listed busiest first (common.js) and shown among their neighbours, never
 * closer than searchScale(). Every document text goes into the DOM with
 * textContent, never as HTML.
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

  function colourOf(n) { return mode === "region" ? n.cr : n.cl; }

  var shownTier = 0; // labels of tiers 0..shownTier may be drawn
  var pinned = [];    // named at every zoom: the busiest of what is shown, the first search hits
  var placed = {};    // id → vertical shift of its drawn label (0 below the node, < 0 above it)

  function visNode(n) {
    return { id: n.id, label: "", x: n.x, y: n.y, size: n.size, shape: n.sh,
             color: colourOf(n), title: policykg.textTip(n.tooltip) };
  }

  function visEdge(e) {
    var o = { id: e.id, from: e.from, to: e.to, width: e.width };
    if (!BIG) { o.title = policykg.textTip(e.tooltip); }
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
      mode: mode,
      scale: network.getScale(),
      fitScale: fitScale,
      labelled: data.nodes.filter(function (n) {
        return !hiddenNode[n.id] && placed[n.id] !== undefined;
      }).map(function (n) { return n.label; })
    });
  }
  network.on("afterDrawing", publish);

  /* ---------------------------------------------------------- labels by zoom */

  var fitScale = null;

  var fontSize = null;

  /* Labels read at 13 px when the whole network fits and grow with the zoom to 16 px, no further
     (as network_layout.label_tiers_by_room placed them): vis's maxVisible caps only nodes sized by
     value, so the font is set in canvas units for the zoom. */
  function updateFont() {
    var size = Math.max(1, Math.round(Math.min(13 / fitScale, 16 / network.getScale()) * 10) / 10);
    if (size !== fontSize) {
      fontSize = size;
      network.setOptions({ nodes: { font: { size: size } } });
    }
  }

  function busiestFirst(a, b) {
    return b.wd - a.wd || b.degree - a.degree || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
  }

  function visibleNodes() { return data.nodes.filter(function (n) { return !hiddenNode[n.id]; }); }

  var measure = document.createElement("canvas").getContext("2d");
  var GRID = 64; // screen pixels per cell of the grids below
  var LABEL_STEPS = 3; // how far (in steps of 3/4 of a line) a label may move off to find room

  function cells(b, scale) {
    var keys = [];
    for (var i = Math.floor(b[0] * scale / GRID); i <= Math.floor(b[2] * scale / GRID); i++) {
      for (var j = Math.floor(b[1] * scale / GRID); j <= Math.floor(b[3] * scale / GRID); j++) { keys.push(i + ":" + j); }
    }
    return keys;
  }

  function meet(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }

  /* Which labels to draw at this zoom, and where, measured on screen: the pinned first, then by
     weighted degree among the nodes whose tier the zoom has reached; each below its node, else
     above it, else a little further off, and only where it covers no label already placed and no
     shown node at least as large as its own (a label over a hub would hide the very node a reader
     looks for). A pinned label that finds no such room is still drawn where it covers no larger
     node, else below. */
  function placeLabels() {
    if (fitScale === null) { return; }
    updateFont();
    var scale = network.getScale();
    shownTier = Math.max(0, Math.floor(Math.log2(scale / fitScale + 1e-9)));
    var fs = fontSize;
    measure.font = fs + "px " + data.options.nodes.font.face;
    var shown = visibleNodes();
    var discs = {}, boxes = {};
    shown.forEach(function (n) {
      var d = [n.x - n.size, n.y - n.size, n.x + n.size, n.y + n.size, n];
      cells(d, scale).forEach(function (k) { (discs[k] = discs[k] || []).push(d); });
    });
    var isPinned = {};
    pinned.forEach(function (n) { isPinned[n.id] = true; });
    var order = pinned.filter(function (n) { return !hiddenNode[n.id]; }).concat(
      shown.filter(function (n) { return !isPinned[n.id] && n.t <= shownTier; }).sort(busiestFirst));
    function coversLarger(n, b) {
      return cells(b, scale).some(function (k) {
        return (discs[k] || []).some(function (d) { return d[4] !== n && d[4].size >= n.size && meet(b, d); });
      });
    }
    function coversLabel(b) {
      return cells(b, scale).some(function (k) { return (boxes[k] || []).some(function (o) { return meet(b, o); }); });
    }
    var want = {};
    order.forEach(function (n) {
      if (want[n.id] !== undefined) { return; }
      var half = measure.measureText(n.label).width / 2 + 2 / scale;
      var below = [n.x - half, n.y + n.size + 2 / scale, n.x + half, n.y + n.size + 4 + 1.5 * fs];
      var up = -(2 * n.size + 6 + 1.5 * fs);
      var above = [n.x - half, n.y - n.size - 6 - 1.5 * fs, n.x + half, n.y - n.size - 2 / scale];
      // below, above, then a little further off each way (a label is never moved sideways)
      var candidates = [[0, below], [up, above]];
      for (var step = 1; step <= LABEL_STEPS; step++) {
        var d = step * 0.75 * fs;
        candidates.push([d, [below[0], below[1] + d, below[2], below[3] + d]]);
        candidates.push([up - d, [above[0], above[1] - d, above[2], above[3] - d]]);
      }
      var choice = null;
      candidates.some(function (c) {
        if (!coversLarger(n, c[1]) && !coversLabel(c[1])) { choice = c; }
        return choice !== null;
      });
      if (choice === null && isPinned[n.id]) {
        candidates.some(function (c) {
          if (!coversLarger(n, c[1])) { choice = c; }
          return choice !== null;
        });
        choice = choice || candidates[0];
      }
      if (choice === null) { return; }
      want[n.id] = choice[0];
      cells(choice[1], scale).forEach(function (k) { (boxes[k] = boxes[k] || []).push(choice[1]); });
    });
    var changes = [];
    data.nodes.forEach(function (n) {
      var now = want[n.id];
      if (now === placed[n.id]) { return; }
      changes.push(now === undefined ? { id: n.id, label: "" } :
        { id: n.id, label: n.label, font: { vadjust: now } });
    });
    placed = want;
    if (changes.length) { nodes.update(changes); }
  }

  var updateLabels = placeLabels;

  /* Name these nodes at every zoom: the busiest units of what is shown, and the first hits of a search. */
  function pinBusiest(hits) {
    pinned = visibleNodes().sort(busiestFirst).slice(0, data.topLabelled).concat(hits || []);
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

  var HIT_LABELS = 10;

  /* Never closer than where a node is drawn at its own size (scale 1), nor than 4 times the
     whole-network zoom: a hit is shown among its neighbours, not blown up to fill the screen. */
  function searchScale() { return Math.max(1, 4 * (fitScale || 0.25)); }

  function focusNode(id) {
    var near = [byId[id]].concat(network.getConnectedNodes(id).filter(function (m) { return !hiddenNode[m]; })
      .map(function (m) { return byId[m]; }));
    network.selectNodes([id], false);
    policykg.fitNodes(network, container, near, searchScale());
    updateLabels();
    showDetails(id);
    network.redraw();
  }

  var searchBox = policykg.searchBox({
    nodes: data.nodes, byId: byId, noun: "单位",
    visible: function (n) { return !hiddenNode[n.id]; },
    matches: function (n, q) { return n.label.toLocaleLowerCase().indexOf(q) >= 0; },
    rank: function (n) { return n.wd * 1e6 + n.degree; },
    figure: function (n) { return "记录 " + n.wd + " · 协作 " + n.degree; },
    onPick: focusNode,
    onClear: function () { pinBusiest(); fitVisible(); },
    onResult: function (ids, q) {
      matches = ids.length;
      network.selectNodes(ids, false);
      pinBusiest(ids.slice(0, HIT_LABELS).map(function (id) { return byId[id]; }));
      if (ids.length === 1) {
        focusNode(ids[0]);
      } else if (ids.length) {
        policykg.fitNodes(network, container, ids.map(function (id) { return byId[id]; }), searchScale());
        updateLabels();
      } else {
        fitVisible();
      }
      network.redraw();
    }
  });

  /* ---------------------------------------------------------- filters */

  var docSelect = document.getElementById("pkg-doc");
  var placeSelect = document.getElementById("pkg-place");
  var levelSelect = document.getElementById("pkg-level");
  var visibleNote = document.getElementById("pkg-visible");

  function fitVisible() {
    var list = visibleNodes();
    if (list.length === data.nodes.length) {
      network.moveTo({ position: home.position, scale: home.scale, animation: false });
    } else if (list.length) {
      policykg.fitNodes(network, container, list, Math.max(1, fitScale * 16));
    }
    updateLabels();
  }

  function applyFilters() {
    var doc = docSelect.value === "" ? null : Number(docSelect.value);
    var place = placeSelect.value === "" ? null : Number(placeSelect.value);
    var level = levelSelect.value === "" ? null : levelSelect.value === data.unknownLevel ? "" : levelSelect.value;
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
    if (searchBox.active()) {
      searchBox.run();
    } else {
      network.selectNodes([], false);
      pinBusiest();
      fitVisible();
    }
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
    searchBox.clear();
    matches = 0;
    applyFilters();
  });

  network.fit({ animation: false });
  fitScale = network.getScale();
  var home = { position: network.getViewPosition(), scale: fitScale };
  pinBusiest();
  placeLabels();
}());
