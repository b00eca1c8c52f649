"""The one place questions are answered: a pyoxigraph (Oxigraph) store.

rdflib builds and validates each document's graph; every question — ``policykg
query``, the notebooks' ``explore.query_frame``, ``analyze``, the pages — is
answered by Oxigraph, because it runs the stored queries in milliseconds where
rdflib needs hundreds, and it scales to many documents.

``policykg build`` writes the store beside the graph files (``graph/store/``,
a RocksDB folder: the built graph plus ``ontology.ttl``, whose labels some
queries read). A ``--graph`` that names a ``.ttl`` or ``.nt`` file is loaded
into an in-memory store with the ontology, so the same queries run on it.

This module imports only pyoxigraph and a few small standard modules (``os``,
``collections``, ``functools``, ``itertools``, ``gc``, ``_thread``): it is on the query
path, where rdflib, jieba and pySHACL would cost a second of start-up, and even
``re``, ``pathlib`` or ``threading`` cost ``policykg query`` a tenth of its time.
Paths are strings (``os.path``); a :class:`pathlib.Path` is accepted wherever a
path is.
"""

from __future__ import annotations

import _thread
import gc
import os
from collections import namedtuple
from functools import lru_cache
from itertools import repeat

import pyoxigraph as ox

from policykg.errors import QueryError, QueryTimeout
from policykg.files import read_regular
from policykg.kg.layout import STORE_DIR, is_store, resolve
from policykg.kg.result_order import sort_fields, split_order
from policykg.resources import project_file
from policykg.vocab import PREFIXES, XSD_DECIMAL, XSD_FLOATS, XSD_INTEGERS, XSD_NS

__all__ = ["STORE_DIR", "Result", "answer", "short_name", "as_store", "execute", "is_store", "memory_store",
           "one_preferred_label", "open_graph", "open_store", "plain", "read_regular", "write_store"]

#: Largest graph file read into memory: a graph beyond this is a mistake (build a store instead).
MAX_GRAPH_BYTES = 512 * 1024 * 1024
_FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".turtle": ox.RdfFormat.TURTLE,
            ".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}
#: Stores opened by :func:`open_store`, oldest first: (path, inode, mtime, size) → store.
_OPENED: dict = {}
_OPENED_MAX = 8


# ---------------------------------------------------------------- files




@lru_cache(maxsize=1)
def _ontology() -> bytes:
    """ontology.ttl's bytes, read once per process (a build reads it for every document's analysis store)."""
    with open(project_file("ontology.ttl"), "rb") as fh:
        return fh.read()


# ---------------------------------------------------------------- writing


