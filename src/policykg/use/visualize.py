"""Render a networkx graph as one self-contained, offline, interactive HTML page.

Analysts open the page from disk, often on machines without internet access and
sometimes on networks where loading third-party scripts is forbidden. So the
page must not reference a single external URL: vis-network (as bundled with
pyvis) and all CSS are inlined, and we use our own template because pyvis's
templates link Bootstrap and vis from CDNs even in ``in_line`` mode.

Node and edge texts come from policy documents and are plain text that may
contain ``<``, ``&`` or quotes. They reach the page only as JSON inside a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped,
and the page script shows them via ``textContent`` (never as HTML).

Positions are precomputed with a seeded networkx layout and physics is off, so
the picture never moves on its own and the same graph always renders to the
same bytes.
"""

from __future__ import annotations

import functools
import json
import math
import numbers
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
import numpy as np
import pyvis
from pyvis.network import Network

from policykg.kg.publish import write_text_atomic

__all__ = [
    "DEFAULT_STYLE",
    "EDGE_STYLES",
    "FONT_STACK",
    "KIND_STYLES",
    "EdgeStyle",
    "KindStyle",
    "edge_width",
    "node_size",
    "packed_layout",
    "render_corpus_page",
    "render_page",
    "write_corpus_page",
    "write_page",
]

_TEMPLATE_DIR = Path(__file__).with_name("templates")
_VIS_DIR = Path(pyvis.__file__).with_name("templates") / "lib" / "vis-9.1.2"

#: CJK-capable fonts that are commonly installed locally; no web font is loaded.
FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    '"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", sans-serif'
)

# Only shapes whose label sits *outside* the shape honour vis's ``size``;
# box/ellipse/circle size to their label and would defeat size-by-degree.
_SIZED_SHAPES = frozenset(
    {"dot", "diamond", "square", "triangle", "triangleDown", "star", "hexagon"}
)
_COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class KindStyle:
    """How nodes of one ``kind`` look, and what the legend calls them."""

    label: str
    color: str
    shape: str = "dot"

    def __post_init__(self) -> None:
        if not _COLOR_RE.fullmatch(self.color):
            raise ValueError(f"colour must be #rrggbb, got {self.color!r}")
        if self.shape not in _SIZED_SHAPES:
            raise ValueError(
                f"shape {self.shape!r} ignores node size; use one of {sorted(_SIZED_SHAPES)}"
            )


@dataclass(frozen=True)
class EdgeStyle:
    """How edges of one ``kind`` look; ``dashes`` follows vis (False or a dash list)."""

    label: str
    color: str
    dashes: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not _COLOR_RE.fullmatch(self.color):
            raise ValueError(f"colour must be #rrggbb, got {self.color!r}")


KIND_STYLES: Mapping[str, KindStyle] = {
    "pillar": KindStyle("总体任务", "#2a9d8f", "hexagon"),
    "task": KindStyle("重点工作", "#4e79a7", "dot"),
    "measure": KindStyle("落实举措", "#c9a227", "triangleDown"),
    "target": KindStyle("目标", "#59a14f", "star"),
    "unit": KindStyle("单位", "#f28e2b", "square"),
    "person": KindStyle("人员", "#e15759", "triangle"),
    "document": KindStyle("文件", "#b07aa1", "diamond"),
    "topic": KindStyle("主题", "#ff9da7", "dot"),
    "phase": KindStyle("实施阶段", "#9c755f", "square"),
}
#: Style for kinds not in the legend; its label is replaced by the kind itself.
DEFAULT_STYLE = KindStyle("其他", "#9d9d9d", "dot")

EDGE_STYLES: Mapping[str, EdgeStyle] = {
    "lead": EdgeStyle("牵头", "#5a5a5a"),
    "co": EdgeStyle("配合", "#9a9a9a", (6, 4)),
    "leader": EdgeStyle("分管领导", "#c0504d"),
    "liaison": EdgeStyle("联络员", "#8e7cc3", (2, 4)),
    "shared": EdgeStyle("共同任务", "#2a9d8f"),
    "pillar": EdgeStyle("所属总体任务", "#7fc4bb"),
    "phase": EdgeStyle("实施阶段", "#c4a68f", (2, 6)),
    "topic": EdgeStyle("主题", "#f4c2c9", (2, 6)),
}
_DEFAULT_EDGE = EdgeStyle("关联", "#b0b0b0")

_NO_KIND = "other"


# ---------------------------------------------------------------- scales


def node_size(degree: int) -> float:
    """Pixel radius for a node: grows with degree, sub-linearly so hubs stay readable."""
    return round(10.0 + 4.0 * math.sqrt(max(degree, 0)), 2)


#: Width of an edge of weight 1, and the most any edge gets (the heaviest is scaled down to it).
EDGE_UNIT_PX = 2.0
EDGE_MAX_PX = 12.0


