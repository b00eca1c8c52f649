/* policykg network page script.
 *
 * Reads the graph from the JSON block, draws it with vis-network at the
 * precomputed positions (physics off), and wires up search and filters.
 * Labels are legible at any window size: when the whole graph fits, labels
 * are drawn at about 13 px on screen, and only for the nodes of label tier 0
 * (the busiest, ranked in Python); tier k appears from 2^k times that zoom.
 * Filters and search zoom to fit what stays (search hits ordered by connectivity,
 * common.js); the view refits when the frame is resized (a notebook's iframe)
 * until the reader zooms or drags. A unit page sizes its units by the centrality
 * chosen in the legend and lists the five most central beside it.
 * Every document text is put into the DOM with textContent, never as HTML.
 * window.policykgStatus is a frozen snapshot of what vis has drawn, for tests.
 */
(function () {
  "use strict";

  var DIM = { background: "#e9ebee", border: "#d5d9de" };
  var data = JSON.parse(document.getElementById("policykg-data").textContent);
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });

  var status = Object.freeze({ ready: false, nodes: 0, edges: 0 });
  Object.defineProperty(window, "policykgStatus", {
    get: function () { return status; },
    enumerable: true
  });

  var shownTier = 0; // labels of tiers 0..shownTier are drawn

  function visNode(n) {
    var o = Object.assign({}, n);
    delete o.tooltip;
    delete o.t;
    delete o.sizes;
    delete o.figures;
    o.label = n.t <= shownTier ? n.label : "";
    o.title = policykg.textTip(n.tooltip);
    return o;
  }

  function visEdge(e) {
    var o = Object.assign({}, e);
    delete o.tooltip;
    o.title = policykg.textTip(e.tooltip);
    return o;
  }

  var nodes = new vis.DataSet(data.nodes.map(visNode));
  var edges = new vis.DataSet(data.edges.map(visEdge));
  var container = document.getElementById("pkg-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  window.policykgNetwork = network; // for tests and the console: what vis draws

  var hidden = {};
  var dimmed = {};
  var sizeBy = (document.querySelector("input[name=pkg-size]:checked") || {}).value || null;
  var matches = 0;
  var draws = 0;

  /* Counts come from vis's own index of visible nodes/edges: what it drew. */
  function publish() {
    draws += 1;
    status = Object.freeze({
      ready: true,
      nodes: network.body.nodeIndices.length,
      edges: network.body.edgeIndices.length,
      totalNodes: nodes.length,
      totalEdges: edges.length,
      matches: matches,
      draws: draws,
      scale: network.getScale(),
      fitScale: fitScale,
      tier: shownTier,
      labelled: labelled,
      fontPx: fontSize * network.getScale(),
      sizeBy: sizeBy
    });
  }
  network.on("afterDrawing", publish);

  /* ---------------------------------------------------------- labels by zoom */

  var fitScale = null;   // the zoom at which the whole graph fits the frame
  var fontSize = 14;     // canvas units; about 13 px on screen at fitScale
  var labelled = data.nodes.filter(function (n) { return n.t <= shownTier; }).length;
  var userMoved = false;

  /* Labels grow with the zoom up to 18 px on screen, then keep that size. */
  function capFont() {
    var size = Math.min(13 / fitScale, 18 / network.getScale());
    size = Math.max(1, Math.round(size * 100) / 100);
    if (Math.abs(size - fontSize) > 0.05 * fontSize) {
      fontSize = size;
      network.setOptions({ nodes: { font: { size: fontSize } } });
    }
  }

  function updateLabels() {
    if (fitScale === null) { return; }
    capFont();
    var tier = Math.max(0, Math.floor(Math.log2(network.getScale() / fitScale + 1e-9)));
    if (tier === shownTier) { return; }
    var changes = [];
    data.nodes.forEach(function (n) {
      var before = n.t <= shownTier, after = n.t <= tier;
      if (before !== after) { changes.push({ id: n.id, label: after ? n.label : "" }); }
    });
    shownTier = tier;
    labelled = data.nodes.filter(function (n) { return n.t <= tier; }).length;
    if (changes.length) { nodes.update(changes); }
  }

  /* Fit the whole graph, and make that the zoom where labels read at ~13 px. */
  function baseline() {
    if (container.clientWidth < 20 || container.clientHeight < 20) { return false; }
    network.fit({ animation: false });
    fitScale = network.getScale();
    fontSize = Math.round(1300 / fitScale) / 100;
    network.setOptions({ nodes: { font: { size: fontSize } } });
    shownTier = -1;
    updateLabels();
    return true;
  }

  var zoomTimer = null;
  network.on("zoom", function () {
    userMoved = true;
    clearTimeout(zoomTimer);
    zoomTimer = setTimeout(updateLabels, 100);
  });
  network.on("dragEnd", function (params) { if (!params.nodes.length) { userMoved = true; } });

  /* ---------------------------------------------------------- details */

  var details = document.getElementById("pkg-details");
  var kindLabels = {};
  Array.prototype.forEach.call(document.querySelectorAll(".pkg-kinds label"), function (label) {
    var box = label.querySelector("input.pkg-kind");
    kindLabels[box.value] = label.querySelector(".pkg-kind-label").textContent;
  });

  function showDetails(id) {
    var n = byId[id];
    if (!n) { details.hidden = true; return; }
    var meta = [kindLabels[n.kind] || n.kind, "关联 " + n.degree];
    if (n.pillars.length) { meta.push("总体任务：" + n.pillars.join("、")); }
    if (n.groupName) { meta.push("分组：" + n.groupName); }
    document.getElementById("pkg-details-label").textContent = n.label;
    document.getElementById("pkg-details-meta").textContent = meta.join(" · ");
    document.getElementById("pkg-details-text").textContent = n.tooltip;
    details.hidden = false;
  }

  network.on("click", function (params) {
    if (params.nodes.length) { showDetails(params.nodes[0]); } else { details.hidden = true; }
  });

  /* ---------------------------------------------------------- search */

  function setDimmed(ids) {
    var want = {};
    ids.forEach(function (id) { want[id] = true; });
    var changes = [];
    data.nodes.forEach(function (n) {
      var dim = ids.length > 0 && !want[n.id];
      if (!!dimmed[n.id] !== dim) {
        dimmed[n.id] = dim;
        changes.push({ id: n.id, color: dim ? DIM : n.color, font: { color: dim ? "#aab1b9" : "#1f2328" } });
      }
    });
    if (changes.length) { nodes.update(changes); }
  }

  /* Never closer than where a node of the largest size is 1.5 times its drawn size, nor than 4 times
     the whole-graph zoom: a hit is shown among its neighbours, not blown up to fill the screen. */
  function searchScale() { return Math.max(1.5, 4 * (fitScale || 0.25)); }

  function focusNode(id) {
    var near = [byId[id]].concat(network.getConnectedNodes(id).filter(function (m) { return !hidden[m]; })
      .map(function (m) { return byId[m]; }));
    network.selectNodes([id], false);
    policykg.fitNodes(network, container, near, searchScale());
    updateLabels();
    showDetails(id);
    network.redraw();
  }

  function sizeFigure(n) {
    return n.figures && sizeBy ? (sizeNames[sizeBy] || sizeBy) + " " + n.figures[sizeBy] : "关联 " + n.degree;
  }

  var searchBox = policykg.searchBox({
    nodes: data.nodes, byId: byId, noun: "节点",
    visible: function (n) { return !hidden[n.id]; },
    matches: function (n, q) {
      return n.label.toLocaleLowerCase().indexOf(q) >= 0 || n.tooltip.toLocaleLowerCase().indexOf(q) >= 0;
    },
    rank: function (n) { return n.figures && sizeBy ? Number(n.figures[sizeBy]) : n.wd; },
    figure: sizeFigure,
    onPick: focusNode,
    onClear: function () { fitVisible(); },
    onResult: function (ids, q) {
      matches = ids.length;
      setDimmed(q ? ids : []);
      network.selectNodes(ids, false);
      if (ids.length === 1) {
        focusNode(ids[0]);
      } else if (ids.length) {
        policykg.fitNodes(network, container, ids.map(function (id) { return byId[id]; }), searchScale());
        updateLabels();
      }
      network.redraw();
    }
  });
  var search = searchBox.run;

  /* ---------------------------------------------------------- size by centrality */

  var sizeNames = {};
  Array.prototype.forEach.call(document.querySelectorAll("input[name=pkg-size]"), function (radio) {
    sizeNames[radio.value] = radio.parentNode.textContent.trim();
    radio.addEventListener("change", function () {
      if (!radio.checked) { return; }
      sizeBy = radio.value;
      nodes.update(data.nodes.filter(function (n) { return n.sizes; })
        .map(function (n) { return { id: n.id, size: n.sizes[sizeBy] }; }));
      Array.prototype.forEach.call(document.querySelectorAll("ol.pkg-leaders"), function (list) {
        list.hidden = list.dataset.measure !== sizeBy;
      });
      if (searchBox.active()) { search(); }
      network.redraw();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("ol.pkg-leaders button"), function (button) {
    button.addEventListener("click", function () { focusNode(button.dataset.id); });
  });

  /* ---------------------------------------------------------- filters */

  var kindBoxes = Array.prototype.slice.call(document.querySelectorAll("input.pkg-kind"));
  var pillarSelect = document.getElementById("pkg-pillar");

  /* Hide nodes whose kind is unchecked or that are outside the chosen pillar;
     vis then skips their edges too. */
  function applyFilters() {
    var on = {};
    kindBoxes.forEach(function (box) { on[box.value] = box.checked; });
    var pillar = pillarSelect.value;
    var changes = [];
    data.nodes.forEach(function (n) {
      var hide = !on[n.kind] || (pillar !== "" && n.pillars.indexOf(pillar) < 0);
      if (!!hidden[n.id] !== hide) {
        hidden[n.id] = hide;
        changes.push({ id: n.id, hidden: hide });
      }
    });
    if (changes.length) { nodes.update(changes); }
    details.hidden = true;
    search();
    if (!searchBox.active()) { fitVisible(); }
  }

  /* Zoom to fit the nodes that are shown (all of them when nothing is hidden). */
  function fitVisible() {
    var ids = data.nodes.filter(function (n) { return !hidden[n.id]; }).map(function (n) { return n.id; });
    if (ids.length) { network.fit({ nodes: ids, animation: false }); }
    userMoved = false;
    updateLabels();
    network.redraw();
  }

  kindBoxes.forEach(function (box) { box.addEventListener("change", applyFilters); });
  pillarSelect.addEventListener("change", applyFilters);

  document.getElementById("pkg-reset").addEventListener("click", function () {
    kindBoxes.forEach(function (box) { box.checked = true; });
    pillarSelect.value = "";
    searchBox.clear();
    applyFilters();
    fitVisible();
  });

  if (!baseline()) { network.fit({ animation: false }); }
  /* A frame sized after load (a notebook cell) or resized: fit again, unless the reader moved the view. */
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      if (userMoved) { return; }
      if (fitScale === null) { baseline(); } else { fitVisible(); }
    }).observe(container);
  }
}());
