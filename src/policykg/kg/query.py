"""The stored query library (``queries/*.rq``), ad-hoc queries, and running them on the store.

A query file may start with ``#`` header lines: the question in Chinese and in
English, its columns, and its parameters::

    # 问题：哪些单位共同承担的重点工作最多？
    # Question: Which units share the most key tasks?
    # Columns: unit_a, unit_b — the pair; shared — tasks they are both assigned to
    # @param topic 金融 — a topic label or keyword

The library's files must carry both question lines (``policykg queries`` lists
them); any other ``.rq`` file, or an inline ``-e 'SELECT …'``, runs without.

A parameter ``?topic`` is bound by a ``VALUES ?topic { "…" }`` block placed at
the top of the query's outer ``WHERE`` group, so every pattern, ``BIND`` and
``EXISTS`` of that group sees it. Nothing binds it in the endpoint's editor, so a
parameterised query falls back on its default itself (``BIND(COALESCE(?topic,
"金融") AS ?t)``) and the same file runs unchanged in both places.

**Documents.** A corpus store keeps each document in a named graph (its IRI);
and their merge as the default graph a query sees; every stored query either returns a
``doc`` column (the document's ``pkg:shortId``) first or says in its header
(``# Scope: corpus — …``) that it aggregates across documents.
:func:`scoped` narrows a store to one document — its named graph plus the
shared graph of ontology and schemes, as the query's default graph — which is
what ``policykg query NAME --doc ID`` and ``explore.query_frame(name, doc=ID)``
run on.

Queries run on Oxigraph (:mod:`policykg.kg.store`); any ``SERVICE`` clause is
refused: no query may reach outside this machine. Results come back as plain
Python values (:func:`policykg.kg.store.plain`), so the CSV and JSON outputs do
not depend on the engine.
"""

from __future__ import annotations

import os
from collections import namedtuple

from policykg.errors import QueryError
from policykg.resources import project_file
from policykg.vocab import ANALYSIS_GRAPH, PKG_NS, SHARED_GRAPH

# ``re``, ``unicodedata``, ``pathlib`` and ``csv`` are imported where they are needed, not here:
# running a stored query into CSV or JSON needs none of them, and together they would
# cost ``policykg query`` a fifth of its time (``python -X importtime`` shows it).

_PARAM = r"^#\s*@param\s+(?P<name>\w+)\s+(?P<default>\S+)\s*(?:[—-]+\s*(?P<doc>.*))?$"
#: Largest query text accepted (the endpoint's limit too): a bigger "query" is a wrong file.
MAX_QUERY_BYTES = 1024 * 1024
#: Default time limit of ``policykg query``, in seconds.
DEFAULT_TIMEOUT = 30.0


# Plain named tuples, not dataclasses: ``dataclasses`` imports ``inspect``, which
# alone costs the query command a third of a bare ``import pyoxigraph``.

#: A query's ``@param``: its name, default value and description.
Parameter = namedtuple("Parameter", "name default doc")
#: A query with what its header says; ``path`` is None for ``-e`` text.
#: ``scope`` is the ``# Scope:`` header ("corpus — …" for a query that aggregates across documents), else "".
StoredQuery = namedtuple("StoredQuery", "name path text question_zh question_en columns parameters scope",
                         defaults=((), ""))
_Result = namedtuple("Result", "kind columns rows boolean triples")


def Result(kind: str, columns=None, rows=None, boolean=None, triples=None):
    """What a query answered: ``kind`` is ``select`` (columns, rows), ``ask`` (boolean) or ``graph`` (triples)."""
    return _Result(kind, columns or [], rows or [], boolean, triples or [])


def parse_query_text(text: str, name: str, path: str | None = None, require_questions: bool = False) -> StoredQuery:
    """A query and what its ``#`` header lines say (all optional unless ``require_questions``)."""
    zh = en = columns = scope = ""
    params = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):   # SPARQL's line ends only
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if body.startswith(("问题：", "问题:")):
            zh = body[3:].strip()
        elif body.lower().startswith("question:"):
            en = body[len("question:"):].strip()
        elif body.lower().startswith("columns:"):
            columns = body[len("columns:"):].strip()
        elif body.lower().startswith("scope:"):
            scope = body[len("scope:"):].strip()
        elif body.startswith("@param") and (m := _match(_PARAM, line)) is not None:
            params.append(Parameter(m.group("name"), m.group("default"), (m.group("doc") or "").strip()))
    if require_questions and (not zh or not en):
        raise QueryError("query file needs '# 问题：…' and '# Question: …' header lines",
                         path=str(path) if path else None, line=1)
    return StoredQuery(name, path, text, zh, en, columns, tuple(params), scope)


