/* policykg source view: hover shows a record's fields, #task/3 marks and scrolls to its span.
   Document text is only ever set with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sv-data").textContent);
  var records = data.records;
  var tip = document.getElementById("sv-tip");
  var lines = document.getElementById("sv-lines");
  var status = { ready: false, current: null };
  window.policykgSource = status;

  function ids(text) { return (text || "").split(" ").filter(function (x) { return records[x]; }); }

  function field(parent, label, values) {
    if (!values || !values.length) { return; }
    var row = document.createElement("div");
    var name = document.createElement("span");
    name.className = "f";
    name.textContent = label + "：";
    row.appendChild(name);
    row.appendChild(document.createTextNode(values.join("、")));
    parent.appendChild(row);
  }

  function showTip(list, x, y) {
    tip.textContent = "";
    list.slice(0, 4).forEach(function (id) {
      var r = records[id];
      var box = document.createElement("div");
      box.className = "rec";
      var head = document.createElement("div");
      head.className = "rid";
      head.textContent = r.id + "  " + r.spans.map(function (s) {
        return s[0] === s[1] ? "L" + s[0] : "L" + s[0] + "–" + s[1];
      }).join(", ");
      box.appendChild(head);
      field(box, "原文位置 where", [r.where]);
      field(box, "内容", [r.text]);
      field(box, "牵头 lead", r.lead);
      field(box, "配合 co", r.co);
      field(box, "共同 joint", r.joint);
      field(box, "时限 deadline", r.deadline.concat(r.due));
      field(box, "数量 quantities", r.quantities);
      tip.appendChild(box);
    });
    if (list.length > 4) {
      var more = document.createElement("div");
      more.className = "f";
      more.textContent = "… +" + (list.length - 4);
      tip.appendChild(more);
    }
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.max(4, Math.min(x + 14, window.innerWidth - w - 8)) + "px";
    tip.style.top = (y + 16 + h > window.innerHeight ? Math.max(4, y - h - 10) : y + 16) + "px";
  }

  lines.addEventListener("mousemove", function (ev) {
    var t = ev.target, list = [];
    var band = t.closest && t.closest(".band[data-rec]");
    var mark = t.closest && t.closest("mark[data-r]");
    var line = t.closest && t.closest(".ln");
    var row = t.closest && t.closest("tr[data-r]");      /* a table row: the records read from any of its lines */
    if (band) { list = ids(band.getAttribute("data-rec")); }
    else if (mark) { list = ids(mark.getAttribute("data-r")); }
    else if (line) { list = ids(line.getAttribute("data-r")); }
    if (!list.length && row) { list = ids(row.getAttribute("data-r")); }
    if (list.length) { showTip(list, ev.clientX, ev.clientY); } else { tip.hidden = true; }
  });
  lines.addEventListener("mouseleave", function () { tip.hidden = true; });
  lines.addEventListener("click", function (ev) {
    var band = ev.target.closest && ev.target.closest(".band[data-rec]");
    if (band) { location.hash = "#" + band.getAttribute("data-rec"); }
  });

  function clear() {
    Array.prototype.forEach.call(document.querySelectorAll(".cur"), function (el) { el.classList.remove("cur"); });
  }

  function select() {
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { id = location.hash.slice(1); }
    clear();
    status.current = null;
    var first = null;
    if (records[id]) {
      records[id].spans.forEach(function (s) {
        for (var n = s[0]; n <= s[1]; n++) {
          var el = document.getElementById("L" + n);
          if (el) { el.classList.add("cur"); first = first || el; }
        }
      });
      Array.prototype.forEach.call(document.querySelectorAll(".band[data-rec]"), function (b) {
        if (b.getAttribute("data-rec") === id) { b.classList.add("cur"); }
      });
      Array.prototype.forEach.call(document.querySelectorAll("tr[data-r]"), function (tr) {
        if (tr.getAttribute("data-r").split(" ").indexOf(id) >= 0) {
          tr.classList.add("cur");
          first = first || tr;          /* every line of the record hidden (a merged position): its row */
        }
      });
      Array.prototype.forEach.call(document.querySelectorAll("#sv-index li[data-rec]"), function (li) {
        if (li.getAttribute("data-rec") === id) {
          li.classList.add("cur");
          li.scrollIntoView({ block: "nearest" });
        }
      });
      status.current = id;
    } else if (/^L\d+$/.test(id) && document.getElementById(id)) {
      first = document.getElementById(id);
      first.classList.add("cur");
      status.current = id;
    }
    if (first) {
      var row = first.closest ? first.closest("table.grid tr") : null;
      if (row) { row.scrollIntoView({ block: "start" }); }      /* a table row: from its top, under the column names */
      else { first.scrollIntoView({ block: "center" }); }
    }
  }

  /* Each table's column names stay in view (sticky); a row scrolled to must start below them. */
  Array.prototype.forEach.call(document.querySelectorAll("table.grid"), function (table) {
    var head = 0;
    Array.prototype.forEach.call(table.rows, function (tr) {
      if (tr.querySelector("th")) { head += tr.offsetHeight; }
    });
    table.style.setProperty("--head", (head + 6) + "px");
  });

  window.addEventListener("hashchange", select);
  select();
  status.ready = true;
}());