def edge_width(weight: float, top: float | None = None) -> float:
    """Width for an edge, proportional to its weight: ``weight × unit``.

    The unit is :data:`EDGE_UNIT_PX`, or less when the heaviest weight ``top``
    would pass :data:`EDGE_MAX_PX`, so a 6-task link is drawn six times as wide
    as a 1-task link (a weight of 0 still draws a hairline).
    """
    unit = EDGE_UNIT_PX if not top else min(EDGE_UNIT_PX, EDGE_MAX_PX / top)
    return round(max(0.5, unit * max(weight, 0.0)), 2)


# ---------------------------------------------------------------- graph → data


def _node_ids(g: nx.Graph) -> dict[Any, str]:
    """String ids for vis; refuse graphs whose distinct nodes stringify alike."""
    ids = {n: str(n) for n in g.nodes}
    if len(set(ids.values())) != len(ids):
        raise ValueError("two nodes have the same str(); vis node ids must be unique")
    return ids


def _kind(attrs: Mapping[str, Any]) -> str:
    kind = attrs.get("kind")
    return str(kind) if kind else _NO_KIND


def _style(kind: str, styles: Mapping[str, KindStyle]) -> KindStyle:
    """The kind's style; unknown kinds get the default look but keep their own name."""
    if kind in styles:
        return styles[kind]
    if kind == _NO_KIND:
        return DEFAULT_STYLE
    return KindStyle(kind, DEFAULT_STYLE.color, DEFAULT_STYLE.shape)


def _weight(attrs: Mapping[str, Any]) -> float:
    """The edge weight as a finite, non-negative float (default 1)."""
    raw = attrs.get("weight", 1)
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        raise ValueError(f"edge weight must be a number, got {raw!r}")
    if not math.isfinite(raw) or raw < 0:
        raise ValueError(f"edge weight must be finite and >= 0, got {raw!r}")
    return float(raw)


def _own_pillars(attrs: Mapping[str, Any]) -> list[str]:
    """The node's ``pillars`` attribute as a list of names (a lone string is one name)."""
    raw = attrs.get("pillars") or []
    if isinstance(raw, str):
        raw = [raw]
    return [str(p) for p in raw]


def _pillar_membership(g: nx.Graph) -> tuple[list[str], dict[Any, list[str]]]:
    """All pillar names (first-seen order) and, per node, the pillars it shows under.

    A node tagged with pillars belongs to those. An untagged node (a unit, a
    person) belongs to the pillars of the *nearest* tagged nodes, so filtering
    to one pillar keeps its tasks, the units responsible for them and those
    units' people. Nodes with no tagged node in reach belong to no pillar.
    """
    undirected = g.to_undirected(as_view=True) if g.is_directed() else g
    own = {n: _own_pillars(a) for n, a in g.nodes(data=True)}
    names = list(dict.fromkeys(p for ps in own.values() for p in ps))
    found: dict[Any, set[str]] = {n: set(ps) for n, ps in own.items() if ps}
    frontier = list(found)
    while frontier:  # breadth-first, one distance ring at a time
        ring: dict[Any, set[str]] = {}
        for n in frontier:
            for m in undirected.neighbors(n):
                if m not in found:
                    ring.setdefault(m, set()).update(found[n])
        found.update(ring)
        frontier = list(ring)
    order = {p: i for i, p in enumerate(names)}
    member = {n: sorted(found.get(n, ()), key=order.__getitem__) for n in g.nodes}
    return names, member


def _label_width(label: str) -> float:
    """Rough pixel width of a label at the page's 14px font (CJK is full width)."""
    return sum(14.0 if unicodedata.east_asian_width(ch) in "WF" else 8.0 for ch in label)


def _layout(g: nx.Graph, labels: Mapping[Any, str]) -> dict[Any, tuple[int, int]]:
    """Deterministic pixel positions: seeded spring layout, then label overlaps removed.

    Rounded to whole pixels so the output does not depend on the last bits of
    floating-point arithmetic. (networkx needs scipy from 500 nodes on.)
    """
    if g.number_of_nodes() == 0:
        return {}
    nodes = list(g.nodes)
    pos = nx.spring_layout(g, seed=42, iterations=200, weight="weight")
    scale = max(300.0, 90.0 * math.sqrt(len(nodes)))
    xy = np.array([pos[n] for n in nodes], dtype=float) * scale
    sizes = np.array([node_size(g.degree(n)) for n in nodes])
    widths = np.array([_label_width(labels[n]) for n in nodes])
    # Box around shape and the label line below it, with a little margin.
    box_w = np.maximum(2 * sizes, widths) + 16.0
    box_h = 2 * sizes + 30.0
    xy[:, 1] += 11.0  # box centre sits below the node centre, towards its label
    xy = _remove_overlaps(xy, box_w, box_h)
    xy[:, 1] -= 11.0
    return {n: (int(round(x)), int(round(y))) for n, (x, y) in zip(nodes, xy)}


