"""The corpus unit network as one offline page, built for thousands of nodes.

Where the document page (:mod:`.visualize`) draws a few hundred nodes with vis's
own styling, this page draws every unit of the corpus: positions are packed per
component (:func:`.network_layout.packed_layout`), labels appear by weighted
degree as one zooms (:func:`.network_layout.label_tiers_by_room`), edges hide
while dragging on large graphs, and the page filters by document, jurisdiction
and level. Document text travels as escaped JSON (:mod:`.page_assets`).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx

from policykg.ingest.normalize import NATIONAL, known_jurisdictions
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

__all__ = ["CORPUS_PAGE_FILES", "LEVEL_COLOURS", "LEVEL_SHAPES", "NATIONAL_COLOUR", "OTHER_COLOUR", "REGION_COLOURS", "UNKNOWN_LEVEL",
           "corpus_unit_network", "region_colour", "render_corpus_page", "write_corpus_page",
           "write_corpus_pages"]

#: Every file :func:`write_corpus_pages` writes into a corpus folder.
CORPUS_PAGE_FILES = ("units.html",)

#: Colours of jurisdictions: Kelly's colours of maximum contrast (less white, black and grey), in his order,
#: in which each colour differs most from the one before — neighbouring rows of the lexicon (the cities of
#: one province) get colours far apart. A jurisdiction's colour is a function of its name (:func:`region_colour`).
REGION_COLOURS = ("#f3c300", "#875692", "#f38400", "#a1caf1", "#be0032", "#c2b280", "#008856", "#e68fac",
                  "#0067a5", "#f99379", "#604e97", "#f6a600", "#b3446c", "#dcd300", "#882d17", "#8db600",
                  "#654522", "#e25822", "#2b3d26")
#: The colour of the whole country (全国), kin of every jurisdiction, so it is none of theirs: Kelly's black.
NATIONAL_COLOUR = "#222222"
#: The colour of units of no known jurisdiction (and of a level not in :data:`LEVEL_COLOURS`).
OTHER_COLOUR = "#a0a0a0"
#: How many units, by weighted degree, are named at every zoom: of the whole network (placed first,
#: :func:`.network_layout.label_tiers_by_room`), and of what a filter leaves (corpus.js).
TOP_LABELLED = 5
#: The level filter's value for units of no known level (「（未知）」): not "", which means every level.
UNKNOWN_LEVEL = "?"
#: Colours of administrative levels, top to bottom.
LEVEL_COLOURS = {"国家": "#c0392b", "省": "#e69f00", "市": "#0072b2", "县": "#009e73", "": "#a0a0a0"}
#: Shapes of administrative levels (vis shapes), in either colouring: with more jurisdictions than
#: colours two may share a colour, and a province and a city (or county) that do still differ in shape.
LEVEL_SHAPES = {"国家": "diamond", "省": "dot", "市": "square", "县": "triangle"}


def render_corpus_page(g: nx.Graph, *, title: str, subtitle: str = "",
                       documents: list[Mapping[str, Any]] = ()) -> str:
    """The corpus unit network as one offline page.

    Nodes carry ``label``, ``jurisdiction``, ``level``, ``docs`` (document ids)
    and ``title`` (hover text); edges ``weight``, ``docs`` and ``title``.
    Positions are precomputed (:func:`packed_layout`), physics is off, labels
    show by weighted degree as one zooms in, edges hide while dragging and
    zooming, and the page filters by document, jurisdiction and level (each
    filter centres what stays and fits it to the view). Colour by jurisdiction
    (:func:`region_colour`, fixed by the name) or by level, with a legend row
    for every jurisdiction and level. The page places labels on screen so that
    none covers a larger node, and always names the :data:`TOP_LABELLED`
    busiest units of what is shown. Pure: same graph, same bytes.
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
            "places": places, "documents": docs, "regionRows": region_rows, "topLabelled": TOP_LABELLED,
            "unknownLevel": UNKNOWN_LEVEL}
    assets = network_assets()
    return template("corpus.html.j2").render(
        title=title, subtitle=subtitle, node_count=g.number_of_nodes(), edge_count=g.number_of_edges(),
        documents=docs, places=[{"name": p or "（未知）", "index": i, "level": level_of[p], "count": counts[p]}
                                for i, p in enumerate(places)],
        region_rows=region_rows, level_rows=_level_rows(g), data_json=json_for_script(data, sort_keys=True),
        vis_js=assets["vis_js"], vis_css=assets["vis_css"], page_css=assets["page_css"], common_js=assets["common_js"],
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


@lru_cache(maxsize=1)
def _lexicon_slots() -> dict[str, int]:
    """A palette slot for every jurisdiction of ``lexicon/jurisdictions.tsv``, fixed by the lexicon alone.

    Rows are taken in the lexicon's order; each gets the least used slot (lowest first) that no kin
    already holds — its parent, children, siblings, grandparent and grandchildren — so a province and
    its cities, or two cities of one province, never share a colour. A row's slot depends only on the
    rows above it: rows appended to the lexicon change no colour, and no corpus changes any."""
    known = known_jurisdictions()
    parent = {n: j.parent for n, j in known.items()}
    children: dict[str, set[str]] = defaultdict(set)
    for n, up in parent.items():
        if up:
            children[up].add(n)

    def kin(n: str) -> set[str]:
        up = parent.get(n)
        near = set(children[n]) | {c for k in children[n] for c in children[k]}
        if up:
            near |= {up} | children[up]
            near |= {parent[up]} if parent.get(up) else set()
        return near - {n}

    slots: dict[str, int] = {}
    used = [0] * len(REGION_COLOURS)
    for n in known:
        if n == NATIONAL:
            continue
        held = {slots[k] for k in kin(n) if k in slots}
        free = [i for i in range(len(REGION_COLOURS)) if i not in held] or list(range(len(REGION_COLOURS)))
        slot = min(free, key=lambda i: (used[i], i))
        slots[n] = slot
        used[slot] += 1
    return slots


def region_colour(name: str) -> str:
    """A jurisdiction's colour, a function of its name alone: its slot in the lexicon
    (:func:`_lexicon_slots`), :data:`NATIONAL_COLOUR` for 全国, for a name not in the lexicon a hash
    of the name into the palette, grey for none. Never its rank in a corpus: with colours by rank
    (most units first) 济南 turned from orange to brown when a document was added. With more
    jurisdictions than colours, two of different provinces may share one (the legend names both)."""
    if not name:
        return OTHER_COLOUR
    if name == NATIONAL:
        return NATIONAL_COLOUR
    slot = _lexicon_slots().get(name)
    if slot is None:
        slot = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) % len(REGION_COLOURS)
    return REGION_COLOURS[slot]


