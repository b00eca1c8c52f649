"""Network analytics of who works with whom: centralities, communities, the report and the files.

A document's responsibility records (:mod:`policykg.use.networks`: its key tasks
where it has a task list, else its text records, table rows and narrative
measures) read as a bipartite graph — records on one side, units on the other —
answer questions a table hides: which units sit at the centre of the policy,
which act as brokers between otherwise separate groups, and which units form
working clusters that will have to coordinate. The unit projection links two
units by the number of records they share; its edge weights are exactly the
counts of the stored query ``shared_responsibilities`` (key tasks) or
``corpus_shared_responsibilities`` (records) on the document — tests check it
pair by pair — so the network and the query library never disagree.

On a corpus (a store holding several documents) the report is per document
(``policykg analyze --doc ID``: the graph narrowed to that document by
:func:`policykg.kg.documents.scoped`, so it equals the analysis of the document built
alone) or corpus-wide (:func:`corpus_report`): units linked by the
responsibility records they share in any document, each unit one node per
organisation of one jurisdiction — 市发改局 of 乐清 and of 济南 stay two nodes,
labelled ``市发改局（乐清市）`` and ``市发改局（济南市）`` where the name alone is
ambiguous. Nothing is merged by name.

Everything here is deterministic: nodes and edges are added in sorted order,
Louvain runs with a fixed seed, and shortest paths use exact fractions, so two
runs give byte-identical GraphML and GEXF files. The algorithms take a graph
and return plain values; only :func:`write_network_files` touches the disk.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import networkx as nx

from policykg.kg.publish import write_text_atomic
from policykg.use.answers import display_width, to_table
from policykg.use.networks import (
    BASIS_TASKS,
    _kind_nodes,
    corpus_unit_projection,
    record_unit_graph,
    responsibility_graph,
    task_node,
    task_unit_graph,
    unit_node,
    unit_projection,
)

__all__ = [
    "analysis_report",
    "corpus_report",
    "document_count",
    "record_unit_graph",
    "responsibility_graph",
    "centralities",
    "communities",
    "modularity",
    "strongest_pairs",
    "task_node",
    "task_unit_graph",
    "unit_node",
    "unit_projection",
    "write_network_files",
]

#: Louvain's seed: fixed so the same graph always splits into the same communities.
SEED = 42
#: Power iteration budget for eigenvector centrality; small graphs converge in far fewer.
EIGEN_MAX_ITER = 10_000
#: Decimal places kept for float attributes in the exported files, so their bytes
#: do not depend on the last bits of floating-point arithmetic.
FLOAT_DIGITS = 6


# ---------------------------------------------------------------- measures


def centralities(unit_graph: nx.Graph) -> dict[str, dict[str, float]]:
    """Per unit: ``degree``, ``weighted_degree``, ``betweenness`` and ``eigenvector``.

    * degree — how many other units it shares at least one task with;
    * weighted_degree — the sum of shared tasks over its partners (its coordination load);
    * betweenness — how often it lies on the shortest path between two other
      units, with ``1/weight`` as the distance so that units sharing many tasks
      are *close*. Distances are exact: with floats, 1/3+1/3+1/3 and 1 could
      fail to tie and the result would hinge on rounding. Whole weights (shared
      task counts) become the whole numbers ``L/weight``, ``L`` their least
      common multiple — the same shortest paths as ``1/weight``, at a fraction
      of the cost of :class:`~fractions.Fraction` arithmetic; other weights
      are exact fractions;
    * eigenvector — weighted eigenvector centrality: central units are those tied
      strongly to other central units. Computed per connected component (power
      iteration is only meaningful inside one) and scaled by the square root of
      the component's share of units: a component of two units cannot outrank
      the main one, and a connected graph gets exactly networkx's value.
      Isolated units share no task with anyone and get 0.
    """
    g = unit_graph
    distance = nx.Graph()
    distance.add_nodes_from(sorted(g.nodes))
    edges = sorted(g.edges(data="weight", default=1))
    if all(isinstance(w, int) and w > 0 for _, _, w in edges):
        common = math.lcm(*(w for _, _, w in edges)) if edges else 1
        distance.add_edges_from((a, b, {"distance": common // w}) for a, b, w in edges)
    else:
        distance.add_edges_from((a, b, {"distance": Fraction(1) / Fraction(w)}) for a, b, w in edges)
    betweenness = nx.betweenness_centrality(distance, weight="distance", normalized=True)
    eigen = _eigenvector(g)
    out: dict[str, dict[str, float]] = {}
    for n in sorted(g.nodes):
        out[n] = {
            "degree": g.degree(n),
            "weighted_degree": g.degree(n, weight="weight"),
            "betweenness": float(betweenness[n]),
            "eigenvector": float(eigen[n]),
        }
    return out


def _eigenvector(g: nx.Graph) -> dict[str, float]:
    """Weighted eigenvector centrality, component by component (see :func:`centralities`)."""
    total = g.number_of_nodes()
    out: dict[str, float] = {}
    for nodes in sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c)):
        if len(nodes) == 1:
            out[nodes[0]] = 0.0
            continue
        sub = nx.Graph()
        sub.add_nodes_from(nodes)
        # (smaller, larger) per edge: a subgraph view gives an edge from either end, in hash order
        sub.add_edges_from(sorted((min(a, b), max(a, b), d) for a, b, d in g.subgraph(nodes).edges(data=True)))
        values = nx.eigenvector_centrality(sub, weight="weight", max_iter=EIGEN_MAX_ITER, tol=1e-12)
        scale = (len(nodes) / total) ** 0.5
        out.update({n: values[n] * scale for n in nodes})
    return out


def communities(unit_graph: nx.Graph) -> list[set[str]]:
    """Louvain communities of the unit network (weighted, seed 42), largest first.

    Units that share many tasks end up together: these are the clusters that
    will have to coordinate. The seed and the sorted node order make the split
    reproducible; ties in size are ordered by their first member.
    """
    if unit_graph.number_of_nodes() == 0:
        return []
    g = nx.Graph()
    g.add_nodes_from(sorted(unit_graph.nodes))
    g.add_edges_from(sorted((a, b, {"weight": w}) for a, b, w in unit_graph.edges(data="weight", default=1)))
    found = nx.community.louvain_communities(g, weight="weight", seed=SEED)
    return sorted((set(c) for c in found), key=lambda c: (-len(c), min(c)))


def modularity(unit_graph: nx.Graph, parts: Iterable[set[str]]) -> float:
    """Weighted modularity of a partition: how much denser inside than chance (−0.5 … 1)."""
    parts = list(parts)
    if unit_graph.number_of_edges() == 0:
        return 0.0
    return float(nx.community.modularity(unit_graph, parts, weight="weight"))


def strongest_pairs(unit_graph: nx.Graph, top: int | None = None) -> list[tuple[str, str, int]]:
    """Unit pairs by shared tasks, most first, as ``(label_a, label_b, shared)``.

    Labels are ordered within a pair and pairs break ties by label, the way
    ``shared_responsibilities`` orders its rows.
    """
    label = {n: str(unit_graph.nodes[n].get("label", n)) for n in unit_graph.nodes}
    pairs = []
    for a, b, w in unit_graph.edges(data="weight", default=1):
        la, lb = sorted((label[a], label[b]))
        pairs.append((la, lb, w))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return pairs if top is None else pairs[:top]


# ---------------------------------------------------------------- report


#: Columns of the ranking tables: lead/co(/joint) — records (key tasks) the unit leads, co-operates on
#: or shares jointly; partners — units it shares a record with (degree); shared — sum of shared records
#: over its partners (weighted degree); betweenness and eigenvector — see :func:`centralities`.
COLUMNS = ["rank", "unit", "lead", "co", "partners", "shared", "betweenness", "eigenvector"]
RECORD_COLUMNS = ["rank", "unit", "lead", "co", "joint", "partners", "shared", "betweenness", "eigenvector"]


def document_count(rdf_graph: Any) -> int:
    """How many documents the graph (or scoped store) holds."""
    from policykg.kg.documents import ScopedStore, documents
    if isinstance(rdf_graph, ScopedStore):
        return 1
    return len(documents(rdf_graph))


def analysis_report(rdf_graph: Any, top: int = 10) -> str:
    """A plain-text report of the unit network for the terminal.

    A graph of one document (or a store scoped to one) gets the analysis of its
    responsibility network (:func:`policykg.use.networks.responsibility_graph`:
    key tasks where it has a task list, else its other records — so a document
    without a task list is never reported as 「重点工作 0 项」); a corpus of several
    documents gets :func:`corpus_report`, never a merge of the documents' lists.
    Tables use :func:`policykg.use.answers.to_table`, which aligns Chinese text by
    display width, so the report reads like the output of ``policykg query``.
    """
    if document_count(rdf_graph) > 1:
        return corpus_report(rdf_graph, top)
    bipartite = responsibility_graph(rdf_graph)
    units = unit_projection(bipartite)
    components = nx.number_connected_components(units) if units.number_of_nodes() else 0
    if bipartite.graph["basis"] == BASIS_TASKS:
        head = (f"重点工作 {len(_kind_nodes(bipartite, 'task'))} 项，责任单位 {units.number_of_nodes()} 个，"
                f"牵头/配合分工 {bipartite.number_of_edges()} 条；")
        columns, own, what = COLUMNS, ("n_lead", "n_co"), ("任务", "")
    else:
        head = (f"责任记录 {len(_kind_nodes(bipartite, 'record'))} 条（写明责任单位的正文与表格记录；无任务清单），"
                f"责任单位 {units.number_of_nodes()} 个，牵头/配合/共同负责分工 {bipartite.number_of_edges()} 条；")
        columns, own, what = RECORD_COLUMNS, ("n_lead", "n_co", "n_joint"), ("记录", " (shared records)")
    out = ["单位协作网络分析 / Unit co-responsibility network", "", head,
           f"单位之间共同承担关系 {units.number_of_edges()} 对，"
           f"网络密度 {nx.density(units):.3f}，连通分量 {components} 个。", ""]
    rankings = [(f"按共同{what[0]}总数（加权度）前 {top} 名 / top by weighted degree{what[1]}", "weighted_degree"),
                (f"按中介中心性前 {top} 名 / top by betweenness (distance = 1/shared)", "betweenness"),
                (f"按特征向量中心性前 {top} 名 / top by eigenvector centrality", "eigenvector")]
    return "\n".join(out + _sections(units, top, columns, lambda n: [units.nodes[n][k] for k in own], rankings))


def _sections(units: nx.Graph, top: int, columns: list[str], own, rankings: list[tuple[str, str]],
              communities_shown: int | None = None) -> list[str]:
    """The ranking tables, the Louvain communities and the strongest pairs of a unit network: the body
    of both reports. ``own(node)`` gives a unit's own columns between its name and ``partners``."""
    cent = centralities(units)
    parts = communities(units)
    label = {n: units.nodes[n]["label"] for n in units.nodes}
    out: list[str] = []
    for title, key in rankings:
        order = sorted(cent, key=lambda n: (-cent[n][key], label[n]))[:top]
        rows = [[i, label[n], *own(n), cent[n]["degree"], _num(cent[n]["weighted_degree"]),
                 f"{cent[n]['betweenness']:.3f}", f"{cent[n]['eigenvector']:.3f}"] for i, n in enumerate(order, 1)]
        out += [title, to_table(columns, rows)]
    out.append(f"Louvain 社区（seed {SEED}）/ communities — 模块度 modularity Q = {modularity(units, parts):.3f}")
    rows = []
    for i, part in enumerate(parts[:communities_shown], 1):
        members = sorted(part, key=lambda n: (-cent[n]["weighted_degree"], label[n]))
        rows.append([i, len(part), "、".join(label[n] for n in members)])
    out.append(_wrap_table(["community", "size", "members (by weighted degree)"], rows))
    out.append(f"共同承担最多的单位对前 {top} 名 / strongest pairs")
    out.append(to_table(["unit_a", "unit_b", "shared"], [list(p) for p in strongest_pairs(units, top)]))
    return out