def write_store(target: str | os.PathLike[str], ntriples: bytes) -> str | os.PathLike[str]:
    """Create the persistent store at ``target``: the graph (N-Triples bytes) plus the ontology.

    ``target`` must not exist yet: the build writes the store into its staging
    folder and swaps the whole folder in (see :func:`policykg.kg.publish.publish`).
    The store handle is dropped before returning, which closes RocksDB, so the
    folder can be renamed and opened read-only by any number of readers.
    """
    store = ox.Store(str(target))
    store.bulk_load(input=ntriples, format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(input=_ontology(), format=ox.RdfFormat.TURTLE)
    store.flush()
    store.optimize()
    del store
    return target


def memory_store(ntriples: bytes, trusted: bool = False) -> ox.Store:
    """An in-memory store of a graph (N-Triples bytes) plus the ontology.

    ``trusted``: the N-Triples are this build's own (:func:`policykg.kg.publish.serialise`), read
    without checking each IRI again (Oxigraph's ``lenient``: the same triples, a third less time on
    a document's 0.7 MB). The ontology is read and parsed once per process.
    """
    store = ox.Store()
    store.load(input=ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=trusted)
    store.extend(_ontology_quads())
    return store


@lru_cache(maxsize=1)
def _ontology_quads() -> tuple:
    """The ontology's quads, in the order Oxigraph parses them, parsed once per process."""
    return tuple(ox.parse(_ontology(), format=ox.RdfFormat.TURTLE))


# ---------------------------------------------------------------- reading


def open_store(path: str | os.PathLike[str] | None = None) -> ox.Store:
    """The store a command reads, for any path the layout knows (:func:`policykg.kg.layout.resolve`):
    a store folder, an output folder (its store; without one, its ``corpus.nq`` or
    ``policykg.ttl``), or a ``.ttl``/``.nt``/``.nq`` file.

    ``None`` means the project's ``graph/``: its store when built, else its ``corpus.nq``
    (a fresh clone carries the files but not the store, which ``make graph`` writes).
    Opened stores are cached per path and identity of the file or folder, so a notebook
    calling this in every cell pays once and a rebuilt store (a new folder, swapped in)
    is picked up.
    """
    target = resolve(path)
    location = target.store or target.graph
    if location is None:
        raise QueryError("the folder holds no policykg store", path=target.path,
                         hint="build one with 'policykg build --out FOLDER', or name a .ttl or .nt file")
    try:
        info = os.stat(location)
    except OSError:
        raise QueryError("no graph at this path", path=location,
                         hint="build it first with 'policykg build'") from None
    key = (os.path.realpath(location), info.st_ino, info.st_mtime_ns, info.st_size)
    store = _OPENED.get(key)
    if store is None:
        store = _OPENED[key] = _open(key[0])
        while len(_OPENED) > _OPENED_MAX:
            del _OPENED[next(iter(_OPENED))]
    return store


#: The name every caller has used; the same function.
open_graph = open_store


def release() -> None:
    """Drop the cached stores now. A RocksDB store still referenced when the interpreter
    shuts down is closed late and slowly (≈40 ms, a third of a ``policykg query``); a
    command that is done with its store releases it before it returns."""
    _OPENED.clear()


def _open(path: str) -> ox.Store:
    """Open (uncached: see :func:`open_store`) a store folder read-only or load a graph file."""
    if os.path.isdir(path):
        try:
            return ox.Store.read_only(path)
        except OSError as exc:
            raise QueryError(f"cannot open the store: {_one_line(str(exc))}", path=path) from None
    data = read_regular(path, "graph file", MAX_GRAPH_BYTES, QueryError)
    store = ox.Store()
    fmt = _FORMATS.get(os.path.splitext(path)[1].lower(), ox.RdfFormat.TURTLE)
    try:
        store.load(input=data, format=fmt)
    except SyntaxError as exc:
        raise QueryError(f"not a {_format_name(fmt)} file ({_position(str(exc))})", path=path,
                         hint="--graph takes a .ttl, .nt or .nq file or a store folder") from None
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):      # a corpus: its merge as the default graph
        default = ox.DefaultGraph()
        store.extend([ox.Quad(q.subject, q.predicate, q.object, default)
                      for q in store.quads_for_pattern(None, None, None, None) if q.graph_name != default])
        one_preferred_label(store)
    store.load(input=_ontology(), format=ox.RdfFormat.TURTLE)
    return store


_SKOS = PREFIXES["skos"]
#: (subject, label, language, number of named graphs stating it) for every subject of the default graph
#: with more than one skos:prefLabel in one language.
_PREFERRED_LABELS = f"""SELECT ?s ?l ?lang (COUNT(DISTINCT ?g) AS ?n) WHERE {{
  {{ SELECT ?s ?lang WHERE {{ ?s <{_SKOS}prefLabel> ?x . BIND(LANG(?x) AS ?lang) }}
    GROUP BY ?s ?lang HAVING (COUNT(DISTINCT ?x) > 1) }}
  ?s <{_SKOS}prefLabel> ?l . FILTER(LANG(?l) = ?lang)
  OPTIONAL {{ GRAPH ?g {{ ?s <{_SKOS}prefLabel> ?l }} }}
}} GROUP BY ?s ?l ?lang"""


def one_preferred_label(store: ox.Store) -> int:
    """Leave each subject of the merged default graph one ``skos:prefLabel`` per language; return how many
    labels became ``skos:altLabel``.

    A unit two documents of one area name differently (省市场监督管理局 in one, 省市场监管局 in the
    other) is one node, and each document's graph states its own name as the preferred one. Merged,
    the node would carry two: SKOS allows one per language, and every query listing a unit's name
    would list it twice. The name most documents use stays preferred (ties: the first in code-point
    order, as the queries' ``MIN(label)``); the others become alternative labels of the merge. Each
    document's named graph keeps the name it wrote.
    """
    choices: dict[tuple, list] = {}
    for row in store.query(_PREFERRED_LABELS):
        choices.setdefault((row[0], row[2].value), []).append((-int(row[3].value), row[1].value, row[1]))
    default, pref, alt = ox.DefaultGraph(), ox.NamedNode(_SKOS + "prefLabel"), ox.NamedNode(_SKOS + "altLabel")
    demoted = 0
    for (subject, _), labels in sorted(choices.items(), key=lambda kv: (kv[0][0].value, kv[0][1])):
        for _, _, label in sorted(labels)[1:]:
            store.remove(ox.Quad(subject, pref, label, default))
            store.add(ox.Quad(subject, alt, label, default))
            demoted += 1
    return demoted