def _regions(g: nx.Graph):
    """Jurisdictions by number of units (the filter's and the legend's order), their colours
    (:func:`region_colour`, not by that order) and the legend rows, one per jurisdiction."""
    counts: dict[str, int] = {}
    level_of: dict[str, str] = {}
    for _, attrs in g.nodes(data=True):
        place = str(attrs.get("jurisdiction") or "")
        counts[place] = counts.get(place, 0) + 1
        level_of.setdefault(place, str(attrs.get("level") or ""))
    places = sorted(counts, key=lambda p: (-counts[p], p))
    colours = {p: region_colour(p) for p in places}
    region_rows = [{"name": p or "（未知）", "colour": colours[p], "count": counts[p],
                    "shape": LEVEL_SHAPES.get(level_of[p], "dot")} for p in places]
    return places, counts, level_of, colours, region_rows


def _level_rows(g: nx.Graph) -> list[dict[str, Any]]:
    """Legend rows of the administrative levels in use, top to bottom, then any other."""
    level_counts: dict[str, int] = {}
    for _, attrs in g.nodes(data=True):
        lv = str(attrs.get("level") or "")
        level_counts[lv] = level_counts.get(lv, 0) + 1
    rows = [{"name": lv or "（未知）", "value": lv or UNKNOWN_LEVEL, "colour": LEVEL_COLOURS.get(lv, OTHER_COLOUR),
             "count": level_counts[lv], "shape": LEVEL_SHAPES.get(lv, "dot")} for lv in LEVEL_COLOURS if lv in level_counts]
    return rows + [{"name": lv, "value": lv, "colour": OTHER_COLOUR, "count": level_counts[lv], "shape": "dot"}
                   for lv in sorted(level_counts) if lv not in LEVEL_COLOURS]


