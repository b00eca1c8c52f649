"""Where a network's nodes and labels go: sizes, weights, positions and label tiers.

The geometry both network pages share (a document's network, :mod:`.visualize`;
the corpus's, :mod:`.corpus_page`), kept apart from how a page looks. Everything
here is deterministic — seeded layouts, ties broken by node order, whole-pixel
results — so the same graph always renders to the same bytes.
"""

from __future__ import annotations

import math
import numbers
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np


# ---------------------------------------------------------------- scales and weights


def node_size(degree: int) -> float:
    """Pixel radius for a node: grows with degree, sub-linearly so hubs stay readable."""
    return round(10.0 + 4.0 * math.sqrt(max(degree, 0)), 2)


#: Width of an edge of weight 1, and the most any edge gets (the heaviest is scaled down to it).
EDGE_UNIT_PX = 2.0
EDGE_MAX_PX = 12.0


def edge_width(weight: float, top: float | None = None) -> float:
    """Width for an edge, proportional to its weight: ``weight × unit``.

    The unit is :data:`EDGE_UNIT_PX`, or less when the heaviest weight ``top``
    would pass :data:`EDGE_MAX_PX`, so a 6-task link is drawn six times as wide
    as a 1-task link (a weight of 0 still draws a hairline).
    """
    unit = EDGE_UNIT_PX if not top else min(EDGE_UNIT_PX, EDGE_MAX_PX / top)
    return round(max(0.5, unit * max(weight, 0.0)), 2)


def node_ids(g: nx.Graph) -> dict[Any, str]:
    """String ids for vis; refuse graphs whose distinct nodes stringify alike."""
    ids = {n: str(n) for n in g.nodes}
    if len(set(ids.values())) != len(ids):
        raise ValueError("two nodes have the same str(); vis node ids must be unique")
    return ids


def edge_weight(attrs: Mapping[str, Any]) -> float:
    """The edge weight as a finite, non-negative float (default 1)."""
    raw = attrs.get("weight", 1)
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        raise ValueError(f"edge weight must be a number, got {raw!r}")
    if not math.isfinite(raw) or raw < 0:
        raise ValueError(f"edge weight must be finite and >= 0, got {raw!r}")
    return float(raw)


# ---------------------------------------------------------------- positions


def label_width(label: str) -> float:
    """Rough pixel width of a label at the page's 14px font (CJK is full width)."""
    return sum(14.0 if unicodedata.east_asian_width(ch) in "WF" else 8.0 for ch in label)


def spring_positions(g: nx.Graph, labels: Mapping[Any, str],
                     sizes: Mapping[Any, float] | None = None) -> dict[Any, tuple[int, int]]:
    """Deterministic pixel positions: seeded spring layout, then label overlaps removed.

    ``sizes`` are the drawn radii (default :func:`node_size` of the degree): a
    page that sizes nodes otherwise (by a centrality) passes its largest, so no
    big node is laid out over its neighbours' labels. Rounded to whole pixels
    so the output does not depend on the last bits of floating-point
    arithmetic. (networkx needs scipy from 500 nodes on.)
    """
    if g.number_of_nodes() == 0:
        return {}
    nodes = list(g.nodes)
    pos = nx.spring_layout(g, seed=42, iterations=200, weight="weight")
    scale = max(300.0, 90.0 * math.sqrt(len(nodes)))
    xy = np.array([pos[n] for n in nodes], dtype=float) * scale
    sizes = np.array([sizes[n] if sizes is not None else node_size(g.degree(n)) for n in nodes])
    widths = np.array([label_width(labels[n]) for n in nodes])
    # Box around shape and the label line below it, with a little margin.
    box_w = np.maximum(2 * sizes, widths) + 16.0
    box_h = 2 * sizes + 30.0
    xy[:, 1] += 11.0  # box centre sits below the node centre, towards its label
    start = xy.copy()
    for _ in range(3):
        xy = _remove_overlaps(start, box_w, box_h)
        # Wide label boxes part most cheaply up and down, so a layout can come out a tall column
        # that fits the window small; widen the start until the result has about the window's shape.
        span = np.ptp(xy, axis=0) + 1.0
        stretch = (span[1] / span[0]) / (_FRAME[1] / _FRAME[0])
        if stretch <= 1.15:
            break
        start[:, 0] = (start[:, 0] - start[:, 0].mean()) * min(math.sqrt(stretch), 2.0) + start[:, 0].mean()
    xy[:, 1] -= 11.0
    return {n: (int(round(x)), int(round(y))) for n, (x, y) in zip(nodes, xy)}


