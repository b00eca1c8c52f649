"""What an analyst sees on the corpus page and on the seed's unit page (issue 17 items 5 and 6).

* A jurisdiction keeps its colour whatever else is in the corpus (colours were by rank: after
  one more document 济南 went from orange to brown), and a province and its cities differ.
* The level filter's 「（未知）」 shows the units of no known level (its value was "", which
  means every level).
* Filtered to one jurisdiction, the cluster is centred and fills the view, the five busiest
  units of it are named, and no label covers a larger node; search lists hits busiest first
  and never zooms past where a node is drawn at its own size.
* On the seed's unit page the five most central units are named and drawn largest.

Drawn in headless Chromium at 1400×900 from a fresh build of the bundled corpus.
``POLICYKG_SCREENSHOTS=1`` writes docs/corpus_page_jurisdiction.png and docs/unit_page_seed.png.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from pathlib import Path

import networkx as nx
import pytest

from policykg.use import pages
from policykg.use.corpus_page import OTHER_COLOUR, render_corpus_page

ROOT = Path(__file__).resolve().parents[1]
WINDOW = (1400, 900)


def _helper():
    spec = importlib.util.spec_from_file_location("policykg_test_browser_view", Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helper = _helper()


def _network(places: dict[str, tuple[str, int]]) -> nx.Graph:
    """A chain of ``count`` units per jurisdiction (name → (level, count)), all in document d0."""
    g = nx.Graph()
    for place, (level, count) in places.items():
        for i in range(count):
            g.add_node(f"{place}{i}", label=f"单位{i}（{place or '？'}）", jurisdiction=place, level=level,
                       docs=["d0"], title=f"单位{i}")
            if i:
                g.add_edge(f"{place}{i - 1}", f"{place}{i}", weight=1, docs=["d0"])
    return g


def _data(html: str) -> dict:
    return json.loads(re.search(r'id="policykg-data">(.*?)</script>', html, re.S).group(1))


def _colours(g: nx.Graph) -> dict[str, str]:
    data = _data(render_corpus_page(g, title="t", documents=[{"id": "d0", "title": "d0"}]))
    seen: dict[str, set[str]] = {}
    for n in data["nodes"]:
        seen.setdefault(data["places"][n["j"]], set()).add(n["cr"])
    assert all(len(c) == 1 for c in seen.values()), seen
    return {p: c.pop() for p, c in seen.items()}


# ---------------------------------------------------------------- colours


def test_a_jurisdiction_keeps_its_colour_whatever_else_the_corpus_holds():
    alone = {p: _colours(_network({p: ("市", 3)}))[p] for p in ("济南市", "青岛市", "安徽省", "某某县")}
    # more units elsewhere (the rank order changes) and a jurisdiction added, dropped
    for places in ({"济南市": ("市", 3), "青岛市": ("市", 2)},
                   {"青岛市": ("市", 9), "济南市": ("市", 3), "安徽省": ("省", 12)},
                   {"某某县": ("县", 20), "安徽省": ("省", 1), "青岛市": ("市", 4), "济南市": ("市", 2)}):
        assert _colours(_network(places)) == {p: alone[p] for p in places}


def test_a_province_and_its_cities_have_colours_of_their_own():
    colours = _colours(_network({"山东省": ("省", 2), "济南市": ("市", 2), "青岛市": ("市", 2), "": ("", 2)}))
    assert len({colours["山东省"], colours["济南市"], colours["青岛市"]}) == 3
    assert colours[""] == OTHER_COLOUR and OTHER_COLOUR not in {colours["山东省"], colours["济南市"]}


def test_jurisdictions_sharing_a_colour_still_differ_in_shape_by_level():
    """More jurisdictions than colours: two of different provinces may share one (山东省 and 乐清市 do);
    a province is drawn as a disc, a city as a square, a county as a triangle — and so in the legend."""
    g = _network({"山东省": ("省", 2), "乐清市": ("县", 2), "包头市": ("市", 2), "全国": ("国家", 1)})
    html = render_corpus_page(g, title="t", documents=[{"id": "d0", "title": "d0"}])
    data = _data(html)
    shapes = {data["places"][n["j"]]: n["sh"] for n in data["nodes"]}
    assert shapes == {"山东省": "dot", "乐清市": "triangle", "包头市": "square", "全国": "diamond"}
    legend = re.search(r'id="pkg-legend-region">(.*?)</ul>', html, re.S).group(1)
    assert {(row["name"], row["shape"]) for row in data["regionRows"]} == set(shapes.items())
    for place, shape in shapes.items():
        assert re.search(rf'pkg-dot pkg-{shape}"[^>]*></span><span>{place}</span>', legend), place


# ---------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    if not helper.CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {helper.CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{helper.CHROMIUM} not installed")
    with helper.Chromium(tmp_path_factory.mktemp("view-chrome"), window=WINDOW, timeout=60) as browser:
        yield browser


def _open(chrome, path: Path):
    page = chrome.open_page()
    page.navigate(path.as_uri())
    page.wait_for("window.policykgStatus && window.policykgStatus.ready", timeout=60)
    time.sleep(0.3)
    return page


def _choose(page, select: str, index: int) -> dict:
    before = page.evaluate("window.policykgStatus.draws")
    page.evaluate(f"(() => {{ const s = document.getElementById('{select}'); s.selectedIndex = {index};"
                  " s.dispatchEvent(new Event('change')); })()")
    page.wait_for(f"window.policykgStatus.draws > {before}", timeout=30)
    time.sleep(0.3)
    return page.evaluate("window.policykgStatus")


def _shot(page, tmp_path: Path, name: str) -> None:
    """A screenshot; under POLICYKG_SCREENSHOTS=1 kept as docs/NAME (128 colours, < 300 KB)."""
    shot = tmp_path / name
    page.screenshot(shot)
    if os.environ.get("POLICYKG_SCREENSHOTS") == "1":
        from PIL import Image
        Image.open(shot).convert("RGB").quantize(128).save(ROOT / "docs" / name, optimize=True)
        assert (ROOT / "docs" / name).stat().st_size < 300_000


#: Labels vis drew over a shown node at least as large as their own: [label, size, covered, its size].
#: (vis's label box leaves out the label's vertical shift, font.vadjust, which the page sets.)
COVERED = """(() => {
  const net = window.policykgNetwork, out = [];
  const shown = net.body.nodeIndices.map(i => net.body.nodes[i]);
  for (const n of shown) {
    if (!n.options.label) continue;
    const size = n.labelModule.size, shift = n.labelModule.fontOptions.vadjust || 0;
    const s = {left: size.left, width: size.width, top: size.top + shift, height: size.height};
    for (const m of shown) {
      const r = m.options.size;
      if (m === n || r < n.options.size) continue;
      if (s.left < m.x + r && m.x - r < s.left + s.width && s.top < m.y + r && m.y - r < s.top + s.height)
        out.push([n.options.label, n.options.size, m.id, r]);
    }
  }
  return out; })()"""

#: The canvas area drawn on (not background white), as fractions of the canvas.
DRAWN = """(() => {
  const c = document.querySelector('#pkg-network canvas'), W = c.width, H = c.height;
  const px = c.getContext('2d').getImageData(0, 0, W, H).data;
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y += 2) for (let x = 0; x < W; x += 2) {
    const i = (y * W + x) * 4;
    if (px[i + 3] > 0 && (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235)) {
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  return {w: (x1 - x0) / W, h: (y1 - y0) / H, cx: (x0 + x1) / 2 / W, cy: (y0 + y1) / 2 / H}; })()"""


@pytest.mark.browser
def test_the_unknown_level_filter_shows_the_units_of_no_known_level(chrome, tmp_path):
    g = _network({"济南市": ("市", 6), "": ("", 3), "安徽省": ("省", 4)})
    path = tmp_path / "units.html"
    path.write_text(render_corpus_page(g, title="t", documents=[{"id": "d0", "title": "d0"}]), encoding="utf-8")
    page = _open(chrome, path)
    options = page.evaluate("[...document.getElementById('pkg-level').options].map(o => [o.value, o.textContent])")
    unknown = next(i for i, (_, text) in enumerate(options) if text.startswith("（未知）"))
    assert options[unknown][0] != options[0][0]                 # not the value of 「全部层级」
    status = _choose(page, "pkg-level", unknown)
    assert status["nodes"] == 3 and status["totalNodes"] == 13
    assert sorted(status["labelled"]) == ["单位0（？）", "单位1（？）", "单位2（？）"]
    status = _choose(page, "pkg-level", 0)
    assert status["nodes"] == 13


@pytest.fixture(scope="module")
def corpus_page(tmp_path_factory):
    from corpus_build import corpus_dir
    built = corpus_dir()
    folder = tmp_path_factory.mktemp("corpus-page")
    entries = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["documents"]
    (folder / "store").mkdir()
    for f in (built / "store").iterdir():
        os.link(f, folder / "store" / f.name)
    pages.write_corpus_pages(folder, entries)
    return folder / "units.html"


@pytest.mark.browser
def test_filtered_to_a_jurisdiction_the_cluster_fills_the_view_and_its_busiest_are_named(chrome, corpus_page, tmp_path):
    data = _data(corpus_page.read_text(encoding="utf-8"))
    page = _open(chrome, corpus_page)
    assert page.evaluate(COVERED) == []
    options = page.evaluate("[...document.getElementById('pkg-place').options].map(o => o.textContent)")
    assert len(options) >= 6
    for index in range(1, len(options)):
        status = _choose(page, "pkg-place", index)
        members = [n for n in data["nodes"] if n["j"] == int(page.evaluate("document.getElementById('pkg-place').value"))]
        assert status["nodes"] == len(members)
        busiest = sorted(members, key=lambda n: (-n["wd"], -n["degree"], n["label"]))[:5]
        assert {n["label"] for n in busiest} <= set(status["labelled"]), options[index]
        assert page.evaluate(COVERED) == [], options[index]
        box = page.evaluate(DRAWN)
        assert max(box["w"], box["h"]) > 0.6, (options[index], box)            # not a speck in a corner
        assert abs(box["cx"] - 0.5) < 0.12 and abs(box["cy"] - 0.5) < 0.12, (options[index], box)
        if options[index].startswith("济南市"):
            _shot(page, tmp_path, "corpus_page_jurisdiction.png")


@pytest.mark.browser
def test_search_lists_the_busiest_first_and_does_not_zoom_into_one_box(chrome, corpus_page):
    data = _data(corpus_page.read_text(encoding="utf-8"))
    page = _open(chrome, corpus_page)
    fit = page.evaluate("window.policykgStatus.fitScale")
    for query in ("发展改革", "财政"):
        page.evaluate(f"(() => {{ document.getElementById('pkg-search-input').value = {json.dumps(query)};"
                      " document.getElementById('pkg-search').dispatchEvent(new Event('submit')); })()")
        time.sleep(0.5)
        listed = page.evaluate("[...document.querySelectorAll('#pkg-search-results li button')].map(b => b.textContent)")
        hits = sorted((n for n in data["nodes"] if query in n["label"]),
                      key=lambda n: (-n["wd"], -n["degree"], n["label"]))
        assert listed == [n["label"] for n in hits][:50] and len(listed) >= 3, query
        status = page.evaluate("window.policykgStatus")
        assert status["matches"] == len(hits)
        assert status["scale"] <= max(1.0, 4 * fit) + 1e-6, (query, status["scale"], fit)
        assert set(listed[:5]) <= set(status["labelled"])
        page.evaluate(f"document.querySelectorAll('#pkg-search-results li button')[0].click()")
        time.sleep(0.3)
        assert page.evaluate("window.policykgStatus.scale") <= max(1.0, 4 * fit) + 1e-6


# ---------------------------------------------------------------- the seed's unit page


#: Each key task of the seed and the names of its units (the seed's unit network is its task list's).
TASK_UNITS = """PREFIX pkg: <https://w3id.org/policykg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?t ?name WHERE { ?t a pkg:KeyTask ; pkg:hasResponsibility/pkg:unit ?u . ?u skos:prefLabel ?name }"""


def _weighted_degrees(store) -> dict[str, int]:
    """A unit's weighted degree: over the tasks it shares, the number of other units of each."""
    tasks: dict[str, set[str]] = {}
    for row in store.query(TASK_UNITS):
        tasks.setdefault(row["t"].value, set()).add(row["name"].value)
    wd: dict[str, int] = {}
    for units in tasks.values():
        for u in units:
            wd[u] = wd.get(u, 0) + len(units) - 1
    return wd


@pytest.mark.browser
def test_the_seeds_unit_page_names_its_five_most_central_units(chrome, committed_graph, tmp_path):
    """Sizes were 31.5 / 30.8 / 30.0 (by degree): 市发改局, which leads most, did not stand out."""
    wd = _weighted_degrees(committed_graph)
    top = sorted(wd, key=lambda u: (-wd[u], u))[:5]
    assert top[0] == "市发改局"
    folder = tmp_path / "seed"
    pages.write_pages(committed_graph, folder)
    page = _open(chrome, folder / "units.html")
    drawn = page.evaluate("window.policykgNetwork.body.nodeIndices.map(i => window.policykgNetwork.body.nodes[i])"
                          ".filter(n => n.options.label).map(n => [n.options.label, n.options.size])")
    assert set(top) <= {label for label, _ in drawn}
    sizes = sorted((size, label) for label, size in drawn)
    assert sizes[-1][1] == "市发改局" and sizes[-1][0] >= 1.2 * sizes[-2][0]          # the centre stands out
    listed = page.evaluate("[...document.querySelectorAll('ol.pkg-leaders:not([hidden]) li')].map(li => li.textContent)")
    assert [row.split("加权度")[0].strip() for row in listed] == top
    assert [int(row.split("加权度")[1]) for row in listed] == [wd[u] for u in top]
    assert page.evaluate("document.querySelectorAll('input[name=pkg-size][value=betweenness]').length") == 1
    _shot(page, tmp_path, "unit_page_seed.png")
