"""A document's Turtle, N-Triples and JSON-LD written directly: rdflib's bytes, without its writers.

rdflib's serialisers cost most of a document's build (issue 18): its Turtle writer asks a store,
triple pattern by triple pattern, for what it already had in hand and lays each term out through
a chain of method calls; its JSON-LD converter does the same, and the result was then dumped,
parsed back and sorted again to be stable. Here the graph's triples are read once and sorted by
their N-Triples terms (:class:`Rows`), and each format is laid out from that list by the rules of
rdflib 7's writers, kept to the letter:

* **Turtle** (``plugins/serializers/turtle.py``): ``@prefix`` lines for the namespaces the names
  use, sorted; instances of ``rdfs:Class`` first, then subjects by (times referred to, IRI);
  ``rdf:type`` (as ``a``) and ``rdfs:label`` first, then predicates by IRI; several objects
  sorted as rdflib sorts terms, on indented lines; a term's prefixed name from rdflib's own
  ``get_pname`` (generated prefixes, ``_`` prefixes rewritten, escaped parentheses and ``%``, a
  name ending in ``.`` written as ``<IRI>``) and a literal from its own ``_literal_n3`` — asked
  once per term, not per mention.
* **N-Triples**: rdflib's rows, then :func:`policykg.kg.publish.ntriples_lines` and sorted.
* **JSON-LD**: the canonical document :func:`policykg.kg.publish._stable_jsonld` made of rdflib's
  output — one node per subject, ``@type`` from ``rdf:type``, native numbers and booleans, value
  arrays and nodes sorted by their compact JSON — built directly and written once with the layout
  of ``json.dumps(indent=1, sort_keys=True, ensure_ascii=False)``; prefixes shortened by rdflib's
  own JSON-LD :class:`Context`.

What this module does not lay out it declines (:class:`Unsupported`) and the caller writes the
graph with rdflib: blank nodes (nested, never built by policykg), ``rdf:nil`` (written ``()``), a
predicate that is itself a prefix's namespace (a JSON-LD term), two subjects shortened to one
JSON-LD id, text that UTF-8 cannot encode (lone surrogates). ``tests/test_serialise.py`` holds the
bytes to rdflib's on the seed, the dev documents, generated documents and random graphs.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from json.encoder import encode_basestring

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.serializers.nt import _quoteLiteral
from rdflib.plugins.serializers.turtle import TurtleSerializer

_TYPE, _LABEL, _CLASS, _NIL = RDF.type, RDFS.label, RDFS.Class, RDF.nil


class Unsupported(Exception):
    """The graph holds something only rdflib's own writers lay out (see the module docstring)."""


class Rows:
    """The triples of a graph sorted by their N-Triples terms, the order every output starts from.

    ``rows`` holds ``(s_n3, p_n3, o_n3, s, p, o)``; an IRI's ``n3`` is computed once. ``names`` is a
    fresh graph holding the caller's prefix bindings, on which Turtle may bind generated prefixes
    (the caller's graph is never touched).
    """

    def __init__(self, graph) -> None:
        n3: dict = {}            # an IRI's text → its N3 (plain strings: no rdflib comparison per lookup)
        rows = []
        for s, p, o in graph:
            if type(s) is not URIRef or type(p) is not URIRef or isinstance(o, BNode):
                raise Unsupported("a blank node")
            ks = n3.get(str(s)) or n3.setdefault(str(s), s.n3())
            kp = n3.get(str(p)) or n3.setdefault(str(p), p.n3())
            ko = o.n3() if isinstance(o, Literal) else (n3.get(str(o)) or n3.setdefault(str(o), o.n3()))
            rows.append((ks, kp, ko, s, p, o))
        if str(_NIL) in n3:
            raise Unsupported("rdf:nil")
        rows.sort()              # by the three N3 texts, which differ for any two triples of a graph
        self.rows = rows
        self.names = Graph()
        for prefix, ns in graph.namespaces():
            self.names.bind(prefix, ns, override=True, replace=True)

    def context(self) -> dict:
        """The JSON-LD context a document is written with: every bound prefix (before Turtle binds any)."""
        return {prefix: str(ns) for prefix, ns in self.names.namespaces() if prefix}

    def by_subject(self):
        """``(s_n3, s, [(p, o), …])`` per subject, in sorted order."""
        current, group = None, []
        for ks, _, _, s, p, o in self.rows:
            if ks != current:
                if group:
                    yield current, group[0][0], [(pp, oo) for _, pp, oo in group]
                current, group = ks, []
            group.append((s, p, o))
        if group:
            yield current, group[0][0], [(pp, oo) for _, pp, oo in group]