def _remove_overlaps(xy: np.ndarray, w: np.ndarray, h: np.ndarray, rounds: int = 300) -> np.ndarray:
    """Push overlapping boxes apart along their cheaper axis until none overlap.

    Each round moves both boxes of every overlapping pair half the overlap
    away from each other; ties (identical coordinates) break by node order,
    so the result is deterministic. Keeps the spring layout's overall shape
    while making every label readable.
    """
    xy = xy.copy()
    count = len(xy)
    order = np.arange(count)
    tie = np.where(order[:, None] < order[None, :], -1.0, 1.0)
    half_w = (w[:, None] + w[None, :]) / 2
    half_h = (h[:, None] + h[None, :]) / 2
    off_diagonal = ~np.eye(count, dtype=bool)
    for _ in range(rounds):
        dx = xy[:, 0][:, None] - xy[:, 0][None, :]
        dy = xy[:, 1][:, None] - xy[:, 1][None, :]
        over_x = half_w - np.abs(dx)
        over_y = half_h - np.abs(dy)
        hit = (over_x > 0) & (over_y > 0) & off_diagonal
        if not hit.any():
            break
        along_x = hit & (over_x <= over_y)
        along_y = hit & (over_x > over_y)
        sign_x = np.where(dx == 0, tie, np.sign(dx))
        sign_y = np.where(dy == 0, tie, np.sign(dy))
        xy[:, 0] += (np.where(along_x, over_x, 0.0) * sign_x).sum(axis=1) * 0.5
        xy[:, 1] += (np.where(along_y, over_y, 0.0) * sign_y).sum(axis=1) * 0.5
    return xy


def force_layout(nodes: list[Any], edges: list[tuple[int, int, float]], *, seed: int = 42,
                 iterations: int = 100, sample: int = 500) -> np.ndarray:
    """Fruchterman–Reingold positions (ideal edge length 1) for one connected graph, numpy only.

    Repulsion is exact up to ``sample`` nodes; above that each step repels every
    node from a seeded random sample of ``sample`` nodes, scaled up (an unbiased
    estimate), so a step costs O(n·sample) instead of O(n²): 2,000 nodes lay out
    in seconds without scipy. Deterministic for a given seed and input order.
    """
    n = len(nodes)
    rng = np.random.default_rng(seed)
    if n == 1:
        return np.zeros((1, 2))
    pos = (rng.random((n, 2)) - 0.5) * math.sqrt(n)
    if not edges:
        return pos
    src = np.array([e[0] for e in edges])
    dst = np.array([e[1] for e in edges])
    weight = np.sqrt(np.array([max(e[2], 0.0) for e in edges]))
    temperature = math.sqrt(n) / 4
    cooling = temperature / (iterations + 1)
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    everyone = np.arange(n)
    for _ in range(iterations):
        others = everyone if n <= sample else np.sort(rng.choice(n, sample, replace=False))
        dx = x[:, None] - x[None, others]          # n × m, one axis at a time: contiguous and fast
        dy = y[:, None] - y[None, others]
        inv = 1.0 / np.maximum(dx * dx + dy * dy, 1e-4)
        boost = n / len(others)
        fx = (dx * inv).sum(axis=1) * boost
        fy = (dy * inv).sum(axis=1) * boost
        ex, ey = x[src] - x[dst], y[src] - y[dst]
        pull = np.sqrt(np.maximum(ex * ex + ey * ey, 1e-9)) * weight
        np.add.at(fx, src, -ex * pull)
        np.add.at(fy, src, -ey * pull)
        np.add.at(fx, dst, ex * pull)
        np.add.at(fy, dst, ey * pull)
        norm = np.sqrt(np.maximum(fx * fx + fy * fy, 1e-9))
        step = np.minimum(norm, temperature) / norm
        x += fx * step
        y += fy * step
        temperature -= cooling
    pos = np.column_stack([x, y])
    return pos - pos.mean(axis=0)


