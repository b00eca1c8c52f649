"""The corpus unit network as one offline page, built for thousands of nodes.

Where the document page (:mod:`.visualize`) draws a few hundred nodes with vis's
own styling, this page draws every unit of the corpus: positions are packed per
component (:func:`.network_layout.packed_layout`), labels appear by weighted
degree as one zooms (:func:`.network_layout.label_tiers_by_room`), edges hide
while dragging on large graphs, and the page filters by document, jurisdiction
and level. Document text travels as escaped JSON (:mod:`.page_assets`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from policykg.kg.publish import write_text_atomic
from policykg.use.network_layout import (
    LABEL_MAX_PX,
    LABEL_MIN_PX,
    edge_weight,
    edge_width,
    label_tiers_by_room,
    node_ids,
    packed_layout,
)
from policykg.use.page_assets import FONT_STACK, asset, check_inlinable, json_for_script, network_assets, template

__all__ = ["LEVEL_COLOURS", "OTHER_COLOUR", "REGION_COLOURS", "render_corpus_page", "write_corpus_page"]

#: Colours of jurisdictions on the corpus page, most units first (Okabe–Ito and Tableau, distinct enough).
REGION_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d31", "#6b6ecf",
                  "#b5cf6b", "#e7969c")
#: The colour of the jurisdictions beyond the palette (listed in the legend as one row).
OTHER_COLOUR = "#a0a0a0"
#: Colours of administrative levels, top to bottom.
LEVEL_COLOURS = {"国家": "#c0392b", "省": "#e69f00", "市": "#0072b2", "县": "#009e73", "": "#a0a0a0"}


def render_corpus_page(g: nx.Graph, *, title: str, subtitle: str = "",
                       documents: list[Mapping[str, Any]] = ()) -> str:
    """The corpus unit network as one offline page.

    Nodes carry ``label``, ``jurisdiction``, ``level``, ``docs`` (document ids)
    and ``title`` (hover text); edges ``weight``, ``docs`` and ``title``.
    Positions are precomputed (:func:`packed_layout`), physics is off, labels
    show by weighted degree as one zooms in, edges hide while dragging and
    zooming, and the page filters by document, jurisdiction and level (each
    filter zooms to fit what stays). Colour by jurisdiction or by level, with a
    legend row for every colour in use. Pure: same graph, same bytes.
    """
    if g.is_multigraph() or g.is_directed():
        raise TypeError("render_corpus_page takes a simple undirected Graph")
    node_ids(g)
    for _, _, attrs in g.edges(data=True):
        edge_weight(attrs)
    doc_ids, doc_index = _document_index(g, documents)
    places, counts, level_of, region_colour, region_rows = _regions(g)
    docs = []
    for d in doc_ids:
        meta = next((m for m in documents if str(m["id"]) == d), {})
        docs.append({"id": d, "title": str(meta.get("title") or d),
                     "jurisdiction": str(meta.get("jurisdiction") or ""), "level": str(meta.get("level") or "")})
    ids = {n: f"n{i}" for i, n in enumerate(g.nodes)}  # short, and no IRI (a URL) in the page
    data = {"nodes": _nodes(g, ids, doc_index, places, region_colour),
            "edges": _edges(g, ids, doc_index), "options": _options(g.number_of_edges() > 1500),
            "places": places, "documents": docs, "regionRows": region_rows}
    assets = network_assets()
    return template("corpus.html.j2").render(
        title=title, subtitle=subtitle, node_count=g.number_of_nodes(), edge_count=g.number_of_edges(),
        documents=docs, places=[{"name": p or "（未知）", "index": i, "level": level_of[p], "count": counts[p]}
                                for i, p in enumerate(places)],
        region_rows=region_rows, level_rows=_level_rows(g), data_json=json_for_script(data, sort_keys=True),
        vis_js=assets["vis_js"], vis_css=assets["vis_css"], page_css=assets["page_css"],
        corpus_js=check_inlinable(asset("corpus.js"), "script", "corpus.js"),
    )


def write_corpus_page(g: nx.Graph, path: str | os.PathLike[str], **kw: Any) -> None:
    """Render the corpus page (:func:`render_corpus_page`) and write it atomically."""
    write_text_atomic(Path(path), render_corpus_page(g, **kw))


def _document_index(g: nx.Graph, documents) -> tuple[list[str], dict[str, int]]:
    """The documents listed (the manifest's first, then any other a node names) and their indices."""
    doc_ids = [str(d["id"]) for d in documents]
    doc_index = {d: i for i, d in enumerate(doc_ids)}
    for _, attrs in g.nodes(data=True):
        for d in attrs.get("docs", ()):
            if str(d) not in doc_index:
                doc_index[str(d)] = len(doc_ids)
                doc_ids.append(str(d))
    return doc_ids, doc_index


def _regions(g: nx.Graph):
    """Jurisdictions by number of units, their colours, and the legend rows (the palette's
    last colour standing for every jurisdiction beyond it)."""
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
    return places, counts, level_of, region_colour, region_rows


def _level_rows(g: nx.Graph) -> list[dict[str, Any]]:
    """Legend rows of the administrative levels in use, top to bottom, then any other."""
    level_counts: dict[str, int] = {}
    for _, attrs in g.nodes(data=True):
        lv = str(attrs.get("level") or "")
        level_counts[lv] = level_counts.get(lv, 0) + 1
    rows = [{"name": lv or "（未知）", "value": lv, "colour": LEVEL_COLOURS.get(lv, OTHER_COLOUR),
             "count": level_counts[lv]} for lv in LEVEL_COLOURS if lv in level_counts]
    return rows + [{"name": lv, "value": lv, "colour": OTHER_COLOUR, "count": level_counts[lv]}
                   for lv in sorted(level_counts) if lv not in LEVEL_COLOURS]


def _nodes(g: nx.Graph, ids, doc_index, places, region_colour) -> list[dict[str, Any]]:
    pos = packed_layout(g)
    labels = {n: str(a.get("label") or n) for n, a in g.nodes(data=True)}
    sizes = {n: min(40.0, 6.0 + 3.0 * math.sqrt(g.degree(n, weight="weight"))) for n in g.nodes}
    tiers = label_tiers_by_room(g, pos, labels, sizes=sizes, max_px=LABEL_MAX_PX)
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
    return nodes


def _edges(g: nx.Graph, ids, doc_index) -> list[dict[str, Any]]:
    edges = []
    for i, (u, v, attrs) in enumerate(g.edges(data=True)):
        weight = edge_weight(attrs)
        edges.append({"id": f"e{i}", "from": ids[u], "to": ids[v], "width": edge_width(weight) * 0.6,
                      "weight": weight, "docs": sorted(doc_index[str(d)] for d in attrs.get("docs", ())),
                      "tooltip": str(attrs.get("title") or f"共同承担 {weight:g} 条责任记录")})
    return edges


def _options(big: bool) -> dict[str, Any]:
    """vis options: no physics; on a big graph no hover and no edges while moving."""
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 42},
        "interaction": {"hover": not big, "tooltipDelay": 150, "hideEdgesOnDrag": big,
                        "hideEdgesOnZoom": big, "keyboard": False, "navigationButtons": False},
        "nodes": {"shape": "dot", "borderWidth": 1,
                  "font": {"face": FONT_STACK, "size": 14, "color": "#1f2328", "strokeWidth": 3,
                           "strokeColor": "#ffffff"},
                  "scaling": {"label": {"drawThreshold": LABEL_MIN_PX, "maxVisible": LABEL_MAX_PX}}},
        "edges": {"smooth": False, "color": {"color": "#9aa4ae", "opacity": 0.45, "highlight": "#111111",
                                             "hover": "#111111"},
                  "selectionWidth": 1.5, "hoverWidth": 0.5},
    }