def serialisable(graph) -> bool:
    """False for a graph :class:`Rows` declines at once (a blank node, ``rdf:nil``)."""
    return not any(isinstance(x, BNode) or x == _NIL for t in graph for x in t)


def ntriples_rows(rows: Rows) -> str:
    """rdflib's N-Triples of the graph, one row per triple in sorted order (``nt`` serializer's rows)."""
    return "".join(f"{ks} {kp} {_quoteLiteral(o) if isinstance(o, Literal) else ko} .\n"
                   for ks, kp, ko, _, _, o in rows.rows)


# --------------------------------------------------------------------------------------------- Turtle

class _Names(TurtleSerializer):
    """rdflib's prefixed-name rules (``get_pname``, ``addNamespace``) on the prefixes of ``names``;
    each answer computed once, in the order rdflib's writer first asks."""

    def __init__(self, names: Graph) -> None:
        super().__init__(names)
        self._pnames: dict = {}

    def pname(self, uri, gen_prefix: bool):
        key = (str(uri), gen_prefix)
        found = self._pnames.get(key, self)
        if found is self:                    # a repeat would only bind the same prefix again
            found = self._pnames[key] = self.get_pname(uri, gen_prefix)
        return found


def turtle(rows: Rows) -> bytes:
    """rdflib's Turtle of the graph (``serialize(format="turtle", encoding="utf-8")``)."""
    names = _Names(rows.names)
    refs: dict = {}
    classes = []
    type_n3, class_n3 = _TYPE.n3(), _CLASS.n3()
    for ks, kp, ko, s, p, o in rows.rows:          # rdflib's preprocess: names asked in triple order
        names.pname(s, False)
        if kp != type_n3:
            names.pname(p, True)
        if isinstance(o, Literal):
            if o.datatype is not None:
                names.pname(o.datatype, False)
        else:
            names.pname(o, False)
            refs[ko] = refs.get(ko, 0) + 1
            if ko == class_n3 and kp == type_n3:
                classes.append(s)
    # the prefix lines: the namespaces named so far (rdflib writes them before the statements)
    head = "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in sorted(names.namespaces.items()))
    labels: dict = {}

    def label(node, verb: bool) -> str:
        if isinstance(node, Literal):
            return node._literal_n3(use_plain=True, qname_callback=lambda dt: names.pname(dt, False))
        key = (str(node), verb)
        found = labels.get(key)
        if found is None:
            name = names.pname(node, verb)
            if name is None:                   # its namespace may have been generated since (by a predicate)
                name = names.get_pname(node, verb)
            found = labels[key] = name or node.n3()
        return found

    blocks = {ks: _statement(s, props, label) for ks, s, props in rows.by_subject()}
    first = [s.n3() for s in sorted(set(classes))]       # rdflib's topClasses: instances of rdfs:Class
    top = set(first)
    order = first + [ks for _, _, ks in sorted((refs.get(ks, 0), ks[1:-1], ks) for ks in blocks if ks not in top)]
    body = "".join(f"\n{blocks[ks]} .\n" for ks in order)
    return (head + body + "\n").encode("utf-8")


def _statement(subject, props: list, label) -> str:
    """One subject's block: rdflib's ``s_default`` → ``predicateList`` → ``objectList``."""
    objects: dict = {}
    for p, o in props:
        objects.setdefault(p, []).append(o)
    order = [p for p in (_TYPE, _LABEL) if p in objects]
    order += sorted((p for p in objects if p != _TYPE and p != _LABEL), key=str)
    parts = []
    for p in order:
        values = objects[p]
        if len(values) > 1:
            values.sort()                      # rdflib's term order (numbers by value, …)
            text = ",\n        ".join(label(o, False) for o in values)
        else:
            text = label(values[0], False)
        parts.append(f"{'a' if p == _TYPE else label(p, True)} {text}")
    return f"{label(subject, False)} " + " ;\n    ".join(parts)