def _match(pattern: str, text: str):
    import re
    return re.match(pattern, text)


def read_query_file(path: str | os.PathLike[str]) -> str:
    """A query file's text: a regular file (a FIFO would block), at most 1 MiB, UTF-8 (with or without BOM)."""
    from policykg.kg.store import read_regular
    data = read_regular(path, "query file", limit=MAX_QUERY_BYTES)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise QueryError(f"the query file is not UTF-8 (byte {exc.start + 1})", path=str(path), line=line,
                         hint="save it as UTF-8") from None


def parse_query_file(path: str | os.PathLike[str], require_questions: bool = True) -> StoredQuery:
    """A query file of the library (both question lines required) or any ``.rq`` (``require_questions=False``).

    The query's ``path`` is the path as given, a string.
    """
    path = os.fspath(path)
    name = os.path.splitext(os.path.basename(path))[0]
    return parse_query_text(read_query_file(path), name, path, require_questions)


def _query_files(directory: str) -> list[str]:
    """The ``.rq`` files of a folder, sorted by name."""
    return sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".rq"))


def library(directory: str | os.PathLike[str] | None = None) -> dict[str, StoredQuery]:
    """Every stored query by name, sorted."""
    directory = os.fspath(directory) if directory is not None else project_file("queries")
    queries = (parse_query_file(p) for p in _query_files(directory))
    return {q.name: q for q in queries}


def find_query(name_or_path: str, directory: str | os.PathLike[str] | None = None) -> StoredQuery:
    """A library query by name (``key_tasks``), or any query file (``my.rq``, ``dir/x.rq``).

    A name with a path separator or ending in ``.rq`` is a file when one
    exists there; ``key_tasks.rq`` with no such file still names the library's.
    """
    stem, suffix = os.path.splitext(os.path.basename(name_or_path))
    looks_like_file = suffix == ".rq" or "/" in name_or_path or "\\" in name_or_path
    if looks_like_file and (os.path.lexists(name_or_path) or suffix != ".rq"):
        return parse_query_file(name_or_path, require_questions=False)
    directory = os.fspath(directory) if directory is not None else project_file("queries")
    key = stem if suffix == ".rq" else name_or_path
    candidate = os.path.join(directory, f"{key}.rq")
    # a word (letters, digits, _ or -: what \w and - match), so a name cannot climb out of the folder
    if key and all(ch.isalnum() or ch in "_-" for ch in key) and os.path.isfile(candidate):
        return parse_query_file(candidate)
    names = [os.path.splitext(os.path.basename(p))[0] for p in _query_files(directory)]
    raise QueryError(f"no stored query named {name_or_path!r}",
                     hint=f"run 'policykg queries' to list them: {', '.join(names)}")


def inline_query(text: str) -> StoredQuery:
    """A query given on the command line (``policykg query -e 'SELECT …'``)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise QueryError("the query text is larger than 1 MiB")
    return parse_query_text(text, "-e")


def open_graph(path: str | None = None):
    """The store to query (see :func:`policykg.kg.store.open_graph`)."""
    from policykg.kg.store import open_graph as _open_graph
    return _open_graph(path)


def load_graph(path: str):
    """The graph at ``path`` as a store (a ``.ttl``/``.nt`` file with the ontology, or a store folder)."""
    return open_graph(path)


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
        # the union flag is what graphstore asks for on a whole store; here the default graph is chosen
        return self.store.query(text, default_graph=self.graphs, **kwargs)

    def __len__(self) -> int:
        """Triples in the document's graph and the shared graph (what queries on it see)."""
        solution = next(iter(self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))
        return int(solution[0].value)

    def __repr__(self) -> str:
        return f"<ScopedStore doc={self.doc}>"


_DOCUMENTS = f"""SELECT ?d ?id WHERE {{ ?d a <{PKG_NS}PolicyDocument> ; <{PKG_NS}shortId> ?id }} ORDER BY ?id"""