def _nodes(g: nx.Graph, ids, doc_index, places, region_colour) -> list[dict[str, Any]]:
    sizes = {n: min(40.0, 6.0 + 3.0 * math.sqrt(g.degree(n, weight="weight"))) for n in g.nodes}
    pos = packed_layout(g, sizes=sizes)
    labels = {n: str(a.get("label") or n) for n, a in g.nodes(data=True)}
    busiest = sorted(g.nodes, key=lambda n: (-g.degree(n, weight="weight"), -g.degree(n), str(n)))[:TOP_LABELLED]
    tiers = label_tiers_by_room(g, pos, labels, sizes=sizes, max_px=LABEL_MAX_PX, first=busiest)
    place_index = {p: i for i, p in enumerate(places)}
    nodes = []
    for n, attrs in g.nodes(data=True):
        place = str(attrs.get("jurisdiction") or "")
        lv = str(attrs.get("level") or "")
        label = str(attrs.get("label") or n)
        nodes.append({
            "id": ids[n], "label": label, "x": pos[n][0], "y": pos[n][1],
            "size": round(sizes[n], 1), "wd": g.degree(n, weight="weight"),
            "t": tiers[n],
            "cr": region_colour.get(place, OTHER_COLOUR), "cl": LEVEL_COLOURS.get(lv, OTHER_COLOUR),
            "j": place_index[place], "lv": lv, "sh": LEVEL_SHAPES.get(lv, "dot"),
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


# ---------------------------------------------------------------- the corpus network


#: The corpus page's own queries (data beside the page templates, not in the library of ``queries/``).
_CORPUS_QUERIES = Path(__file__).with_name("templates") / "queries"
_ROLE_ZH = {"LeadRole": "牵头", "CoRole": "配合", "JointRole": "共同负责"}


def corpus_unit_network(store: Any, entries: list[dict[str, Any]]) -> nx.Graph:
    """The co-responsibility network of a corpus: units of every jurisdiction.

    Nodes are units (IRIs, scoped by jurisdiction), labelled ``name（jurisdiction）``,
    with ``jurisdiction``, ``level``, ``docs`` (ids of the documents naming them),
    ``records`` and a hover text. Two units are linked when they are assigned
    to the same responsibility record; ``weight`` is the number of such records
    (in any role), ``docs`` the documents those records belong to. Only units
    assigned to some record are nodes. Documents are told apart by their named
    graph, so nothing is merged across documents but the units themselves.
    """
    from policykg.kg.store import execute, plain
    doc_id = {e["iri"]: e["id"] for e in entries if e.get("status") == "built" and e.get("iri")}

    def rows(text: str) -> list[dict[str, Any]]:
        _, columns, found = execute(store, text)
        return [{c: (plain(v) if v is not None else None) for c, v in zip(columns, row)} for row in found]

    units = {r["unit"]: r for r in rows((_CORPUS_QUERIES / "corpus_units.rq").read_text(encoding="utf-8"))}
    members: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in rows((_CORPUS_QUERIES / "corpus_unit_assignments.rq").read_text(encoding="utf-8")):
        role = str(r["role"] or "").rsplit("#", 1)[-1]
        members[(r["doc"], r["record"])][r["unit"]].add(role)
    g = nx.Graph(name="corpus_unit_network")
    stats: dict[str, dict[str, Any]] = defaultdict(lambda: {"docs": set(), "records": 0, "roles": defaultdict(int)})
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for (doc, _record), assigned in sorted(members.items()):
        did = doc_id.get(doc, doc.rsplit("/", 1)[-1])
        for unit, roles in assigned.items():
            stats[unit]["docs"].add(did)
            stats[unit]["records"] += 1
            for role in roles:
                stats[unit]["roles"][role] += 1
        names = sorted(assigned)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                pair = pairs.setdefault((a, b), {"weight": 0, "docs": defaultdict(int)})
                pair["weight"] += 1
                pair["docs"][did] += 1
    order = {e["id"]: i for i, e in enumerate(entries)}

    def label(unit: str) -> str:
        info = units.get(unit, {})
        name = str(info.get("name") or unit.rsplit("/", 1)[-1])
        return f"{name}（{info['place']}）" if info.get("place") else name

    for unit in sorted(stats):
        info, st = units.get(unit, {}), stats[unit]
        docs = sorted(st["docs"], key=lambda d: (order.get(d, len(order)), d))
        lines = [label(unit)]
        if info.get("full") and info["full"] != info.get("name"):
            lines.append(f"全称：{info['full']}")
        lines.append(f"区域：{info.get('place') or '—'}（{info.get('level') or '—'}）")
        roles = "，".join(f"{_ROLE_ZH.get(r, r or '未注明')} {n}" for r, n in sorted(st["roles"].items()))
        lines.append(f"责任记录 {st['records']} 条（{roles}）")
        lines.append(f"文件 {len(docs)} 个：")
        lines += [f"  {d}" for d in docs]
        g.add_node(unit, label=label(unit), kind="unit", jurisdiction=str(info.get("place") or ""),
                   level=str(info.get("level") or ""), docs=docs, records=st["records"], title="\n".join(lines))
    for (a, b), pair in sorted(pairs.items()):
        docs = sorted(pair["docs"], key=lambda d: (order.get(d, len(order)), d))
        la, lb = sorted((g.nodes[a]["label"], g.nodes[b]["label"]))
        title = "\n".join([f"{la} — {lb}：同在 {pair['weight']} 条责任记录"]
                          + [f"  {d}：{pair['docs'][d]} 条" for d in docs])
        g.add_edge(a, b, weight=pair["weight"], kind="shared", docs=docs, title=title)
    return g


def write_corpus_pages(stage: Path, entries: list[dict[str, Any]]) -> list[str]:
    """Write the corpus pages into the staged corpus folder ``stage`` (it holds ``store/``).

    Today one page, ``units.html``: the unit network across documents and
    jurisdictions (:func:`corpus_unit_network`, drawn by
    :func:`policykg.use.corpus_page.write_corpus_page`). Returns the names written.
    """
    import pyoxigraph as ox

    stage = Path(stage)
    store = ox.Store.read_only(str(stage / "store"))
    try:
        g = corpus_unit_network(store, entries)
    finally:
        del store
    built = [e for e in entries if e.get("status") == "built"]
    places = sorted({str(e.get("jurisdiction")) for e in built if e.get("jurisdiction")})
    write_corpus_page(
        g, stage / "units.html", title="语料库 · 单位协作网络",
        subtitle=f"{len(built)} 个文件、{len(places)} 个区域的责任单位；连线 = 同在一条责任记录（粗细 = 条数）",
        documents=[{"id": e["id"], "title": e.get("title") or e["id"], "jurisdiction": e.get("jurisdiction") or "",
                    "level": e.get("level") or ""} for e in built])
    return list(CORPUS_PAGE_FILES)
