"""The names of the vocabularies, spelt once: namespaces, the named graphs of a corpus, prefixes, datatypes.

Plain strings, because every layer needs them and the query path must not load
rdflib (a second of start-up) to know what ``pkg:`` stands for: the store, the
query library, exports and the endpoint read them here. The closed rdflib
vocabularies the mapping writes with (``PKG``, ``ELI``) are made from these names
in :mod:`policykg.kg.terms`.

>>> PREFIXES["pkg"] == PKG_NS, SHARED_GRAPH
(True, 'https://w3id.org/policykg/id/graph/shared')
"""

BASE = "https://w3id.org/policykg/"
#: The policykg ontology (``ontology.ttl``): prefix ``pkg:``.
PKG_NS = BASE + "ontology#"
#: Every IRI policykg mints (documents, units, topics, graphs): prefix ``id:``.
ID_NS = BASE + "id/"
#: The European Legislation Identifier ontology (``eli:``): how documents implement and cite each other.
ELI_NS = "http://data.europa.eu/eli/ontology#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"

#: The corpus's shared graph: the ontology and the schemes (unit types, topics) every document uses.
SHARED_GRAPH = ID_NS + "graph/shared"
#: Which corpus document implements or cites which (``eli:implements``, ``eli:cites``).
LINEAGE_GRAPH = ID_NS + "graph/lineage"
#: The network analysis of the corpus, written back by the build (communities, centralities).
ANALYSIS_GRAPH = ID_NS + "graph/analysis"
#: Where each progress report (a ledger import) is its own named graph: ``PROGRESS_GRAPH`` + 16 hex of its SHA-256.
PROGRESS_GRAPH = ID_NS + "graph/progress/"
#: The merge of a corpus's named graphs (the default graph its queries read) as a graph of its own, for a
#: store whose default graph is the union of every graph it holds (Virtuoso): ``policykg push`` sends it
#: there, and queries name it (``default-graph-uri``, ``FROM``).
DEFAULT_GRAPH = ID_NS + "graph/default"

#: Prefixes of the graph and the ontology (as in ``graph/policykg.ttl``): Turtle output, short names,
#: the endpoint's default ``PREFIX`` lines.
PREFIXES = {
    "dcterms": "http://purl.org/dc/terms/",
    "eli": ELI_NS,
    "foaf": "http://xmlns.com/foaf/0.1/",
    "id": ID_NS,
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "pkg": PKG_NS,
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "topic": ID_NS + "topic/",
    "ut": ID_NS + "unit-type/",
    "xsd": XSD_NS,
}

#: The XSD datatypes of whole numbers: a value of one of them is an ``int`` wherever policykg reads it.
XSD_INTEGERS = frozenset(XSD_NS + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))
XSD_DECIMAL = XSD_NS + "decimal"
#: The floating-point datatypes.
XSD_FLOATS = frozenset({XSD_NS + "double", XSD_NS + "float"})


def sparql_prefixes(names: tuple[str, ...]) -> str:
    """``PREFIX`` lines for ``names`` (keys of :data:`PREFIXES`): the head of a query a module writes.

    >>> print(sparql_prefixes(("pkg", "skos")), end="")
    PREFIX pkg: <https://w3id.org/policykg/ontology#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    """
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)