def document_ids(graph) -> dict[str, str]:
    """Short id → IRI of every document in the store, sorted by id."""
    from policykg.kg.store import as_store, execute
    store = graph.store if isinstance(graph, ScopedStore) else as_store(graph)
    _, _, rows = execute(store, _DOCUMENTS)
    return {row[1].value: row[0].value for row in rows}


def scoped(graph, doc: str | None):
    """``graph`` narrowed to document ``doc`` (its short id, e.g. ``000_4cdbba2a142b4d11``); ``None``: unchanged.

    The document's IRI is looked up by its ``pkg:shortId``. In a corpus store its
    named graph and the shared graph become the default graph; a one-document
    store (the graph in the default graph, no named graphs) holds that document
    alone and is returned as is. An unknown id is a one-line :class:`QueryError`
    naming the known ones.
    """
    if doc is None:
        return graph
    import pyoxigraph as ox

    from policykg.kg.store import as_store
    store = graph.store if isinstance(graph, ScopedStore) else as_store(graph)
    known = document_ids(store)
    if doc not in known:
        shown = ", ".join(list(known)[:20]) + (" …" if len(known) > 20 else "")
        raise QueryError(f"no document {doc!r} in the graph", hint=f"known: {shown or 'none'}; "
                                                                    "'policykg docs' lists them")
    iri = ox.NamedNode(known[doc])
    if not store.contains_named_graph(iri):
        return store
    graphs = [iri]
    if store.contains_named_graph(ox.NamedNode(SHARED_GRAPH)):
        graphs.append(ox.NamedNode(SHARED_GRAPH))
    else:                                   # a corpus loaded from a file: the ontology sits in the default graph
        graphs.append(ox.DefaultGraph())
    if store.contains_named_graph(ox.NamedNode(ANALYSIS_GRAPH)):
        graphs.append(ox.NamedNode(ANALYSIS_GRAPH))   # its runs reach this document only through its graph
    return ScopedStore(store, doc, known[doc], graphs)


def bind_parameters(query: StoredQuery, values: dict[str, str]) -> dict[str, str]:
    """Every declared parameter's value: the given one, else its default; unknown names refused."""
    known = {p.name: p for p in query.parameters}
    unknown = set(values) - set(known)
    if unknown:
        raise QueryError(f"query {query.name!r} has no parameter {', '.join(sorted(unknown))}",
                         hint=f"its parameters: {', '.join(known) or 'none'}")
    return {name: str(values.get(name, p.default)) for name, p in known.items()}


def with_values(text: str, bindings: dict[str, str]) -> str:
    """``text`` with ``VALUES ?name { "value" }`` at the top of its outer ``WHERE`` group.

    Strings, IRIs and comments are masked before looking for ``WHERE {``, so
    neither a ``PREFIX`` IRI nor a comment can be mistaken for it. Values are
    plain string literals, as the query headers document them.
    """
    if not bindings:
        return text
    import re
    match = re.search(r"\bWHERE\s*\{", _mask(text), re.I) or re.search(r"\{", _mask(text))
    if match is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    block = "".join(f"\n  VALUES ?{name} {{ {_string_literal(value)} }}" for name, value in bindings.items())
    return text[: match.end()] + block + text[match.end():]


def _string_literal(value: str) -> str:
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


_MASKED = (r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
           r'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*')


def _mask(text: str) -> str:
    """``text`` with strings, IRIs and comments blanked out, offsets unchanged."""
    import re
    return re.sub(_MASKED, lambda m: " " * len(m.group(0)), text)


def check_query_text(query: StoredQuery) -> None:
    """Refuse what must never run: ``SERVICE``, and whatever :mod:`policykg.kg.sparql_guard` refuses.

    The guard checks every query a user brings (a file, ``-e`` text); the
    library's own files are part of the project, checked by the test suite
    against the same guard, so naming one does not pay the guard's start-up.
    """
    if not _in_library(query):
        guard = _guard()
        if guard is not None:
            guard(query.text)
    if _mentions_service(query.text):
        raise QueryError("SERVICE clauses are refused: queries run on the local graph only",
                         path=str(query.path) if query.path else None)


