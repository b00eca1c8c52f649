"""A query on its way to the engine: parameters bound, prefixes added, checked, and its errors made readable.

Why
---
* **Editor conveniences, as ``policykg query`` has them.** ``param=NAME=VALUE``
  fields are bound as ``--param`` binds them (:func:`policykg.kg.query.with_values`),
  and a prefix of the graph (``pkg:``, ``skos:`` …, :data:`policykg.vocab.PREFIXES`)
  that the query uses without declaring it gets its ``PREFIX`` line. Both add
  lines, so :class:`Prepared` maps line numbers back: every error names the
  client's line and column, with the line and a caret.
* **The guard, a second layer; no crashing shapes.** The final text — what runs
  is what was checked — goes through :func:`policykg.kg.sparql_guard.check_query`,
  a SPARQL lexer that reads the text as Oxigraph does and refuses any word that
  could be read as ``SERVICE`` (**400**), updates such as ``LOAD`` (**403**) and
  shapes over :class:`~policykg.kg.sparql_guard.QueryLimits` that overflow
  Oxigraph's stack (**400** naming the limit). ``FROM <http://...>``,
  ``FROM NAMED`` and ``default-graph-uri`` were checked not to fetch anything:
  Oxigraph treats them as names of graphs in the local store. The first layer is
  the engine's own: it has no network (:mod:`policykg.kg.nonet`).
* **The union, only when no dataset is named.** A query that names no dataset
  sees the union of the graphs, as ``policykg query`` does; the front asks for
  it per request (``union-default-graph``) and only when neither the query
  (``FROM``/``FROM NAMED``, found by the guard's lexer) nor the request
  (``default-graph-uri``/``named-graph-uri``) names one: Oxigraph 0.5.13's own
  ``--union-default-graph`` flag (and the parameter) *override* a query's
  ``FROM``, which would silently answer ``FROM <doc>`` on the whole corpus (checked).
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass

from policykg.errors import QueryError, QueryRefused, UpdateRefused
from policykg.kg.query import MAX_QUERY_BYTES, bind_parameters, parse_query_text, with_values
from policykg.kg.sparql_guard import check_query, tokenize
from policykg.use.serve.config import Reply, ServerConfig, clip
from policykg.vocab import PREFIXES

#: The dataset parameters of the SPARQL protocol: the only fields, besides the query, the engine gets.
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri", "union-default-graph")
UNION_PARAM = "union-default-graph"


@dataclass(frozen=True)
class Prepared:
    """The text the engine runs, and how its lines map back to the text the client sent.

    ``head`` lines (injected ``PREFIX``es) come first; ``values_at`` is the line
    of the client's text after which ``values`` lines (``VALUES`` of bound
    parameters) were inserted.
    """

    text: str
    head: int = 0
    values_at: int = 0
    values: int = 0

    def user_line(self, line: int) -> int | None:
        """The client's line number for ``line`` of :attr:`text`; None for an injected line."""
        line -= self.head
        if line < 1:
            return None
        if self.values and line > self.values_at:
            if line <= self.values_at + self.values:
                return None
            line -= self.values
        return line


def undeclared_prefixes(query: str) -> list[tuple[str, int]]:
    """Prefixes the query uses in prefixed names without declaring them: ``(prefix, offset)``, first use.

    Found with the guard's lexer, so a ``pkg:`` inside a string, an IRI or a
    comment does not count; offsets are in the text as sent (Oxigraph reads
    ``\\u`` escapes inside strings and IRIs only). A query that does not lex
    gives ``[]`` (the guard reports it).
    """
    try:
        tokens = tokenize(query)
    except QueryRefused:
        return []
    declared = {tokens[i].text[:-1] for i in range(1, len(tokens))
                if tokens[i].kind == "pname" and tokens[i - 1].kind == "word"
                and tokens[i - 1].text.lower() == "prefix"}
    used: dict[str, int] = {}
    for i, token in enumerate(tokens):
        if token.kind != "pname" or (i and tokens[i - 1].kind == "word"
                                      and tokens[i - 1].text.lower() == "prefix"):
            continue
        prefix = token.text.split(":", 1)[0]
        if prefix not in declared:
            used.setdefault(prefix, token.offset)
    return list(used.items())