def _remove_overlaps(xy: np.ndarray, w: np.ndarray, h: np.ndarray, rounds: int = 300) -> np.ndarray:
    """Push overlapping boxes apart along their cheaper axis until none overlap.

    Each round moves both boxes of every overlapping pair half the overlap
    away from each other; ties (identical coordinates) break by node order,
    so the result is deterministic. Keeps the spring layout's overall shape
    while making every label readable.
    """
    xy = xy.copy()
    count = len(xy)
    order = np.arange(count)
    tie = np.where(order[:, None] < order[None, :], -1.0, 1.0)
    half_w = (w[:, None] + w[None, :]) / 2
    half_h = (h[:, None] + h[None, :]) / 2
    off_diagonal = ~np.eye(count, dtype=bool)
    for _ in range(rounds):
        dx = xy[:, 0][:, None] - xy[:, 0][None, :]
        dy = xy[:, 1][:, None] - xy[:, 1][None, :]
        over_x = half_w - np.abs(dx)
        over_y = half_h - np.abs(dy)
        hit = (over_x > 0) & (over_y > 0) & off_diagonal
        if not hit.any():
            break
        along_x = hit & (over_x <= over_y)
        along_y = hit & (over_x > over_y)
        sign_x = np.where(dx == 0, tie, np.sign(dx))
        sign_y = np.where(dy == 0, tie, np.sign(dy))
        xy[:, 0] += (np.where(along_x, over_x, 0.0) * sign_x).sum(axis=1) * 0.5
        xy[:, 1] += (np.where(along_y, over_y, 0.0) * sign_y).sum(axis=1) * 0.5
    return xy


def _edge_tooltip(attrs: Mapping[str, Any], style: EdgeStyle, weight: float) -> str:
    title = attrs.get("title")
    if title:
        return str(title)
    return f"{style.label}（权重 {weight:g}）"


def _build_network(g: nx.Graph, styles: Mapping[str, KindStyle]) -> Network:
    """Assemble nodes and edges in a pyvis Network (its data model, not its templates).

    Hover texts travel as ``tooltip``, not vis's ``title``, so vis never sees a
    string it might render; the page script turns them into text-only elements.
    """
    net = Network(directed=g.is_directed(), cdn_resources="in_line")
    ids = _node_ids(g)
    weights = [_weight(attrs) for _, _, attrs in g.edges(data=True)]  # validate before layout
    labels = {n: str(a.get("label") or n) for n, a in g.nodes(data=True)}
    pos = _layout(g, labels)
    _, pillars = _pillar_membership(g)
    tiers = label_tiers_by_room(g, pos, labels)
    top = max(weights, default=0.0)
    for n, attrs in g.nodes(data=True):
        kind = _kind(attrs)
        style = _style(kind, styles)
        label = labels[n]
        fill = str(attrs.get("color") or style.color)   # e.g. a community colour; shape stays the kind's
        if not _COLOR_RE.fullmatch(fill):
            raise ValueError(f"node {n!r}: colour must be #rrggbb, got {fill!r}")
        net.add_node(
            ids[n],
            label=label,
            shape=style.shape,
            color={
                "background": fill,
                "border": style.color,
                "highlight": {"background": fill, "border": "#111111"},
                "hover": {"background": fill, "border": "#111111"},
            },
            size=node_size(g.degree(n)),
            x=pos[n][0],
            y=pos[n][1],
            kind=kind,
            tooltip=str(attrs.get("title") or label),
            pillars=pillars[n],
            groupName=str(attrs.get("group") or ""),
            degree=g.degree(n),
            t=tiers[n],
        )
    for i, ((u, v, attrs), weight) in enumerate(zip(g.edges(data=True), weights)):
        kind = str(attrs.get("kind") or "")
        style = EDGE_STYLES.get(kind, _DEFAULT_EDGE)
        net.add_edge(
            ids[u],
            ids[v],
            id=f"e{i}",
            width=edge_width(weight, top),
            weight=weight,
            kind=kind,
            color={"color": style.color, "highlight": "#111111", "hover": "#111111"},
            dashes=list(style.dashes) if style.dashes else False,
            tooltip=_edge_tooltip(attrs, style, weight),
        )
    net.options = _vis_options()
    return net


def _vis_options() -> dict[str, Any]:
    """vis options: no physics (positions are final), hover on, CJK font on canvas."""
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 42},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "multiselect": True,
            "navigationButtons": False,
            "keyboard": False,
        },
        "nodes": {
            "borderWidth": 1.5,
            "font": {
                "face": FONT_STACK,
                "size": 14,
                "color": "#1f2328",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
            # labels: never under 5 px (vis hides them) nor over 18 px on screen, whatever the zoom
            "scaling": {"label": {"drawThreshold": _LABEL_MIN_PX, "maxVisible": 18}},
        },
        "edges": {"smooth": False, "selectionWidth": 1.5, "hoverWidth": 0.5},
    }


