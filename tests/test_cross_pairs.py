"""cross_community_pairs read from the pairs the build counts per document (pkg:CrossCommunityPair in the
analysis graph, :func:`policykg.use.analysis_graph.cross_pairs`).

The seed's pairs are checked against its task list as read by eye (tests/golden.py); the query must answer
as the text it replaces (kept in tests/fixtures/queries_before/, which paired every record's units at
question time) on the bundled corpus, with and without ``--doc``.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
from golden import KEY_TASKS

from policykg.kg.query import find_query, parse_query_file, run_query
from policykg.kg.store import open_graph

ROOT = Path(__file__).resolve().parents[1]
SEED = "000_4cdbba2a142b4d11"
PKG = "https://w3id.org/policykg/ontology#"
BEFORE = ROOT / "tests" / "fixtures" / "queries_before" / "cross_community_pairs.rq"


def seed_pairs() -> tuple[list[dict[str, list[str]]], dict[str, str]]:
    """The seed's pkg:CrossCommunityPair nodes, built from its own graph alone, and unit IRI → name."""
    import pyoxigraph as ox

    from policykg.kg.store import memory_store
    from policykg.use.analysis_graph import analysis_quads
    ttl = ROOT / "graph" / "docs" / SEED / "policykg.ttl"
    triples = list(ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE))
    ntriples = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    doc = next(str(t.subject.value) for t in triples
               if t.predicate.value.endswith("#type") and t.object.value == PKG + "PolicyDocument")
    label = {t.subject.value: t.object.value for t in triples
             if t.predicate.value == "http://www.w3.org/2004/02/skos/core#prefLabel"}
    quads = analysis_quads(memory_store(ntriples), [{"id": SEED, "iri": doc, "status": "built"}])
    nodes: dict[str, dict[str, list[str]]] = {}
    for q in ox.parse(quads, format=ox.RdfFormat.N_QUADS):
        nodes.setdefault(q.subject.value, {}).setdefault(q.predicate.value.removeprefix(PKG), []).append(
            q.object.value)
    return [n for n in nodes.values() if n.get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == [
        PKG + "CrossCommunityPair"]], label


def test_the_seed_s_pairs_share_its_key_tasks_across_communities():
    shared: Counter = Counter()            # key tasks both units lead or co-operate on (the seed has a task list)
    for row in KEY_TASKS:
        shared.update(combinations(sorted({u for u in (row[3] + "、" + row[4]).split("、") if u}), 2))
    nodes, label = seed_pairs()
    assert nodes
    community: dict[str, str] = {}
    pairs = []
    for p in nodes:
        assert all(len(p[k]) == 1 for k in ("inAnalysis", "firstUnit", "secondUnit", "firstCommunity",
                                            "secondCommunity", "sharedWork"))
        (a,), (b,), (ca,), (cb,) = p["firstUnit"], p["secondUnit"], p["firstCommunity"], p["secondCommunity"]
        assert a < b and ca != cb                                  # IRI order, different communities
        a, b, ca, cb = (label[a], label[b], ca, cb) if label[a] < label[b] else (label[b], label[a], cb, ca)
        assert int(p["sharedWork"][0]) == shared[(a, b)] > 0
        for unit, number in ((a, ca), (b, cb)):
            assert community.setdefault(unit, number) == number     # one community per unit
        pairs.append((a, b))
    assert len(set(pairs)) == len(pairs)                           # one node per pair
    # every pair of the task list whose units the run puts in different communities is there
    expected = {pair for pair in shared if {*pair} <= community.keys() and community[pair[0]] != community[pair[1]]}
    assert set(pairs) == expected
    # e.g. task 2: 市财政局 leads, 市发改局、市经信局 … co-operate
    assert shared[("市发改局", "市经信局")] > 1


@pytest.fixture(scope="module")
def corpus():
    return open_graph(str(ROOT / "graph" / "corpus.nq"))


@pytest.mark.parametrize("doc", [None, SEED, "03_anhui_rcep_opening_2022"])
def test_the_query_answers_as_the_text_it_replaces(corpus, doc):
    new = run_query(corpus, find_query("cross_community_pairs"), doc=doc)
    assert new[1] and new == run_query(corpus, parse_query_file(BEFORE), doc=doc)
