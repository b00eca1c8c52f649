"""A document's triples as the mapping states them, without an rdflib store behind them.

Adding a triple to an rdflib ``Graph`` costs some 14 µs — three nested indexes, a context map and
an event per triple — and a document states 3,500 of them: a fifth of a document's build went
into filling a store that the build then only iterates (to validate, to count, to write the
files). :class:`DocumentTriples` keeps the triples in one insertion-ordered dict (the same
duplicate rule as a graph: rdflib terms' own hash and equality) and the prefixes on a graph that
holds nothing else, bound by the very calls that bound them before. It offers what the build
reads — iteration, ``len``, ``namespaces`` — and :meth:`DocumentTriples.graph` gives the rdflib
graph, built once, to every other reader (:attr:`policykg.kg.pipeline.BuildResult.graph`).
"""

from __future__ import annotations

from rdflib import Graph


class DocumentTriples:
    """A set of triples and the prefixes to write them with (see the module docstring)."""

    __slots__ = ("_triples", "_names", "_graph")

    def __init__(self) -> None:
        self._triples: dict = {}
        self._names = Graph()           # the prefixes only, until :meth:`graph` fills it with the triples
        self._graph: Graph | None = None

    def add(self, triple) -> None:
        self._triples[triple] = None
        if self._graph is not None:
            self._graph.add(triple)

    def __iadd__(self, triples):
        for triple in triples:
            self.add(triple)
        return self

    def bind(self, prefix: str, namespace, override: bool = True) -> None:
        self._names.bind(prefix, namespace, override=override)

    def namespaces(self):
        return self._names.namespaces()

    def __iter__(self):
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def subjects(self, predicate, obj):
        """Subjects of the triples with ``predicate`` and ``obj`` (both given)."""
        return (s for s, p, o in self._triples if p == predicate and o == obj)

    def graph(self) -> Graph:
        """The rdflib graph of these triples: the prefixes' graph, bound as the mapping bound it,
        filled on the first call."""
        if self._graph is None:
            for triple in self._triples:
                self._names.add(triple)
            self._graph = self._names
        return self._graph