def _format_name(fmt: ox.RdfFormat) -> str:
    return {ox.RdfFormat.N_TRIPLES: "N-Triples", ox.RdfFormat.N_QUADS: "N-Quads",
            ox.RdfFormat.TRIG: "TriG"}.get(fmt, "Turtle")


def _position(message: str) -> str:
    """Where a parser stopped, without the parser's words: they may quote the file's contents.

    >>> _position("Parser error at line 1 between columns 1 and 17: The prefix root: has not been declared")
    'parse error at line 1, column 1'
    """
    import re
    match = re.search(r"line (\d+)(?: between columns (\d+) and \d+)?", message)
    if not match:
        return "parse error"
    column = f", column {match.group(2)}" if match.group(2) else ""
    return f"parse error at line {match.group(1)}{column}"


_CONVERTED: dict = {}   # becomes a WeakKeyDictionary on first use (weakref is not on the query path)


def as_store(graph) -> ox.Store:
    """``graph`` as a store: a pyoxigraph store (or a view of one) as is; an rdflib graph copied into memory.

    The copy (plus the ontology, like every store) serves callers that hold a
    just-built rdflib graph — the build's pages, tests of a fixture document —
    without writing it to disk; it is cached per graph object and size.
    """
    if isinstance(graph, ox.Store):
        return graph
    if not hasattr(graph, "serialize"):
        if hasattr(graph, "query"):           # a view of a store (policykg.kg.documents.ScopedStore): as it is
            return graph
        raise TypeError(f"expected a pyoxigraph Store or an rdflib Graph, not {type(graph).__name__}")
    global _CONVERTED
    if not _CONVERTED:
        import weakref
        _CONVERTED = weakref.WeakKeyDictionary()
    cached = _CONVERTED.get(graph)
    if cached is not None and cached[0] == len(graph):
        return cached[1]
    store = memory_store(graph.serialize(format="nt", encoding="utf-8"))
    _CONVERTED[graph] = (len(graph), store)
    return store


# ---------------------------------------------------------------- querying


def execute(store: ox.Store, text: str, timeout: float | None = None, plain_rows: bool = False, order=None):
    """Run a query; return ``("select", columns, rows)``, ``("ask", bool)`` or ``("graph", triples)``.

    Rows hold pyoxigraph terms (``None`` where unbound), or with ``plain_rows`` their :func:`plain`
    values (read from the engine's TSV serialisation: no term object per value); results are fully
    read before returning, so a time limit covers the evaluation, which
    Oxigraph does lazily while results are read. With ``timeout`` the query runs
    in a worker thread (pyoxigraph releases the GIL while it evaluates) and
    :class:`QueryTimeout` is raised when it has not finished in time; the
    thread cannot be cancelled, so a command line process then exits (its
    daemon thread dies with it), which is what ``policykg query`` does.

    ``order`` (with ``plain_rows``): ``[(variable, descending), ...]`` to sort a SELECT's rows by
    (:func:`policykg.kg.result_order.sort_fields`); ``None`` is returned when that is not certain to be
    the engine's order, or the answer is not a SELECT read from TSV.
    """
    if timeout is None:
        return _evaluate(store, text, plain_rows, order)
    box: dict = {}
    done = _thread.allocate_lock()
    done.acquire()

    def work() -> None:
        try:
            box["result"] = _evaluate(store, text, plain_rows, order)
        except BaseException as exc:  # handed to the caller's thread, re-raised there
            box["error"] = exc
        finally:
            done.release()

    # a bare _thread, not threading.Thread: the same daemon worker without importing threading
    _thread.start_new_thread(work, ())
    if not done.acquire(timeout=min(timeout, _thread.TIMEOUT_MAX)):
        raise QueryTimeout(f"query stopped after the time limit of {timeout:g} s",
                           hint="raise it with --timeout SECONDS")
    if "error" in box:
        raise box["error"]
    return box["result"]


_Result = namedtuple("Result", "kind columns rows boolean triples")


def Result(kind: str, columns=None, rows=None, boolean=None, triples=None):
    """What a query answered: ``kind`` is ``select`` (columns, rows), ``ask`` (boolean) or ``graph`` (triples)."""
    return _Result(kind, columns or [], rows or [], boolean, triples or [])


