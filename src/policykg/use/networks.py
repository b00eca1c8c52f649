"""The networks of who works with whom, built from the responsibility records of the graph.

A document assigns work in *responsibility records*: the rows of a task list
(key tasks), the measures of its body closed by a responsibility note, the rows
of its tables, its narrative measures. Read as a bipartite graph — records on
one side, units on the other, an edge per assignment — and projected on the
units, it says which units work together and how often. Every use of that
network (``policykg analyze``, the analysis graph, the pages, GraphML/GEXF, the
notebooks) takes it from :func:`responsibility_graph`, so they all agree:

* a document with a task list is read from its **key tasks** — the task list is
  its responsibility matrix, and its narrative measures restate the same duties
  in the body (counted again they would double the pairs they repeat);
* any other document from **all its responsibility records** (text records,
  table rows, narrative measures).

Across a corpus, :func:`record_unit_graph` links units of every document by the
records they share, one node per organisation of one jurisdiction. Nodes and
edges are added in sorted order, so every graph here is deterministic. The
measures and reports built on these graphs are in :mod:`policykg.use.analyze`.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import networkx as nx

from policykg.kg.query import find_query, run_query

__all__ = [
    "BASIS_RECORDS", "BASIS_TASKS", "corpus_unit_projection", "record_node", "record_unit_graph",
    "responsibility_graph", "document_record_graph", "task_node", "task_unit_graph", "unit_node", "unit_projection",
]

#: What a document's network is built from (``graph.graph["basis"]``, and ``pkg:basis`` in the analysis graph).
BASIS_TASKS = "key tasks"
BASIS_RECORDS = "responsibility records"


def task_node(number: int) -> str:
    """Node id of key task ``number`` (``task:7``): readable in Gephi and stable across builds."""
    return f"task:{number}"


def unit_node(label: str) -> str:
    """Node id of a unit (``unit:市发改局``): the label as the document writes it."""
    return f"unit:{label}"


def _rows(rdf_graph: Any, name: str) -> list[dict[str, Any]]:
    """Rows of a stored query (or of a query file's path) as dicts, so callers name columns instead of
    counting them."""
    columns, rows = run_query(rdf_graph, find_query(name))
    return [dict(zip(columns, row)) for row in rows]


# ---------------------------------------------------------------- graphs


def task_unit_graph(rdf_graph: Any) -> nx.Graph:
    """The bipartite task–unit graph of the task list.

    Task nodes (``task:1`` …) carry ``label`` (the title), ``kind="task"``,
    ``number``, ``pillar``, ``pillar_number`` and ``phase``; unit nodes
    (``unit:<label>``) carry ``label``, ``kind="unit"``, ``unit_type`` and
    ``full_name``. Both carry networkx's ``bipartite`` flag (0 tasks, 1
    units). Each edge has ``role`` ("lead" or "co"), the same value as
    ``kind``, and ``weight`` 1. Only lead and co-units count, as in
    ``shared_responsibilities``: the table marks every unit as one or the other.
    """
    rows = _rows(rdf_graph, "net_task_units")
    rows.sort(key=lambda r: (r["no"], _position(r["position"]), r["unit"], r["role"]))
    g = nx.Graph(name="task_units")
    tasks = {r["no"]: r for r in rows}
    for no in sorted(tasks):
        r = tasks[no]
        g.add_node(task_node(no), label=r["title"], kind="task", bipartite=0, number=int(no),
                   pillar=r["pillar"], pillar_number=int(r["pillar_no"]), phase=r["phase"])
    units = {r["unit"]: r for r in rows}
    for label in sorted(units):
        r = units[label]
        g.add_node(unit_node(label), label=label, kind="unit", bipartite=1,
                   unit_type=r["unit_type"] or "", full_name=r["full_name"] or "")
    leads = {(r["no"], r["unit"]) for r in rows if r["role"] == "lead"}
    for r in rows:
        t, u = task_node(r["no"]), unit_node(r["unit"])
        if g.has_edge(t, u):  # a unit listed twice in one cell keeps its first place
            continue
        role = "lead" if (r["no"], r["unit"]) in leads else r["role"]  # and leads if marked so once
        g.add_edge(t, u, role=role, kind=role, weight=1)
    return g


def _position(value: Any) -> float:
    """Sort key of a written position; a unit without one goes last."""
    return float(value) if isinstance(value, (int, float)) else float("inf")


def record_node(place: str) -> str:
    """Node id of a record other than a key task, from its place in the document:
    ``record/12`` → ``record:12``, ``narrative/1-2`` → ``narrative:1-2`` (a key task stays ``task:7``)."""
    return place.replace("/", ":", 1)


def _kind_nodes(g: nx.Graph, kind: str) -> list[str]:
    return sorted(n for n, k in g.nodes(data="kind") if k == kind)


def unit_projection(bipartite: nx.Graph) -> nx.Graph:
    """Units linked by the records they share (``weight`` = how many), from :func:`responsibility_graph`.

    Of a task list: the key tasks two units share. Counting shared tasks, not
    summing per-task weights, keeps the weights equal to the stored query
    ``shared_responsibilities``; each edge lists the shared task numbers
    (``tasks``, a sorted tuple) so pages can name them, and unit nodes gain
    ``n_lead``, ``n_co`` and ``n_tasks``. Of other records: the records two
    units share (equal to ``corpus_shared_responsibilities`` on the document),
    listed in reading order as ``records``; unit nodes gain ``n_lead``,
    ``n_co``, ``n_joint`` and ``n_records``.
    """
    basis = bipartite.graph.get("basis", BASIS_TASKS)
    g = nx.Graph(name="unit_network", basis=basis)
    side = "task" if basis == BASIS_TASKS else "record"
    for u in _kind_nodes(bipartite, "unit"):
        roles = [bipartite.edges[u, t]["role"] for t in bipartite.neighbors(u)]
        counts = {"n_lead": roles.count("lead"), "n_co": roles.count("co")}
        if side == "task":
            counts["n_tasks"] = len(roles)
        else:
            counts.update(n_joint=roles.count("joint"), n_records=len(roles))
        g.add_node(u, **bipartite.nodes[u], **counts)
    key = "number" if side == "task" else "order"
    shared: dict[tuple[str, str], list[Any]] = {}
    for t in sorted(_kind_nodes(bipartite, side), key=lambda n: bipartite.nodes[n][key]):
        units = sorted(n for n in bipartite.neighbors(t) if bipartite.nodes[n].get("kind") == "unit")
        for a, b in itertools.combinations(units, 2):
            shared.setdefault((a, b), []).append(bipartite.nodes[t]["number"] if side == "task" else t)
    for (a, b), found in sorted(shared.items()):
        g.add_edge(a, b, weight=len(found), kind="shared", **{"tasks" if side == "task" else "records": tuple(found)})
    return g


def document_record_graph(rdf_graph: Any) -> nx.Graph:
    """The bipartite record–unit graph of one document's records other than key tasks.

    Record nodes (``record:12``, ``narrative:1-2``: :func:`record_node`; stored query ``net_records``) carry
    ``label`` (the text), ``kind="record"``, ``record_kind`` (record or narrative), ``order`` (reading
    order), ``notation``, ``group`` (its pillar or heading), ``deadline`` and ``tasks`` (the key tasks it
    carries out). Unit nodes (``unit:<label>``; ``label`` is the name, or ``name（jurisdiction）`` where two
    units of the document share a name; ``net_units``) carry ``unit_type``, ``full_name``, ``jurisdiction``
    and ``iri``. Edges: ``role`` (lead, co or joint) as ``kind``, ``weight`` 1, a record's edges added in the
    order its units are written (the first-named lead first). A record that names no unit is a node
    without edges; pass ``with_unassigned=False`` to leave it out.
    """
    return _record_graph(*_record_tables(rdf_graph))


#: Each unit's place in a record's written list: the pages' own query (beside the page templates), not the
#: library's — over a whole corpus the places cost a join through every responsibility node.
_POSITIONS = Path(__file__).with_name("templates") / "queries" / "record_unit_positions.rq"


def _record_tables(rdf_graph: Any) -> tuple[list, list, dict]:
    """One document's record network as three tables: records (reading order: ``net_records``), edges
    (``net_record_units``) each with its unit's written place (:data:`_POSITIONS`), units by IRI
    (``net_units``)."""
    places = {(r["record"], r["unit_id"]): r["position"] for r in _rows(rdf_graph, str(_POSITIONS))}
    edges = [dict(e, position=places.get((e["record"], e["unit_id"])))
             for e in _rows(rdf_graph, "net_record_units")]
    units = {r["unit_id"]: r for r in _rows(rdf_graph, "net_units")}
    return _rows(rdf_graph, "net_records"), edges, units


def _record_graph(records: list[dict[str, Any]], edges: list[dict[str, Any]], units: dict[str, dict[str, Any]],
                  with_unassigned: bool = True) -> nx.Graph:
    """The graph of :func:`document_record_graph` from its three tables, joined here (by record place and
    unit IRI) rather than in SPARQL: each long value is read from the store once, not once per edge."""
    order = {r["record"]: i for i, r in enumerate(records)}
    edges = [e for e in edges if e["record"] in order]          # key tasks' edges are task_unit_graph's
    names: dict[str, set[str]] = {}
    for e in edges:
        names.setdefault(units[e["unit_id"]]["unit"], set()).add(e["unit_id"])
    g = nx.Graph(name="task_units", basis=BASIS_RECORDS)
    assigned = {e["record"] for e in edges}
    for r in records:
        if with_unassigned or r["record"] in assigned:
            g.add_node(record_node(r["record"]), label=r["text"], kind="record", bipartite=0,
                       record_kind=r["kind"], order=order[r["record"]], number=order[r["record"]] + 1,
                       notation=r["notation"] or "", group=r["grp"] or "", deadline=r["deadline"] or "",
                       tasks=tuple(int(t) for t in re.findall(r"\d+", r["tasks"] or "")))
    label_of = {}
    for iri in {e["unit_id"] for e in edges}:
        u = units[iri]
        label_of[iri] = f"{u['unit']}（{u['jurisdiction']}）" if len(names[u["unit"]]) > 1 and u["jurisdiction"] \
            else u["unit"]
    edges.sort(key=lambda e: (order[e["record"]], _position(e["position"]), units[e["unit_id"]]["unit"]))
    first_iri: dict[str, str] = {}      # two units of one label (no jurisdiction to tell them apart) are one node
    for e in edges:
        first_iri.setdefault(unit_node(label_of[e["unit_id"]]), e["unit_id"])
    for node in sorted(first_iri):
        iri = first_iri[node]
        u = units[iri]
        g.add_node(node, label=label_of[iri], kind="unit", bipartite=1, unit_type=u["unit_type"] or "",
                   full_name=u["full_name"] or "", jurisdiction=u["jurisdiction"] or "", iri=iri)
    for e in edges:
        g.add_edge(record_node(e["record"]), unit_node(label_of[e["unit_id"]]), role=e["role"], kind=e["role"],
                   weight=1)
    return g


def responsibility_graph(rdf_graph: Any) -> nx.Graph:
    """The bipartite graph of one document's network: its key tasks and their units where it has a
    task list (:func:`task_unit_graph`), else its other responsibility records and their units
    (:func:`document_record_graph`, records that name no unit left out). ``graph["basis"]`` says which."""
    tasks = task_unit_graph(rdf_graph)
    if any(kind == "task" for _, kind in tasks.nodes(data="kind")):
        tasks.graph["basis"] = BASIS_TASKS
        return tasks
    return _record_graph(*_record_tables(rdf_graph), with_unassigned=False)


# ---------------------------------------------------------------- the corpus


def record_unit_graph(rdf_graph: Any) -> nx.Graph:
    """The bipartite record–unit graph of every document (stored queries ``net_record_units``, ``net_units``).

    Record nodes are ``record:<doc>/<place>`` (``kind="record"``, ``doc``, ``label`` the record's number);
    unit nodes ``unit:<IRI>`` — one per organisation of one jurisdiction — with ``name``, ``jurisdiction``
    and ``label``: the name, or ``name（jurisdiction）`` when units of several jurisdictions share the name.
    Edges carry ``role`` (lead, co or joint) and ``weight`` 1.
    """
    edges = _rows(rdf_graph, "net_record_units")
    units = {r["unit_id"]: r for r in _rows(rdf_graph, "net_units")}
    places: dict[str, set[str]] = {}
    for e in edges:
        places.setdefault(units[e["unit_id"]]["unit"], set()).add(e["unit_id"])
    g = nx.Graph(name="record_units")
    for e in sorted(edges, key=lambda e: (e["doc"], e["record"], e["unit_id"])):
        rec, unit = f"record:{e['doc']}/{e['record']}", f"unit:{e['unit_id']}"
        if rec not in g:
            g.add_node(rec, kind="record", doc=e["doc"], bipartite=0, label=e["record"].rsplit("/", 1)[-1])
        if unit not in g:
            u = units[e["unit_id"]]
            ambiguous = len(places[u["unit"]]) > 1
            g.add_node(unit, kind="unit", bipartite=1, name=u["unit"], jurisdiction=u["jurisdiction"] or "",
                       label=f"{u['unit']}（{u['jurisdiction']}）" if ambiguous and u["jurisdiction"] else u["unit"])
        g.add_edge(rec, unit, role=e["role"], kind=e["role"], weight=1)
    return g


def corpus_unit_projection(bipartite: nx.Graph) -> nx.Graph:
    """Units linked by the records they share (``weight``), with ``docs``: the documents of those records.

    Unit nodes gain ``n_lead``, ``n_co``, ``n_joint``, ``n_records`` and ``n_docs``.
    """
    g = nx.Graph(name="corpus_unit_network")
    for u in _kind_nodes(bipartite, "unit"):
        roles = [bipartite.edges[u, r]["role"] for r in bipartite.neighbors(u)]
        docs = {bipartite.nodes[r]["doc"] for r in bipartite.neighbors(u)}
        g.add_node(u, **bipartite.nodes[u], n_lead=roles.count("lead"), n_co=roles.count("co"),
                   n_joint=roles.count("joint"), n_records=len(roles), n_docs=len(docs))
    shared: dict[tuple[str, str], list[str]] = {}
    for r in _kind_nodes(bipartite, "record"):
        units = sorted(n for n in bipartite.neighbors(r))
        for a, b in itertools.combinations(units, 2):
            shared.setdefault((a, b), []).append(bipartite.nodes[r]["doc"])
    for (a, b), docs in sorted(shared.items()):
        g.add_edge(a, b, weight=len(docs), kind="shared", docs=tuple(sorted(set(docs))))
    return g
