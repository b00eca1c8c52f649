"""Network analytics written back into the graph, so SPARQL can ask for them.

Communities and centralities existed only in Python and GraphML; an analyst
could not ask "which pairs of units work together across communities" in the
editor. The corpus build therefore adds a named graph of analysis results
(``id/graph/analysis``): per document, one ``pkg:NetworkAnalysis`` run — which
network (``pkg:basis``: its key tasks where it has a task list, else its
responsibility records), which algorithm, which seed, which builder — its
``pkg:Community`` nodes with their ``pkg:member`` units, and one
``pkg:UnitCentrality`` per unit (degree, weighted degree, betweenness,
eigenvector, its community). The numbers are those of :mod:`policykg.use.analyze`
(the same functions, on the document alone), so the graph, ``policykg
analyze`` and the unit page agree.

It also states the answer of "which units work together across communities":
per pair of units of the run in different communities that share at least one
record of the analysed network (key tasks, or responsibility records), one
``pkg:CrossCommunityPair`` (:func:`cross_pairs`) — its ``pkg:firstUnit`` and
``pkg:secondUnit`` (in IRI order), their community numbers and the shared count
— so the question reads ~42k small nodes at 1,000 documents instead of pairing
every record's units at question time.

A date is recorded only when ``SOURCE_DATE_EPOCH`` is set (the reproducible-
builds convention): a wall-clock date would make two builds of the same
sources differ.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from datetime import datetime, timezone
from typing import Any

from policykg.kg.terms import PKG
from policykg.vocab import ANALYSIS_GRAPH, ID_NS, XSD_NS

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DATE = "http://purl.org/dc/terms/date"
_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def _iri(value: str) -> str:
    return f"<{value}>"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^<{XSD_NS}boolean>'
    if isinstance(value, int):
        return f'"{value}"^^<{XSD_NS}integer>'
    if isinstance(value, float):
        text = format(round(value, 6), "f").rstrip("0")
        return f'"{text + "0" if text.endswith(".") else text}"^^<{XSD_NS}decimal>'
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _unit_iris(scoped_store) -> dict[str, str]:
    """Label → unit IRI inside one document (a label names one unit there)."""
    from policykg.kg.store import execute
    text = (f"SELECT ?u ?l WHERE {{ ?x {_iri(str(PKG.unit))} ?u . ?u {_iri(_PREF_LABEL)} ?l }}")
    _, _, rows = execute(scoped_store, text)
    return {row[1].value: row[0].value for row in rows}


def document_network(scoped_store) -> tuple[Any, dict[str, str], str]:
    """The unit network of one document, node id → unit IRI, and what it is built from.

    The network is :func:`policykg.use.networks.responsibility_graph` projected on
    the units — the one the pages, the GraphML files and ``policykg analyze --doc``
    draw and report — so the graph and they never disagree.
    """
    from policykg.use import networks
    units = networks.unit_projection(networks.responsibility_graph(scoped_store))
    labels = _unit_iris(scoped_store) if units.graph["basis"] == networks.BASIS_TASKS else {}
    iris = {n: d.get("iri") or labels.get(d["label"]) for n, d in units.nodes(data=True)}
    return units, {n: iri for n, iri in iris.items() if iri}, units.graph["basis"]


def analysis_quads(store, entries: list[dict], builder: str = "") -> bytes:
    """N-Quads of the analysis graph for every built document of ``entries``."""
    from policykg.use import analyze
    from policykg.kg.documents import scoped
    graph = _iri(ANALYSIS_GRAPH)
    lines: list[str] = []

    def add(s: str, p: str, o: str) -> None:
        lines.append(f"{s} {p} {o} {graph} .")

    from policykg.kg.iri import segment
    date = _source_date()
    for entry in sorted((e for e in entries if e.get("status") == "built"), key=lambda e: e["id"]):
        doc_store = scoped(store, entry["id"])
        network, iris, basis = document_network(doc_store)
        if network.number_of_nodes() == 0:
            continue
        base = f"{ID_NS}analysis/{segment(entry['id'])}"      # any file name: percent-encoded as IRIs need
        run = _iri(base)
        add(run, _iri(_RDF_TYPE), _iri(str(PKG.NetworkAnalysis)))
        add(run, _iri(str(PKG.inDocument)), _iri(entry["iri"]))
        add(run, _iri(str(PKG.basis)), _literal(basis))
        add(run, _iri(str(PKG.algorithm)), _literal("networkx louvain_communities (weighted), betweenness and "
                                                     "eigenvector centrality (weighted)"))
        add(run, _iri(str(PKG.seed)), _literal(analyze.SEED))
        if builder:
            add(run, _iri(str(PKG.builder)), _literal(builder))
        if date:
            add(run, _iri(_DATE), f'"{date}"^^<{XSD_NS}date>')
        parts = analyze.communities(network)
        community_of: dict[str, str] = {}
        number_of: dict[str, int] = {}
        for number, members in enumerate(parts, start=1):
            community = _iri(f"{base}/community/{number}")
            add(community, _iri(_RDF_TYPE), _iri(str(PKG.Community)))
            add(community, _iri(str(PKG.inAnalysis)), run)
            add(community, _iri(str(PKG.number)), _literal(number))
            for member in sorted(members):
                if member in iris:
                    add(community, _iri(str(PKG.member)), _iri(iris[member]))
                    community_of[member] = community
                    number_of[member] = number
        for node, values in sorted(analyze.centralities(network).items()):
            if node not in iris:
                continue
            measure = _iri(f"{base}/unit/{hashlib.sha1(iris[node].encode()).hexdigest()[:12]}")
            add(measure, _iri(_RDF_TYPE), _iri(str(PKG.UnitCentrality)))
            add(measure, _iri(str(PKG.inAnalysis)), run)
            add(measure, _iri(str(PKG.unit)), _iri(iris[node]))
            if node in community_of:
                add(measure, _iri(str(PKG.community)), community_of[node])
            add(measure, _iri(str(PKG.degree)), _literal(int(values["degree"])))
            add(measure, _iri(str(PKG.weightedDegree)), _literal(int(values["weighted_degree"])))
            add(measure, _iri(str(PKG.betweenness)), _literal(float(values["betweenness"])))
            add(measure, _iri(str(PKG.eigenvector)), _literal(float(values["eigenvector"])))
        communities = {}
        for node, number in number_of.items():
            communities.setdefault(iris[node], set()).add(number)
        cross_pairs(add, base, run, doc_store, basis, communities)
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8") if lines else b""


def cross_pairs(add, base: str, run: str, scoped_store, basis: str, communities: dict[str, set[int]]) -> None:
    """One ``pkg:CrossCommunityPair`` per two units of the run (``communities``: unit IRI → its community
    numbers) in different communities that share records of the ``basis`` network, counted on the document.

    ``pkg:firstUnit`` is the unit whose IRI sorts first. Not oriented by name: a unit has one
    ``skos:prefLabel`` per document naming it, and the question names it by the least of them over the whole
    corpus — which another document's edit can change — so ``cross_community_pairs`` orients at question time.
    """
    from policykg.kg.store import execute
    from policykg.use.networks import BASIS_TASKS
    p = str(PKG)
    on = (f"?r a <{p}KeyTask> ; <{p}leadUnit>|<{p}coUnit> ?u" if basis == BASIS_TASKS
          else f"?r a <{p}ResponsibilityRecord> ; <{p}assignedUnit> ?u")
    _, _, rows = execute(scoped_store, f"SELECT DISTINCT ?r ?u WHERE {{ {on} }}")
    units: dict[str, set[str]] = {}
    for r, u in rows:
        if u.value in communities:
            units.setdefault(r.value, set()).add(u.value)
    shared: dict[tuple[str, str], int] = {}
    for found in units.values():
        for pair in itertools.combinations(sorted(found), 2):
            shared[pair] = shared.get(pair, 0) + 1
    for (a, b), count in shared.items():
        for ca, cb in itertools.product(sorted(communities[a]), sorted(communities[b])):
            if ca == cb:
                continue
            node = _iri(f"{base}/pair/{hashlib.sha1(f'{a} {b} {ca} {cb}'.encode()).hexdigest()[:12]}")
            add(node, _iri(_RDF_TYPE), _iri(str(PKG.CrossCommunityPair)))
            add(node, _iri(str(PKG.inAnalysis)), run)
            add(node, _iri(str(PKG.firstUnit)), _iri(a))
            add(node, _iri(str(PKG.secondUnit)), _iri(b))
            add(node, _iri(str(PKG.firstCommunity)), _literal(ca))
            add(node, _iri(str(PKG.secondCommunity)), _literal(cb))
            add(node, _iri(str(PKG.sharedWork)), _literal(count))


def _source_date() -> str | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch or not epoch.isdigit():
        return None
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat()
