"""The documents of a store, read one way: one :class:`Document` per ``pkg:PolicyDocument``.

Every consumer that needs the list asks here — ``policykg docs``, the
responsibility matrix and the source view (:mod:`policykg.use.export`), the
endpoint's document picker (:mod:`policykg.use.serve`) and ``--doc ID``
(:func:`scoped`) — so a document has the same id, title and jurisdiction
wherever it is shown, and an unknown id gets the same answer everywhere.

A corpus store keeps each document in a named graph (its IRI) and their merge
as the default graph; the list is read from the default graph. :func:`scoped`
narrows a store to one document: its named graph plus the shared graph of
ontology and schemes become the query's default graph, which is what
``policykg query NAME --doc ID`` and ``explore.query_frame(name, doc=ID)`` run on.
"""

from __future__ import annotations

from collections import namedtuple

from policykg.errors import QueryError
from policykg.kg.store import answer
from policykg.vocab import ANALYSIS_GRAPH, PROGRESS_GRAPH, SHARED_GRAPH, sparql_prefixes

#: What the library's question ``documents`` answers of each document (:meth:`Document.row`).
COLUMNS = ("doc", "title", "issuer", "issued", "jurisdiction", "level")
#: What ``policykg docs`` prints: those, and the format the file was read as (:meth:`Document.listed`) —
#: which says how a document reached the corpus, not what it says, so the question leaves it out
#: (a document reads the same whatever its format).
LISTED = COLUMNS + ("format",)

# Every aspect in a sub-select of its own, so that two titles or two issuers never multiply the rows;
# MIN keeps the choice deterministic where a merged graph says a thing twice.
_DOCUMENTS = sparql_prefixes(("pkg", "dcterms", "skos", "prov")) + """
SELECT ?d ?sid ?title ?issuer ?issued ?jurisdiction ?level ?file ?source ?format WHERE {
  { SELECT DISTINCT ?d WHERE { ?d a pkg:PolicyDocument } }
  OPTIONAL { SELECT ?d (MIN(STR(?s)) AS ?sid) WHERE { ?d a pkg:PolicyDocument ; pkg:shortId ?s } GROUP BY ?d }
  OPTIONAL { SELECT ?d (MIN(STR(?t)) AS ?title) (MIN(COALESCE(STR(?i), "")) AS ?issued) WHERE {
      ?d a pkg:PolicyDocument ; dcterms:title ?t . OPTIONAL { ?d dcterms:issued ?i } } GROUP BY ?d }
  OPTIONAL { SELECT ?d (MIN(STR(COALESCE(?fn, ?pl))) AS ?issuer) WHERE {
      ?d a pkg:PolicyDocument ; dcterms:publisher ?p . OPTIONAL { ?p pkg:fullName ?fn } OPTIONAL { ?p skos:prefLabel ?pl } }
    GROUP BY ?d }
  OPTIONAL { SELECT ?d (MIN(COALESCE(STR(?jl), "")) AS ?jurisdiction) (MIN(COALESCE(STR(?lv), "")) AS ?level) WHERE {
      ?d a pkg:PolicyDocument ; dcterms:spatial ?j . ?j skos:prefLabel ?jl . OPTIONAL { ?j pkg:administrativeLevel ?lv } }
    GROUP BY ?d }
  OPTIONAL { SELECT ?d (MIN(STR(?fn)) AS ?file) (MIN(STR(?h)) AS ?source) (MIN(STR(?ff)) AS ?format) WHERE {
      ?d a pkg:PolicyDocument ; prov:hadPrimarySource ?src .
      OPTIONAL { ?src pkg:fileName ?fn } OPTIONAL { ?src dcterms:identifier ?h } OPTIONAL { ?src pkg:fileFormat ?ff } }
    GROUP BY ?d }
}"""


# A named tuple, not a dataclass: ``policykg query --doc`` reads the list, and ``dataclasses``
# imports ``inspect``, which alone costs that command a third of a bare ``import pyoxigraph``.
class Document(namedtuple("Document", "iri short_id title issuer issued jurisdiction level file_name source_id "
                                       "format")):
    """One document of a store: its IRI (also the name of its graph in a corpus), short id (what ``--doc``
    takes: the file name without ``.txt``), title, issuer, date of issue (``YYYY-MM-DD`` or ""), jurisdiction
    and its level (国家, 省, 市, 县), the source file's name, its SHA-256 (``sha256:…``) and the format it was
    read as (``text``, ``html``, ``docx``, ``pdf`` …); "" where the graph says nothing."""

    __slots__ = ()

    def row(self) -> list[str]:
        """The document as the library's question ``documents`` answers it (:data:`COLUMNS`)."""
        return [self.short_id, self.title, self.issuer, self.issued, self.jurisdiction, self.level]

    def listed(self) -> list[str]:
        """The document as ``policykg docs`` prints it (:data:`LISTED`)."""
        return self.row() + [self.format]