def _num(value: float) -> int | float:
    """An integer-valued weight printed without a decimal point."""
    return int(value) if float(value).is_integer() else round(float(value), 3)


def _wrap_table(columns: list[str], rows: list[list[Any]], width: int = 72) -> str:
    """:func:`to_table` with the last column wrapped instead of clipped (member lists are long)."""
    wrapped: list[list[Any]] = []
    for row in rows:
        lines = _wrap(str(row[-1]), width)
        wrapped.append(row[:-1] + [lines[0]])
        wrapped.extend([[""] * (len(row) - 1) + [line] for line in lines[1:]])
    return to_table(columns, wrapped, max_width=width + 1)


def _wrap(text: str, width: int) -> list[str]:
    """Break a 、-separated list into lines of at most ``width`` display columns."""
    lines, line = [], ""
    for item in re.split(r"(?<=、)", text):
        if line and display_width(line + item) > width:
            lines.append(line)
            line = ""
        line += item
    return lines + [line] if line or not lines else lines


# ---------------------------------------------------------------- files


def write_network_files(rdf_graph: Any, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the bipartite graph and the unit network as GraphML and GEXF (for Gephi).

    Files: ``task_units.graphml``, ``task_units.gexf`` (the document's records —
    key tasks, or its other records where it has no task list — and their
    units: :func:`policykg.use.networks.responsibility_graph`),
    ``unit_network.graphml``, ``unit_network.gexf``. The unit network's nodes carry their centralities
    and Louvain community, so Gephi can size and colour by them at once.
    Attribute values are made GraphML-safe (tuples joined with commas, no
    None), GEXF's ``lastmodifieddate`` (today's date) is dropped, and each file
    is written atomically, so a rebuild of an unchanged graph changes no byte.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bipartite = responsibility_graph(rdf_graph)
    units = unit_projection(bipartite)
    cent = centralities(units)
    for i, part in enumerate(communities(units), 1):
        for n in part:
            units.nodes[n]["community"] = i
    for n, values in cent.items():
        units.nodes[n].update(values)
    written = []
    for stem, g in (("task_units", bipartite), ("unit_network", units)):
        safe = _export_safe(g)
        for suffix, text in (("graphml", _graphml(safe)), ("gexf", _gexf(safe))):
            path = out / f"{stem}.{suffix}"
            write_text_atomic(path, text)
            written.append(path)
    return written