def _mentions_service(text: str) -> bool:
    """True when ``SERVICE`` is a keyword of the query (not inside a string, IRI or comment)."""
    if "service" not in text.lower():          # most queries: no regular expression needed
        return False
    import re
    return re.search(r"\bSERVICE\b", _strip_comments_and_strings(text), re.I) is not None


def _in_library(query: StoredQuery) -> bool:
    if query.path is None:
        return False
    folder = os.path.dirname(os.path.realpath(query.path))
    return folder == os.path.realpath(project_file("queries"))


def _guard():
    """The endpoint's query guard, when the package has one (it is shared with ``serve``)."""
    try:
        from policykg.kg.sparql_guard import check_query
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.sparql_guard":
            raise
        return None
    return check_query


def execute_query(graph, query: StoredQuery, params: dict[str, str] | None = None,
                  timeout: float | None = None, doc: str | None = None) -> Result:
    """Run any query (SELECT, ASK, CONSTRUCT, DESCRIBE) on ``graph``; SELECT values as plain Python.

    ``doc`` (a document's short id) scopes the query to that document (:func:`scoped`).
    """
    from policykg.kg.store import as_store, execute, plain
    check_query_text(query)
    text = with_values(query.text, bind_parameters(query, params or {}))
    graph = scoped(graph, doc)
    try:
        answer = execute(graph if isinstance(graph, ScopedStore) else as_store(graph), text, timeout=timeout)
    except QueryError as exc:
        if exc.path is None and query.path is not None:
            exc.path = str(query.path)
        raise
    if answer[0] == "ask":
        return Result("ask", boolean=answer[1])
    if answer[0] == "graph":
        return Result("graph", triples=answer[1])
    _, columns, rows = answer
    return Result("select", columns=columns, rows=[[plain(v) for v in row] for row in rows])


def run_query(graph, query: StoredQuery, params: dict[str, str] | None = None, timeout: float | None = None,
              doc: str | None = None):
    """Run a SELECT ``query`` on ``graph`` (a store, a scoped store, or an rdflib graph); return ``(columns, rows)``."""
    result = execute_query(graph, query, params, timeout, doc)
    if result.kind != "select":
        raise QueryError(f"query {query.name!r} is not a SELECT query", path=str(query.path) if query.path else None)
    return result.columns, result.rows


def _strip_comments_and_strings(text: str) -> str:
    import re
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', '""', text)
    return re.sub(r"(?m)#.*$", "", re.sub(r"<[^>\s]*>", "<>", text))


# ------------------------------------------------------------------ output


def to_csv(columns, rows, delimiter: str = ",", excel: bool = False) -> str:
    """Rows as CSV (TSV with ``delimiter="\t"``), LF line ends.

    ``excel``: a CSV made for Excel — a UTF-8 byte order mark first (Excel on
    Windows reads Chinese right) and every text value that Excel would evaluate
    (``=HYPERLINK(…)``, ``+1``, ``-2``, ``@x``) neutralised with a leading ``'``
    (:func:`policykg.use.spreadsheet.excel_csv_text`); numbers stay numbers. Without
    it the values are written exactly as the graph holds them.
    """
    import io
    try:
        # the C writer that csv.writer is; the csv module around it imports re (≈8 ms) for its Sniffer
        from _csv import writer as csv_writer
    except ImportError:                       # an interpreter without CPython's _csv
        from csv import writer as csv_writer
    out = io.StringIO()
    out.write("\ufeff" if excel else "")
    writer = csv_writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    if excel:
        from policykg.use.spreadsheet import excel_csv_text     # only here: it imports re, which plain CSV does without
        rows = ([excel_csv_text(v) for v in row] for row in rows)
    writer.writerows(rows)
    return out.getvalue()