def documents(graph) -> list[Document]:
    """Every document of ``graph`` (a store, a view of one, an rdflib graph), ordered by short id.

    A document without ``pkg:shortId`` (a graph not built by policykg) is known by
    its source file's name, else by the last segment of its IRI.
    """
    found = []
    for iri, sid, title, issuer, issued, place, level, file_name, source, fmt in answer(graph, _DOCUMENTS).rows:
        short = sid or (file_name.rsplit(".", 1)[0] if file_name else "") or iri.rstrip("/").rsplit("/", 1)[-1]
        found.append(Document(iri, short, title, issuer, issued, place, level, file_name, source, fmt))
    return sorted(found, key=lambda d: (d.short_id, d.iri))


def find_document(graph, short_id: str, docs: list[Document] | None = None) -> Document:
    """The document whose short id is ``short_id``, or a one-line :class:`QueryError` naming the known ones."""
    docs = documents(graph) if docs is None else docs
    for doc in docs:
        if doc.short_id == short_id:
            return doc
    shown = ", ".join(d.short_id for d in docs[:20]) + (" …" if len(docs) > 20 else "")
    raise QueryError(f"no document {short_id!r} in the graph",
                     hint=f"known: {shown or 'none'}; 'policykg docs' lists them")


class ScopedStore:
    """A store seen through one document: its named graph and the shared graph are the default graph.

    Passed wherever a store goes (``run_query``, ``execute_query``, the
    notebooks' and ``analyze``'s functions), it answers every query as if the
    store held that document alone. ``doc`` is the document's short id, ``iri``
    its IRI.
    """

    __slots__ = ("store", "doc", "iri", "graphs")

    def __init__(self, store, doc: str, iri: str, graphs: list) -> None:
        self.store, self.doc, self.iri, self.graphs = store, doc, iri, graphs

    def query(self, text: str, use_default_graph_as_union: bool = False, **kwargs):
        # the union flag is what a whole store is asked with; here the default graph is chosen
        return self.store.query(text, default_graph=self.graphs, **kwargs)

    def __len__(self) -> int:
        """Triples in the document's graph and the shared graph (what queries on it see)."""
        solution = next(iter(self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))
        return int(solution[0].value)

    def __repr__(self) -> str:
        return f"<ScopedStore doc={self.doc}>"


def scoped(graph, doc: str | None):
    """``graph`` (a store, or a store already scoped) narrowed to document ``doc`` (its short id, e.g.
    ``000_4cdbba2a142b4d11``); ``None``: unchanged.

    In a corpus store the document's named graph and the shared graph become the
    default graph; a one-document store (the graph in the default graph, no named
    graphs) holds that document alone and is returned as is. An unknown id is a
    one-line :class:`QueryError` naming the known ones. An rdflib graph is made a
    store first (:func:`policykg.kg.store.as_store`), as :func:`policykg.kg.query.execute_query` does.
    """
    if doc is None:
        return graph
    import pyoxigraph as ox

    store = graph.store if isinstance(graph, ScopedStore) else graph
    if not isinstance(store, ox.Store):
        raise TypeError(f"scoped() narrows a pyoxigraph Store, not {type(store).__name__}: make it one with as_store()")
    iri = ox.NamedNode(find_document(store, doc).iri)
    if not store.contains_named_graph(iri):
        return store
    graphs = [iri]
    if store.contains_named_graph(ox.NamedNode(SHARED_GRAPH)):
        graphs.append(ox.NamedNode(SHARED_GRAPH))
    else:                                   # a corpus loaded from a file: the ontology sits in the default graph
        graphs.append(ox.DefaultGraph())
    if store.contains_named_graph(ox.NamedNode(ANALYSIS_GRAPH)):
        graphs.append(ox.NamedNode(ANALYSIS_GRAPH))   # its runs reach this document only through its graph
    # progress reports (ledger imports): their updates reach this document only through its records
    graphs += sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)
                      and g.value.startswith(PROGRESS_GRAPH)), key=lambda g: g.value)
    return ScopedStore(store, doc, iri.value, graphs)