def with_default_prefixes(query: str) -> tuple[str, int]:
    """``query`` with a ``PREFIX`` line for each default prefix it uses and does not declare.

    The defaults are the graph's (:data:`policykg.vocab.PREFIXES`: ``pkg``,
    ``dcterms``, ``skos`` …), as ``policykg query`` knows them. All go on one
    first line, so the client's line ``n`` is line ``n + 1`` of the result;
    returns the text and the number of lines added (0 or 1). A prefix the query
    declares itself is never touched.
    """
    missing = [p for p, _ in undeclared_prefixes(query) if p in PREFIXES]
    if not missing:
        return query, 0
    line = " ".join(f"PREFIX {p}: <{PREFIXES[p]}>" for p in sorted(missing))
    return f"{line}\n{query}", 1


def _where_at(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def prepare_query(query: str, params: list[str]) -> Prepared:
    """Bind ``param=NAME=VALUE`` fields as ``policykg query --param`` does, then add default prefixes.

    Parameters are the query's ``# @param`` header lines; each is bound by a
    ``VALUES`` block at the top of the outer ``WHERE`` (:func:`policykg.kg.query.with_values`),
    declared ones not given keep their default. An unknown name, a prefix that
    is neither declared nor a default one: a 400 naming line and column.
    """
    prepared = Prepared(query)
    if params:
        given: dict[str, str] = {}
        for field_ in params:
            name, sep, value = field_.partition("=")
            if not sep or not name.strip():
                raise Reply(400, f"a param field is NAME=VALUE, got {clip(field_, 60)!r}")
            given[name.strip()] = value
        stored = parse_query_text(query, "query")
        try:
            bindings = bind_parameters(stored, given)
            bound = with_values(query, bindings)
        except QueryError as err:
            raise Reply(400, f"{err.message}" + (f" ({err.hint})" if getattr(err, "hint", None) else "")) from err
        cut = next((i for i, (a, b) in enumerate(zip(query, bound)) if a != b), len(query))
        prepared = Prepared(bound, values_at=query.count("\n", 0, cut) + 1, values=len(bindings))
    text, head = with_default_prefixes(prepared.text)
    prepared = Prepared(text, head, prepared.values_at, prepared.values)
    unknown = [(p, off) for p, off in undeclared_prefixes(text) if p not in PREFIXES]
    if unknown:
        prefix, offset = unknown[0]
        line, column = _where_at(text, offset)
        raise Reply(400, _error_message(text, prepared, line, column,
                                         f"the prefix '{prefix}:' is not declared; add "
                                         f"'PREFIX {prefix}: <…>' (declared for you: "
                                         f"{', '.join(sorted(PREFIXES))})"))
    return prepared


_MAX_ERROR_CHARS = 800
_EXCERPT = 100
_ENGINE_ERROR = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
_GUARD_WHERE = re.compile(r"line (\d+), column (\d+)")


def _error_message(text: str, prepared: Prepared, line: int, column: int, what: str) -> str:
    """``line L, column C: what`` and the offending line with a caret, in the client's line numbers."""
    lines = text.split("\n")
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    mine = prepared.user_line(line)
    where = f"line {mine}, column {column}" if mine else "a line added for you (prefixes or parameters)"
    start = max(0, min(column - 1, len(source)) - _EXCERPT // 2)
    excerpt = source[start:start + _EXCERPT]
    caret = " " * max(0, min(column - 1, len(source)) - start)
    label = f"{mine or '+'} | "
    body = f"{where}: {clip(what, _MAX_ERROR_CHARS - 2 * _EXCERPT - 40)}"
    if excerpt.strip():
        body += ("\n" + label + ("…" if start else "") + excerpt + ("…" if start + _EXCERPT < len(source) else "")
                 + "\n" + " " * len(label) + (" " if start else "") + caret + "^")
    return body


def _expected(message: str) -> str:
    """Oxigraph's ``expected one of A, B, ['0' ..= '9'], …`` with the character classes left out."""
    message = " ".join(message.split())
    head, sep, rest = message.partition("expected one of ")
    if not sep:
        return message
    items = re.findall(r"\[[^\]]*\]|[^,\[\]]+", rest)
    words = [i.strip() for i in items if i.strip() and not i.strip().startswith("[")]
    words = [w for w in words if w != "Prefix not found"]
    more = len(words) > 12 or any(i.strip().startswith("[") for i in items)
    shown = ", ".join(words[:12]) + (", …" if more else "")
    return f"{head}expected one of {shown}" if words else f"{head}unexpected text"


def readable_engine_error(body: str, prepared: Prepared) -> str:
    """The engine's parse error as ``line L, column C: …`` with the line; anything else clipped."""
    found = _ENGINE_ERROR.search(body)
    if not found:
        return clip(" ".join(body.split()), _MAX_ERROR_CHARS)
    line, column = int(found.group(1)), int(found.group(2))
    what = found.group(3)
    if "Prefix not found" in what:
        what = "a prefix is not declared here"
    else:
        what = "syntax error: " + _expected(what)
    return _error_message(prepared.text, prepared, line, column, what)


def readable_guard_error(message: str, prepared: Prepared) -> str:
    """A guard message whose ``line L, column C`` is given in the client's line numbers."""
    def fix(m: re.Match[str]) -> str:
        mine = prepared.user_line(int(m.group(1)))
        return f"line {mine}, column {m.group(2)}" if mine else "a line added for you"
    return clip(_GUARD_WHERE.sub(fix, message), _MAX_ERROR_CHARS)


def _prepare(query: str, params: dict[str, list[str]], config: ServerConfig) -> Prepared:
    """:func:`prepare_query`; with the test hook ``test_without_guard``, the text as sent."""
    if config.test_without_guard:
        return Prepared(query)
    return prepare_query(query, params.get("param", []))


def _guard(query: str, config: ServerConfig) -> None:
    """Refuse, before the engine sees it, what ``sparql_guard`` refuses: 403 for updates, else 400.

    The guard is the second layer: the engine has no network (:mod:`policykg.kg.nonet`).
    The test hook ``test_without_guard`` skips it, to show the first layer alone.
    """
    if config.test_without_guard:
        return
    try:
        check_query(query, config.limits)
    except UpdateRefused as err:
        raise Reply(403, f"this SPARQL endpoint is read-only: {err}") from err
    except QueryRefused as err:
        raise Reply(400, str(err)) from err


def _declares_dataset(query: str) -> bool:
    """True when the query has ``FROM`` or ``FROM NAMED`` (then the union must not be asked for).

    Oxigraph reads keywords with no word boundary, so any bare word starting
    with ``from`` counts. Run after the guard, so the text lexes.
    """
    try:
        return any(t.kind == "word" and t.text.lower().startswith("from") for t in tokenize(query))
    except QueryRefused:
        return True  # cannot tell: leave the query's dataset alone


def engine_form(query: str, params: dict[str, list[str]], config: ServerConfig, *, union: bool,
                crashed) -> tuple[Prepared, bytes, bytes]:
    """Check the query; return it prepared, its digest and the form the engine gets.

    The engine gets a form rebuilt from the checked query and the dataset
    parameters only, never the client's raw bytes: what was checked is
    exactly what runs, whatever the two parsers think of odd encodings.
    ``union``: the served store keeps its data in named graphs alone, so a
    query that names no dataset asks for their union; ``crashed``: the digests
    of queries that crashed the engine, refused from then on.
    """
    if len(query.encode("utf-8")) > MAX_QUERY_BYTES:
        raise Reply(413, f"query over {MAX_QUERY_BYTES} bytes")
    prepared = _prepare(query, params, config)
    query = prepared.text
    if len(query.encode("utf-8")) > MAX_QUERY_BYTES:
        raise Reply(413, f"query over {MAX_QUERY_BYTES} bytes")
    try:
        _guard(query, config)  # the final text: what runs is what was checked
    except Reply as reply:
        raise Reply(reply.status, readable_guard_error(reply.message, prepared)) from None
    key = hashlib.sha256(query.encode("utf-8")).digest()
    if key in crashed:
        raise Reply(400, "this query crashed the query engine before and is refused; simplify it")
    form = [("query", query)] + [(name, value) for name in DATASET_PARAMS for value in params.get(name, [])]
    if len(form) == 1 and union and not _declares_dataset(query):
        form.append((UNION_PARAM, ""))  # no dataset named: the union of the graphs, as `policykg query`
    return prepared, key, urllib.parse.urlencode(form).encode("ascii")