# -------------------------------------------------------------------------------------------- JSON-LD

#: rdflib's JSON-LD converter writes these datatypes as JSON numbers, booleans and strings
_NATIVE = frozenset(URIRef("http://www.w3.org/2001/XMLSchema#" + name) for name in ("boolean", "integer", "double",
                                                                                      "string"))
#: the compact JSON a value is sorted by (``_stable_jsonld``'s key)
_compact = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


@lru_cache(maxsize=8)
def _context(items: tuple):
    from rdflib.plugins.shared.jsonld.context import Context
    return Context(dict(items))


def jsonld(rows: Rows, context: dict) -> bytes:
    """The canonical JSON-LD of the graph: what ``_stable_jsonld`` makes of rdflib's
    ``serialize(format="json-ld", context=context)``, byte for byte."""
    ctx = _context(tuple(sorted(context.items())))
    if not ctx.active:
        raise Unsupported("an empty context")
    shrunk: dict = {}
    symbols: dict = {}

    def shrink(iri) -> str:
        if iri not in shrunk:
            shrunk[iri] = ctx.shrink_iri(iri)
        return shrunk[iri]

    def symbol(iri, predicate: bool = False) -> str:
        if iri not in symbols:
            symbols[iri] = ctx.to_symbol(iri)
        if predicate and ctx.find_term(str(iri)) is not None:
            raise Unsupported("a predicate that is a prefix's namespace")
        return symbols[iri]

    nodes: dict = {}
    for _, s, props in rows.by_subject():
        node_id = shrink(s)
        if node_id in nodes:
            raise Unsupported("two subjects with one JSON-LD id")
        nodes[node_id] = _node(node_id, props, shrink, symbol)
    items = sorted(nodes.values(), key=_compact)
    if len(items) == 1:
        doc = {**items[0], "@context": context}
    else:
        doc = {"@context": context, "@graph": items}
    out: list = []
    _write(doc, "\n", out)
    out.append("\n")
    return "".join(out).encode("utf-8")


def _node(node_id: str, props: list, shrink, symbol) -> dict:
    """One subject's node, as rdflib's ``Converter.add_to_node`` fills it (a value that is already
    there and falsy — ``0``, ``""`` — is replaced, not joined: rdflib's ``if value:``), its arrays
    sorted."""
    node = {"@id": node_id}
    for p, o in props:
        if p == _TYPE:
            key = "@type"
            value = symbol(o) if isinstance(o, URIRef) else _value(o, shrink, symbol)
        else:
            key = symbol(p, True)
            value = _value(o, shrink, symbol)
        existing = node.get(key)
        if existing:
            if isinstance(existing, list):
                existing.append(value)
            else:
                node[key] = [existing, value]
        else:
            node[key] = value
    for key, value in node.items():
        if isinstance(value, list):
            value.sort(key=_compact)
    return node


def _value(o, shrink, symbol):
    """rdflib's ``Converter.to_raw_value`` for an IRI or a literal, with the context active."""
    if not isinstance(o, Literal):
        return {"@id": shrink(o)}
    datatype = o.datatype
    if datatype is not None:
        if datatype in _NATIVE:
            value = o.toPython()
            return str(value) if isinstance(value, str) else value
        return {"@type": symbol(datatype), "@value": str(o)}
    if o.language:
        return {"@language": o.language, "@value": str(o)}
    return str(o)


def _write(value, indent: str, out: list) -> None:
    """``json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)`` into ``out``."""
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = indent + " "
        out.append("{")
        first = True
        for key in sorted(value):
            out.append(inner if first else "," + inner)
            first = False
            out.append(encode_basestring(key))
            out.append(": ")
            _write(value[key], inner, out)
        out.append(indent + "}")
    elif isinstance(value, list):
        if not value:
            out.append("[]")
            return
        inner = indent + " "
        out.append("[")
        first = True
        for item in value:
            out.append(inner if first else "," + inner)
            first = False
            _write(item, inner, out)
        out.append(indent + "]")
    else:
        out.append(_scalar(value))


def _scalar(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    raise Unsupported(f"a value JSON does not know: {type(value).__name__}")
