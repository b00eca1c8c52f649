"""The graph pages are legible at 1400×900 (issue 9 item 8), checked on what Chromium draws.

Pages are rendered afresh from the committed seed document (``pages.write_pages``)
and, for the corpus page, from the built corpus store; each is opened from disk
in headless Chromium at 1400×900 and checked by reading vis-network's own state
and the canvas's pixels:

* labels: about 13 px on screen when the whole graph fits, the busiest nodes
  labelled first, and the drawn labels do not cover each other;
* filters zoom to fit: what stays fills most of the canvas;
* every colour in use has a legend row (the unit page colours communities);
* edge width is proportional to weight;
* the notebook's embedded page (``explore.inline_page``) fills its frame and is
  centred, also when the frame only gets its size after the page has loaded.

``POLICYKG_SCREENSHOTS=1`` writes docs/graph_page.png, docs/units_page.png and
docs/corpus_units.png (quantised: < 300 KB each).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from pathlib import Path

import pytest

from policykg.use import pages

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "graph"
WINDOW = (1400, 900)
pytestmark = pytest.mark.browser


def _helper():
    spec = importlib.util.spec_from_file_location("policykg_test_browser_legible",
                                                  Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helper = _helper()

#: The drawn area of the network canvas: bounding box of pixels that are not background white.
DRAWN_BOX = """(() => {
  const canvas = document.querySelector('#pkg-network canvas');
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height;
  const px = ctx.getImageData(0, 0, W, H).data;
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y += 2) for (let x = 0; x < W; x += 2) {
    const i = (y * W + x) * 4;
    if (px[i + 3] > 0 && (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235)) {
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
  }
  return {x0, y0, x1, y1, W, H, w: (x1 - x0) / W, h: (y1 - y0) / H,
          cx: (x0 + x1) / 2 / W, cy: (y0 + y1) / 2 / H};
})()"""

#: How many canvas pixels have exactly each colour of a list.
COLOUR_PIXELS = """((colours) => {
  const canvas = document.querySelector('#pkg-network canvas');
  const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const want = {};
  colours.forEach((c) => { want[parseInt(c.slice(1), 16)] = c; });
  const found = {};
  colours.forEach((c) => { found[c] = 0; });
  for (let i = 0; i < px.length; i += 4) {
    const c = want[(px[i] << 16) | (px[i + 1] << 8) | px[i + 2]];
    if (c !== undefined && px[i + 3] === 255) found[c] += 1;
  }
  return found;
})"""

#: Labels vis drew (non-empty label, node shown): on-screen boxes and font size.
LABELS = """(() => {
  const net = window.policykgNetwork;
  const out = [];
  for (const id of net.body.nodeIndices) {
    const node = net.body.nodes[id];
    if (!node.options.label) continue;
    const s = node.labelModule.size;
    const a = net.canvasToDOM({x: s.left, y: s.top});
    const b = net.canvasToDOM({x: s.left + s.width, y: s.top + s.height});
    out.push({id, x0: a.x, y0: a.y, x1: b.x, y1: b.y,
              px: node.labelModule.fontOptions.size * net.getScale()});
  }
  return out;
})()"""


def _require_chromium() -> None:
    if helper.CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {helper.CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei")
    pytest.skip(f"{helper.CHROMIUM} not installed (sh scripts/install_system_deps.sh)")


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    _require_chromium()
    with helper.Chromium(tmp_path_factory.mktemp("legible"), window=WINDOW, timeout=30) as browser:
        yield browser


@pytest.fixture(scope="module")
def seed_pages(committed_graph, tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed_pages")
    pages.write_pages(committed_graph, folder)
    return folder


def _open(chrome, path: Path):
    page = chrome.open_page()
    page.navigate(path.as_uri())
    page.wait_for("window.policykgStatus && window.policykgStatus.ready", timeout=30)
    time.sleep(0.2)
    return page


def _data(path: Path) -> dict:
    block = re.search(r'id="policykg-data">(.*?)</script>', path.read_text(encoding="utf-8"), re.S)
    return json.loads(block.group(1))


def _act(page, script: str) -> dict:
    before = page.evaluate("window.policykgStatus.draws")
    page.evaluate(script)
    page.wait_for(f"window.policykgStatus.draws > {before}")
    time.sleep(0.1)
    return page.evaluate("window.policykgStatus")


def _shot(page, tmp_path: Path, name: str) -> None:
    """A screenshot; under POLICYKG_SCREENSHOTS=1 kept as docs/NAME (128 colours, < 300 KB)."""
    shot = tmp_path / name
    page.screenshot(shot)
    if os.environ.get("POLICYKG_SCREENSHOTS") != "1":
        return
    target = ROOT / "docs" / name
    try:
        from PIL import Image
    except ImportError:
        target.write_bytes(shot.read_bytes())
    else:
        Image.open(shot).convert("RGB").quantize(128).save(target, optimize=True)
    assert target.stat().st_size < 300_000


def _overlaps(labels: list[dict]) -> int:
    count = 0
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if a["x0"] < b["x1"] - 2 and b["x0"] < a["x1"] - 2 and a["y0"] < b["y1"] - 2 and b["y0"] < a["y1"] - 2:
                count += 1
    return count


# ---------------------------------------------------------------- the whole-graph page


def test_whole_graph_labels_read_at_1400x900(chrome, seed_pages, tmp_path):
    path = seed_pages / "graph.html"
    page = _open(chrome, path)
    status = page.evaluate("window.policykgStatus")
    assert status["nodes"] == len(_data(path)["nodes"]) > 100
    labels = page.evaluate(LABELS)
    print(f"\ngraph.html at 1400×900: {len(labels)} labels of {status['nodes']} nodes, "
          f"{min(x['px'] for x in labels):.1f}–{max(x['px'] for x in labels):.1f} px, "
          f"{_overlaps(labels)} overlapping pairs")
    assert len(labels) >= 40                                   # the busiest nodes are named at once
    assert min(x["px"] for x in labels) >= 12                  # was about 6 px
    assert _overlaps(labels) <= len(labels) // 10              # not a smear of text
    box = page.evaluate(DRAWN_BOX)
    assert box["w"] > 0.6 or box["h"] > 0.8, box
    _shot(page, tmp_path, "graph_page.png")

    # zooming in names more nodes, and labels stay at most 18 px
    page.evaluate("void window.policykgNetwork.moveTo({scale: window.policykgStatus.fitScale * 2.2})")
    page.evaluate("void window.policykgNetwork.emit('zoom', {})")
    page.wait_for("window.policykgStatus.tier >= 1", timeout=5)
    time.sleep(0.3)
    zoomed = page.evaluate("window.policykgStatus")
    assert zoomed["labelled"] > status["labelled"]
    assert 12 <= min(x["px"] for x in page.evaluate(LABELS)) <= max(x["px"] for x in page.evaluate(LABELS)) <= 18.5


def test_whole_graph_filters_zoom_to_fit(chrome, seed_pages):
    path = seed_pages / "graph.html"
    data = _data(path)
    page = _open(chrome, path)
    for pillar in data["pillars"]:
        status = _act(page, f"""{{
            const select = document.getElementById('pkg-pillar');
            select.value = {json.dumps(pillar)};
            select.dispatchEvent(new Event('change')); }}""")
        assert status["nodes"] == sum(1 for n in data["nodes"] if pillar in n["pillars"])
        box = page.evaluate(DRAWN_BOX)
        assert max(box["w"], box["h"]) > 0.75, (pillar, box)   # the cluster fills the canvas, not a speck
        assert abs(box["cx"] - 0.5) < 0.15 and abs(box["cy"] - 0.5) < 0.15, (pillar, box)
    status = _act(page, "document.getElementById('pkg-reset').click()")
    assert status["nodes"] == len(data["nodes"])
    status = _act(page, "document.querySelector('input.pkg-kind[value=\"person\"]').click()")
    box = page.evaluate(DRAWN_BOX)
    assert max(box["w"], box["h"]) > 0.75, box


def test_whole_graph_legend_has_every_colour(chrome, seed_pages):
    page = _open(chrome, seed_pages / "graph.html")
    fills = set(page.evaluate("window.policykgNetwork.body.data.nodes.get().map(n => n.color.background)"))
    legend = set(page.evaluate("[...document.querySelectorAll('.pkg-kinds path')].map(p => p.getAttribute('fill'))"))
    assert fills == legend
    found = page.evaluate(f"{COLOUR_PIXELS}({json.dumps(sorted(fills))})")
    assert all(n >= 20 for n in found.values()), found


# ---------------------------------------------------------------- the unit page


def test_unit_page_legend_lists_every_community_colour(chrome, seed_pages, tmp_path):
    path = seed_pages / "units.html"
    page = _open(chrome, path)
    fills = page.evaluate("window.policykgNetwork.body.data.nodes.get().map(n => n.color.background)")
    legend = page.evaluate("[...document.querySelectorAll('#pkg-colour-legend li')]"
                           ".map(li => [li.dataset.colour, li.textContent.trim()])")
    assert len(set(fills)) >= 3                                  # communities, not one swatch
    assert {c for c, _ in legend} == set(fills)
    assert all("社区" in text for _, text in legend)
    found = page.evaluate(f"{COLOUR_PIXELS}({json.dumps(sorted(set(fills)))})")
    assert all(n >= 30 for n in found.values()), found          # each legend colour is drawn
    _shot(page, tmp_path, "units_page.png")


def test_unit_page_edge_width_is_proportional_to_weight(chrome, seed_pages):
    page = _open(chrome, seed_pages / "units.html")
    drawn = page.evaluate("window.policykgNetwork.body.data.edges.get().map(e => "
                          "[e.weight, window.policykgNetwork.body.edges[e.id].options.width])")
    weights = {w for w, _ in drawn}
    assert len(weights) >= 3
    ratios = {round(width / weight, 6) for weight, width in drawn}
    assert len(ratios) == 1, ratios
    light, heavy = min(weights), max(weights)
    assert heavy / light >= 3


# ---------------------------------------------------------------- the corpus page


@pytest.mark.skipif(not (CORPUS / "store" / "CURRENT").is_file() or not (CORPUS / "manifest.json").is_file(),
                    reason="the bundled corpus is not built (make graph)")
def test_corpus_page_legend_and_filter_fit(chrome, tmp_path):
    entries = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["documents"]
    (tmp_path / "store").mkdir()
    for f in (CORPUS / "store").iterdir():
        os.link(f, tmp_path / "store" / f.name)
    pages.write_corpus_pages(tmp_path, entries)
    page = _open(chrome, tmp_path / "units.html")
    fills = set(page.evaluate("window.policykgNetwork.body.data.nodes.get().map(n => n.color)"))
    legend = set(page.evaluate("[...document.querySelectorAll('#pkg-legend-region .pkg-dot')]"
                               ".map(d => d.style.background)"))
    assert {_hex(c) for c in legend} == fills
    _shot(page, tmp_path, "corpus_units.png")
    before = page.evaluate("window.policykgStatus.draws")
    page.evaluate("const s = document.getElementById('pkg-doc'); s.value = '1'; s.dispatchEvent(new Event('change'))")
    page.wait_for(f"window.policykgStatus.draws > {before}")
    time.sleep(0.2)
    box = page.evaluate(DRAWN_BOX)
    assert max(box["w"], box["h"]) > 0.6, box


def _hex(css: str) -> str:
    m = re.fullmatch(r"rgb\((\d+), (\d+), (\d+)\)", css)
    return "#%02x%02x%02x" % tuple(int(x) for x in m.groups()) if m else css


# ---------------------------------------------------------------- the notebook's embedded page


def test_notebook_frame_is_filled_and_centred(chrome, committed_graph, tmp_path):
    """explore.inline_page in a 900 px wide cell that gets its size only after loading (as Jupyter does)."""
    pytest.importorskip("IPython")
    from policykg.use import explore

    frame = explore.inline_page(pages.unit_network(committed_graph), "单位协作网络").data
    host = tmp_path / "notebook.html"
    host.write_text(
        "<!DOCTYPE html><meta charset='utf-8'><body style='margin:0;background:#fff'>"
        "<div id='cell' style='width:900px;display:none;margin:20px'>" + frame + "</div>"
        "<script>setTimeout(() => { document.getElementById('cell').style.display = 'block'; }, 400)</script>",
        encoding="utf-8")
    page = chrome.open_page()
    page.navigate(host.as_uri())
    time.sleep(2.0)
    shot = tmp_path / "notebook.png"
    page.screenshot(shot)
    from PIL import Image
    img = Image.open(shot).convert("RGB")
    rect = page.evaluate("(() => { const r = document.querySelector('iframe').getBoundingClientRect();"
                         " return [r.left, r.top, r.width, r.height]; })()")
    left, top, width, height = (int(v) for v in rect)
    assert width >= 880 and height >= 600, rect
    # the network area: right of the side panel (210 px in a frame this narrow), below the header
    net = img.crop((left + 215, top + 60, left + width - 2, top + height - 2))
    xs, ys = [], []
    pixels = net.load()
    for y in range(0, net.height, 3):
        for x in range(0, net.width, 3):
            r, g, b = pixels[x, y]
            if r < 235 or g < 235 or b < 235:
                xs.append(x)
                ys.append(y)
    assert xs, "the embedded network is blank"
    w = (max(xs) - min(xs)) / net.width
    h = (max(ys) - min(ys)) / net.height
    cx = (max(xs) + min(xs)) / 2 / net.width
    cy = (max(ys) + min(ys)) / 2 / net.height
    assert max(w, h) > 0.8 and min(w, h) > 0.5, (w, h)          # sized to the frame, not cropped or tiny
    assert abs(cx - 0.5) < 0.1 and abs(cy - 0.5) < 0.1, (cx, cy)  # centred
