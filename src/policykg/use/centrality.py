"""networkx's betweenness and eigenvector centrality, the same arithmetic on plain lists.

A document's unit network is small (tens of units), and networkx spends most of its time there in
its graph views (``G[v].items()``, ``G[n][nbr].get(...)``, a weight function per edge): at 1,000
documents the two centralities cost ~14 ms of CPU per document. These functions run networkx's own
algorithms (``betweenness_centrality`` with Dijkstra and ``_accumulate_basic``, undirected,
normalised, no endpoints, no sampling; ``eigenvector_centrality`` by power iteration on ``A + I``)
step for step — nodes and neighbours in the graph's own order, the same float operations in the
same order — on lists indexed by node, so every number is networkx's to the last bit
(``tests/test_analyze.py`` compares them with ``==`` on documents' networks and random graphs).
"""

from __future__ import annotations

import math
from heapq import heappop, heappush
from itertools import count

import networkx as nx


def _adjacency(graph: nx.Graph, attr: str) -> tuple[list, list]:
    """The graph's nodes in its order, and per node its ``(neighbour index, attr or 1)`` in its order."""
    nodes = list(graph)
    index = {n: i for i, n in enumerate(nodes)}
    adj = graph._adj
    return nodes, [[(index[m], d.get(attr, 1)) for m, d in adj[n].items()] for n in nodes]


def betweenness(graph: nx.Graph, weight: str) -> dict:
    """``nx.betweenness_centrality(graph, weight=weight, normalized=True)`` of an undirected graph."""
    nodes, adj = _adjacency(graph, weight)
    size = len(nodes)
    total = [0.0] * size
    for s in range(size):
        order, preds, sigma = _dijkstra(adj, s, size)
        delta = [0] * size
        while order:                             # networkx's _accumulate_basic
            w = order.pop()
            coeff = (1 + delta[w]) / sigma[w]
            for v in preds[w]:
                delta[v] += sigma[v] * coeff
            if w != s:
                total[w] += delta[w]
    pairs = size - 1                             # networkx's _rescale (endpoints excluded)
    if pairs >= 2:
        scale = 1 / (pairs * (pairs - 1))
        if scale != 1:
            total = [b * scale for b in total]
    return dict(zip(nodes, total))


def _dijkstra(adj: list, s: int, size: int) -> tuple[list, list, list]:
    """networkx's ``_single_source_dijkstra_path_basic``: the order nodes are settled, their
    predecessors on shortest paths and the path counts (its doubling of the source's count kept)."""
    order: list = []
    preds: list = [[] for _ in range(size)]
    sigma = [0.0] * size
    settled = [False] * size
    sigma[s] = 1.0
    seen: dict = {s: 0}
    tie = count()
    queue = [(0, next(tie), s, s)]
    while queue:
        dist, _, pred, v = heappop(queue)
        if settled[v]:
            continue
        sigma[v] += sigma[pred]
        order.append(v)
        settled[v] = True
        for w, length in adj[v]:
            vw_dist = dist + length
            if not settled[w] and (w not in seen or vw_dist < seen[w]):
                seen[w] = vw_dist
                heappush(queue, (vw_dist, next(tie), v, w))
                sigma[w] = 0.0
                preds[w] = [v]
            elif vw_dist == seen[w]:
                sigma[w] += sigma[v]
                preds[w].append(v)
    return order, preds, sigma


def eigenvector(graph: nx.Graph, weight: str, max_iter: int, tol: float) -> dict:
    """``nx.eigenvector_centrality(graph, weight=weight, max_iter=max_iter, tol=tol)``."""
    if len(graph) == 0:
        raise nx.NetworkXPointlessConcept("cannot compute centrality for the null graph")
    nodes, adj = _adjacency(graph, weight)
    size = len(nodes)
    x = [1 / size] * size
    for _ in range(max_iter):
        xlast = x
        x = xlast[:]
        for n, neighbours in enumerate(adj):
            xn = xlast[n]
            for m, w in neighbours:
                x[m] += xn * w
        norm = math.hypot(*x) or 1
        x = [v / norm for v in x]
        if sum(abs(a - b) for a, b in zip(x, xlast)) < size * tol:
            return dict(zip(nodes, x))
    raise nx.PowerIterationFailedConvergence(max_iter)