def answer(graph, text: str, timeout: float | None = None, source: str | None = None):
    """The whole :func:`Result` of ``text`` on ``graph`` (a store, a view of one, an rdflib graph), SELECT values
    as plain Python (:func:`plain`), so what is written of them does not depend on the engine.

    ``source``: the file the text came from, named by the error when the engine refuses it.
    """
    store, found = as_store(graph), None
    split = split_order(text)
    try:
        if split is not None:       # a final ORDER BY on plain variables: sorted here when that is exact
            try:
                found = execute(store, split[0], timeout=timeout, plain_rows=True, order=split[1])
            except QueryTimeout:
                raise
            except QueryError:
                found = None        # the original text's own error, from the engine
        if found is None:
            found = execute(store, text, timeout=timeout, plain_rows=True)
    except QueryError as exc:
        if exc.path is None and source is not None:
            exc.path = str(source)
        raise
    if found[0] == "ask":
        return Result("ask", boolean=found[1])
    if found[0] == "graph":
        return Result("graph", triples=found[1])
    return Result("select", columns=found[1], rows=found[2])


def _evaluate(store: ox.Store, text: str, plain_rows: bool = False, order=None):
    try:
        # A corpus keeps each document in its own named graph and their merge in the
        # default graph (policykg.kg.corpus.merged_default_graph; a .nq file is merged the
        # same way when loaded), so a query that names no dataset reads the merge.
        result = store.query(text)
        if isinstance(result, ox.QueryBoolean):
            return ("ask", bool(result))
        if order is not None and not isinstance(result, ox.QuerySolutions):
            return None
        if isinstance(result, ox.QueryTriples):
            return ("graph", list(result))
        columns = [v.value for v in result.variables]
        if plain_rows and columns and isinstance(result, ox.QuerySolutions):
            rows = _read_tsv(result.serialize(format=ox.QueryResultsFormat.TSV), columns, order)
            if rows is not None:
                return ("select", columns, rows)
        if order is not None:
            return None                       # not sorted here: the caller runs the text with its ORDER BY
        if plain_rows and columns and isinstance(result, ox.QuerySolutions):
            result = store.query(text)        # a value the TSV reading leaves to pyoxigraph (an RDF 1.2 triple term)
        rows = [[solution[i] for i in range(len(columns))] for solution in result]
        if plain_rows:
            rows = [[plain(v) for v in row] for row in rows]
        return ("select", columns, rows)
    except SyntaxError as exc:
        error = QueryError(f"the query does not parse: {_one_line(str(exc))}")
        error.engine = str(exc)       # the whole message, for policykg.kg.sparql_text.engine_error
        raise error from None
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        raise QueryError(f"the query failed: {_one_line(str(exc))}") from None


def _read_tsv(data: bytes, columns: list, order=None) -> list | None:
    """A SELECT answer's TSV as rows of :func:`plain` values, sorted by ``order`` when given (``None``:
    the caller reads the terms, or lets the engine order).

    The collector is paused meanwhile: the answer's lists are new and hold only strings and numbers (no
    cycle to find), and at 100k rows its passes over them cost more than reading them.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        fields = _tsv_fields(data, len(columns))
        if fields is not None and order is not None:
            fields = sort_fields(fields, columns, order)
        return None if fields is None else _plain_rows(fields)
    finally:
        if collecting:
            gc.enable()


def _tsv_fields(data: bytes, width: int) -> list | None:
    """The rows of a SELECT answer serialised as SPARQL TSV, as lists of fields; ``None`` when a row's
    width is not the answer's.

    The TSV's lines are split on ``\\n`` only (values escape theirs), and a line is a row even when empty
    (one unbound column). Split by ``map`` (no Python step per row: 100k rows cost hundredths of a second).
    """
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    rows = list(map(str.split, lines[1:], repeat("\t")))
    return rows if set(map(len, rows)) <= {width} else None


def _plain_rows(fields: list) -> list | None:
    """TSV rows' fields, each value as :func:`plain` makes it of its term; ``None`` when a value is not one
    of the kinds read here (then the caller reads the terms).

    Faster than a pyoxigraph term per value: each distinct field is converted once (names, documents and
    IRIs repeat down a long answer), and the rows are mapped through those values without a Python step
    per field.
    """
    value = _Values().__getitem__
    try:
        return [list(map(value, line)) for line in fields]
    except _NotRead:
        return None


class _Values(dict):
    """Each distinct TSV field's :func:`_tsv_value`, read on its first lookup."""

    def __missing__(self, field: str):
        value = self[field] = _tsv_value(field)
        return value