#: Components up to this many nodes have their discs pushed apart (:func:`packed_layout`); the pass is quadratic.
_SPREAD_MAX_NODES = 800


def packed_layout(g: nx.Graph, *, spacing: float = 70.0, seed: int = 42,
                  sizes: Mapping[Any, float] | None = None) -> dict[Any, tuple[int, int]]:
    """Whole-pixel positions for a large graph: each connected component laid out on its own
    (:func:`force_layout`), then packed in rows, largest first, so small islands sit beside
    the main network instead of being flung to its rim. Deterministic. With ``sizes`` (drawn
    radii), the discs of a component of up to :data:`_SPREAD_MAX_NODES` nodes are then pushed
    apart with room for a label between them (:func:`_remove_overlaps`): hubs laid out on top of
    each other leave no place for their names."""
    if g.number_of_nodes() == 0:
        return {}
    order = {n: i for i, n in enumerate(sorted(g.nodes, key=str))}
    parts = sorted((sorted(c, key=order.__getitem__) for c in nx.connected_components(g)),
                   key=lambda c: (-len(c), order[c[0]]))
    boxes = []
    for part in parts:
        index = {n: i for i, n in enumerate(part)}
        # each edge as (smaller index, larger index): a subgraph view reports an undirected edge
        # from either end, in the hash order of its node set (PYTHONHASHSEED), so as it comes the
        # layout — and the page's bytes — would change from one process to the next
        edges = sorted((min(index[u], index[v]), max(index[u], index[v]), edge_weight(a))
                       for u, v, a in g.subgraph(part).edges(data=True))
        xy = force_layout(part, edges, seed=seed) * spacing
        if sizes is not None and 1 < len(part) <= _SPREAD_MAX_NODES:
            room = np.array([2.0 * sizes[n] + 28.0 for n in part])
            xy = _remove_overlaps(xy, room, room)
        xy -= xy.min(axis=0)
        boxes.append((part, xy, xy.max(axis=0) + spacing))
    total = sum(float(b[2][0] * b[2][1]) for b in boxes)
    row_width = max(float(boxes[0][2][0]), math.sqrt(total) * 1.3)
    pos: dict[Any, tuple[int, int]] = {}
    x = y = row_height = 0.0
    for part, xy, (w, h) in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for n, (px, py) in zip(part, xy):
            pos[n] = (int(round(x + px)), int(round(y + py)))
        x += float(w)
        row_height = max(row_height, float(h))
    return pos


# ---------------------------------------------------------------- label tiers


#: vis draws no label smaller than this on screen (its drawThreshold).
LABEL_MIN_PX = 5.0
#: On-screen cap of a label's size in pixels (vis's maxVisible).
LABEL_MAX_PX = 16.0
#: How many nodes (by weighted degree) show their label when the whole network fits the screen.
_LABELS_AT_FIT = 30


def label_tiers(g: nx.Graph) -> dict[Any, int]:
    """Which zoom shows each node's label: tier 0 at the zoom that fits the whole network,
    tier k from ``2**k`` times that zoom.

    Nodes are ranked by weighted degree; the first ``_LABELS_AT_FIT`` are tier 0
    and each next tier holds twice as many, so about the same number of labels
    is on screen at every zoom and hubs are named first.
    """
    ranked = sorted(g.nodes, key=lambda n: (-g.degree(n, weight="weight"), -g.degree(n), str(n)))
    return {n: int(math.log2(1 + rank / _LABELS_AT_FIT)) for rank, n in enumerate(ranked)}


#: The network's part of a 1400×900 window (side panel and header taken off), in pixels.
_FRAME = (1090.0, 830.0)
#: On-screen size of labels when the whole graph fits (the page sets its font to this at that zoom).
_LABEL_PX = 13.0
_LABEL_MAX_TIER = 4


