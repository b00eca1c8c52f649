"""Render a networkx graph as one self-contained, offline, interactive HTML page.

Analysts open the page from disk, often on machines without internet access and
sometimes on networks where loading third-party scripts is forbidden. So the
page must not reference a single external URL: vis-network (as bundled with
pyvis) and all CSS are inlined, and we use our own template because pyvis's
templates link Bootstrap and vis from CDNs even in ``in_line`` mode.

Node and edge texts come from policy documents and are plain text that may
contain ``<``, ``&`` or quotes. They reach the page only as JSON inside a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped
(:func:`.page_assets.json_for_script`), and the page script shows them via
``textContent`` (never as HTML).

Positions are precomputed with a seeded networkx layout and physics is off
(:mod:`.network_layout`), so the picture never moves on its own and the same
graph always renders to the same bytes. This module says how the document
page looks: node and edge styles, the legend, the page itself; the corpus's
page of thousands of units is :mod:`.corpus_page`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from pyvis.network import Network

from policykg.kg.publish import write_text_atomic
from policykg.use.network_layout import (
    LABEL_MIN_PX,
    edge_weight,
    edge_width,
    label_tiers_by_room,
    node_ids,
    node_size,
    spring_positions,
)
from policykg.use.page_assets import FONT_STACK, json_for_script, network_assets, template

__all__ = [
    "DEFAULT_STYLE",
    "SIZE_MEASURES",
    "EDGE_STYLES",
    "KIND_STYLES",
    "EdgeStyle",
    "KindStyle",
    "render_page",
    "write_page",
]

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
    "heading": KindStyle("章节", "#86bcb6", "hexagon"),
    "task": KindStyle("重点工作", "#4e79a7", "dot"),
    "record": KindStyle("责任记录", "#76b7b2", "diamond"),
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
    "joint": EdgeStyle("共同负责", "#7f7f7f", (2, 3)),
    "leader": EdgeStyle("分管领导", "#c0504d"),
    "liaison": EdgeStyle("联络员", "#8e7cc3", (2, 4)),
    "shared": EdgeStyle("共同任务", "#2a9d8f"),
    "pillar": EdgeStyle("所属总体任务", "#7fc4bb"),
    "heading": EdgeStyle("所属章节", "#a9d5cf"),
    "carries": EdgeStyle("落实重点工作", "#c9a227", (4, 3)),
    "phase": EdgeStyle("实施阶段", "#c4a68f", (2, 6)),
    "topic": EdgeStyle("主题", "#f4c2c9", (2, 6)),
}
_DEFAULT_EDGE = EdgeStyle("关联", "#b0b0b0")

_NO_KIND = "other"

#: Centralities a page can size its nodes by (a node's ``centrality`` attribute: measure → value),
#: in the order the legend offers them, the first the default; and how the page names them.
SIZE_MEASURES: Mapping[str, str] = {"weighted_degree": "加权度", "betweenness": "中介中心性"}
#: How many of the most central nodes the page names at every zoom and lists in its side panel.
TOP_LISTED = 5
#: Radius of the smallest and the most central node when sizing by a centrality.
_MEASURE_PX = (8.0, 40.0)


# ---------------------------------------------------------------- graph → data


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
    ids = node_ids(g)
    weights = [edge_weight(attrs) for _, _, attrs in g.edges(data=True)]  # validate before layout
    labels = {n: str(a.get("label") or n) for n, a in g.nodes(data=True)}
    measures, sizes, leaders = _centrality_sizes(g)
    drawn = {n: max(sizes[n].values()) for n in g.nodes} if measures else None
    pos = spring_positions(g, labels, drawn)
    _, pillars = _pillar_membership(g)
    tiers = label_tiers_by_room(g, pos, labels, sizes=drawn, first=[n for m in measures for n in leaders[m]])
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
            size=sizes[n][measures[0]] if measures else node_size(g.degree(n)),
            x=pos[n][0],
            y=pos[n][1],
            kind=kind,
            tooltip=str(attrs.get("title") or label),
            pillars=pillars[n],
            groupName=str(attrs.get("group") or ""),
            degree=g.degree(n),
            wd=g.degree(n, weight="weight"),
            t=tiers[n],
            **({"sizes": sizes[n], "figures": {m: _figure(attrs["centrality"][m]) for m in measures}}
               if measures else {}),
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


def _centrality_sizes(g: nx.Graph) -> tuple[list[str], dict[Any, dict[str, float]], dict[str, list[Any]]]:
    """Sizing by centrality, where every node carries ``centrality`` with the measures of :data:`SIZE_MEASURES`.

    Returns the measures offered, each node's radius per measure — from 8 px to
    40 px for the most central, in proportion to the value, so the unit that
    leads the most stands out instead of being one of many nearly equal squares
    (sizes by degree were 31.5 / 30.8 / 30.0 on the seed) — and each measure's
    :data:`TOP_LISTED` leaders (ties by label). ``([], …)`` when nodes carry no
    centralities: the page then sizes by degree.
    """
    values = [attrs.get("centrality") for _, attrs in g.nodes(data=True)]
    measures = [m for m in SIZE_MEASURES if values and all(isinstance(v, Mapping) and m in v for v in values)]
    sizes: dict[Any, dict[str, float]] = {n: {} for n in g.nodes}
    leaders: dict[str, list[Any]] = {}
    low, high = _MEASURE_PX
    for m in measures:
        top = max(float(a["centrality"][m]) for _, a in g.nodes(data=True))
        for n, a in g.nodes(data=True):
            share = float(a["centrality"][m]) / top if top > 0 else 0.0
            sizes[n][m] = round(low + (high - low) * share, 2)
        ranked = sorted(g.nodes, key=lambda n: (-float(g.nodes[n]["centrality"][m]), str(g.nodes[n].get("label") or n)))
        leaders[m] = ranked[:TOP_LISTED]
    return measures, sizes, leaders


def _figure(value: Any) -> str:
    """A centrality as the page prints it: whole numbers plain, fractions to three places."""
    number = float(value)
    return f"{number:g}" if number.is_integer() else f"{number:.3f}"


def _leader_rows(g: nx.Graph) -> list[dict[str, Any]]:
    """The side panel's lists: per measure offered, its leaders with their figures."""
    measures, _, leaders = _centrality_sizes(g)
    ids = node_ids(g)
    return [{"measure": m, "name": SIZE_MEASURES[m], "default": i == 0,
             "rows": [{"id": ids[n], "label": str(g.nodes[n].get("label") or n),
                       "figure": _figure(g.nodes[n]["centrality"][m])} for n in leaders[m]]}
            for i, m in enumerate(measures)]


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
            "scaling": {"label": {"drawThreshold": LABEL_MIN_PX, "maxVisible": 18}},
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
    return template("page.html.j2").render(
        title=title,
        subtitle=subtitle,
        legend=_legend_rows(g, styles),
        colour_legend=_colour_rows(g),
        edge_legend=_edge_legend_rows(g),
        max_weight=f"{max((edge_weight(a) for _, _, a in g.edges(data=True)), default=0):g}",
        pillars=pillars,
        pillar_label=str(g.graph.get("pillar_label") or "总体任务"),
        leaders=_leader_rows(g),
        node_count=g.number_of_nodes(),
        edge_count=g.number_of_edges(),
        data_json=json_for_script(data, sort_keys=True),
        **network_assets(),
    )


def write_page(g: nx.Graph, path: str | os.PathLike[str], **kw: Any) -> None:
    """Render ``g`` and write it to ``path`` atomically.

    The page goes to a temporary file in the same directory first and is then
    renamed over ``path``, so a reader never sees a half-written page and a
    failed render leaves the previous page (and no temp file) behind.
    """
    write_text_atomic(Path(path), render_page(g, **kw))