def _export_safe(g: nx.Graph) -> nx.Graph:
    """A copy whose attribute values GraphML and GEXF accept: str, int, float, bool only."""
    safe = nx.Graph(name=g.graph.get("name", ""))
    for n, attrs in g.nodes(data=True):
        safe.add_node(n, **{k: _safe_value(v) for k, v in sorted(attrs.items()) if v is not None})
    for a, b, attrs in g.edges(data=True):
        safe.add_edge(a, b, **{k: _safe_value(v) for k, v in sorted(attrs.items()) if v is not None})
    return safe


def _safe_value(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Fraction):
        return round(float(value), FLOAT_DIGITS)
    if isinstance(value, Mapping):
        return ",".join(f"{k}={v}" for k, v in sorted(value.items()))
    if isinstance(value, Iterable):
        return ",".join(str(v) for v in value)
    return str(value)


def _graphml(g: nx.Graph) -> str:
    """GraphML as UTF-8 text (networkx's string generator would escape every Chinese character)."""
    buffer = io.BytesIO()
    nx.write_graphml_xml(g, buffer, encoding="utf-8", prettyprint=True)   # the stdlib writer: the same bytes whether or not lxml is installed
    return buffer.getvalue().decode("utf-8")


_GEXF_DATE = re.compile(r'\s+lastmodifieddate="[^"]*"')


