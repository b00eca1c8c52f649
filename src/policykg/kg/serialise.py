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
  arrays and nodes sorted by their compact JSON (nodes by their ids' JSON strings alone when every
  key sorts after ``@id``: the same order) — built directly and written once with the layout
  of ``json.dumps(indent=1, sort_keys=True, ensure_ascii=False)``; prefixes shortened by rdflib's
  own JSON-LD :class:`Context`.

A literal's texts (N3, N-Triples, Turtle label, JSON-LD value) are kept for the whole process
(:data:`_LITERALS`): a corpus repeats most of its literals, and each text is the literal's alone — the
Turtle label made again when its datatype's prefixed name differs, the JSON-LD value when the context does.

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
_TYPE_N3, _LABEL_N3, _CLASS_N3 = _TYPE.n3(), _LABEL.n3(), _CLASS.n3()


class Unsupported(Exception):
    """The graph holds something only rdflib's own writers lay out (see the module docstring)."""


#: A literal's texts, kept for the whole process: a corpus repeats most of its literals (numbers, dates,
#: years, units' names, whole sentences of a template), and each text is a function of the literal alone
#: — (lexical form, language, datatype) → ``[N3, N-Triples, Turtle label, the datatype's prefixed name the
#: label was made with, (JSON-LD context, JSON-LD value)]``, the last three filled when first asked.
_LITERALS: dict = {}
#: cleared when it holds this many (a bound on memory: ~1.1 kB a literal, ~55 MB; 60 generated documents hold 11k)
_LITERALS_MAX = 50_000


def _literal_texts(o) -> list:
    key = (str(o), o.language, o.datatype)
    found = _LITERALS.get(key)
    if found is None:
        if len(_LITERALS) >= _LITERALS_MAX:
            _LITERALS.clear()
        found = _LITERALS[key] = [o.n3(), _quoteLiteral(o), None, None, None]
    return found


class Rows:
    """The triples of a graph sorted by their N-Triples terms, the order every output starts from.

    ``rows`` holds ``(s_n3, p_n3, o_n3, s, p, o)``; an IRI's ``n3`` is computed once. ``literals``
    holds each literal's texts by its N3 (:data:`_LITERALS`). ``names`` is a fresh graph holding the
    caller's prefix bindings, on which Turtle may bind generated prefixes (the caller's graph is
    never touched).
    """

    def __init__(self, graph) -> None:
        n3: dict = {}            # an IRI's text → its N3 (plain strings: no rdflib comparison per lookup)
        literals: dict = {}
        rows = []
        for s, p, o in graph:
            if type(s) is not URIRef or type(p) is not URIRef or isinstance(o, BNode):
                raise Unsupported("a blank node")
            ks = n3.get(str(s)) or n3.setdefault(str(s), s.n3())
            kp = n3.get(str(p)) or n3.setdefault(str(p), p.n3())
            if isinstance(o, Literal):
                texts = _literal_texts(o)
                ko = texts[0]
                literals[ko] = texts
            else:
                ko = n3.get(str(o)) or n3.setdefault(str(o), o.n3())
            rows.append((ks, kp, ko, s, p, o))
        if str(_NIL) in n3:
            raise Unsupported("rdf:nil")
        rows.sort()              # by the three N3 texts, which differ for any two triples of a graph
        self.rows = rows
        self.literals = literals
        self._groups = None
        self.names = Graph()
        for prefix, ns in graph.namespaces():
            self.names.bind(prefix, ns, override=True, replace=True)

    def context(self) -> dict:
        """The JSON-LD context a document is written with: every bound prefix (before Turtle binds any)."""
        return {prefix: str(ns) for prefix, ns in self.names.namespaces() if prefix}

    def by_subject(self) -> list:
        """``(s_n3, s, [(p_n3, p, o_n3, o), …])`` per subject, in sorted order (made once: Turtle and
        JSON-LD both read it)."""
        if self._groups is None:
            groups: list = []
            current, subject, group = None, None, []
            for ks, kp, ko, s, p, o in self.rows:
                if ks != current:
                    if group:
                        groups.append((current, subject, group))
                    current, subject, group = ks, s, []
                group.append((kp, p, ko, o))
            if group:
                groups.append((current, subject, group))
            self._groups = groups
        return self._groups


def serialisable(graph) -> bool:
    """False for a graph :class:`Rows` declines at once (a blank node, ``rdf:nil``)."""
    return not any(isinstance(x, BNode) or x == _NIL for t in graph for x in t)


