"""A document's Turtle, N-Triples and JSON-LD, byte for byte what rdflib writes, at a fraction of its cost.

rdflib's serialisers spend most of their time asking an in-memory store, triple pattern by
triple pattern, what they already had in hand, and computing the same prefixed name again for
every mention of a term: that was 62% of a document's build (issue 18). Here the graph's
triples are sorted once (the order :func:`policykg.kg.publish.sorted_copy` inserts them in),
indexed in plain dicts, and the very same rdflib code lays them out — its Turtle serialiser
(each name computed once), its JSON-LD converter and its N-Triples rows — reading the index
instead of a store. Only the lookups change, so the bytes do not: ``tests/test_serialise.py``
compares them with rdflib's own on documents of every kind.

A graph holding blank nodes (never built by policykg; the writers' nesting of them reads the
store in ways not mirrored here) is written by rdflib itself (:func:`serialisable`).
"""

from __future__ import annotations

import json
from collections import defaultdict

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.plugins.serializers.turtle import TurtleSerializer


class TripleIndex:
    """The triples of a graph in sorted order, by subject and by object, answering the few
    questions rdflib's writers ask of a graph (``subjects``, ``predicate_objects``, ``value``)."""

    context_aware = False

    def __init__(self, graph) -> None:
        self.identifier = BNode()
        n3: dict = {}            # each term's N3 once (a term recurs in many triples)

        def key(triple):
            return tuple(n3[x] if x in n3 else n3.setdefault(x, x.n3()) for x in triple)

        self.triples = sorted(graph, key=key)
        self.n3 = n3
        self.by_subject: dict = defaultdict(list)
        self.by_object: dict = defaultdict(list)
        for s, p, o in self.triples:
            self.by_subject[s].append((p, o))
            self.by_object[o].append((s, p))
        # the prefixes, bound as sorted_copy binds them: on a graph of their own, which a writer
        # may bind a generated prefix on (never the caller's graph)
        self.names = Graph()
        for prefix, ns in graph.namespaces():
            self.names.bind(prefix, ns, override=True, replace=True)

    def namespaces(self):
        return self.names.namespaces()

    def subjects(self, predicate=None, obj=None):
        if predicate is None and obj is None:
            return (s for s, _, _ in self.triples)
        if obj is None:
            return (s for s, p, _ in self.triples if p == predicate)
        return (s for s, p in self.by_object.get(obj, ()) if predicate is None or p == predicate)

    def predicate_objects(self, subject):
        return iter(self.by_subject.get(subject, ()))

    def value(self, subject, predicate):
        return next((o for p, o in self.by_subject.get(subject, ()) if p == predicate), None)


def serialisable(graph) -> bool:
    """True when this module writes ``graph`` as rdflib would: no blank node in it."""
    return not any(isinstance(x, BNode) for t in graph for x in t)


def ntriples(index: TripleIndex) -> str:
    """The N-Triples rdflib writes of the sorted graph (its rows, in the sorted order)."""
    n3 = index.n3
    return "".join(_nt_row(t) if isinstance(t[2], Literal) else f"{n3[t[0]]} {n3[t[1]]} {n3[t[2]]} .\n"
                   for t in index.triples)


def turtle(index: TripleIndex) -> bytes:
    """rdflib's Turtle of the sorted graph (``serialize(format="turtle", encoding="utf-8")``)."""
    from io import BytesIO

    out = BytesIO()
    _Turtle(index).serialize(out, encoding="utf-8")
    return out.getvalue()


def jsonld(index: TripleIndex, context: dict) -> str:
    """rdflib's JSON-LD text of the sorted graph with ``context`` (``serialize(format="json-ld", context=…)``)."""
    from rdflib.plugins.serializers.jsonld import from_rdf

    # the arguments rdflib's JsonLDSerializer passes (use_native_types as the one-element tuple it makes)
    obj = from_rdf(index, context, None, (False,), False, auto_compact=False)
    text = json.dumps(obj, indent=2, separators=(",", ": "), sort_keys=True, ensure_ascii=False)
    return text.encode("utf-8", "replace").decode("utf-8")


class _Turtle(TurtleSerializer):
    """rdflib's Turtle serialiser reading a :class:`TripleIndex`; each prefixed name computed once."""

    def __init__(self, index: TripleIndex) -> None:
        super().__init__(index.names)
        self.index = index
        self._pnames: dict = {}

    def preprocess(self) -> None:
        for triple in self.index.triples:
            self.preprocessTriple(triple)

    def get_pname(self, uri, gen_prefix: bool = True):
        if not isinstance(uri, URIRef):
            return None
        key = (uri, gen_prefix)
        if key not in self._pnames:             # a repeat would only bind the same prefix again
            self._pnames[key] = super().get_pname(uri, gen_prefix)
        return self._pnames[key]

    def orderSubjects(self):  # noqa: N802 - rdflib's name
        seen, subjects = {}, []
        for class_iri in self.topClasses:
            members = sorted(s for s, p in self.index.by_object.get(class_iri, ()) if p == RDF.type)
            subjects.extend(members)
            for member in members:
                self._topLevels[member] = True
                seen[member] = True
        recursable = sorted((isinstance(s, BNode), self._references[s], s) for s in self._subjects if s not in seen)
        subjects.extend(s for _, _, s in recursable)
        return subjects

    def buildPredicateHash(self, subject):  # noqa: N802 - rdflib's name
        properties: dict = {}
        for p, o in self.index.by_subject.get(subject, ()):
            properties.setdefault(p, []).append(o)
        return properties

