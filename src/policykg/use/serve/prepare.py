"""A query on its way to the engine: parameters bound, prefixes added, checked, and its errors made readable.

Why
---
* **Editor conveniences, the same as ``policykg query``'s.** ``param=NAME=VALUE``
  fields are bound as ``--param`` binds them (:func:`policykg.kg.query.with_values`),
  and a prefix of the graph (``pkg:``, ``skos:`` …, :data:`policykg.vocab.PREFIXES`)
  that the query uses without declaring it gets its ``PREFIX`` line: one
  declaration of both, :mod:`policykg.kg.sparql_text`, which the command line
  uses too. Both add lines, so :class:`~policykg.kg.query.Prepared` maps line
  numbers back: every error names the client's line and column, with the line
  and a caret.
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
import urllib.parse

from policykg.errors import QueryError, QueryParseError, QueryRefused, UpdateRefused
from policykg.kg.query import MAX_QUERY_BYTES, Prepared, bind_parameters, bound_text, parse_query_text
from policykg.kg.sparql_guard import check_query, tokenize
from policykg.kg.sparql_text import (MAX_ERROR_CHARS, engine_error, error_text, guard_message, with_prefixes,
                                     undeclared_prefixes, with_default_prefixes)
from policykg.use.serve.config import Reply, ServerConfig, clip

__all__ = ["Prepared", "engine_form", "prepare_query", "readable_engine_error", "readable_guard_error",
           "undeclared_prefixes", "with_default_prefixes"]

#: The dataset parameters of the SPARQL protocol: the only fields, besides the query, the engine gets.
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri", "union-default-graph")
UNION_PARAM = "union-default-graph"


def prepare_query(query: str, params: list[str]) -> Prepared:
    """Bind ``param=NAME=VALUE`` fields as ``policykg query --param`` does, then add default prefixes.

    Parameters are the query's ``# @param`` header lines; each is bound by a
    ``VALUES`` block at the top of the outer ``WHERE`` (:func:`policykg.kg.query.with_values`),
    declared ones not given keep their default. The rest is the command line's
    own steps (:func:`policykg.kg.query.bound_text`, :func:`policykg.kg.sparql_text.with_prefixes`). An unknown name, a
    prefix that is neither declared nor a default one: a 400 naming line and column.
    """
    bindings: dict[str, str] = {}
    if params:
        given: dict[str, str] = {}
        for field_ in params:
            name, sep, value = field_.partition("=")
            if not sep or not name.strip():
                raise Reply(400, f"a param field is NAME=VALUE, got {clip(field_, 60)!r}")
            given[name.strip()] = value
        try:
            bindings = bind_parameters(parse_query_text(query, "query"), given)
        except QueryError as err:
            raise Reply(400, f"{err.message}" + (f" ({err.hint})" if getattr(err, "hint", None) else "")) from err
    try:
        return with_prefixes(bound_text(query, bindings))
    except QueryParseError as err:
        raise Reply(400, error_text(err)) from err
    except QueryError as err:
        raise Reply(400, f"{err.message}" + (f" ({err.hint})" if getattr(err, "hint", None) else "")) from err


def readable_engine_error(body: str, prepared: Prepared) -> str:
    """The engine's parse error as ``line L, column C: …`` with the line; anything else clipped."""
    short = engine_error(body, prepared)
    if short is None:
        return clip(" ".join(body.split()), MAX_ERROR_CHARS)
    return error_text(short)


def readable_guard_error(message: str, prepared: Prepared) -> str:
    """A guard message whose ``line L, column C`` is given in the client's line numbers."""
    return guard_message(message, prepared)


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