def ntriples_rows(rows: Rows) -> str:
    """rdflib's N-Triples of the graph, one row per triple in sorted order (``nt`` serializer's rows)."""
    literals = rows.literals
    return "".join(f"{ks} {kp} {literals[ko][1] if ko in literals else ko} .\n" for ks, kp, ko, _, _, _ in rows.rows)


# --------------------------------------------------------------------------------------------- Turtle

#: rdflib's ``compute_qname`` answers kept for the process, per set of prefix bindings (a document's
#: IRIs of the shared vocabulary, and its own IRIs that have none, are asked again in every document):
#: (bindings' number, IRI, generate) → ``(prefix, namespace, local)``, or ``None`` when rdflib raised (no
#: prefixed name: raised again, for rdflib's ``get_pname`` to handle).
#: An answer is the bindings' alone: the namespaces rdflib's trie gains from splitting earlier IRIs
#: never make a longer match than the IRI's own split (an earlier IRI split inside this one's local
#: name would have had to split here too). Not used once a prefix is generated (the bindings changed).
_QNAMES: dict = {}
_QNAMES_MAX = 100_000         # cleared then: ~25 MB (60 generated documents ask 24k IRIs)
_BINDINGS: dict = {}


class _Names(TurtleSerializer):
    """rdflib's prefixed-name rules (``get_pname``, ``addNamespace``) on the prefixes of ``names``;
    each answer computed once, in the order rdflib's writer first asks. rdflib's own ``get_pname``
    runs; only the ``compute_qname`` it asks of ``names`` is answered from :data:`_QNAMES` while the
    bindings are the ones it was keyed by."""

    def __init__(self, names: Graph) -> None:
        super().__init__(names)
        self._pnames: dict = {}
        bound = tuple((prefix, str(ns)) for prefix, ns in names.namespaces())
        self._bound = dict(bound)
        self._bindings = _BINDINGS.get(bound)
        if self._bindings is None:
            self._bindings = _BINDINGS.setdefault(bound, len(_BINDINGS))
        names.compute_qname = self._compute_qname        # this graph's only (a fresh one per document)

    def pname(self, uri, gen_prefix: bool):
        key = (str(uri), gen_prefix)
        found = self._pnames.get(key, self)
        if found is self:                    # a repeat would only bind the same prefix again
            found = self._pnames[key] = self.get_pname(uri, gen_prefix)
        return found

    def _compute_qname(self, uri, generate: bool = True):
        """``Graph.compute_qname`` of ``names``, kept in :data:`_QNAMES` when the answer's prefix is one of
        the bindings keyed (a generated prefix changes them: nothing is kept after it)."""
        key = (self._bindings, str(uri), generate)
        parts = _QNAMES.get(key, _QNAMES) if self._bindings is not None else _QNAMES
        if parts is _QNAMES:
            try:
                parts = Graph.compute_qname(self.store, uri, generate=generate)
            except Exception:                # no prefixed name: rdflib's get_pname handles it
                parts = None
            if self._bindings is not None and (parts is None or self._bound.get(parts[0]) == str(parts[1])):
                if len(_QNAMES) >= _QNAMES_MAX:
                    _QNAMES.clear()
                _QNAMES[key] = parts
            elif parts is not None:
                self._bindings = None
        if parts is None:
            raise KeyError(f"no prefixed name for {uri}")
        return parts


def turtle(rows: Rows) -> bytes:
    """rdflib's Turtle of the graph (``serialize(format="turtle", encoding="utf-8")``)."""
    names = _Names(rows.names)
    refs: dict = {}
    classes = []
    asked: set = set()                         # (N3, as a predicate): a repeated question changes nothing
    for ks, kp, ko, s, p, o in rows.rows:      # rdflib's preprocess: names asked in triple order
        if ks not in asked:
            asked.add(ks)
            names.pname(s, False)
        if kp != _TYPE_N3 and (kp, True) not in asked:
            asked.add((kp, True))
            names.pname(p, True)
        if isinstance(o, Literal):
            if o.datatype is not None:
                names.pname(o.datatype, False)
        else:
            if ko not in asked:
                asked.add(ko)
                names.pname(o, False)
            refs[ko] = refs.get(ko, 0) + 1
            if ko == _CLASS_N3 and kp == _TYPE_N3:
                classes.append(s)
    # the prefix lines: the namespaces named so far (rdflib writes them before the statements)
    head = "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in sorted(names.namespaces.items()))
    labels = _Labels(names, rows.literals)
    blocks = {ks: _statement(ks, subject, props, labels) for ks, subject, props in rows.by_subject()}
    first = [s.n3() for s in sorted(set(classes))]       # rdflib's topClasses: instances of rdfs:Class
    top = set(first)
    order = first + [ks for _, _, ks in sorted((refs.get(ks, 0), ks[1:-1], ks) for ks in blocks if ks not in top)]
    body = "".join(f"\n{blocks[ks]} .\n" for ks in order)
    return (head + body + "\n").encode("utf-8")