# ---------------------------------------------------------------- legend


def _legend_rows(
    g: nx.Graph, styles: Mapping[str, KindStyle]
) -> list[dict[str, Any]]:
    """Legend entries for the kinds present: known kinds in style order, then the rest."""
    counts: dict[str, int] = {}
    own_fill: dict[str, bool] = {}
    for _, attrs in g.nodes(data=True):
        kind = _kind(attrs)
        counts[kind] = counts.get(kind, 0) + 1
        own_fill[kind] = own_fill.get(kind, True) and bool(attrs.get("color"))
    order = [k for k in styles if k in counts] + [k for k in counts if k not in styles]
    rows = []
    for k in order:
        style = _style(k, styles)
        # a kind whose nodes are all filled by their own colour shows its shape as an outline
        rows.append({"kind": k, "style": style, "count": counts[k], "path": _swatch(style.shape),
                     "outline": own_fill[k]})
    return rows


def _colour_rows(g: nx.Graph) -> list[dict[str, Any]]:
    """Legend entries for fills set per node (``color``, e.g. a community's): one per colour in use.

    Named by the nodes' ``group`` (``社区 1``); a colour shared by several
    groups lists them all. Ordered by group name, numbers as numbers.
    """
    groups: dict[str, dict[str, int]] = {}
    for _, attrs in g.nodes(data=True):
        if attrs.get("color"):
            names = groups.setdefault(str(attrs["color"]), {})
            name = str(attrs.get("group") or "")
            names[name] = names.get(name, 0) + 1

    def natural(text: str) -> list[Any]:
        return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]

    rows = []
    for colour, names in groups.items():
        ordered = sorted(names, key=natural)
        rows.append({"colour": colour, "name": "、".join(n for n in ordered if n) or colour,
                     "count": sum(names.values()), "key": natural(ordered[0])})
    rows.sort(key=lambda r: r["key"])
    for r in rows:
        del r["key"]
    return rows


def _edge_legend_rows(g: nx.Graph) -> list[dict[str, Any]]:
    """Legend entries for the edge kinds present, in EDGE_STYLES order then first seen."""
    seen = list(dict.fromkeys(str(a.get("kind") or "") for _, _, a in g.edges(data=True)))
    order = [k for k in EDGE_STYLES if k in seen] + [k for k in seen if k not in EDGE_STYLES]
    rows = []
    for k in order:
        style = EDGE_STYLES.get(k, _DEFAULT_EDGE)
        label = style.label if k in EDGE_STYLES or not k else k
        rows.append({"kind": k, "label": label, "style": style,
                     "dash": " ".join(map(str, style.dashes))})
    return rows


def _swatch(shape: str) -> str:
    """SVG path data (16×16 box) drawing the vis shape in the legend."""
    return {
        "dot": "M8 2a6 6 0 1 0 0.01 0Z",
        "square": "M2.5 2.5H13.5V13.5H2.5Z",
        "triangle": "M8 1.5L14.5 13.5H1.5Z",
        "triangleDown": "M1.5 2.5H14.5L8 14.5Z",
        "diamond": "M8 1L15 8L8 15L1 8Z",
        "hexagon": "M4.5 2L11.5 2L15 8L11.5 14L4.5 14L1 8Z",
        "star": "M8 1L9.9 6H15L10.9 9.2L12.4 14.5L8 11.3L3.6 14.5L5.1 9.2L1 6H6.1Z",
    }[shape]


# ---------------------------------------------------------------- assets