def _gexf(g: nx.Graph) -> str:
    """GEXF as UTF-8 text, without the writer's date stamp (it would change the bytes daily)."""
    buffer = io.BytesIO()
    nx.write_gexf(g, buffer, encoding="utf-8", prettyprint=True)
    return _GEXF_DATE.sub("", buffer.getvalue().decode("utf-8"), count=1)




# ---------------------------------------------------------------- the corpus


CORPUS_COLUMNS = ["rank", "unit", "jurisdiction", "docs", "lead", "co", "joint", "partners", "shared",
                  "betweenness", "eigenvector"]


def corpus_report(rdf_graph: Any, top: int = 10) -> str:
    """The corpus-wide unit network: units (per jurisdiction) linked by the responsibility records they share."""
    bipartite = record_unit_graph(rdf_graph)
    units = corpus_unit_projection(bipartite)
    docs = sorted({d for _, d in bipartite.nodes(data="doc") if d})
    places = sorted({j for _, j in units.nodes(data="jurisdiction") if j})
    components = nx.number_connected_components(units) if units.number_of_nodes() else 0
    out = [
        "语料单位协作网络分析 / Corpus unit co-responsibility network",
        "",
        f"文件 {len(docs)} 份，责任记录 {len(_kind_nodes(bipartite, 'record'))} 条，"
        f"责任单位 {units.number_of_nodes()} 个（分属 {len(places)} 个行政区域，不同区域的同名单位分开计算），"
        f"分工 {bipartite.number_of_edges()} 条；",
        f"单位之间共同承担关系 {units.number_of_edges()} 对，网络密度 {nx.density(units):.3f}，"
        f"连通分量 {components} 个。每份文件的分析：policykg analyze --doc ID。",
        "",
    ]
    rankings = [(f"按共同记录总数（加权度）前 {top} 名 / top by weighted degree (shared records)", "weighted_degree"),
                (f"按中介中心性前 {top} 名 / top by betweenness (distance = 1/shared)", "betweenness")]
    nodes = units.nodes
    own = lambda n: [nodes[n]["jurisdiction"], nodes[n]["n_docs"], nodes[n]["n_lead"], nodes[n]["n_co"],  # noqa: E731
                     nodes[n]["n_joint"]]
    return "\n".join(out + _sections(units, top, CORPUS_COLUMNS, own, rankings, communities_shown=top))