class _Labels:
    """How rdflib's ``label`` writes each term, once per term (keyed by its N3): a prefixed name,
    else ``<IRI>``; a literal by its own ``_literal_n3(use_plain=True)``, datatype as a name."""

    def __init__(self, names: _Names, literals: dict) -> None:
        self.names = names
        self.literals = literals
        self.terms: dict = {}
        self.verbs: dict = {_TYPE_N3: "a"}

    def _name(self, uri, verb: bool):
        # asked again when the first answer was none: a predicate may have generated its prefix since
        return self.names.pname(uri, verb) or self.names.get_pname(uri, verb)

    def term(self, node, n3: str) -> str:
        found = self.terms.get(n3)
        if found is None:
            texts = self.literals.get(n3)
            if texts is not None:
                found = self._literal(node, texts)
            else:
                found = self._name(node, False) or n3
            self.terms[n3] = found
        return found

    def _literal(self, node, texts: list) -> str:
        """The literal's label, made again only when its datatype's name here differs from the last."""
        datatype = node.datatype
        qname = None if datatype is None else self._name(datatype, False)
        if texts[2] is None or texts[3] != qname:
            texts[2] = node._literal_n3(use_plain=True, qname_callback=lambda dt: qname)
            texts[3] = qname
        return texts[2]

    def verb(self, node, n3: str) -> str:
        found = self.verbs.get(n3)
        if found is None:
            found = self.verbs[n3] = self._name(node, True) or n3
        return found


def _statement(ks: str, subject, props: list, labels: _Labels) -> str:
    """One subject's block: rdflib's ``s_default`` → ``predicateList`` → ``objectList``."""
    objects: dict = {}
    for kp, p, ko, o in props:
        objects.setdefault(kp, [p]).append((o, ko))
    order = [kp for kp in (_TYPE_N3, _LABEL_N3) if kp in objects]
    order += sorted((kp for kp in objects if kp != _TYPE_N3 and kp != _LABEL_N3), key=lambda kp: kp[1:-1])
    parts = []
    for kp in order:
        p, *values = objects[kp]
        if len(values) > 1:
            values.sort(key=_first)            # rdflib sorts the terms (numbers by value, …), stably
            text = ",\n        ".join(labels.term(o, ko) for o, ko in values)
        else:
            text = labels.term(*values[0])
        parts.append(f"{labels.verb(p, kp)} {text}")
    return f"{labels.term(subject, ks)} " + " ;\n    ".join(parts)


def _first(pair):
    return pair[0]


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
    values = _JsonValues(ctx, rows.literals)
    nodes: dict = {}
    for ks, _, props in rows.by_subject():
        node_id = values.shrink(ks)
        if node_id in nodes:
            raise Unsupported("two subjects with one JSON-LD id")
        nodes[node_id] = _node(node_id, props, values)
    if values.keys_after_id:
        # every key sorts after "@id", so a node's compact JSON starts '{"@id": "<its id>"' and the ids
        # (distinct) decide the order alone: sorted by their JSON strings, no node encoded whole
        items = sorted(nodes.values(), key=_id_text)
    else:
        items = sorted(nodes.values(), key=_compact)
    if len(items) == 1:
        doc = {**items[0], "@context": context}
    else:
        doc = {"@context": context, "@graph": items}
    out: list = []
    _write(doc, "\n", out)
    out.append("\n")
    return "".join(out).encode("utf-8")


def _id_text(node: dict) -> str:
    return encode_basestring(node["@id"])