def _json_for_script(data: Any) -> str:
    """JSON safe to embed in a <script> block: no ``</script>`` or ``<!--`` can form.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where ``\\u003c``
    etc. mean the same thing to JSON.parse. Output is key-sorted for determinism.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _check_inlinable(text: str, tag: str, name: str) -> str:
    """Refuse an asset that could end its enclosing element or open a comment early."""
    if re.search(rf"</{tag}|<!--", text, re.IGNORECASE):
        raise ValueError(f"{name} contains '</{tag}' or '<!--' and cannot be inlined")
    return text


def _neutralise_js_urls(js: str) -> str:
    """Write ``://`` in the vis bundle as ``:\\/\\/`` and drop its source-map reference.

    The bundle's URLs are licence links in comments and strings that are never
    fetched (the SVG namespace, core-js licence, an error message). Inside JS
    strings ``\\/`` *is* ``/``, so behaviour is unchanged, and the page can be
    checked mechanically for "no URL at all". ``sourceMappingURL`` would make
    DevTools fetch a file we don't ship.
    """
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    return js.replace("://", ":\\/\\/")


@functools.lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    """The vis bundle (from the installed pyvis) and our page CSS/JS, ready to inline."""
    vis_js = (_VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8")
    vis_css = (_VIS_DIR / "vis-network.css").read_text(encoding="utf-8")
    page_js = (_TEMPLATE_DIR / "page.js").read_text(encoding="utf-8")
    page_css = (_TEMPLATE_DIR / "page.css").read_text(encoding="utf-8")
    if "://" in vis_css:
        raise ValueError("vis-network.css references a URL; it cannot be inlined offline")
    return {
        "vis_js": _check_inlinable(_neutralise_js_urls(vis_js), "script", "vis-network.min.js"),
        "vis_css": _check_inlinable(vis_css, "style", "vis-network.css"),
        "page_js": _check_inlinable(page_js, "script", "page.js"),
        "page_css": _check_inlinable(page_css.replace("$FONT_STACK", FONT_STACK), "style", "page.css"),
    }


@functools.lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    """The page template, autoescaping everything not explicitly marked safe."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("page.html.j2")


# ---------------------------------------------------------------- public API


def render_page(
    g: nx.Graph,
    *,
    title: str,
    subtitle: str = "",
    legend: Mapping[str, KindStyle] | None = None,
) -> str:
    """Return the full HTML page for ``g`` (pure: same graph, same bytes).

    ``legend`` overrides or adds kind styles on top of :data:`KIND_STYLES`;
    kinds without a style get :data:`DEFAULT_STYLE` and are listed by name.
    """
    if g.is_multigraph():
        raise TypeError("render_page takes a simple Graph, not a MultiGraph")
    styles = {**KIND_STYLES, **(legend or {})}
    net = _build_network(g, styles)
    nodes, edges, _, _, _, options = net.get_network_data()
    pillars, _ = _pillar_membership(g)
    data = {"nodes": nodes, "edges": edges, "options": json.loads(options), "pillars": pillars}
    return _template().render(
        title=title,
        subtitle=subtitle,
        legend=_legend_rows(g, styles),
        colour_legend=_colour_rows(g),
        edge_legend=_edge_legend_rows(g),
        max_weight=f"{max((_weight(a) for _, _, a in g.edges(data=True)), default=0):g}",
        pillars=pillars,
        node_count=g.number_of_nodes(),
        edge_count=g.number_of_edges(),
        data_json=_json_for_script(data),
        **_assets(),
    )


def write_page(g: nx.Graph, path: str | os.PathLike[str], **kw: Any) -> None:
    """Render ``g`` and write it to ``path`` atomically.

    The page goes to a temporary file in the same directory first and is then
    renamed over ``path``, so a reader never sees a half-written page and a
    failed render leaves the previous page (and no temp file) behind.
    """
    write_text_atomic(Path(path), render_page(g, **kw))


# ---------------------------------------------------------------- corpus unit network (large graphs)

#: Colours of jurisdictions on the corpus page, most units first (Okabe–Ito and Tableau, distinct enough).
REGION_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d31", "#6b6ecf",
                  "#b5cf6b", "#e7969c")
#: The colour of the jurisdictions beyond the palette (listed in the legend as one row).
OTHER_COLOUR = "#a0a0a0"
#: Colours of administrative levels, top to bottom.
LEVEL_COLOURS = {"国家": "#c0392b", "省": "#e69f00", "市": "#0072b2", "县": "#009e73", "": "#a0a0a0"}
#: vis draws no label smaller than this on screen (its drawThreshold).
_LABEL_MIN_PX = 5.0
#: On-screen cap of a label's size in pixels (vis's maxVisible).
_LABEL_MAX_PX = 16.0
#: How many nodes (by weighted degree) show their label when the whole network fits the screen.
_LABELS_AT_FIT = 30


