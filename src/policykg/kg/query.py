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
"金融") AS ?t)``) and the same file runs unchanged in both places. A query may
instead write the default as its own ``VALUES ?unit { "省发展改革委" }`` block,
where the value is wanted (a sub-select, the first pattern): the given value
then replaces the block's, in every such block, and a pattern reading ``?unit``
is a lookup (Oxigraph does not look up a ``BIND``'s value: ``?x pkg:writtenName
?wunit`` after ``BIND(… AS ?wunit)`` scans every written name).

**Documents.** A corpus store keeps each document in a named graph (its IRI);
and their merge as the default graph a query sees; every stored query either returns a
``doc`` column (the document's ``pkg:shortId``) first or says in its header
(``# Scope: corpus — …``) that it aggregates across documents.
:func:`policykg.kg.documents.scoped` narrows a store to one document — its
named graph plus the shared graph of ontology and schemes, as the query's
default graph — which is what ``policykg query NAME --doc ID`` and
``explore.query_frame(name, doc=ID)`` run on.

This module reads queries and makes the text that runs (:func:`query_text`:
checked, parameters bound); it opens no store. Queries run on Oxigraph
(:mod:`policykg.kg.store`); any ``SERVICE`` clause is refused: no query may
reach outside this machine. :func:`execute_query` and :func:`run_query` put the
steps together for the notebooks and the analytics.
"""

from __future__ import annotations

import os
from collections import namedtuple

from policykg.errors import QueryError
from policykg.files import read_regular
from policykg.resources import project_file

# ``re``, ``unicodedata``, ``pathlib`` and ``csv`` are imported where they are needed, not here:
# running a stored query into CSV or JSON needs none of them, and together they would
# cost ``policykg query`` a fifth of its time (``python -X importtime`` shows it).

_PARAM = r"^#\s*@param\s+(?P<name>\w+)\s+(?P<default>\S+)\s*(?:[—-]+\s*(?P<doc>.*))?$"
#: Largest query text accepted (the endpoint's limit too): a bigger "query" is a wrong file.
MAX_QUERY_BYTES = 1024 * 1024


# Plain named tuples, not dataclasses: ``dataclasses`` imports ``inspect``, which
# alone costs the query command a third of a bare ``import pyoxigraph``.

#: A query's ``@param``: its name, default value and description.
Parameter = namedtuple("Parameter", "name default doc")
#: A query with what its header says; ``path`` is None for ``-e`` text.
#: ``scope`` is the ``# Scope:`` header ("corpus — …" for a query that aggregates across documents), else "".
#: ``in_library``: a file of the project's library (``queries/``), which the test suite checks against the guard.
StoredQuery = namedtuple("StoredQuery", "name path text question_zh question_en columns parameters scope in_library",
                         defaults=((), "", False))


class Prepared(namedtuple("Prepared", "text head values_at values", defaults=(0, 0, 0))):
    """The text that runs, and how its lines map back to the text the user wrote.

    ``head`` lines (default ``PREFIX``es) come first; ``values_at`` is the line
    of the user's text after which ``values`` lines (``VALUES`` of bound
    parameters) were inserted.
    """

    __slots__ = ()

    def user_line(self, line: int) -> int | None:
        """The user's line number for ``line`` of :attr:`text`; None for an added line."""
        line -= self.head
        if line < 1:
            return None
        if self.values and line > self.values_at:
            if line <= self.values_at + self.values:
                return None
            line -= self.values
        return line


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
    data = read_regular(path, "query file", MAX_QUERY_BYTES, QueryError)
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
    query = parse_query_text(read_query_file(path), name, path, require_questions)
    in_library = os.path.dirname(os.path.realpath(path)) == os.path.realpath(project_file("queries"))
    return query._replace(in_library=in_library)


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


#: Parameters that name a unit: bound to every way of writing it the lexicon knows
#: (:func:`policykg.ingest.normalize.unit_name_forms`: 省发改委 is also 省发展改革委, 省发展和改革委员会 …).
UNIT_PARAMETERS = frozenset({"unit"})


def bind_parameters(query: StoredQuery, values: dict[str, str]) -> dict[str, str | tuple[str, ...]]:
    """Every declared parameter's value: the given one, else its default; unknown names refused.

    A parameter of :data:`UNIT_PARAMETERS` is bound to the tuple of the unit's
    names, the value as given first; a query with one reads ``SELECT DISTINCT``
    (one row per value otherwise).
    """
    known = {p.name: p for p in query.parameters}
    unknown = set(values) - set(known)
    if unknown:
        raise QueryError(f"query {query.name!r} has no parameter {', '.join(sorted(unknown))}",
                         hint=f"its parameters: {', '.join(known) or 'none'}")
    bound: dict[str, str | tuple[str, ...]] = {name: str(values.get(name, p.default)) for name, p in known.items()}
    for name in UNIT_PARAMETERS & set(bound):
        from policykg.ingest.normalize import unit_name_forms
        bound[name] = unit_name_forms(str(bound[name])) or (str(bound[name]),)
    return bound


def with_values(text: str, bindings: dict[str, str | tuple[str, ...]]) -> str:
    """``text`` with each parameter bound by ``VALUES ?name { "value" }`` (:func:`_bind`)."""
    return _bind(text, bindings)[0]


def _bind(text: str, bindings: dict[str, str | tuple[str, ...]]) -> tuple[str, int, int]:
    """``text`` with ``bindings`` bound; how many ``VALUES`` lines were added, and after which offset.

    A parameter whose query writes its own one-variable ``VALUES ?name { … }`` blocks (the default, where
    the file wants it bound: a sub-select, the first pattern) has each of those blocks' values replaced,
    their line ends kept, so the query seen elsewhere runs on its default and here on the value given;
    any other parameter gets a ``VALUES ?name { "value" }`` line at the top of the outer ``WHERE`` group,
    so every pattern, ``BIND`` and ``EXISTS`` of that group sees it.

    Strings, IRIs and comments are masked before looking for ``WHERE {`` or ``VALUES``, so neither a
    ``PREFIX`` IRI nor a comment can be mistaken for them. Values are plain string literals, as the query
    headers document them; a tuple is one row per value (``VALUES ?unit { "省发改委" "省发展改革委" }``).
    """
    if not bindings:
        return text, 0, 0
    import re
    masked = _mask(text)
    edits: list[tuple[int, int, str]] = []
    inserted = []
    for name, value in bindings.items():
        literals = " ".join(map(_string_literal, _values(value)))
        blocks = list(re.finditer(rf"\bVALUES\s+\?{re.escape(name)}\s*\{{([^{{}}]*)\}}", masked, re.I))
        if not blocks:
            inserted.append(f"\n  VALUES ?{name} {{ {literals} }}")
        for block in blocks:
            old = text[block.start(1): block.end(1)]
            edits.append((block.start(1), block.end(1), f" {literals} " + "\n" * old.count("\n")))
    at = 0
    if inserted:
        match = re.search(r"\bWHERE\s*\{", masked, re.I) or re.search(r"\{", masked)
        if match is None:
            raise QueryError("cannot bind parameters: the query has no WHERE group")
        at = match.end()
        edits.append((at, at, "".join(inserted)))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text, len(inserted), at


def bound_text(text: str, bindings: dict[str, str | tuple[str, ...]]) -> Prepared:
    """``text`` with ``bindings`` bound (:func:`with_values`; none: as it is), and where the lines went."""
    bound, added, at = _bind(text, bindings)
    if not added:
        return Prepared(bound)
    return Prepared(bound, values_at=text.count("\n", 0, at) + 1, values=added)


def _values(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


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

    The guard checks every query a user brings (a file, ``-e`` text) on the text
    that runs (:func:`prepared_query`); the library's own files are part of the
    project, checked by the test suite against the same guard, so naming one does
    not pay the guard's start-up.
    """
    if not query.in_library:
        from policykg.kg.sparql_guard import check_query
        check_query(query.text)
    _refuse_service(query.text, query.path)


def _refuse_service(text: str, path) -> None:
    if _mentions_service(text):
        raise QueryError("SERVICE clauses are refused: queries run on the local graph only",
                         path=str(path) if path else None)


def _mentions_service(text: str) -> bool:
    """True when ``SERVICE`` is a keyword of the query (not inside a string, IRI or comment)."""
    if "service" not in text.lower():          # most queries: no regular expression needed
        return False
    import re
    return re.search(r"\bSERVICE\b", _strip_comments_and_strings(text), re.I) is not None


def query_text(query: StoredQuery, params: dict[str, str] | None = None) -> str:
    """The text to run (:func:`prepared_query`)."""
    return prepared_query(query, params).text


def prepared_query(query: StoredQuery, params: dict[str, str] | None = None) -> Prepared:
    """The text to run, checked, its parameters bound (given, else default), and how its lines map back.

    A library query runs as written (its file declares its prefixes; the test
    suite checks it against the guard). A query the user brings (``-e``, a
    ``.rq`` file) gets what the endpoint's editor gives it
    (:mod:`policykg.kg.sparql_text`): the default prefixes it uses without
    declaring them, and the guard on the final text.
    """
    bindings = bind_parameters(query, params or {})
    if query.in_library:
        _refuse_service(query.text, query.path)
        return Prepared(with_values(query.text, bindings))
    from policykg.errors import QueryRefused
    from policykg.kg.sparql_text import guard_message, with_prefixes
    try:
        prepared = with_prefixes(bound_text(query.text, bindings))
        try:
            check_query_text(query._replace(text=prepared.text))   # the guard on the final text
        except QueryRefused as err:
            err.message = guard_message(err.message, prepared)
            raise
    except QueryError as err:
        if err.path is None and query.path:
            err.path = str(query.path)
        raise
    return prepared


def answer_prepared(graph, prepared: Prepared, timeout: float | None = None, source: str | None = None):
    """:func:`policykg.kg.store.answer` of the prepared text; the engine's parse error made short
    (:func:`policykg.kg.sparql_text.engine_error`: line, column, the line, a caret)."""
    from policykg.kg.store import answer
    try:
        return answer(graph, prepared.text, timeout, source=source)
    except QueryError as err:
        engine = getattr(err, "engine", None)
        if engine is None:
            raise
        from policykg.kg.sparql_text import engine_error
        short = engine_error(engine, prepared)
        if short is None:
            raise
        short.path = err.path
        raise short from None


def execute_query(graph, query: StoredQuery, params: dict[str, str] | None = None,
                  timeout: float | None = None, doc: str | None = None):
    """Run any query (SELECT, ASK, CONSTRUCT, DESCRIBE) on ``graph``: a :func:`policykg.kg.store.Result`,
    SELECT values as plain Python.

    ``doc`` (a document's short id) scopes the query to that document (:func:`policykg.kg.documents.scoped`).
    """
    from policykg.kg.documents import scoped
    from policykg.kg.store import as_store
    prepared = prepared_query(query, params)
    return answer_prepared(scoped(as_store(graph), doc), prepared, timeout, source=query.path)


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