class _JsonValues:
    """rdflib's JSON-LD ``Converter`` choices, each made once per term (keyed by its N3): a
    predicate's key, an IRI's shortened id, a literal's value (``to_raw_value`` with the context
    active: native numbers, booleans and strings, else ``@value`` with ``@type`` or ``@language``).
    An IRI's value (``{"@id": …}``, or its symbol as a type) is one object per document, shared."""

    def __init__(self, ctx, literals: dict) -> None:
        self.ctx = ctx
        self.texts = literals
        self.ids: dict = {}
        self.keys: dict = {_TYPE_N3: "@type"}
        self.keys_after_id = True          # no key sorts before "@id" (see :func:`jsonld`)
        self.symbols: dict = {}
        self.objects: dict = {}
        self.types: dict = {}
        self.compacts: dict = {}           # id(value) → its compact JSON, for one document's values (all alive)

    def shrink(self, n3: str) -> str:
        found = self.ids.get(n3)
        if found is None:
            found = self.ids[n3] = self.ctx.shrink_iri(n3[1:-1])
        return found

    def symbol(self, iri: str) -> str:
        found = self.symbols.get(iri)
        if found is None:
            found = self.symbols[iri] = self.ctx.to_symbol(iri)
        return found

    def key(self, kp: str) -> str:
        found = self.keys.get(kp)
        if found is None:
            if self.ctx.find_term(kp[1:-1]) is not None:
                raise Unsupported("a predicate that is a prefix's namespace")
            found = self.keys[kp] = self.symbol(kp[1:-1])
            if found <= "@id":
                self.keys_after_id = False
        return found

    def value(self, o, ko: str, type_object: bool):
        texts = self.texts.get(ko)
        if texts is None:                       # an IRI
            if type_object:
                found = self.types.get(ko)
                if found is None:
                    found = self.types[ko] = self.symbol(ko[1:-1])
            else:
                found = self.objects.get(ko)
                if found is None:
                    found = self.objects[ko] = {"@id": self.shrink(ko)}
            return found
        found = texts[4]
        if found is None or found[0] is not self.ctx:      # made with another context: made again
            found = texts[4] = (self.ctx, self._literal(o))
        return found[1]

    def _literal(self, o):
        datatype = o.datatype
        if datatype is not None:
            if datatype in _NATIVE:
                value = o.toPython()
                return str(value) if isinstance(value, str) else value
            return {"@type": self.symbol(str(datatype)), "@value": str(o)}
        if o.language:
            return {"@language": o.language, "@value": str(o)}
        return str(o)


def _node(node_id: str, props: list, values: _JsonValues) -> dict:
    """One subject's node, as rdflib's ``Converter.add_to_node`` fills it (a value that is already
    there and falsy — ``0``, ``""`` — is replaced, not joined: rdflib's ``if value:``), its arrays
    sorted. Values are shared between nodes and never changed."""
    node = {"@id": node_id}
    keys, value_of = values.keys, values.value
    lists = None
    for kp, _, ko, o in props:
        key = keys.get(kp) or values.key(kp)
        value = value_of(o, ko, kp == _TYPE_N3)
        existing = node.get(key)
        if existing:
            if type(existing) is list:
                existing.append(value)
            else:
                node[key] = [existing, value]
                lists = [key] if lists is None else lists + [key]
        else:
            node[key] = value
    if lists:
        compacts = values.compacts

        def compact(value) -> str:
            found = compacts.get(id(value))
            if found is None:
                found = compacts[id(value)] = _compact(value)
            return found
        for key in lists:
            node[key].sort(key=compact)
    return node


def _write(value, indent: str, out: list) -> None:
    """``json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)`` into ``out`` (a string
    member or item written in place: most values are strings)."""
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = indent + " "
        glue = "," + inner
        out.append("{")
        first = True
        for key in sorted(value):
            out.append(inner if first else glue)
            first = False
            item = value[key]
            if type(item) is str:
                out.append(f"{encode_basestring(key)}: {encode_basestring(item)}")
            else:
                out.append(encode_basestring(key) + ": ")
                _write(item, inner, out)
        out.append(indent + "}")
    elif kind is list:
        if not value:
            out.append("[]")
            return
        inner = indent + " "
        glue = "," + inner
        out.append("[")
        first = True
        for item in value:
            out.append(inner if first else glue)
            first = False
            if type(item) is str:
                out.append(encode_basestring(item))
            else:
                _write(item, inner, out)
        out.append(indent + "]")
    elif isinstance(value, str):                  # a subclass: its characters, as json writes them
        out.append(encode_basestring(value))
    elif isinstance(value, (dict, list)):
        _write(dict(value) if isinstance(value, dict) else list(value), indent, out)
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
