"""Fast checks of the rendered network page (no browser)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from policykg.use import visualize
from policykg.use.network_layout import edge_width, label_tiers_by_room, node_size
from policykg.use.visualize import (
    KIND_STYLES,
    KindStyle,
    render_page,
    write_page,
)


def _load_helper():
    """tests/browser.py, loaded by path so it works under any pytest import mode."""
    spec = importlib.util.spec_from_file_location("policykg_test_browser", Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helper = _load_helper()
DATA_RE = re.compile(r'<script type="application/json" id="policykg-data">(.*?)</script>', re.S)


def page_data(html: str) -> dict:
    """The graph JSON the page script reads."""
    match = DATA_RE.search(html)
    assert match, "no data block"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def graph() -> nx.Graph:
    return helper.policy_graph()


@pytest.fixture(scope="module")
def html(graph) -> str:
    return render_page(graph, title="政策任务关系图", subtitle="任务分工")


def _markup_only(html: str) -> str:
    """The page with script and style bodies removed: what the HTML parser sees as tags."""
    return re.sub(r"(<(script|style)\b[^>]*>).*?(</\2>)", r"\1\3", html, flags=re.S | re.I)


# ---------------------------------------------------------------- offline


def test_no_external_url(html):
    assert not re.search(r"https?://|//cdn", html, re.I)


def test_nothing_is_loaded_by_reference(html):
    markup = _markup_only(html)
    assert not re.search(r"\b(src|href|srcset|action|poster)\s*=", markup, re.I)
    assert "<link" not in markup.lower()
    assert "@import" not in html
    # CSS images are all inlined data: URIs.
    assert all(u.startswith(("data:", '"data:', "'data:")) for u in re.findall(r"url\(\s*([^)]{0,8})", html))


def test_vis_is_inlined_and_csp_forbids_fetching(html):
    assert "@version 9.1.2" in html and "new vis.Network(" in html  # bundle and page script
    assert "default-src 'none'" in html and "connect-src 'none'" in html


def test_cjk_font_stack(html):
    assert "Noto Sans CJK SC" in html and "WenQuanYi Micro Hei" in html
    assert "@font-face" not in html


# ---------------------------------------------------------------- escaping


def test_xss_label_survives_only_as_escaped_json(html, graph):
    assert helper.XSS_LABEL not in html
    assert "<img" not in _markup_only(html)
    assert html.count("</script>") == 4  # data, vis, common and page script: nothing broke out
    block = DATA_RE.search(html).group(1)
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in block
    assert not re.search(r"[<>&]", block)
    node = next(n for n in page_data(html)["nodes"] if n["id"] == "xss")
    assert node["label"] == helper.XSS_LABEL
    assert node["tooltip"] == helper.XSS_TITLE
    assert "title" not in node  # vis never gets a string title it might render


def test_title_and_legend_text_are_html_escaped():
    g = nx.Graph()
    g.add_node("a", label="甲", kind="<b>x</b>")
    html = render_page(g, title="<i>标题</i>", subtitle='"副" & 标题')
    markup = _markup_only(html)
    assert "<i>" not in markup and "&lt;i&gt;标题&lt;/i&gt;" in markup
    assert "&#34;副&#34; &amp; 标题" in markup
    assert "<b>" not in markup and "&lt;b&gt;x&lt;/b&gt;" in markup


# ---------------------------------------------------------------- determinism


def test_same_graph_gives_identical_bytes(graph, html):
    assert render_page(graph, title="政策任务关系图", subtitle="任务分工") == html
    rebuilt = helper.policy_graph()
    assert render_page(rebuilt, title="政策任务关系图", subtitle="任务分工") == html


def test_identical_bytes_under_another_hash_seed(html):
    """Set/dict iteration must not leak into the output (e.g. pillar order)."""
    script = (
        "import hashlib, importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('h', sys.argv[1])\n"
        "h = importlib.util.module_from_spec(spec); spec.loader.exec_module(h)\n"
        "from policykg.use.visualize import render_page\n"
        "page = render_page(h.policy_graph(), title='政策任务关系图', subtitle='任务分工')\n"
        "print(hashlib.sha256(page.encode()).hexdigest())\n"
    )
    src = Path(visualize.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONHASHSEED": "12345",
           "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", script, str(Path(__file__).with_name("browser.py"))],
                         env=env, capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == hashlib.sha256(html.encode()).hexdigest()


def test_layout_is_fixed_and_spread(html):
    data = page_data(html)
    assert data["options"]["physics"]["enabled"] is False
    points = [(n["x"], n["y"]) for n in data["nodes"]]
    assert all(isinstance(c, int) for p in points for c in p)
    closest = min(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5
                  for i, (ax, ay) in enumerate(points) for bx, by in points[i + 1:])
    assert closest >= 40  # overlap removal keeps shapes and labels apart


# ---------------------------------------------------------------- encodings


def test_legend_lists_the_kinds_present(graph, html):
    kinds = re.findall(r'class="pkg-kind" value="([^"]+)"', html)
    assert set(kinds) == {a["kind"] for _, a in graph.nodes(data=True)}
    assert kinds[:2] == ["pillar", "task"]  # style order first, unknown kinds last
    assert kinds[-1] == "region"
    labels = re.findall(r'<span class="pkg-kind-label">([^<]*)</span>', html)
    assert labels[kinds.index("unit")] == "单位" and labels[-1] == "region"


def test_legend_omits_absent_kinds_and_accepts_overrides(graph):
    sub = graph.subgraph([n for n, a in graph.nodes(data=True) if a["kind"] in ("task", "unit")])
    html = render_page(sub, title="t", legend={"unit": KindStyle("责任单位", "#123456", "diamond")})
    assert re.findall(r'class="pkg-kind" value="([^"]+)"', html) == ["task", "unit"]
    assert "责任单位" in html
    unit = next(n for n in page_data(html)["nodes"] if n["kind"] == "unit")
    assert unit["shape"] == "diamond" and unit["color"]["background"] == "#123456"


def test_styles_by_kind_with_default_for_unknown(html):
    nodes = {n["id"]: n for n in page_data(html)["nodes"]}
    assert nodes["t1"]["shape"] == KIND_STYLES["task"].shape
    assert nodes["t1"]["color"]["background"] == KIND_STYLES["task"].color
    assert nodes["市发改局"]["color"]["background"] == KIND_STYLES["unit"].color
    assert nodes["zone"]["color"]["background"] == visualize.DEFAULT_STYLE.color


def test_node_size_grows_with_degree(graph, html):
    nodes = page_data(html)["nodes"]
    for n in nodes:
        assert n["degree"] == graph.degree(n["id"])
        assert n["size"] == node_size(n["degree"])
    by_degree = {n["degree"]: n["size"] for n in nodes}
    degrees = sorted(by_degree)
    assert len(degrees) >= 4
    assert all(by_degree[a] < by_degree[b] for a, b in zip(degrees, degrees[1:]))


def test_edge_width_follows_weight(graph, html):
    edges = page_data(html)["edges"]
    assert len(edges) == graph.number_of_edges()
    for e in edges:
        assert e["weight"] == graph.edges[e["from"], e["to"]].get("weight", 1)
        assert e["width"] == edge_width(e["weight"], 4)
    weights = sorted({e["weight"] for e in edges})
    assert weights == [1, 2, 3, 4]
    assert [edge_width(w, 4) for w in weights] == [2.0, 4.0, 6.0, 8.0]   # proportional to the weight


def test_edge_width_is_proportional_and_capped():
    assert [edge_width(w) for w in (1, 3, 6)] == [2.0, 6.0, 12.0]
    assert [edge_width(w, 24) for w in (1, 12, 24)] == [0.5, 6.0, 12.0]   # the heaviest gets EDGE_MAX_PX
    assert edge_width(0) == 0.5


def test_a_legend_row_for_every_fill_colour_in_use(graph):
    g = graph.copy()
    colours = {"市发改局": ("#0072b2", "社区 1"), "市经信局": ("#0072b2", "社区 1"),
               "市财政局": ("#e69f00", "社区 2"), "市税务局": ("#e69f00", "社区 10")}
    for n, (colour, group) in colours.items():
        g.nodes[n].update(color=colour, group=group)
    html = render_page(g, title="t")
    rows = re.findall(r'<li data-colour="(#[0-9a-f]{6})">.*?<span>(.*?)</span>', html, re.S)
    assert rows == [("#0072b2", "社区 1"), ("#e69f00", "社区 2、社区 10")]
    no_colours = render_page(graph, title="t")
    assert "pkg-colour-legend" not in no_colours


def test_label_tiers_leave_no_overlap_at_the_fit_zoom(graph):
    data = page_data(render_page(graph, title="t"))
    tiers = {n["id"]: n["t"] for n in data["nodes"]}
    assert min(tiers.values()) == 0 and max(tiers.values()) <= 4
    pos = {n["id"]: (n["x"], n["y"]) for n in data["nodes"]}
    crowded = {n: (0, 0) for n in graph.nodes}                  # every node on one spot: one label per tier
    tiers = label_tiers_by_room(graph, crowded, {n: str(n) for n in graph.nodes}, sizes={n: 10 for n in graph.nodes})
    assert sum(1 for t in tiers.values() if t == 0) == 1
    assert pos


def test_pillar_membership_reaches_units_and_people(html):
    nodes = {n["id"]: n for n in page_data(html)["nodes"]}
    assert page_data(html)["pillars"] == ["财税支持", "产业发展", "营商环境"]
    assert nodes["t6"]["pillars"] == ["财税支持", "营商环境"]
    assert nodes["市财政局"]["pillars"] == ["财税支持"]  # via its tasks
    assert nodes["李明华"]["pillars"] == ["财税支持"]  # via 市财政局's tasks
    assert nodes["doc"]["pillars"] == ["财税支持", "产业发展", "营商环境"]


def test_bad_input_is_refused():
    with pytest.raises(TypeError):
        render_page(nx.MultiGraph([(1, 2)]), title="t")
    with pytest.raises(ValueError, match="weight"):
        render_page(nx.Graph([(1, 2, {"weight": "heavy"})]), title="t")
    with pytest.raises(ValueError, match="same str"):
        render_page(nx.Graph([(1, "1")]), title="t")


def test_empty_graph_renders():
    data = page_data(render_page(nx.Graph(), title="空"))
    assert data["nodes"] == [] and data["edges"] == []


# ---------------------------------------------------------------- write


def test_write_page_is_atomic_and_leaves_no_temp_file(tmp_path, graph, html):
    target = tmp_path / "graph.html"
    target.write_text("old", encoding="utf-8")
    write_page(graph, target, title="政策任务关系图", subtitle="任务分工")
    assert target.read_text(encoding="utf-8") == html
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]


def test_failed_render_keeps_the_old_page(tmp_path):
    target = tmp_path / "graph.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(ValueError):
        write_page(nx.Graph([(1, 2, {"weight": float("nan")})]), target, title="t")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]


def test_failed_rename_removes_the_temp_file(tmp_path, graph, monkeypatch):
    target = tmp_path / "graph.html"
    target.write_text("old", encoding="utf-8")

    def refuse(src, dst):
        raise OSError("disk trouble")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk trouble"):
        write_page(graph, target, title="t")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]