def to_json(columns, rows) -> str:
    import json
    return json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=1, default=str) + "\n"


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two.

    >>> display_width("市发改局"), display_width("abc")
    (8, 3)
    """
    from unicodedata import east_asian_width
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def to_table(columns, rows, max_width: int = 60) -> str:
    cells = [[clip_text(str(c), max_width) for c in columns]] + [[clip_text(str(v), max_width) for v in r]
                                                                  for r in rows]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(columns))]

    def line(row):
        return "  ".join(v + " " * (w - display_width(v)) for v, w in zip(row, widths)).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]]) + "\n"


def _control_points() -> list[int]:
    """Code points a terminal acts on instead of showing: C0 and C1 controls (ESC starts CSI/OSC sequences,
    U+009B is CSI itself), line and paragraph separators, bidirectional marks, overrides and isolates, and
    lone surrogates (a file name the file system gave undecodable bytes; a terminal cannot print them)."""
    return [*range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
            *range(0x2066, 0x206A), *range(0xD800, 0xE000)]


#: ``escape_controls``'s translation tables, by the characters each keeps.
_ESCAPES: dict[str, dict[int, str]] = {}


def escape_controls(text: str, keep: str = "") -> str:
    r"""Control characters as visible escapes, so a value cannot drive the terminal.

    An ESC from the graph would otherwise start a terminal escape sequence
    (colours, cursor moves, clearing the screen, OSC window titles); line and
    paragraph separators and bidirectional overrides would reorder or split the
    table's lines. ``keep``: characters left as they are (``"\n\t"`` for whole
    CSV/TSV output, whose rows and cells they separate). A ``str.translate``
    table, not a regular expression: ``re`` stays off the query command's path.

    >>> escape_controls("a\x1b[31mb\tc"), escape_controls("a\u202eb\nc", keep="\n")
    ('a\\x1b[31mb\\x09c', 'a\\u202eb\nc')
    """
    table = _ESCAPES.get(keep)
    if table is None:
        table = _ESCAPES[keep] = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")
                                  for c in _control_points() if chr(c) not in keep}
    return text.translate(table)


def clip_text(text: str, width: int) -> str:
    """``text`` on one line, control characters escaped, cut to ``width`` display columns with an ellipsis.

    CJK characters count double.
    """
    text = escape_controls(text.replace("\r\n", " ").replace("\n", " "))
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            return out + "…"
        out += ch
    return out


FORMATTERS = {"csv": to_csv, "tsv": lambda c, r: to_csv(c, r, "\t"), "json": to_json, "table": to_table}
#: Formats for the triples of CONSTRUCT and DESCRIBE (``table`` prints Turtle).
GRAPH_FORMATS = ("turtle", "nt")
#: Every ``--format`` the command line offers.
ALL_FORMATS = ("table", "csv", "tsv", "json", *GRAPH_FORMATS)


def format_result(columns, rows, fmt: str, excel: bool = False) -> str:
    """Rows as ``fmt``; ``excel`` (CSV only): a CSV made for Excel (:func:`to_csv`)."""
    if fmt not in FORMATTERS:
        raise QueryError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATTERS)}")
    if excel:
        if fmt != "csv":
            raise QueryError("--excel goes with --format csv")
        return to_csv(columns, rows, excel=True)
    return FORMATTERS[fmt](columns, rows)


def format_answer(result: Result, fmt: str, excel: bool = False) -> str:
    """Any query's answer as text: rows as ``fmt``; ASK as ``true``/``false`` (JSON ``{"boolean": …}``);
    triples as Turtle (``table``, ``turtle``) or N-Triples (``nt``), sorted so the output is deterministic.
    ``excel``: rows as a CSV made for Excel (byte order mark, formulas neutralised: :func:`to_csv`)."""
    if result.kind == "ask":
        if fmt in GRAPH_FORMATS:
            raise QueryError(f"an ASK query answers true or false, not triples: --format {fmt} does not apply")
        value = "true" if result.boolean else "false"
        return f'{{"boolean": {value}}}\n' if fmt == "json" else ("\ufeff" if excel else "") + value + "\n"
    if result.kind == "graph":
        if fmt not in ("table", *GRAPH_FORMATS):
            raise QueryError(f"CONSTRUCT and DESCRIBE give triples: use --format turtle or nt, not {fmt}")
        return _triples_text(result.triples, "nt" if fmt == "nt" else "turtle")
    if fmt in GRAPH_FORMATS:
        raise QueryError(f"a SELECT query gives rows: --format {fmt} is for CONSTRUCT and DESCRIBE")
    return format_result(result.columns, result.rows, fmt, excel)


def _triples_text(triples: list, fmt: str) -> str:
    import pyoxigraph as ox

    from policykg.kg.store import PREFIXES
    ordered = sorted(set(triples), key=str)
    if fmt == "nt":
        return ox.serialize(ordered, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    used = {p: ns for p, ns in PREFIXES.items() if any(ns in str(t) for t in ordered)}
    return ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=used).decode("utf-8")
