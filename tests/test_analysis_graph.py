"""Communities and centralities written back into the graph (id/graph/analysis) and asked in SPARQL.

The numbers in the graph must be those of :mod:`policykg.use.analyze` on the
document alone: the committed corpus (graph/corpus.nq) is checked against the
analytics of the seed's own graph (graph/docs/<seed>/policykg.ttl).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.use import analyze
from policykg.kg.query import find_query, run_query
from policykg.kg.store import open_graph

ROOT = Path(__file__).resolve().parents[1]
SEED = "000_4cdbba2a142b4d11"


@pytest.fixture(scope="module")
def corpus():
    return open_graph(str(ROOT / "graph" / "corpus.nq"))


@pytest.fixture(scope="module")
def seed_network():
    units = analyze.unit_projection(analyze.task_unit_graph(open_graph(str(ROOT / "graph" / "docs" / SEED /
                                                                             "policykg.ttl"))))
    return units


def rows(graph, name, **kw):
    columns, found = run_query(graph, find_query(name), **kw)
    return [dict(zip(columns, row)) for row in found]


def test_community_membership_is_queryable_and_equals_the_analytics(corpus, seed_network):
    got: dict[int, set[str]] = {}
    for r in rows(corpus, "communities"):
        if r["doc"] == SEED:
            assert r["basis"] == "key tasks"
            got.setdefault(r["community"], set()).add(r["unit"])
    expected = [{seed_network.nodes[n]["label"] for n in part} for part in analyze.communities(seed_network)]
    assert [got[i] for i in sorted(got)] == expected


def test_centralities_in_the_graph_equal_the_analytics(corpus, seed_network):
    measures = analyze.centralities(seed_network)
    by_label = {seed_network.nodes[n]["label"]: m for n, m in measures.items()}
    seed_rows = [r for r in rows(corpus, "communities") if r["doc"] == SEED]
    assert len(seed_rows) == len(by_label) == 42
    for r in seed_rows:
        m = by_label[r["unit"]]
        assert r["weighted_degree"] == m["weighted_degree"]
        assert r["betweenness"] == pytest.approx(m["betweenness"], abs=1e-6)
        assert r["eigenvector"] == pytest.approx(m["eigenvector"], abs=1e-6)


def test_cross_community_pairs_share_tasks_and_sit_in_different_communities(corpus, seed_network):
    community = {}
    for number, part in enumerate(analyze.communities(seed_network), start=1):
        community.update({seed_network.nodes[n]["label"]: number for n in part})
    shared = {(r["unit_a"], r["unit_b"]): r["shared"]
              for r in rows(corpus, "shared_responsibilities") if r["doc"] == SEED}
    pairs = [r for r in rows(corpus, "cross_community_pairs") if r["doc"] == SEED]
    assert pairs
    for r in pairs:
        assert r["community_a"] != r["community_b"]
        assert (community[r["unit_a"]], community[r["unit_b"]]) == (r["community_a"], r["community_b"])
        assert r["shared"] == shared[(r["unit_a"], r["unit_b"])]
    expected = {pair for pair in shared if community[pair[0]] != community[pair[1]]}
    assert {(r["unit_a"], r["unit_b"]) for r in pairs} == expected


def test_every_built_document_has_one_analysis_run_with_algorithm_and_seed(corpus):
    from policykg.kg.store import execute
    _, _, found = execute(corpus, """PREFIX pkg: <https://w3id.org/policykg/ontology#>
        SELECT ?sid ?seed ?algorithm WHERE { ?run a pkg:NetworkAnalysis ; pkg:seed ?seed ;
        pkg:algorithm ?algorithm ; pkg:inDocument/pkg:shortId ?sid }""")
    runs = {row[0].value: (int(row[1].value), row[2].value) for row in found}
    assert len(runs) == 9 and all(seed == analyze.SEED and "louvain" in algo for seed, algo in runs.values())


def test_doc_scope_keeps_one_documents_analysis(corpus):
    from policykg.kg.documents import scoped
    scoped_rows = rows(scoped(corpus, SEED), "communities")
    assert scoped_rows and {r["doc"] for r in scoped_rows} == {SEED}