def force_layout(nodes: list[Any], edges: list[tuple[int, int, float]], *, seed: int = 42,
                 iterations: int = 100, sample: int = 500) -> np.ndarray:
    """Fruchterman–Reingold positions (ideal edge length 1) for one connected graph, numpy only.

    Repulsion is exact up to ``sample`` nodes; above that each step repels every
    node from a seeded random sample of ``sample`` nodes, scaled up (an unbiased
    estimate), so a step costs O(n·sample) instead of O(n²): 2,000 nodes lay out
    in seconds without scipy. Deterministic for a given seed and input order.
    """
    n = len(nodes)
    rng = np.random.default_rng(seed)
    if n == 1:
        return np.zeros((1, 2))
    pos = (rng.random((n, 2)) - 0.5) * math.sqrt(n)
    if not edges:
        return pos
    src = np.array([e[0] for e in edges])
    dst = np.array([e[1] for e in edges])
    weight = np.sqrt(np.array([max(e[2], 0.0) for e in edges]))
    temperature = math.sqrt(n) / 4
    cooling = temperature / (iterations + 1)
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    everyone = np.arange(n)
    for _ in range(iterations):
        others = everyone if n <= sample else np.sort(rng.choice(n, sample, replace=False))
        dx = x[:, None] - x[None, others]          # n × m, one axis at a time: contiguous and fast
        dy = y[:, None] - y[None, others]
        inv = 1.0 / np.maximum(dx * dx + dy * dy, 1e-4)
        boost = n / len(others)
        fx = (dx * inv).sum(axis=1) * boost
        fy = (dy * inv).sum(axis=1) * boost
        ex, ey = x[src] - x[dst], y[src] - y[dst]
        pull = np.sqrt(np.maximum(ex * ex + ey * ey, 1e-9)) * weight
        np.add.at(fx, src, -ex * pull)
        np.add.at(fy, src, -ey * pull)
        np.add.at(fx, dst, ex * pull)
        np.add.at(fy, dst, ey * pull)
        norm = np.sqrt(np.maximum(fx * fx + fy * fy, 1e-9))
        step = np.minimum(norm, temperature) / norm
        x += fx * step
        y += fy * step
        temperature -= cooling
    pos = np.column_stack([x, y])
    return pos - pos.mean(axis=0)


def packed_layout(g: nx.Graph, *, spacing: float = 70.0, seed: int = 42) -> dict[Any, tuple[int, int]]:
    """Whole-pixel positions for a large graph: each connected component laid out on its own
    (:func:`force_layout`), then packed in rows, largest first, so small islands sit beside
    the main network instead of being flung to its rim. Deterministic."""
    if g.number_of_nodes() == 0:
        return {}
    order = {n: i for i, n in enumerate(sorted(g.nodes, key=str))}
    parts = sorted((sorted(c, key=order.__getitem__) for c in nx.connected_components(g)),
                   key=lambda c: (-len(c), order[c[0]]))
    boxes = []
    for part in parts:
        index = {n: i for i, n in enumerate(part)}
        # each edge as (smaller index, larger index): a subgraph view reports an undirected edge
        # from either end, in the hash order of its node set (PYTHONHASHSEED), so as it comes the
        # layout — and the page's bytes — would change from one process to the next
        edges = sorted((min(index[u], index[v]), max(index[u], index[v]), _weight(a))
                       for u, v, a in g.subgraph(part).edges(data=True))
        xy = force_layout(part, edges, seed=seed) * spacing
        xy -= xy.min(axis=0)
        boxes.append((part, xy, xy.max(axis=0) + spacing))
    total = sum(float(b[2][0] * b[2][1]) for b in boxes)
    row_width = max(float(boxes[0][2][0]), math.sqrt(total) * 1.3)
    pos: dict[Any, tuple[int, int]] = {}
    x = y = row_height = 0.0
    for part, xy, (w, h) in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for n, (px, py) in zip(part, xy):
            pos[n] = (int(round(x + px)), int(round(y + py)))
        x += float(w)
        row_height = max(row_height, float(h))
    return pos


def label_tiers(g: nx.Graph) -> dict[Any, int]:
    """Which zoom shows each node's label: tier 0 at the zoom that fits the whole network,
    tier k from ``2**k`` times that zoom.

    Nodes are ranked by weighted degree; the first ``_LABELS_AT_FIT`` are tier 0
    and each next tier holds twice as many, so about the same number of labels
    is on screen at every zoom and hubs are named first.
    """
    ranked = sorted(g.nodes, key=lambda n: (-g.degree(n, weight="weight"), -g.degree(n), str(n)))
    return {n: int(math.log2(1 + rank / _LABELS_AT_FIT)) for rank, n in enumerate(ranked)}


#: The network's part of a 1400×900 window (side panel and header taken off), in pixels.
_FRAME = (1090.0, 830.0)
#: On-screen size of labels when the whole graph fits (the page sets its font to this at that zoom).
_LABEL_PX = 13.0
_LABEL_MAX_TIER = 4


