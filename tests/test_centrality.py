"""policykg.use.centrality: networkx's betweenness and eigenvector centrality, to the last bit.

The reference is networkx itself, run on the same graph: the seed document's unit network (with
the integer distances :func:`policykg.use.analyze.centralities` gives it) and random weighted graphs
— ties of equal-length paths, several components, isolated nodes, the null and one-node graphs.
"""

from __future__ import annotations

import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.use import centrality
from policykg.use.analyze import task_unit_graph, unit_projection


def _distances(g: nx.Graph) -> nx.Graph:
    """The distance graph ``centralities`` builds: sorted nodes and edges, ``L/weight`` distances."""
    out = nx.Graph()
    out.add_nodes_from(sorted(g.nodes))
    edges = sorted(g.edges(data="weight", default=1))
    common = math.lcm(*(w for _, _, w in edges)) if edges else 1
    out.add_edges_from((a, b, {"distance": common // w}) for a, b, w in edges)
    return out


def _same(ours: dict, theirs: dict) -> None:
    assert list(ours) == list(theirs)
    assert all(ours[n] == theirs[n] for n in theirs), [(n, ours[n], theirs[n]) for n in theirs if ours[n] != theirs[n]]


def test_the_seed_network_is_networkx_to_the_bit(committed_graph):
    units = unit_projection(task_unit_graph(committed_graph))
    assert units.number_of_nodes() > 20 and nx.is_connected(units)
    distance = _distances(units)
    _same(centrality.betweenness(distance, "distance"),
          nx.betweenness_centrality(distance, weight="distance", normalized=True))
    _same(centrality.eigenvector(units, "weight", 10_000, 1e-12),
          nx.eigenvector_centrality(units, weight="weight", max_iter=10_000, tol=1e-12))


@st.composite
def _graphs(draw):
    names = draw(st.lists(st.sampled_from([f"u{i:02d}" for i in range(30)]), unique=True, max_size=20))
    g = nx.Graph()
    g.add_nodes_from(names)
    if len(names) > 1:
        pairs = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names), st.integers(1, 4)),
                              max_size=3 * len(names)))
        g.add_edges_from((a, b, {"weight": w}) for a, b, w in pairs if a != b)
    return g


@settings(max_examples=150, deadline=None)
@given(_graphs())
def test_random_graphs_are_networkx_to_the_bit(g):
    distance = _distances(g)
    _same(centrality.betweenness(distance, "distance"),
          nx.betweenness_centrality(distance, weight="distance", normalized=True))
    if g.number_of_nodes() == 0:
        with pytest.raises(nx.NetworkXPointlessConcept):
            centrality.eigenvector(g, "weight", 100, 1e-12)
        return
    for component in nx.connected_components(g):
        sub = g.subgraph(component).copy()
        try:
            theirs = nx.eigenvector_centrality(sub, weight="weight", max_iter=10_000, tol=1e-12)
        except nx.PowerIterationFailedConvergence:
            with pytest.raises(nx.PowerIterationFailedConvergence):
                centrality.eigenvector(sub, "weight", 10_000, 1e-12)
            continue
        _same(centrality.eigenvector(sub, "weight", 10_000, 1e-12), theirs)


def test_a_path_counts_its_middle():
    # a – b – c: b lies on the one shortest path between a and c (normalised by (n-1)(n-2) = 2 … of 1 pair)
    g = nx.Graph([("a", "b", {"d": 1}), ("b", "c", {"d": 1})])
    assert centrality.betweenness(g, "d") == {"a": 0.0, "b": 1.0, "c": 0.0}
