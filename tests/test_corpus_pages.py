"""The corpus unit network page (graph/units.html of a corpus build).

The network is checked against a small corpus store written here (two
documents in two jurisdictions, the same written name in both), against the
bundled corpus when graph/store is built, and drawn in headless Chromium:
the bundled corpus and a generated 2,000-node network (time to first draw
printed; run with -s to see it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import networkx as nx
import pyoxigraph as ox
import pytest

from policykg.use.pages import corpus_unit_network, write_corpus_pages
from policykg.use.corpus_page import render_corpus_page
from policykg.use.network_layout import packed_layout

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "graph"
PKG = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _helper():
    spec = importlib.util.spec_from_file_location("policykg_test_browser_corpus", Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helper = _helper()


# ---------------------------------------------------------------- a small corpus store

#: doc → (jurisdiction, level, records: [[unit, …], …]); 市发改局 is written in both cities.
DOCS = {
    "a": ("济南市", "市", [["发改", "财政"], ["发改", "财政", "工信"], ["工信"]]),
    "b": ("青岛市", "市", [["发改", "财政"], ["发改", "海洋"]]),
}
NAMES = {"发改": "市发改局", "财政": "市财政局", "工信": "市工信局", "海洋": "市海洋局"}


def _small_corpus(folder: Path) -> list[dict]:
    lines, entries = [], []
    for doc, (place, level, records) in DOCS.items():
        g, d, j = f"<{ID}doc/{doc}>", f"<{ID}doc/{doc}>", f"<{ID}place/{doc}>"
        quads = [(d, f"<{RDF_TYPE}>", f"<{PKG}PolicyDocument>"), (d, f"<{PKG}shortId>", f'"{doc}"'),
                 (j, f"<{SKOS}prefLabel>", f'"{place}"@zh'), (j, f"<{PKG}administrativeLevel>", f'"{level}"')]
        for key, name in NAMES.items():
            unit = f"<{ID}org/{doc}-{key}>"
            quads += [(unit, f"<{RDF_TYPE}>", "<http://www.w3.org/ns/org#Organization>"),
                      (unit, f"<{SKOS}prefLabel>", f'"{name}"@zh'), (unit, "<https://schema.org/areaServed>", j)]
        for i, units in enumerate(records, 1):
            rec = f"<{ID}doc/{doc}/record/{i}>"
            quads.append((rec, f"<{RDF_TYPE}>", f"<{PKG}ResponsibilityRecord>"))
            for k, key in enumerate(units, 1):
                r = f"<{ID}doc/{doc}/record/{i}/responsibility/{k}>"
                quads += [(rec, f"<{PKG}hasResponsibility>", r), (r, f"<{PKG}unit>", f"<{ID}org/{doc}-{key}>"),
                          (r, f"<{PKG}role>", f"<{PKG}{'LeadRole' if k == 1 else 'CoRole'}>")]
        lines += [f"{s} {p} {o} {g} ." for s, p, o in quads]
        entries.append({"id": doc, "iri": f"{ID}doc/{doc}", "status": "built", "title": f"文件{doc}",
                        "jurisdiction": place, "level": level})
    from policykg.kg.corpus import write_corpus_store
    (folder / "corpus.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_corpus_store(folder / "store", folder / "corpus.nq")   # as a corpus build writes it
    return entries


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    entries = _small_corpus(folder)
    store = ox.Store.read_only(str(folder / "store"))
    return folder, entries, corpus_unit_network(store, entries)


def test_units_are_scoped_by_jurisdiction_and_labelled_with_it(small):
    g = small[2]
    labels = sorted(a["label"] for _, a in g.nodes(data=True))
    assert labels == ["市发改局（济南市）", "市发改局（青岛市）", "市工信局（济南市）", "市海洋局（青岛市）",
                      "市財政局（济南市）".replace("財", "财"), "市财政局（青岛市）"]
    assert {a["level"] for _, a in g.nodes(data=True)} == {"市"}


def test_edges_count_the_records_two_units_share(small):
    g = small[2]
    by_label = {a["label"]: n for n, a in g.nodes(data=True)}
    fa, cz = by_label["市发改局（济南市）"], by_label["市财政局（济南市）"]
    assert g.edges[fa, cz]["weight"] == 2 and g.edges[fa, cz]["docs"] == ["a"]
    assert g.edges[fa, by_label["市工信局（济南市）"]]["weight"] == 1
    assert not g.has_edge(fa, by_label["市发改局（青岛市）"])  # never in one record
    assert g.number_of_edges() == 5
    assert g.nodes[fa]["records"] == 2 and g.nodes[fa]["docs"] == ["a"]


def test_write_corpus_pages_writes_units_html(small, tmp_path):
    folder, entries, g = small
    assert write_corpus_pages(folder, entries) == ["units.html"]
    html = (folder / "units.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="policykg-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["nodes"]) == g.number_of_nodes() and len(data["edges"]) == g.number_of_edges()
    assert not re.search(r"https?://", html.replace("http:\\/\\/", "").replace("https:\\/\\/", ""))
    assert "default-src 'none'" in html and "connect-src 'none'" in html


# ---------------------------------------------------------------- a generated 2,000-node network


def synthetic_network(n: int = 2000, seed: int = 7) -> tuple[nx.Graph, list[dict]]:
    """A power-law network of ``n`` units over 38 jurisdictions, 4 levels and 40 documents."""
    rng = random.Random(seed)
    base = nx.powerlaw_cluster_graph(n, 3, 0.3, seed=seed)
    places = [("全国", "国家")] + [(f"省{i}", "省") for i in range(5)] + [(f"市{i}", "市") for i in range(12)] \
        + [(f"县{i}", "县") for i in range(20)]
    docs = [f"doc{i:02d}" for i in range(40)]
    g = nx.Graph()
    for v in base.nodes:
        place, level = places[v % len(places)]
        g.add_node(f"u{v}", label=f"单位{v}（{place}）", jurisdiction=place, level=level,
                   docs=sorted(rng.sample(docs, 2)), title=f"单位{v}")
    for a, b in base.edges:
        g.add_edge(f"u{a}", f"u{b}", weight=rng.randint(1, 5), docs=[rng.choice(docs)])
    return g, [{"id": d, "title": f"文件{d}", "jurisdiction": "", "level": ""} for d in docs]


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    g, docs = synthetic_network()
    path = tmp_path_factory.mktemp("big") / "units.html"
    path.write_text(render_corpus_page(g, title="2000", documents=docs), encoding="utf-8")
    return g, docs, path


def test_layout_is_deterministic_and_whole_pixels():
    g, _ = synthetic_network(300, seed=3)
    first, second = packed_layout(g), packed_layout(g)
    assert first == second and len(first) == 300
    assert all(isinstance(c, int) for xy in first.values() for c in xy)
    assert len(set(first.values())) == 300


def test_layout_and_centralities_do_not_depend_on_the_hash_seed():
    """Three interpreters with other PYTHONHASHSEEDs (string hashing, hence set order) draw the bundled
    corpus's unit network at the same positions and compute the same centralities, so a build is
    byte-identical from one run to the next. Its small components are what exposed it: networkx
    iterates a small subgraph in the hash order of its node set."""
    script = ("import hashlib, json; import pyoxigraph as ox; from policykg.use.pages import corpus_unit_network; "
              "from policykg.use.network_layout import packed_layout; from policykg.use.analyze import centralities; "
              "entries = json.load(open('graph/manifest.json', encoding='utf-8'))['documents']; "
              "g = corpus_unit_network(ox.Store.read_only('graph/store'), entries); "
              "print(len(g), hashlib.sha256(repr((sorted(packed_layout(g).items()), "
              "sorted(centralities(g).items()))).encode()).hexdigest())")
    answers = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(answers) == 1, answers
    assert int(answers.pop().split()[0]) > 100


def test_big_page_is_offline_and_has_a_legend_row_per_colour(big):
    g, _, path = big
    html = path.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="policykg-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["nodes"]) == 2000
    assert data["options"]["physics"]["enabled"] is False
    used = {n["cr"] for n in data["nodes"]}
    legend = set(re.findall(r'id="pkg-legend-region">(.*?)</ul>', html, re.S)[0].split("background: ")[1:])
    assert used == {row["colour"] for row in data["regionRows"]} == {x.split('"')[0] for x in legend}
    levels = {n["cl"] for n in data["nodes"]}
    legend = re.findall(r'id="pkg-legend-level"[^>]*>(.*?)</ul>', html, re.S)[0]
    assert levels == set(re.findall(r"background: (#[0-9a-f]{6})", legend))
    # labels at the fit zoom: as many of the busiest as have room (network_layout.label_tiers_by_room), the busiest first
    busiest = max(g.nodes, key=lambda n: (g.degree(n, weight="weight"), g.degree(n)))
    assert 30 <= sum(1 for n in data["nodes"] if n["t"] == 0) <= 400
    assert next(n for n in data["nodes"] if n["label"] == g.nodes[busiest]["label"])["t"] == 0


# ---------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    if not helper.CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {helper.CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{helper.CHROMIUM} not installed")
    with helper.Chromium(tmp_path_factory.mktemp("corpus-chrome"), timeout=60) as browser:
        yield browser


def _open(chrome, path: Path):
    page = chrome.open_page()
    page.navigate(path.as_uri())
    page.wait_for("window.policykgStatus && window.policykgStatus.ready", timeout=60)
    return page


def _filter(page, select: str, index: int) -> dict:
    before = page.evaluate("window.policykgStatus.draws")
    page.evaluate(f"(() => {{ const s = document.getElementById('{select}'); s.value = s.options[{index}].value;"
                  " s.dispatchEvent(new Event('change')); })()")
    page.wait_for(f"window.policykgStatus.draws > {before}", timeout=30)
    return page.evaluate("window.policykgStatus")


def _offline(page) -> None:
    urls = page.request_urls()
    assert urls and all(urlsplit(u).scheme in {"file", "data", "blob", "about"} for u in urls), urls
    problems = [e for e in page.events if e["method"] == "Runtime.exceptionThrown"
                or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert problems == []


@pytest.mark.browser
def test_big_network_draws_and_filters_in_chromium(chrome, big):
    g, docs, path = big
    page = _open(chrome, path)
    status = page.evaluate("window.policykgStatus")
    print(f"\n2,000-node page: {path.stat().st_size / 1e6:.1f} MB, first draw {status['firstDrawMs']} ms "
          f"after navigation start ({status['scriptMs']} ms of script), {status['edges']} edges")
    assert (status["nodes"], status["edges"]) == (2000, g.number_of_edges())
    assert status["firstDrawMs"] < 20000
    level = _filter(page, "pkg-level", 2)  # 省
    assert level["nodes"] == sum(1 for _, a in g.nodes(data=True) if a["level"] == "省") < 2000
    doc = _filter(page, "pkg-doc", 1)  # doc00, on top of 省
    keep = {n for n, a in g.nodes(data=True) if a["level"] == "省" and "doc00" in a["docs"]}
    assert doc["nodes"] == len(keep)
    page.evaluate("document.getElementById('pkg-reset').click()")
    page.wait_for("window.policykgStatus.nodes === 2000", timeout=30)
    _offline(page)


@pytest.mark.browser
@pytest.mark.skipif(not (CORPUS / "store" / "CURRENT").is_file() or not (CORPUS / "manifest.json").is_file(),
                    reason="the bundled corpus is not built (make graph)")
def test_bundled_corpus_page_in_chromium(chrome, tmp_path):
    entries = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["documents"]
    (tmp_path / "store").mkdir()
    for f in (CORPUS / "store").iterdir():
        os.link(f, tmp_path / "store" / f.name)
    write_corpus_pages(tmp_path, entries)
    g = corpus_unit_network(ox.Store.read_only(str(tmp_path / "store")), entries)
    assert len({a["jurisdiction"] for _, a in g.nodes(data=True)}) >= 5
    page = _open(chrome, tmp_path / "units.html")
    status = page.evaluate("window.policykgStatus")
    print(f"\nbundled corpus page: {status['nodes']} units, {status['edges']} edges, "
          f"first draw {status['firstDrawMs']} ms")
    assert (status["nodes"], status["edges"]) == (g.number_of_nodes(), g.number_of_edges())
    first = entries[0]["id"]
    filtered = _filter(page, "pkg-doc", 1)
    assert filtered["nodes"] == sum(1 for _, a in g.nodes(data=True) if first in a["docs"]) < status["nodes"]
    place = _filter(page, "pkg-place", 1)
    assert place["nodes"] < filtered["nodes"] or place["nodes"] <= filtered["nodes"]
    _offline(page)