def label_tiers_by_room(g: nx.Graph, pos: Mapping[Any, tuple[int, int]], labels: Mapping[Any, str],
                        frame: tuple[float, float] = _FRAME, *, sizes: Mapping[Any, float] | None = None,
                        label_px: float = _LABEL_PX, max_px: float = 18.0) -> dict[Any, int]:
    """Label tiers (as :func:`label_tiers`) that also keep labels from covering each other.

    Nodes are taken by weighted degree; each gets the first tier ``k`` at whose
    zoom (``2**k`` times the zoom that fits the graph into ``frame``) its label
    box — ``label_px`` on screen at the fitting zoom, growing with the zoom up
    to ``max_px``, drawn below the node — overlaps no label already placed at
    that zoom. So the busiest nodes are named first and a dense centre fills in
    as one zooms, never as a smear of overlapping text. Nodes still crowded at
    tier :data:`_LABEL_MAX_TIER` get it. Boxes are kept in a grid per tier, so
    this is linear in the number of nodes (thousands on the corpus page).
    """
    nodes = list(g.nodes)
    if not nodes:
        return {}
    sizes = sizes if sizes is not None else {n: node_size(g.degree(n)) for n in nodes}
    xs = [pos[n][0] for n in nodes]
    ys = [pos[n][1] for n in nodes]
    span_x = max(max(xs) - min(xs), 1.0) * 1.1 + 60
    span_y = max(max(ys) - min(ys), 1.0) * 1.1 + 60
    fit = min(frame[0] / span_x, frame[1] / span_y)
    ranked = sorted(nodes, key=lambda n: (-g.degree(n, weight="weight"), -g.degree(n), str(n)))
    grids: list[dict[tuple[int, int], list[tuple[float, float, float, float]]]] = \
        [{} for _ in range(_LABEL_MAX_TIER + 1)]
    cells = [200.0 / (fit * 2 ** k) for k in range(_LABEL_MAX_TIER + 1)]  # 200 screen px per cell

    def box(n: Any, k: int) -> tuple[float, float, float, float]:
        x, y = pos[n]
        px = min(label_px * 2 ** k, max_px) / (fit * 2 ** k)   # label height in canvas units at tier k
        width = _label_width(labels[n]) / 14.0 * px
        top = y + sizes[n] + 2
        return (x - width / 2, top, x + width / 2, top + px * 1.25)

    def keys(b: tuple[float, float, float, float], k: int):
        c = cells[k]
        for i in range(int(b[0] // c), int(b[2] // c) + 1):
            for j in range(int(b[1] // c), int(b[3] // c) + 1):
                yield i, j

    tiers: dict[Any, int] = {}
    for n in ranked:
        for k in range(_LABEL_MAX_TIER + 1):
            b = box(n, k)
            crowded = any(b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3]
                          for key in keys(b, k) for o in grids[k].get(key, ()))
            if not crowded or k == _LABEL_MAX_TIER:
                tiers[n] = k
                for j in range(k, _LABEL_MAX_TIER + 1):   # shown from tier k on: it takes room there too
                    bj = box(n, j)
                    for key in keys(bj, j):
                        grids[j].setdefault(key, []).append(bj)
                break
    return tiers


def render_corpus_page(g: nx.Graph, *, title: str, subtitle: str = "",
                       documents: list[Mapping[str, Any]] = ()) -> str:
    """The corpus unit network as one offline page, built for thousands of nodes.

    Nodes carry ``label``, ``jurisdiction``, ``level``, ``docs`` (document ids)
    and ``title`` (hover text); edges ``weight``, ``docs`` and ``title``.
    Positions are precomputed (:func:`packed_layout`), physics is off, labels
    show by weighted degree as one zooms in (:func:`label_tiers`), edges hide while dragging and
    zooming, and the page filters by document, jurisdiction and level (each
    filter zooms to fit what stays). Colour by jurisdiction or by level, with a
    legend row for every colour in use. Pure: same graph, same bytes.
    """
    if g.is_multigraph() or g.is_directed():
        raise TypeError("render_corpus_page takes a simple undirected Graph")
    _node_ids(g)
    ids = {n: f"n{i}" for i, n in enumerate(g.nodes)}  # short, and no IRI (a URL) in the page
    for _, _, attrs in g.edges(data=True):
        _weight(attrs)
    pos = packed_layout(g)
    labels = {n: str(a.get("label") or n) for n, a in g.nodes(data=True)}
    sizes = {n: min(40.0, 6.0 + 3.0 * math.sqrt(g.degree(n, weight="weight"))) for n in g.nodes}
    tiers = label_tiers_by_room(g, pos, labels, sizes=sizes, max_px=_LABEL_MAX_PX)
    doc_ids = [str(d["id"]) for d in documents]
    doc_index = {d: i for i, d in enumerate(doc_ids)}
    for _, attrs in g.nodes(data=True):
        for d in attrs.get("docs", ()):
            if str(d) not in doc_index:
                doc_index[str(d)] = len(doc_ids)
                doc_ids.append(str(d))
    counts: dict[str, int] = {}
    level_of: dict[str, str] = {}
    for _, attrs in g.nodes(data=True):
        place = str(attrs.get("jurisdiction") or "")
        counts[place] = counts.get(place, 0) + 1
        level_of.setdefault(place, str(attrs.get("level") or ""))
    places = sorted(counts, key=lambda p: (-counts[p], p))
    coloured = places if len(places) <= len(REGION_COLOURS) else places[:len(REGION_COLOURS) - 1]
    region_colour = {p: REGION_COLOURS[i] for i, p in enumerate(coloured)}
    region_rows = [{"name": p or "（未知）", "colour": region_colour[p], "count": counts[p]} for p in coloured]
    rest = [p for p in places if p not in region_colour]
    if rest:
        region_rows.append({"name": f"其他 {len(rest)} 个区域", "colour": OTHER_COLOUR,
                            "count": sum(counts[p] for p in rest)})
    level_counts: dict[str, int] = {}
    for _, attrs in g.nodes(data=True):
        lv = str(attrs.get("level") or "")
        level_counts[lv] = level_counts.get(lv, 0) + 1
    level_rows = [{"name": lv or "（未知）", "value": lv, "colour": LEVEL_COLOURS.get(lv, OTHER_COLOUR),
                   "count": level_counts[lv]} for lv in LEVEL_COLOURS if lv in level_counts]
    level_rows += [{"name": lv, "value": lv, "colour": OTHER_COLOUR, "count": level_counts[lv]}
                   for lv in sorted(level_counts) if lv not in LEVEL_COLOURS]
    place_index = {p: i for i, p in enumerate(places)}
    nodes = []
    for n, attrs in g.nodes(data=True):
        place = str(attrs.get("jurisdiction") or "")
        lv = str(attrs.get("level") or "")
        label = str(attrs.get("label") or n)
        nodes.append({
            "id": ids[n], "label": label, "x": pos[n][0], "y": pos[n][1],
            "size": round(min(40.0, 6.0 + 3.0 * math.sqrt(g.degree(n, weight="weight"))), 1),
            "t": tiers[n],
            "cr": region_colour.get(place, OTHER_COLOUR), "cl": LEVEL_COLOURS.get(lv, OTHER_COLOUR),
            "j": place_index[place], "lv": lv,
            "docs": sorted(doc_index[str(d)] for d in attrs.get("docs", ())),
            "tooltip": str(attrs.get("title") or label), "degree": g.degree(n),
        })
    edges = []
    for i, (u, v, attrs) in enumerate(g.edges(data=True)):
        weight = _weight(attrs)
        edges.append({"id": f"e{i}", "from": ids[u], "to": ids[v], "width": edge_width(weight) * 0.6,
                      "weight": weight, "docs": sorted(doc_index[str(d)] for d in attrs.get("docs", ())),
                      "tooltip": str(attrs.get("title") or f"共同承担 {weight:g} 条责任记录")})
    big = g.number_of_edges() > 1500
    options = {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 42},
        "interaction": {"hover": not big, "tooltipDelay": 150, "hideEdgesOnDrag": big,
                        "hideEdgesOnZoom": big, "keyboard": False, "navigationButtons": False},
        "nodes": {"shape": "dot", "borderWidth": 1,
                  "font": {"face": FONT_STACK, "size": 14, "color": "#1f2328", "strokeWidth": 3,
                           "strokeColor": "#ffffff"},
                  "scaling": {"label": {"drawThreshold": _LABEL_MIN_PX, "maxVisible": _LABEL_MAX_PX}}},
        "edges": {"smooth": False, "color": {"color": "#9aa4ae", "opacity": 0.45, "highlight": "#111111",
                                             "hover": "#111111"},
                  "selectionWidth": 1.5, "hoverWidth": 0.5},
    }
    docs = []
    for d in doc_ids:
        meta = next((m for m in documents if str(m["id"]) == d), {})
        docs.append({"id": d, "title": str(meta.get("title") or d),
                     "jurisdiction": str(meta.get("jurisdiction") or ""), "level": str(meta.get("level") or "")})
    data = {"nodes": nodes, "edges": edges, "options": options, "places": places, "documents": docs,
            "regionRows": region_rows}
    env_template = _corpus_template()
    assets = _assets()
    return env_template.render(
        title=title, subtitle=subtitle, node_count=g.number_of_nodes(), edge_count=g.number_of_edges(),
        documents=docs, places=[{"name": p or "（未知）", "index": i, "level": level_of[p], "count": counts[p]}
                                for i, p in enumerate(places)],
        region_rows=region_rows, level_rows=level_rows, data_json=_json_for_script(data),
        vis_js=assets["vis_js"], vis_css=assets["vis_css"], page_css=assets["page_css"],
        corpus_js=_check_inlinable((_TEMPLATE_DIR / "corpus.js").read_text(encoding="utf-8"), "script", "corpus.js"),
    )


@functools.lru_cache(maxsize=1)
def _corpus_template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATE_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template("corpus.html.j2")


def write_corpus_page(g: nx.Graph, path: str | os.PathLike[str], **kw: Any) -> None:
    """Render the corpus page (:func:`render_corpus_page`) and write it atomically."""
    write_text_atomic(Path(path), render_corpus_page(g, **kw))