def label_tiers_by_room(g: nx.Graph, pos: Mapping[Any, tuple[int, int]], labels: Mapping[Any, str],
                        frame: tuple[float, float] = _FRAME, *, sizes: Mapping[Any, float] | None = None,
                        label_px: float = _LABEL_PX, max_px: float = 18.0,
                        first: Sequence[Any] = ()) -> dict[Any, int]:
    """Label tiers (as :func:`label_tiers`) that also keep labels from covering each other and larger nodes.

    Nodes are taken by weighted degree; each gets the first tier ``k`` at whose
    zoom (``2**k`` times the zoom that fits the graph into ``frame``) its label
    box — ``label_px`` on screen at the fitting zoom, growing with the zoom up
    to ``max_px``, drawn below the node — overlaps no label already placed at
    that zoom and no node at least as large as its own (a label over a hub would
    hide the very node a reader looks for). So the busiest nodes are named
    first and a dense centre fills in as one zooms, never as a smear of
    overlapping text. ``first`` (say, the five most central units) are placed
    before all others and always at tier 0: they are named at every zoom.
    Nodes still crowded at tier :data:`_LABEL_MAX_TIER` get it. Boxes and nodes
    are kept in grids, so this is linear in the number of nodes (thousands on
    the corpus page).
    """
    nodes = list(g.nodes)
    if not nodes:
        return {}
    sizes = sizes if sizes is not None else {n: node_size(g.degree(n)) for n in nodes}
    xs = [pos[n][0] for n in nodes]
    ys = [pos[n][1] for n in nodes]
    span_x = max(max(xs) - min(xs), 1.0) * 1.1 + 60
    span_y = max(max(ys) - min(ys), 1.0) * 1.1 + 60
    fit = min(frame[0] / span_x, frame[1] / span_y)
    pinned = list(dict.fromkeys(n for n in first if n in g))
    is_pinned = set(pinned)
    ranked = pinned + sorted((n for n in nodes if n not in is_pinned),
                             key=lambda n: (-g.degree(n, weight="weight"), -g.degree(n), str(n)))
    grids: list[dict[tuple[int, int], list[tuple[float, float, float, float]]]] = \
        [{} for _ in range(_LABEL_MAX_TIER + 1)]
    cells = [200.0 / (fit * 2 ** k) for k in range(_LABEL_MAX_TIER + 1)]  # 200 screen px per cell
    discs = _Grid(max(cells[-1], 4.0 * max(sizes.values())))
    for n in nodes:
        x, y = pos[n]
        discs.add((x - sizes[n], y - sizes[n], x + sizes[n], y + sizes[n], n))

    def box(n: Any, k: int) -> tuple[float, float, float, float]:
        x, y = pos[n]
        px = min(label_px * 2 ** k, max_px) / (fit * 2 ** k)   # label height in canvas units at tier k
        width = label_width(labels[n]) / 14.0 * px
        top = y + sizes[n] + 2
        return (x - width / 2, top, x + width / 2, top + px * 1.25)

    def crowded(n: Any, b: tuple[float, float, float, float], k: int) -> bool:
        return (any(_meet(b, o) for o in _Grid.near(grids[k], cells[k], b))
                or any(_meet(b, d) and d[4] != n and sizes[d[4]] >= sizes[n] for d in discs.near_boxes(b)))

    tiers: dict[Any, int] = {}
    for n in ranked:
        for k in range(_LABEL_MAX_TIER + 1):
            if (k == 0 and n in is_pinned) or k == _LABEL_MAX_TIER or not crowded(n, box(n, k), k):
                tiers[n] = k
                for j in range(k, _LABEL_MAX_TIER + 1):   # shown from tier k on: it takes room there too
                    _Grid.put(grids[j], cells[j], box(n, j))
                break
    return tiers


def _meet(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two boxes (x0, y0, x1, y1, …) overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _Grid:
    """Boxes bucketed by the square cells they touch, so a box meets only its neighbours' boxes."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[tuple]] = {}

    def add(self, b: tuple) -> None:
        _Grid.put(self.cells, self.cell, b)

    def near_boxes(self, b: Sequence[float]):
        return _Grid.near(self.cells, self.cell, b)

    @staticmethod
    def keys(cell: float, b: Sequence[float]):
        for i in range(int(b[0] // cell), int(b[2] // cell) + 1):
            for j in range(int(b[1] // cell), int(b[3] // cell) + 1):
                yield i, j

    @staticmethod
    def put(cells: dict, cell: float, b: tuple) -> None:
        for key in _Grid.keys(cell, b):
            cells.setdefault(key, []).append(b)

    @staticmethod
    def near(cells: dict, cell: float, b: Sequence[float]):
        for key in _Grid.keys(cell, b):
            yield from cells.get(key, ())