class _NotRead(Exception):
    """A TSV field :func:`_tsv_value` does not read."""


#: Turtle's escapes, as SPARQL TSV writes a literal's characters.
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _tsv_value(field: str):
    """One SPARQL TSV field as :func:`plain` gives its term.

    >>> _tsv_value('<https://w3id.org/policykg/id/x>'), _tsv_value(''), _tsv_value('"a\\\\tb"@zh')
    ('https://w3id.org/policykg/id/x', '', 'a\\tb')
    >>> _tsv_value('12'), _tsv_value('3.20'), _tsv_value('35.0'), _tsv_value('1.5E2'), _tsv_value('true')
    (12, 3.2, 35, 150.0, True)
    >>> _tsv_value('"2024"^^<http://www.w3.org/2001/XMLSchema#gYear>'), _tsv_value('_:b1')
    ('2024', 'b1')
    """
    if not field:
        return ""                                   # unbound
    first = field[0]
    if first == "<":
        if field.startswith("<<"):
            raise _NotRead(field)
        return field[1:-1]
    if first == '"':
        end = field.rindex('"')
        value = field[1:end]
        if "\\" in value:
            value = _unescape(value)
        rest = field[end + 1:]
        if rest.startswith("^^<"):
            return _literal(value, rest[3:-1])
        return value                                # a plain or language-tagged string
    if first == "_":
        return field[2:]
    if field in ("true", "false"):
        return field == "true"
    # a bare number, typed by its form as in Turtle
    if "e" in field or "E" in field:
        return _literal(field, XSD_NS + "double")
    if "." in field:
        return _literal(field, XSD_DECIMAL)
    return _literal(field, XSD_NS + "integer")


def _unescape(text: str) -> str:
    """A TSV literal's text with its escapes read; the text between two escapes copied whole (long texts
    hold few)."""
    out, i = [], 0
    while True:
        j = text.find("\\", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        code = text[j + 1]
        if code in "uU":
            size = 4 if code == "u" else 8
            out.append(chr(int(text[j + 2:j + 2 + size], 16)))
            i = j + 2 + size
            continue
        if code not in _ESCAPES:
            raise _NotRead(text)
        out.append(_ESCAPES[code])
        i = j + 2


def _one_line(text: str, limit: int = 300) -> str:
    """An engine's message on one line, clipped: errors are one line (the CLI's contract)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(term):
    """A result term as plain Python, the way the CSV/JSON outputs have always shown it.

    Unbound → ``""``; integers → ``int``; decimals → ``int`` when whole, else
    ``float``; doubles → ``float``; booleans → ``bool``; every other literal
    (strings, language-tagged strings, dates, years) → its lexical form; IRIs →
    the IRI; blank nodes → their id.

    >>> plain(ox.Literal("3.20", datatype=ox.NamedNode(XSD_DECIMAL)))
    3.2
    >>> plain(ox.Literal("35", datatype=ox.NamedNode(XSD_DECIMAL))), plain(None)
    (35, '')
    """
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return _literal(term.value, term.datatype.value)
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return term.value
    return str(term)


def _decimal(value: str) -> int | float:
    """A whole decimal as ``int`` (``35.0`` → 35), any other as ``float`` (``3.20`` → 3.2).

    Decided on the digits, not on a float, so a whole number of any size stays exact.
    """
    text = value.strip()
    whole, _, fraction = text.partition(".")
    digits = whole[1:] if whole[:1] in ("+", "-") else whole
    if not fraction.strip("0") and digits and all("0" <= c <= "9" for c in digits):
        return int(whole)
    return float(text)


def short_name(iri: str) -> str:
    """``pkg:KeyTask`` for an IRI in a known namespace (the longest match wins), else the IRI.

    >>> short_name("https://w3id.org/policykg/ontology#KeyTask"), short_name("https://w3id.org/policykg/id/topic/x")
    ('pkg:KeyTask', 'topic:x')
    """
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def _literal(value: str, datatype: str):
    try:
        if datatype in XSD_INTEGERS:
            return int(value)
        if datatype == XSD_DECIMAL:
            return _decimal(value)
        if datatype in XSD_FLOATS:
            return float(value)
    except ValueError:
        return value
    if datatype == XSD_NS + "boolean" and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    return value
