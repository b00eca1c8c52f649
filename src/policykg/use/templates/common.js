/* policykg: what both network pages share (inlined before page.js and corpus.js).
 *
 * - textTip: hover texts as plain-text elements, so vis shows document text verbatim;
 * - fitNodes: fit a set of nodes into the view from their precomputed positions;
 * - searchBox: the search form — hits ordered by connectivity, listed as buttons,
 *   counted in a message; what a hit does to the view is the page's.
 * Every document text goes into the DOM with textContent, never as HTML.
 */
var policykg = (function () {
  "use strict";

  function textTip(text) {
    var el = document.createElement("div");
    el.className = "pkg-tip";
    el.textContent = text;
    return el;
  }

  /* Centre the nodes' discs and zoom until they fill 88 % of the canvas, never past maxScale.
     Measured from positions and radii, not by vis's fit(), which counts each label at the font
     sized for the whole network (many times its drawn size when zoomed in), so a filtered
     cluster came out small and off-centre. Room is kept below for the lowest labels. */
  function fitNodes(network, container, list, maxScale) {
    if (!list.length) { return; }
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    list.forEach(function (n) {
      var r = n.size || 10;
      x0 = Math.min(x0, n.x - r); x1 = Math.max(x1, n.x + r);
      y0 = Math.min(y0, n.y - r); y1 = Math.max(y1, n.y + r);
    });
    var w = Math.max(container.clientWidth, 1), h = Math.max(container.clientHeight, 1);
    var scale = Math.min(w * 0.88 / Math.max(x1 - x0, 1), (h * 0.88 - 24) / Math.max(y1 - y0, 1));
    if (maxScale) { scale = Math.min(scale, maxScale); }
    scale = Math.max(scale, 1e-4);
    network.moveTo({ position: { x: (x0 + x1) / 2, y: (y0 + y1) / 2 + 12 / scale }, scale: scale,
                     animation: false });
  }

  /* The search form. opts: nodes (the page data's nodes), byId, visible(n), matches(n, q),
     rank(n) (higher first), figure(n) (shown beside a hit), noun ("节点"/"单位"),
     onResult(ids, q) (the page shows the hits), onPick(id) (a listed hit was clicked),
     onClear(). Returns {run, clear} for the page's own buttons. */
  function searchBox(opts) {
    var MAX_RESULTS = 50;
    var input = document.getElementById("pkg-search-input");
    var message = document.getElementById("pkg-search-msg");
    var results = document.getElementById("pkg-search-results");

    function list(ids) {
      results.textContent = "";
      ids.slice(0, MAX_RESULTS).forEach(function (id) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = opts.byId[id].label;
        button.addEventListener("click", function () { opts.onPick(id); });
        li.appendChild(button);
        var figure = opts.figure(opts.byId[id]);
        if (figure) {
          var span = document.createElement("span");
          span.className = "pkg-figure";
          span.textContent = figure;
          li.appendChild(span);
        }
        results.appendChild(li);
      });
    }

    function run() {
      var q = input.value.trim().toLocaleLowerCase();
      var hits = [];
      if (q) {
        hits = opts.nodes.filter(function (n) { return opts.visible(n) && opts.matches(n, q); });
        hits.sort(function (a, b) {
          return opts.rank(b) - opts.rank(a) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
        });
      }
      var ids = hits.map(function (n) { return n.id; });
      list(ids);
      if (!q) {
        message.textContent = "";
      } else if (!ids.length) {
        message.textContent = "没有找到匹配的" + opts.noun;
      } else {
        message.textContent = "找到 " + ids.length + " 个" + opts.noun + "（按关联强弱排列）" +
          (ids.length > MAX_RESULTS ? "，列出前 " + MAX_RESULTS + " 个" : "");
      }
      opts.onResult(ids, q);
    }

    function clear() {
      input.value = "";
      message.textContent = "";
      results.textContent = "";
    }

    var pending = null;
    input.addEventListener("input", function () {
      clearTimeout(pending);
      pending = setTimeout(run, 250);
    });
    document.getElementById("pkg-search").addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(pending);
      run();
    });
    document.getElementById("pkg-search-clear").addEventListener("click", function () {
      clear();
      run();
      opts.onClear();
    });
    return { run: run, clear: clear, active: function () { return !!input.value.trim(); } };
  }

  return { textTip: textTip, fitNodes: fitNodes, searchBox: searchBox };
}());
