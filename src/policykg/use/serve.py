"""``policykg serve``: a read-only SPARQL 1.1 Protocol endpoint on the loopback.

Why this design
---------------
A well-kept engine beats a home-made one. The SPARQL work is done by
**Oxigraph** (the ``oxigraph`` CLI from PyPI, same engine as ``pyoxigraph``):
the graph files are bulk-loaded with ``oxigraph load`` into a store in a
temporary directory, and ``oxigraph serve-read-only`` answers queries as a
*child process* in a network namespace of its own (below). Oxigraph implements the protocol
(GET ``?query=``, POST form, POST ``application/sparql-query``), the content
negotiation (SPARQL JSON/XML/CSV/TSV, Turtle, N-Triples...) and the query
language; we do not re-implement any of it.

A thin front written with the standard library only (``http.server``) listens
on the public port (127.0.0.1 by default) and adds what the engine does not
guarantee:

* **Read-only, in the front too.** Updates (``update=`` in a form or URL,
  ``application/sparql-update``, the ``/update`` path, PUT/DELETE/PATCH) get
  **403**, before the engine sees them (the engine runs read-only as well).
* **No outside hosts, by construction.** Oxigraph *does* execute
  ``SERVICE <http://...>`` by calling the remote endpoint (checked: it POSTs
  the sub-query), and has no switch to turn that off. So the engine runs in a
  Linux network namespace whose only interface is its own loopback
  (:mod:`policykg.kg.nonet`): a small launcher isolates itself (as root, or
  through an unprivileged user namespace), starts the engine on 127.0.0.1
  inside, and hands the front a connected socket per request over a Unix
  socket pair (SCM_RIGHTS), so the relay, watchdog and crash gate below work
  as they would on a port. Whatever a query says, the engine can reach no
  other host (only its own port). Start-up says which protection is in force,
  and where the system refuses namespaces it says "query guard only" and why.
* **The guard, a second layer; no crashing shapes.** Every query first goes
  through :func:`policykg.kg.sparql_guard.check_query`, a SPARQL lexer that
  reads the text as Oxigraph does and refuses any word that could be read as
  ``SERVICE`` (**400**), updates such as ``LOAD`` (**403**) and shapes over
  :class:`~policykg.kg.sparql_guard.QueryLimits` that overflow Oxigraph's stack
  (**400** naming the limit). ``FROM <http://...>``,
  ``FROM NAMED`` and ``default-graph-uri`` were checked not to fetch anything:
  Oxigraph treats them as names of graphs in the local store.
* **Crash isolation.** If a query still kills the engine, the requests it
  cut are retried on the restarted engine through ``_Gate``: one at a time,
  each alone for a moment, so a query that crashes it again while alone is
  known to be the culprit (**400**, its text refused from then on) and no
  other client's query fails.
* **Load.** Listen queue of 128 (http.server's 5 overflowed: connection
  resets), at most ``workers`` queries on the engine at once, at most
  ``max_per_client`` requests *in progress* per address, and the whole request
  head and body within ``read_timeout_s`` (``_DeadlineIO``), so a slowloris
  client holds a thread for seconds. Connections are not capped per address
  (every local client is 127.0.0.1: one client holding 256 idle connections
  made 35,329 of 41,385 other queries fail); idle ones are spare room instead:
  past ``max_idle_per_client`` a client's oldest idle connection is closed,
  and at ``max_connections`` a new connection closes the oldest idle one
  (one that never sent a complete request first). See
  :class:`policykg.use.serve_limits.Connections`.
* **Same origin only.** ``/sparql``, ``/query`` and ``/export`` (every method)
  refuse, with a one-line **403**, a request whose ``Origin`` is not this
  server's (``http://`` + the Host it was sent to, port included;
  ``Origin: null`` too) or whose ``Sec-Fetch-Site`` is neither ``same-origin``
  nor ``none``: a page of any site could otherwise POST a form here (a simple
  request, no preflight). The editor's ``fetch`` sends its own origin; curl,
  SPARQLWrapper and urllib send neither header. See
  :func:`policykg.use.serve_limits.cross_site`.
* **A hard time limit.** Oxigraph's own ``--timeout-s`` is partial: it takes
  whole seconds only, and with ``--timeout-s 3`` (oxigraph 0.5.13) a
  ``COUNT(*)`` over a four-way cartesian product gave no answer in 20 s and
  kept a core busy after the client had gone, while ``SELECT *`` over the
  same product streamed 500 MB under status 200 for as long as the client
  read (a status, once streamed, cannot become an error). So the front is
  the watchdog: it buffers the engine's answer and, if the whole answer is
  not in by ``timeout_s``, kills the child, answers **504** (text body) and
  starts a new child on the same store. A runaway query can only be stopped
  by killing the process that runs it, which is why the engine is a child
  process and not ``pyoxigraph`` inside this one. Requests that arrive during
  the restart wait for it (it takes a fraction of a second; after 5 s they
  get **503**); requests that were in flight on the killed child are retried
  on the new one, within their own deadline. Oxigraph's ``--timeout-s``
  is still passed, as ``ceil(timeout_s) + 1``: a second line of defence set
  one second later, so that the answer clients see is the front's.
* **Bounded answers.** Because answers are buffered (to be able to turn a late
  one into a 504), an answer larger than ``max_result_bytes`` gets **507**
  and the query is dropped (Oxigraph stops a streamed query whose client
  disconnects). Every buffered byte is counted in ``memory_budget`` from the
  engine's first byte until the client has it (not until the worker slot is
  free: 16 large answers read slowly took the front to 3.9 GB); when it is
  spent the youngest answers still arriving give way (**503**, Retry-After),
  so the oldest finish. Answers are written block by block, each block's room
  given back once sent, and a client must read at least ``_MIN_SEND_RATE``.
  Query texts above 1 MiB get **413**. See :class:`policykg.use.serve_limits.Budget`.
* **Exports that stay data.** ``POST /export`` gives CSV, TSV and JSON as the
  engine writes them; XLSX and the CSV made for Excel are written by the front
  from the engine's TSV, streaming, through :mod:`policykg.use.spreadsheet` (text
  is a string cell or a neutralised CSV field, never a formula; characters XML
  cannot hold are escaped), inside the query's worker slot and time limit
  (**504** as soon as the pace says the file cannot be done in time), and at
  most ``export_workers`` at once (more wait ``_EXPORT_WAIT_S``, then **503**
  with Retry-After). A table over a sheet's 1,048,575 rows is a **422**.
* **An editor page** at ``/``: a small page of our own (``static/``, plain
  JS, no third-party code, no URL to any other host), preloaded with the
  query library (``queries/*.rq``); see ``static/README.md`` for why not
  YASGUI. A Content-Security-Policy header keeps the browser from contacting
  any origin but this one.
* **Hygiene.** Only the loopback is bound by default, requests are refused
  (403) when bound to the loopback unless they carry exactly one Host header
  naming a loopback name or address, with no user-info and an optional port of
  digits only (DNS rebinding), every child is killed on ``stop()`` and, on Linux, also dies
  with this process (``PR_SET_PDEATHSIG``, the launcher and then the engine) if it is killed outright.

* **A corpus.** ``--graph`` may name a built output folder (``graph/``, the
  default) or a store folder: the store is then served as it is, through a
  snapshot of hard links (no copy, no load; a copy where links are not
  possible) in the temporary folder, so a rebuild that swaps ``graph/`` in
  never pulls files from under the running engine, and a restarted child
  opens the same snapshot. RocksDB opened read-only writes nothing (checked:
  every file of the store keeps its bytes and mtime while the child and
  pyoxigraph readers have it open at the same time). Graph files (``.ttl``,
  ``.nt``, ``.nq``, ``.trig``) are still bulk-loaded into a temporary store.
  Each document of a corpus is a **named graph** (``GRAPH <doc>``,
  ``FROM <doc>``, ``default-graph-uri``), and a query that names no dataset
  sees the **union** of all graphs as its default graph, as ``policykg query``
  does. The front asks for the union per request (``union-default-graph``)
  and only when neither the query (``FROM``/``FROM NAMED``, found by the
  guard's lexer) nor the request (``default-graph-uri``/``named-graph-uri``)
  names a dataset: Oxigraph 0.5.13's own ``--union-default-graph`` flag (and
  the parameter) *override* a query's ``FROM``, which would silently answer
  ``FROM <doc>`` on the whole corpus (checked). The editor lists the
  documents (read from the store at start: IRI, short id, title,
  jurisdiction, level) and scopes a query to one of them with
  ``default-graph-uri`` (the document plus the shared graphs: ontology,
  schemes, lineage) and ``named-graph-uri`` (the document).

Limits: every timeout restarts the engine, which also cuts (and retries) the
other queries running at that moment; the graph is loaded (or its store
snapshotted) at start, so a rebuild needs a restart of the server; answers are held in
memory (up to ``max_result_bytes`` each, ``memory_budget`` in all) until sent; an XLSX
export writes about 25,000 rows a second (openpyxl), so its size is bounded by the
time limit; the same-origin rule knows plain HTTP only (behind a TLS proxy the
page's origin is ``https://…`` and would be refused).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import ctypes
import functools
import hashlib
import html
import http.client
import http.server
import io
import ipaddress
import itertools
import json
import logging
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from policykg.kg import nonet
from policykg.errors import PolicyKGError, QueryError, ServeError
from policykg.kg.publish import process_alive
from policykg.kg.store import PREFIXES as DEFAULT_PREFIXES
from policykg.kg.query import bind_parameters, parse_query_text, with_values
from policykg.use.serve_limits import Answer, Budget, Connections, Refused, cross_site
from policykg.use.spreadsheet import TooManyRows, check_rows, excel_csv_text, xlsx_cell
from policykg.kg.sparql_guard import (FederatedQueryRefused, QueryLimits, QueryRefused, UpdateRefused,
                                   check_query, tokenize)

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
ENDPOINT_PATHS = frozenset({"/sparql", "/query"})
UPDATE_PATHS = frozenset({"/update", "/sparql/update"})
FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri", "union-default-graph")
UNION_PARAM = "union-default-graph"
#: A file RocksDB always writes into a store folder (as in ``graphstore``).
_STORE_MARK = "CURRENT"
#: Graph files that carry their own named graphs (no ontology is added to them).
_QUAD_SUFFIXES = (".nq", ".trig")
PKG = "https://w3id.org/policykg/ontology#"
_DOCUMENTS_QUERY = f"""PREFIX pkg: <{PKG}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?g (SAMPLE(?doc0) AS ?doc) (SAMPLE(?id0) AS ?id) (SAMPLE(?title0) AS ?title)
       (SAMPLE(?place0) AS ?place) (SAMPLE(?level0) AS ?level)
WHERE {{
  {{ SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} }} }}
  OPTIONAL {{ GRAPH ?g {{
    ?doc0 a pkg:PolicyDocument .
    OPTIONAL {{ ?doc0 pkg:shortId ?id0 }}
    OPTIONAL {{ ?doc0 dcterms:title ?title0 }}
    OPTIONAL {{ ?doc0 dcterms:spatial ?j . OPTIONAL {{ ?j skos:prefLabel ?place0 }}
               OPTIONAL {{ ?j pkg:administrativeLevel ?level0 }} }}
  }} }}
}} GROUP BY ?g ORDER BY ?g"""
MAX_QUERY_BYTES = 1 << 20
EXPORT_PATH = "/export"
#: Download formats of ``POST /export``: what is asked of the engine, and the file's content type.
EXPORT_FORMATS = {
    "csv": ("text/csv", "text/csv; charset=utf-8"),
    "tsv": ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    "json": ("application/sparql-results+json", "application/sparql-results+json"),
    "xlsx": ("text/tab-separated-values",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
#: What is asked of the engine for a file the front writes (XLSX, CSV for Excel): TSV keeps the
#: terms' types and lines; Turtle is accepted so that a CONSTRUCT is told it gives no table.
_CONVERT_ACCEPT = "text/tab-separated-values, text/turtle;q=0.5"
#: Paths that act on the graph: only this server's own pages and non-browser clients may call them.
_GUARDED_PATHS = ENDPOINT_PATHS | UPDATE_PATHS | {EXPORT_PATH}
#: How long an export that writes a file (XLSX, CSV for Excel) waits for an export slot before a 503.
_EXPORT_WAIT_S = 2.0
#: The slowest a client may read an answer: it gets ``_WRITE_TIMEOUT_S`` plus its size at this rate.
_MIN_SEND_RATE = 1 << 20
_CHUNK = 1 << 16
_STARTUP_WAIT_S = 20.0
_LAUNCHER_EXIT_S = 5.0
_RESTART_WAIT_S = 5.0
_LOAD_TIMEOUT_S = 600.0
_TMP_PREFIX = "policykg-serve-"
_LISTEN_QUEUE = 1024
_WRITE_TIMEOUT_S = 30.0
_MAX_ATTEMPTS = 6
_CRASHERS_KEPT = 1024
_DRAIN_S = 1.0
_ALONE_S = 1.0
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(?::[0-9]{1,5})?")
_ASSET_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class ServerConfig:
    """What to serve and where. ``port=0`` picks a free port (see ``SparqlServer.url``)."""

    graph_files: list[Path]
    queries_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 7878
    timeout_s: float = 10.0
    max_result_bytes: int = 128 * 2**20
    limits: QueryLimits = field(default_factory=QueryLimits)
    workers: int = 32
    #: Open connections in all; past it, a new one closes an idle one (see ``serve_limits.Connections``).
    max_connections: int = 512
    #: Requests in progress (head received, answer not yet sent) per client address.
    max_per_client: int = 256
    #: Idle connections per client address; past it, the client's oldest idle one is closed.
    max_idle_per_client: int = 64
    #: Bytes of answers the front may hold at once, until sent (at least ``max_result_bytes``).
    memory_budget: int = 512 * 2**20
    #: Exports that write a file (XLSX, CSV for Excel) at once; more wait ``_EXPORT_WAIT_S``, then 503.
    export_workers: int = 2
    read_timeout_s: float = 5.0
    #: A store folder to serve as it is (snapshotted), instead of loading ``graph_files``.
    store: Path | None = None
    #: Test hook only (no command-line option, no environment variable): queries go to the engine as
    #: sent, unchecked, so that the tests can show the engine's own isolation holds without the guard.
    #: Refused at start unless the engine runs in a network namespace.
    test_without_guard: bool = False


@dataclass(frozen=True)
class Document:
    """One named graph that holds a policy document, as the editor lists it."""

    graph: str
    id: str
    title: str
    jurisdiction: str
    level: str


@dataclass(frozen=True)
class Example:
    """One stored query offered in the editor: file name, first header line, header, text."""

    name: str
    title: str
    header: str
    query: str
    question_zh: str = ""
    question_en: str = ""
    #: ``(name, default, description)`` of each ``# @param`` line.
    params: tuple[tuple[str, str, str], ...] = ()


# ------------------------------------------------------------- query guard


def mentions_service(query: str) -> bool:
    """True when ``query`` is refused for ``SERVICE`` by :func:`policykg.kg.sparql_guard.check_query`.

    Kept for callers of the old regex check; the guard is a lexer, see its module.
    """
    try:
        check_query(query, _NO_LIMITS)
    except FederatedQueryRefused:
        return True
    except QueryRefused:
        return False
    return False


_NO_LIMITS = QueryLimits(max_depth=1 << 30, max_tokens=1 << 30, max_path_steps=1 << 30,
                         max_expression_terms=1 << 30, max_group_items=1 << 30,
                         max_collection_items=1 << 30)


# ------------------------------------------------------------- editor conveniences


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

    The defaults are the graph's (:data:`policykg.kg.store.PREFIXES`: ``pkg``,
    ``dcterms``, ``skos`` …), as ``policykg query`` knows them. All go on one
    first line, so the client's line ``n`` is line ``n + 1`` of the result;
    returns the text and the number of lines added (0 or 1). A prefix the query
    declares itself is never touched.
    """
    missing = [p for p, _ in undeclared_prefixes(query) if p in DEFAULT_PREFIXES]
    if not missing:
        return query, 0
    line = " ".join(f"PREFIX {p}: <{DEFAULT_PREFIXES[p]}>" for p in sorted(missing))
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
                raise _Reply(400, f"a param field is NAME=VALUE, got {_clip(field_, 60)!r}")
            given[name.strip()] = value
        stored = parse_query_text(query, "query")
        try:
            bindings = bind_parameters(stored, given)
            bound = with_values(query, bindings)
        except QueryError as err:
            raise _Reply(400, f"{err.message}" + (f" ({err.hint})" if getattr(err, "hint", None) else "")) from err
        cut = next((i for i, (a, b) in enumerate(zip(query, bound)) if a != b), len(query))
        prepared = Prepared(bound, values_at=query.count("\n", 0, cut) + 1, values=len(bindings))
    text, head = with_default_prefixes(prepared.text)
    prepared = Prepared(text, head, prepared.values_at, prepared.values)
    unknown = [(p, off) for p, off in undeclared_prefixes(text) if p not in DEFAULT_PREFIXES]
    if unknown:
        prefix, offset = unknown[0]
        line, column = _where_at(text, offset)
        raise _Reply(400, _error_message(text, prepared, line, column,
                                         f"the prefix '{prefix}:' is not declared; add "
                                         f"'PREFIX {prefix}: <…>' (declared for you: "
                                         f"{', '.join(sorted(DEFAULT_PREFIXES))})"))
    return prepared


_MAX_ERROR_CHARS = 800
_EXCERPT = 100
_ENGINE_ERROR = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
_GUARD_WHERE = re.compile(r"line (\d+), column (\d+)")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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
    body = f"{where}: {_clip(what, _MAX_ERROR_CHARS - 2 * _EXCERPT - 40)}"
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
        return _clip(" ".join(body.split()), _MAX_ERROR_CHARS)
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
    return _clip(_GUARD_WHERE.sub(fix, message), _MAX_ERROR_CHARS)


# ------------------------------------------------------------- downloads


def xlsx_available() -> bool:
    """Whether openpyxl (the ``export`` extra) is installed: XLSX downloads need it."""
    import importlib.util
    return importlib.util.find_spec("openpyxl") is not None


def export_name(name: str, fmt: str) -> str:
    """``key_tasks.csv``: the query's name (letters, digits, ``_-.``; else ``query``) and the format."""
    base = re.sub(r"[^\w.\-]+", "_", name.strip(), flags=re.ASCII).strip("._")[:80] or "query"
    return f"{base}.{fmt}"


def export_answer(answer: Answer, fmt: str, deadline: float, *, bom: bool = False) -> None:
    """Make the engine's answer the file to download, in place and by ``deadline`` (504 past it).

    CSV, TSV and SPARQL JSON are the engine's own bytes. The CSV made for Excel
    (``bom``) and XLSX are written from the engine's TSV, which keeps each term's
    type: numbers (integer, decimal, float, double literals of plain numeric
    form) stay numbers, everything else stays text that no spreadsheet runs —
    through :mod:`policykg.use.spreadsheet` (a string cell whatever its first
    character, XML-safe; ``= + - @`` neutralised in the CSV), with a BOM so
    Excel reads UTF-8. Both stream: the TSV is parsed as it is read and each
    chunk read gives its room to the output, and the XLSX sheet is written
    write-only to a temporary file. A table over the sheet's rows is a 422
    before any work; an ASK answer is one cell.
    """
    converts = fmt == "xlsx" or (fmt == "csv" and bom)
    if converts and not answer.ctype.startswith("text/tab-separated-values"):
        raise _Reply(400, f"{'XLSX' if fmt == 'xlsx' else 'The CSV for Excel'} holds a table: "
                          "run a SELECT or ASK query (CONSTRUCT gives triples)")
    try:
        if fmt == "xlsx":
            rows = max(0, answer.count(b"\n") - 1)  # one line per solution (TSV escapes line breaks)
            check_rows(rows)
            _write_xlsx(answer, rows, deadline)
        elif converts:
            _write_excel_csv(answer, deadline)
    except TooManyRows as err:
        raise _Reply(422, f"{err.message}: {err.hint}") from err
    except SyntaxError as err:  # pyoxigraph on a TSV it cannot read: not expected of the engine
        raise _Reply(502, f"the engine's answer could not be read: {_clip(str(err), 200)}") from err
    answer.ctype = EXPORT_FORMATS[fmt][1]


def _solutions(answer: Answer) -> tuple[list[str] | None, object]:
    """The answer's TSV as pyoxigraph reads it, streaming: ``(variable names, solutions)``, or
    ``(None, True/False)`` for an ASK answer."""
    import pyoxigraph

    results = pyoxigraph.parse_query_results(answer.source(), pyoxigraph.QueryResultsFormat.TSV)
    if isinstance(results, pyoxigraph.QueryBoolean):
        return None, bool(results)
    return [v.value for v in results.variables], results


def _write_excel_csv(answer: Answer, deadline: float) -> None:
    """The CSV made for Excel: BOM, header of the variable names, text neutralised, numbers as they are."""
    names, results = _solutions(answer)
    terms = _terms()
    text = io.StringIO()
    writer = csv.writer(text)
    answer.put(b"\xef\xbb\xbf", deadline)
    if names is None:
        writer.writerows([["boolean"], ["true" if results else "false"]])
    else:
        writer.writerow(names)
        for n, solution in enumerate(results, 1):
            writer.writerow([terms.csv(term) for term in solution])
            if text.tell() >= _CHUNK:
                answer.put(text.getvalue().encode("utf-8"), deadline)
                text.seek(0)
                text.truncate()
            if n % _CHECK_ROWS == 0:
                _in_time(n, 0, deadline, "CSV")
    answer.put(text.getvalue().encode("utf-8"), deadline)
    answer.settle()


def _write_xlsx(answer: Answer, rows: int, deadline: float) -> None:
    """One sheet "result" in a temporary file that becomes the answer; an unfinished sheet's own
    temporary file is deleted at once (openpyxl would keep it until the process exits)."""
    import openpyxl

    names, results = _solutions(answer)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("result")
    out = tempfile.TemporaryFile(prefix="policykg-export-")
    try:
        if names is None:
            sheet.append(["boolean"])
            sheet.append([results])
        else:
            _fill_sheet(sheet, names, results, rows, deadline)
        book.save(out)
        _in_time(rows, 0, deadline, "XLSX")
    except BaseException:
        out.close()
        if sheet._writer is not None and not sheet.closed:  # noqa: SLF001 (no public way to drop a sheet)
            sheet.close()
            sheet._writer.cleanup()  # noqa: SLF001
        raise
    answer.use_file(out)


def _fill_sheet(sheet, names: list[str], results, rows: int, deadline: float) -> None:
    """The header row of the variables (frozen), then one row per solution; column widths from the
    first rows, as a write-only sheet must have them before its first row."""
    from openpyxl.utils import get_column_letter

    terms = _terms()
    first = [[terms.value(t) for t in s] for s in itertools.islice(results, _WIDTH_ROWS)]
    for i, name in enumerate(names):
        width = max([len(name)] + [min(60, len(str(row[i] if row[i] is not None else ""))) for row in first])
        sheet.column_dimensions[get_column_letter(i + 1)].width = max(8, min(60, width + 2))
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, name) for name in names])
    rest = ([terms.value(t) for t in s] for s in results)
    started = time.monotonic()
    for n, row in enumerate(itertools.chain(first, rest), 1):
        sheet.append([xlsx_cell(sheet, value) for value in row])
        if n % _CHECK_ROWS == 0:
            _in_time(n, rows, deadline, "XLSX", started)


def _in_time(done: int, total: int, deadline: float, what: str, started: float = 0.0) -> None:
    """504 once past ``deadline`` — or as soon as the pace so far says ``total`` rows cannot make it."""
    now = time.monotonic()
    limit = "the query's time limit"
    if now > deadline:
        raise _Reply(504, f"export stopped: writing the {what} file ran past {limit}; "
                          "add LIMIT, export CSV or TSV, or raise --timeout")
    if started and total > done and now + (now - started) * (total - done) / done > deadline:
        needed = (now - started) * total / done
        raise _Reply(504, f"export stopped: writing {total:,} rows as {what} would take about {needed:.0f} s, "
                          f"past {limit}; add LIMIT, export CSV or TSV, or raise --timeout")


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt",
                                "unsignedLong", "unsignedShort", "unsignedByte")}
_DECIMALS = {_XSD + t for t in ("decimal", "double", "float")}
#: A number as it is safe to write unquoted: no INF/NaN, no spaces, nothing a spreadsheet would evaluate.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WIDTH_ROWS = 200
_CHECK_ROWS = 2000


class _Terms:
    """How pyoxigraph's terms become spreadsheet values (made once, when pyoxigraph is first needed).

    A numeric literal (integer, decimal, float, double) of plain numeric form is
    a number; anything else is its text: the IRI, ``_:`` and the label of a
    blank node, the literal's lexical form. Dispatch is on the exact type and a
    dictionary of datatypes, as a million-row export calls this for each cell.
    """

    def __init__(self) -> None:
        import pyoxigraph

        self.literal, self.named, self.blank = pyoxigraph.Literal, pyoxigraph.NamedNode, pyoxigraph.BlankNode
        self.integer = {pyoxigraph.NamedNode(iri): iri in _INTEGERS for iri in _INTEGERS | _DECIMALS}

    def is_number(self, term) -> bool:
        return (type(term) is self.literal and term.datatype in self.integer
                and _PLAIN_NUMBER.fullmatch(term.value) is not None)

    def text(self, term) -> str:
        kind = type(term)
        if kind is self.literal or kind is self.named:
            return term.value
        if kind is self.blank:
            return "_:" + term.value
        return str(term)  # a quoted triple

    def value(self, term) -> int | float | str | None:
        """A cell of the XLSX sheet (None: unbound; a double too large for a cell stays its text)."""
        if term is None:
            return None
        if not self.is_number(term):
            return self.text(term)
        value = term.value
        if self.integer[term.datatype] and value.lstrip("+-").isdigit():
            return int(value)
        number = float(value)
        return number if math.isfinite(number) else value

    def csv(self, term) -> str:
        """A field of the CSV made for Excel: a number as written, any other text neutralised."""
        if term is None:
            return ""
        return term.value if self.is_number(term) else excel_csv_text(self.text(term))


@functools.cache
def _terms() -> _Terms:
    return _Terms()


# ------------------------------------------------------------- query library


def load_examples(queries_dir: Path | None) -> list[Example]:
    """Read ``*.rq`` files under ``queries_dir`` (sorted) for the editor's example picker."""
    if queries_dir is None:
        return []
    if not queries_dir.is_dir():
        raise ServeError("queries folder not found", path=str(queries_dir),
                         hint="pass the folder holding the *.rq files, or none")
    examples = []
    for path in sorted(queries_dir.rglob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ServeError(f"cannot read query file: {err}", path=str(path),
                             hint="save it as UTF-8 text") from err
        header = _header_lines(text)
        name = path.relative_to(queries_dir).with_suffix("").as_posix()
        first = next((line for line in header if line.strip()), name)
        title = _QUESTION_LABEL.sub("", first, count=1) or first
        stored = parse_query_text(text, name)
        examples.append(Example(name, title, "\n".join(header), text, stored.question_zh, stored.question_en,
                                tuple((p.name, p.default, p.doc) for p in stored.parameters)))
    return examples


_QUESTION_LABEL = re.compile(r"^\s*(?:问题|Question)\s*[：:]\s*", re.IGNORECASE)


def _header_lines(text: str) -> list[str]:
    """The leading ``#`` comment lines, without the ``#`` (the query's documentation)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" ").rstrip())
    return lines


# ------------------------------------------------------------- engine (child)


def find_oxigraph() -> Path:
    """The ``oxigraph`` CLI next to this Python (a venv's bin/) or else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise ServeError("the oxigraph server binary was not found",
                     hint="pip install oxigraph (the CLI wheel; pyoxigraph has no server)")


def load_store(binary: Path, graph_files: list[Path], store: Path) -> None:
    """Bulk-load the graph files into a fresh Oxigraph store at ``store``."""
    if not graph_files:
        raise ServeError("no graph file to serve", hint="pass a Turtle file, e.g. graph/policykg.ttl")
    for path in graph_files:
        if not Path(path).is_file():
            raise ServeError("graph file not found", path=str(path),
                             hint="build the graph first or fix the path")
    cmd = [str(binary), "load", "--location", str(store), "--file", *map(str, graph_files)]
    try:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=_LOAD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as err:
        raise ServeError(f"loading the graph took over {_LOAD_TIMEOUT_S:.0f} s",
                         hint="serve a smaller graph") from err
    if done.returncode != 0:
        raise ServeError(f"oxigraph could not load the graph: {_tail(done.stderr or done.stdout)}",
                         path=", ".join(map(str, graph_files)),
                         hint="fix the file (rdfpipe or `oxigraph convert` shows where), "
                              "or use a .ttl/.nt/.nq/.trig/.rdf extension")


def is_store(path: Path) -> bool:
    """True for a folder that holds an Oxigraph (RocksDB) store."""
    return path.is_dir() and (path / _STORE_MARK).is_file()


def _needs_union(config: ServerConfig) -> bool:
    """Only N-Quads/TriG files loaded as they are keep their data in named graphs alone: a
    store policykg built (and the files it writes) carries the merge of its named graphs in
    the default graph, so asking for the union there would count shared triples twice."""
    return config.store is None and any(f.suffix.lower() in _QUAD_SUFFIXES for f in config.graph_files)


def resolve_graph(path: Path, ontology: Path | None = None) -> tuple[Path | None, list[Path]]:
    """What ``--graph PATH`` serves: ``(store folder, None)`` or ``(None, graph files)``.

    A store folder is served as it is; an output folder (``graph/``) by its
    ``store/``, else its ``corpus.nq``, else its ``policykg.ttl``; a file is
    loaded. ``ontology`` is added to Turtle/N-Triples files (a corpus's
    N-Quads carry it in their shared graph; a store has it already).
    """
    path = Path(path)
    if path.is_dir():
        if is_store(path):
            return path, []
        if is_store(path / "store"):
            return path / "store", []
        found = next((path / n for n in ("corpus.nq", "policykg.ttl") if (path / n).is_file()), None)
        if found is None:
            raise ServeError("the folder holds no store and no graph file", path=str(path),
                             hint="build it first ('policykg build --out FOLDER'), or name a .ttl/.nq file")
        path = found
    extra = [ontology] if ontology is not None and path.suffix.lower() not in _QUAD_SUFFIXES else []
    return None, [path, *extra]


def snapshot_store(source: Path, target: Path) -> str:
    """A read-only view of the store ``source`` at ``target``: hard links, or copies where links fail.

    RocksDB never rewrites a table file; a build writes a new store and swaps
    the folder in, so linked files keep the old version readable for the
    running engine. Returns ``"linked"`` or ``"copied"`` (for the log).
    """
    if not is_store(source):
        raise ServeError("not an Oxigraph store (no CURRENT file)", path=str(source),
                         hint="build it first with 'policykg build', or name a .ttl/.nq file")
    how = ["linked"]

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:  # another file system, or links not permitted: copy
            how[0] = "copied"
            shutil.copy2(src, dst)

    try:
        shutil.copytree(source, target, copy_function=link_or_copy)
    except OSError as err:
        raise ServeError(f"cannot snapshot the store: {err}", path=str(source),
                         hint="is there space in the temporary folder (TMPDIR)?") from err
    return how[0]


def _declares_dataset(query: str) -> bool:
    """True when the query has ``FROM`` or ``FROM NAMED`` (then the union must not be asked for).

    Oxigraph reads keywords with no word boundary, so any bare word starting
    with ``from`` counts. Run after the guard, so the text lexes.
    """
    try:
        return any(t.kind == "word" and t.text.lower().startswith("from") for t in tokenize(query))
    except QueryRefused:
        return True  # cannot tell: leave the query's dataset alone


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:]) or "(no output)"


def _supports_timeout_flag(binary: Path) -> bool:
    """Whether this oxigraph's ``serve-read-only`` takes ``--timeout-s`` (0.4+ does)."""
    try:
        done = subprocess.run([str(binary), "serve-read-only", "--help"], capture_output=True,
                              text=True, timeout=30, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--timeout-s" in done.stdout


def _death_signal_setter():
    """Prepare, before any fork, a preexec_fn that ties the child's life to ours (Linux).

    Resolved up front because a forked child of a threaded process must not
    load libraries. The signal fires when the *thread* that forked exits, which
    is why every spawn happens on one long-lived thread (see ``_Engine``).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    pr_set_pdeathsig, sigkill = 1, int(signal.SIGKILL)

    def set_death_signal() -> None:
        prctl(pr_set_pdeathsig, sigkill)
        if os.getppid() != parent:  # parent died before prctl took effect
            os._exit(1)

    return set_death_signal


def _stop_launcher(proc: subprocess.Popen | None, link: _Link | None) -> None:
    """Stop an engine for good and reap it (a read-only store needs no clean shutdown).

    Hanging up is enough: the launcher then kills and reaps the engine and
    exits (so no engine is left a zombie of an orphan); its process group is
    killed if it does not within a few seconds.
    """
    if link is not None:
        link.close()
    if proc is None:
        return
    try:
        proc.wait(timeout=_LAUNCHER_EXIT_S)
        return
    except subprocess.TimeoutExpired:
        log.error("the engine's launcher %s did not exit; killing its process group", proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        log.error("the engine's launcher %s did not exit after SIGKILL", proc.pid)


class _Unavailable(Exception):
    """The engine is restarting or has failed; the front answers 503."""


class _Link:
    """Connections to the engine, asked of its launcher over a Unix socket pair (see :mod:`policykg.kg.nonet`).

    The engine listens inside a network namespace the front cannot enter; the
    launcher, which lives there, connects for us and passes the connected
    socket back (SCM_RIGHTS). One request at a time on the pair; once it
    fails, the link stays broken and the engine is restarted.
    """

    def __init__(self, control: socket.socket, port: int) -> None:
        self.port = port  # the engine's port in its namespace: the Host header it expects
        self._control = control
        self._lock = threading.Lock()
        self._broken: str | None = None

    def connect(self, timeout: float) -> socket.socket:
        """A socket connected to the engine; ``OSError`` (``TimeoutError`` past ``timeout``) if none."""
        with self._lock:
            if self._broken is not None:
                raise ConnectionError(self._broken)
            try:
                self._control.settimeout(max(0.001, timeout))
                self._control.send(b"c")
                message, fds, _, _ = socket.recv_fds(self._control, 512, 1)
            except OSError as err:
                self._broken = f"the engine's launcher stopped answering ({err!r})"
                raise
            if not fds:
                self._broken = message.decode("utf-8", "replace") or "the engine's launcher exited"
                raise ConnectionError(self._broken)
        return socket.socket(fileno=fds[0])

    def close(self) -> None:
        """Hang up: wakes a request waiting on the pair, and tells the launcher to stop the engine."""
        try:
            self._control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        with self._lock:
            self._broken = "the engine was stopped"
            self._control.close()


class _EngineConnection(http.client.HTTPConnection):
    """HTTP to the engine on a socket from its :class:`_Link`, in place of a TCP connect."""

    def __init__(self, link: _Link, timeout: float) -> None:
        super().__init__("127.0.0.1", link.port, timeout=timeout)
        self._link = link

    def connect(self) -> None:
        self.sock = self._link.connect(self.timeout)
        self.sock.settimeout(self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Engine:
    """The ``oxigraph serve-read-only`` engine, in a network namespace: start, link, kill, restart.

    The front starts a launcher (``policykg/kg/nonet.py engine``) that isolates
    itself, starts the engine inside and hands out connections; ``pid`` is the
    engine's. ``generation`` counts restarts, so that many requests timing out
    together cause one restart, and a request can tell whether its engine was
    replaced. ``protection`` says whether the engine has a network.
    """

    def __init__(self, binary: Path, store: Path, timeout_s: float, log_path: Path) -> None:
        self._binary = binary
        self._store = store
        self._log_path = log_path
        self._engine_timeout = (math.ceil(timeout_s) + 1) if _supports_timeout_flag(binary) else None
        self._preexec = _death_signal_setter()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._proc: subprocess.Popen | None = None  # the launcher
        self._link: _Link | None = None
        self._pid: int | None = None
        self.protection = ""
        self._generation = 0
        self._closed = False
        self._failure: str | None = None
        self._ends: dict[int, str] = {}  # generation -> "crash" or "timeout"
        self._spawner = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="policykg-oxigraph")

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._pid if self._proc else None

    @property
    def generation(self) -> int:
        with self._lock:
            return self._generation

    def start(self) -> None:
        """Start the first engine and wait until it listens (raises ServeError)."""
        self._spawner.submit(self._spawn).result()

    def endpoint(self, wait_s: float) -> tuple[_Link, int]:
        """``(link, generation)`` of the running engine; waits out a restart up to ``wait_s``."""
        if not self._ready.wait(wait_s):
            raise _Unavailable("the query engine is restarting after a query ran out of time; retry")
        with self._lock:
            if self._closed or self._link is None:
                raise _Unavailable(self._failure or "the endpoint is shutting down")
            return self._link, self._generation

    def restart(self, generation: int, reason: str, end: str = "timeout") -> None:
        """Kill the engine of ``generation`` now and start a new one in the background.

        ``end`` ("timeout" or "crash") is remembered for ``failed()``, so that the
        requests that were cut can tell a watchdog kill from a crash.
        """
        with self._lock:
            if self._closed or generation != self._generation or not self._ready.is_set():
                return  # already restarted (or restarting) by someone else
            self._ready.clear()
            self._ends[generation] = end
            self._ends.pop(generation - 64, None)
            self._generation += 1  # now: requests on the old engine know it was replaced
            proc, link, self._proc, self._link = self._proc, self._link, None, None
        log.warning("restarting the query engine: %s", reason)
        _stop_launcher(proc, link)
        self._spawner.submit(self._respawn)

    def failed(self, generation: int, error: Exception) -> str:
        """A request on ``generation`` lost its connection: restart if needed; say how it ended.

        Returns "crash" when that engine died on its own (or failed mid-request)
        and "timeout" when the watchdog killed it for another query.
        """
        with self._lock:
            end = self._ends.get(generation)
        if end is None:
            self.restart(generation, f"the engine died or failed mid-request ({error!r})", "crash")
            with self._lock:
                end = self._ends.get(generation, "crash")
        return end

    def close(self) -> None:
        """Kill the engine and wait for a pending restart to finish (it then exits at once)."""
        with self._lock:
            self._closed = True
            proc, link, self._proc, self._link = self._proc, self._link, None, None
            self._ready.set()
        _stop_launcher(proc, link)
        self._spawner.shutdown(wait=True)

    def _respawn(self) -> None:
        try:
            self._spawn()
        except ServeError as err:
            log.error("the query engine could not be restarted: %s", err)
            with self._lock:
                self._failure = f"the query engine could not be restarted ({err}); restart policykg serve"
                self._ready.set()

    def _spawn(self) -> None:
        proc, link, pid, protection = self._launch()
        with self._lock:
            closed = self._closed
            if not closed:
                self._proc, self._link, self._pid, self.protection = proc, link, pid, protection
                self._failure = None
        if closed:
            _stop_launcher(proc, link)
        self._ready.set()

    def _launch(self) -> tuple[subprocess.Popen, _Link, int, str]:
        """Start the launcher and wait for its ``ready`` line: ``(launcher, link, engine pid, protection)``."""
        front, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cmd = [sys.executable, "-I", "-S", nonet.__file__, "engine", str(child.fileno()), str(os.getpid()), "--",
               str(self._binary), "serve-read-only", "--location", str(self._store)]
        if self._engine_timeout:
            cmd += ["--timeout-s", str(self._engine_timeout)]
        try:
            with open(self._log_path, "ab") as out:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                        pass_fds=(child.fileno(),), start_new_session=True,
                                        preexec_fn=self._preexec)
        except OSError as err:
            front.close()
            raise ServeError(f"cannot start the query engine: {err}") from err
        finally:
            child.close()
        try:
            front.settimeout(_STARTUP_WAIT_S + 10)
            message = front.recv(4096).decode("utf-8", "replace")
        except OSError as err:
            message = f"error no answer from the engine's launcher ({err!r})"
        if message.startswith("ready "):
            _, port, pid, protection = message.split(" ", 3)
            return proc, _Link(front, int(port)), int(pid), protection
        _stop_launcher(proc, _Link(front, 0))
        raise ServeError(f"the query engine did not start ({message.partition(' ')[2] or 'no answer'}): "
                         f"{self._log_tail()}", hint="the quoted oxigraph output says why")

    def _log_tail(self) -> str:
        try:
            return _tail(self._log_path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return "(no log)"


# ------------------------------------------------------------- front (HTTP)


class _Reply(Exception):
    """A finished answer of the front's own (status and plain-text message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Late(Exception):
    """The engine's answer was not complete by the deadline."""


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise _Reply(400, f"give one {name}= parameter, not {len(values)}")
    return values[0]


def _is_loopback_name(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        raise _Reply(403, f"this SPARQL endpoint is read-only: {err}") from err
    except QueryRefused as err:
        raise _Reply(400, str(err)) from err


def _strict_host(values: list[str]) -> str | None:
    """The host name of exactly one well-formed Host header (no user-info, digits-only port), else None."""
    if len(values) != 1 or not _HOST.fullmatch(values[0].strip()):
        return None
    host = values[0].strip()
    return host[1:host.index("]")] if host.startswith("[") else host.rsplit(":", 1)[0] if ":" in host else host


class _Gate:
    """Lets fresh queries run together, and a retried one run alone long enough to be judged.

    After a crash every query that was in flight is a suspect. Suspects are
    retried one at a time (``lane``); each waits up to ``_DRAIN_S`` for the
    queries in flight to finish while new ones wait at the gate, then runs
    alone for up to ``_ALONE_S`` (stack overflows strike while parsing, within
    milliseconds). A crash while a suspect runs alone is that suspect's;
    a crash at any other time only causes more retries.
    """

    def __init__(self) -> None:
        self.lane = threading.Lock()
        self._cond = threading.Condition()
        self._active = 0
        self._closed_until = 0.0

    def enter(self, deadline: float) -> bool:
        """A fresh query passes unless a suspect runs alone; False when ``deadline`` passes first."""
        with self._cond:
            while (now := time.monotonic()) < self._closed_until:
                if now >= deadline:
                    return False
                self._cond.wait(min(self._closed_until, deadline) - now)
            self._active += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def rejoin(self) -> None:
        """Count the caller again, gate or not (a suspect back from waiting for the lane)."""
        with self._cond:
            self._active += 1

    def run_alone(self, deadline: float) -> bool:
        """Close the gate, wait for the others to drain; True when the caller now runs alone."""
        with self._cond:
            self._closed_until = time.monotonic() + _DRAIN_S + _ALONE_S
            drained_by = min(deadline, time.monotonic() + _DRAIN_S)
            while self._active > 1 and (now := time.monotonic()) < drained_by:  # 1: the caller
                self._cond.wait(drained_by - now)
            alone = self._active <= 1
            self._closed_until = time.monotonic() + _ALONE_S if alone else 0.0
            return alone

    def reopen(self) -> None:
        with self._cond:
            self._closed_until = 0.0
            self._cond.notify_all()


class _Crashers:
    """Digests of queries that crashed the engine, refused from then on (bounded, oldest dropped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[bytes, None] = {}

    def add(self, key: bytes) -> None:
        with self._lock:
            self._seen[key] = None
            while len(self._seen) > _CRASHERS_KEPT:
                self._seen.pop(next(iter(self._seen)))

    def __contains__(self, key: bytes) -> bool:
        with self._lock:
            return key in self._seen


class _Front(http.server.ThreadingHTTPServer):
    """The public listener; holds what handlers share (engine, config, page, assets, limits)."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = _LISTEN_QUEUE  # http.server's 5 overflowed under 50 clients (connection resets)

    engine: _Engine  # set once the engine runs, before serving starts

    def __init__(self, address, config: ServerConfig, page: bytes, examples: bytes,
                 assets: dict[str, tuple[str, bytes]]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.config = config
        self.page = page
        self.examples = examples
        self.documents = _documents_json([], [])
        self.assets = assets
        self.check_host = _is_loopback_name(address[0])
        self.workers = threading.BoundedSemaphore(config.workers)
        self.exports = threading.BoundedSemaphore(config.export_workers)
        self.budget = Budget(config.memory_budget)
        self.connections = Connections(config.max_connections, config.max_idle_per_client,
                                       config.max_per_client)
        self.gate = _Gate()  # retries of queries cut by a crash run one at a time, alone
        self.crashers = _Crashers()
        super().__init__(address, _Handler)

    def answer(self) -> Answer:
        """A new answer of the engine's, bounded by ``max_result_bytes`` and counted in the budget."""
        return Answer(self.config.max_result_bytes, self.budget)

    def process_request(self, request, client_address) -> None:
        """Start a connection thread, unless ``max_connections`` are open and none is idle (503).

        Each thread only reads a request under ``read_timeout_s`` and waits for a
        worker slot; the engine work is bounded by ``workers``.
        """
        if not self.connections.admit(request, client_address[0]):
            _refuse_connection(request)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        """ThreadingMixIn's, with the connection forgotten *before* its socket is closed: a closed
        socket's number may be reused at once, and the registry must never shut down a stranger."""
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.connections.forget(request)
            self.shutdown_request(request)


def _refuse_connection(request: socket.socket) -> None:
    """A short 503 written from the accepting thread (it fits the socket buffer; never blocks long)."""
    body = b"too many open connections; retry\n"
    head = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
    try:
        request.settimeout(1.0)
        request.sendall(head + body)
    except OSError:
        pass  # the client is gone or not reading: closing is all that is left


class _DeadlineIO(io.RawIOBase):
    """The socket's read side, where every recv gets only the time left until ``deadline``.

    A per-recv timeout alone lets a client trickle one byte every few seconds
    (slowloris); this bounds the whole request head and body instead. The first
    bytes of a request tell the connection registry it is no longer idle.
    """

    def __init__(self, sock: socket.socket, handler: "_Handler") -> None:
        super().__init__()
        self._sock = sock
        self._handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self._handler.read_deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("request not received in time")
        self._sock.settimeout(left)
        got = self._sock.recv_into(buffer)
        if got and self._handler.waiting:
            self._handler.waiting = False
            self._handler.server.connections.reading(self._sock)
        return got

class _Handler(http.server.BaseHTTPRequestHandler):
    """One request: route it, refuse what is not a read-only query, else proxy it."""

    server: _Front
    server_version = "policykg-serve"
    read_deadline = 0.0
    waiting = True  # no byte of the next request read yet

    def setup(self) -> None:
        super().setup()
        self.read_deadline = time.monotonic() + self.server.config.read_timeout_s
        self.rfile = io.BufferedReader(_DeadlineIO(self.connection, self))

    def handle_one_request(self) -> None:
        """Each request (also the next one on a kept-alive connection) must arrive in ``read_timeout_s``."""
        self.read_deadline = time.monotonic() + self.server.config.read_timeout_s
        self.waiting = True
        try:
            super().handle_one_request()
        except TimeoutError:
            self.close_connection = True  # a slow or idle client: drop it, freeing the thread

    # --- routing

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch(self._route_get)

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch(self._route_post)

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch(self._refuse_write)

    do_DELETE = do_PATCH = do_PUT

    def _dispatch(self, route) -> None:
        """Route a request whose head is in; it counts as in progress until its answer is sent."""
        connections = self.server.connections
        if not connections.activate(self.connection):
            self.close_connection = True
            self._send_text(503, "too many requests in progress from your address; retry")
            return
        try:
            if self.server.check_host and not _is_loopback_name(self._host_name()):
                raise _Reply(403, "this endpoint only answers requests addressed to the loopback "
                                  "(one Host header: a loopback name or address, optional port)")
            url = urllib.parse.urlsplit(self.path)
            if url.path in _GUARDED_PATHS:
                why = cross_site(self.headers.get_all("Origin") or [],
                                 self.headers.get_all("Sec-Fetch-Site") or [], self.headers.get_all("Host") or [])
                if why:
                    raise _Reply(403, why)
            route(url)
        except (_Reply, Refused) as reply:
            self._send_text(reply.status, reply.message)
        finally:
            connections.done(self.connection)

    def _host_name(self) -> str:
        """The Host header's name, parsed strictly; "" (refused) for two headers or user-info."""
        values = self.headers.get_all("Host") or ["127.0.0.1"]  # HTTP/1.0 may send none
        return _strict_host(values) or ""

    def _route_get(self, url: urllib.parse.SplitResult) -> None:
        path = url.path
        if path in ("/", "/index.html"):
            self._send(200, "text/html; charset=utf-8", self.server.page, _PAGE_HEADERS)
        elif path == "/examples.json":
            self._send(200, "application/json; charset=utf-8", self.server.examples, _PAGE_HEADERS)
        elif path == "/documents.json":
            self._send(200, "application/json; charset=utf-8", self.server.documents, _PAGE_HEADERS)
        elif path.startswith("/static/") and path[len("/static/"):] in self.server.assets:
            ctype, body = self.server.assets[path[len("/static/"):]]
            self._send(200, ctype, body, _PAGE_HEADERS)
        elif path in UPDATE_PATHS:
            self._refuse_write(url)
        elif path in ENDPOINT_PATHS:
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if "update" in params:
                self._refuse_write(url)
            query = _single(params, "query")
            if query is None:
                raise _Reply(400, "missing query= parameter (the editor is at /)")
            self._proxy(query, params)
        else:
            raise _Reply(404, "not found: the endpoint is /sparql, the editor is /")

    def _route_post(self, url: urllib.parse.SplitResult) -> None:
        if url.path in UPDATE_PATHS:
            self._refuse_write(url)
        if url.path == EXPORT_PATH:
            if self.headers.get_content_type() != FORM_TYPE:
                raise _Reply(415, f"send a {FORM_TYPE} form with query= and format=")
            form = urllib.parse.parse_qs(self._decode(self._read_body()), keep_blank_values=True)
            if "update" in form:
                self._refuse_write(url)
            self._export(form)
            return
        if url.path not in ENDPOINT_PATHS:
            raise _Reply(404, "not found: the endpoint is /sparql")
        ctype = self.headers.get_content_type()
        body = self._read_body()
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if ctype == UPDATE_TYPE or "update" in params:
            self._refuse_write(url)
        if ctype == FORM_TYPE:
            form = urllib.parse.parse_qs(self._decode(body), keep_blank_values=True)
            if "update" in form:
                self._refuse_write(url)
            for name, values in form.items():
                params.setdefault(name, []).extend(values)
            query = _single(params, "query")
            if query is None:
                raise _Reply(400, "missing query= field in the form")
        elif ctype == QUERY_TYPE:
            query = self._decode(body)
        else:
            raise _Reply(415, f"send {QUERY_TYPE} or a {FORM_TYPE} form with query=")
        self._proxy(query, params)

    def _refuse_write(self, _url=None) -> NoReturn:
        raise _Reply(403, "this SPARQL endpoint is read-only: updates are refused")

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError as err:
            raise _Reply(400, "bad Content-Length") from err
        if length > MAX_QUERY_BYTES:
            self.close_connection = True
            raise _Reply(413, f"request body over {MAX_QUERY_BYTES} bytes")
        try:
            body = self.rfile.read(length) if length > 0 else b""
        except (TimeoutError, OSError) as err:
            self.close_connection = True
            raise _Reply(408, f"request body not received within {self.server.config.read_timeout_s:g} s") from err
        if len(body) < length:
            self.close_connection = True
            raise _Reply(400, "request body shorter than its Content-Length")
        return body

    @staticmethod
    def _decode(body: bytes) -> str:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _Reply(400, "the request body is not UTF-8") from err

    # --- proxying

    def _proxy(self, query: str, params: dict[str, list[str]]) -> None:
        """Answer a protocol request: the engine's answer, with parse errors made readable."""
        with self._answer(query, params, self.headers.get("Accept", "*/*")) as answer:
            self._send_answer(answer, {"Cache-Control": "no-store"})

    def _engine_form(self, query: str, params: dict[str, list[str]]) -> tuple[Prepared, bytes, bytes]:
        """Check the query; return it prepared, its digest and the form the engine gets.

        The engine gets a form rebuilt from the checked query and the dataset
        parameters only, never the client's raw bytes: what was checked is
        exactly what runs, whatever the two parsers think of odd encodings.
        """
        if len(query.encode("utf-8")) > MAX_QUERY_BYTES:
            raise _Reply(413, f"query over {MAX_QUERY_BYTES} bytes")
        prepared = _prepare(query, params, self.server.config)
        query = prepared.text
        if len(query.encode("utf-8")) > MAX_QUERY_BYTES:
            raise _Reply(413, f"query over {MAX_QUERY_BYTES} bytes")
        try:
            _guard(query, self.server.config)  # the final text: what runs is what was checked
        except _Reply as reply:
            raise _Reply(reply.status, readable_guard_error(reply.message, prepared)) from None
        key = hashlib.sha256(query.encode("utf-8")).digest()
        if key in self.server.crashers:
            raise _Reply(400, "this query crashed the query engine before and is refused; simplify it")
        form = [("query", query)] + [(name, value) for name in DATASET_PARAMS
                                     for value in params.get(name, [])]
        if len(form) == 1 and not _declares_dataset(query) and _needs_union(self.server.config):
            form.append((UNION_PARAM, ""))  # no dataset named: the union of the graphs, as `policykg query`
        return prepared, key, urllib.parse.urlencode(form).encode("ascii")

    def _answer(self, query: str, params: dict[str, list[str]], accept: str, finish=None) -> Answer:
        """Relay a checked query to the engine in a worker slot, under the time limit.

        ``finish(answer, deadline)`` (an export's conversion) runs on a 200 answer
        in the same worker slot and under the same deadline: a file is written
        only within the limits its query had. The caller closes the answer.
        """
        prepared, key, body = self._engine_form(query, params)
        deadline = time.monotonic() + self.server.config.timeout_s
        headers = {"Accept": accept, "Content-Type": FORM_TYPE}
        if not self.server.workers.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise _Reply(503, "all query workers are busy; retry")
        try:
            if not self.server.gate.enter(deadline):
                raise _Reply(503, "the query engine is busy re-running queries cut by a crash; retry")
            try:
                answer = self._run(body, headers, deadline, key)
            finally:
                self.server.gate.leave()
            try:
                if answer.status == 400 and not answer.ctype.startswith("application/sparql-results"):
                    message = readable_engine_error(answer.data().decode("utf-8", "replace"), prepared)
                    answer.replace("text/plain; charset=utf-8", (message + "\n").encode("utf-8"))
                elif answer.status == 200 and finish is not None:
                    finish(answer, deadline)
            except BaseException:
                answer.close()
                raise
        finally:
            self.server.workers.release()
        return answer

    def _export(self, form: dict[str, list[str]]) -> None:
        """``POST /export``: the answer as a file named after the query (see :func:`export_answer`).

        Exports that write a file take one of ``export_workers`` slots first, for
        ``_EXPORT_WAIT_S`` at most: a crowd of them gets a prompt 503 with
        Retry-After instead of waiting out its time limit for a worker.
        """
        query = _single(form, "query")
        if query is None:
            raise _Reply(400, "missing query= field in the form")
        fmt = (_single(form, "format") or "csv").lower()
        if fmt not in EXPORT_FORMATS:
            raise _Reply(400, f"format is one of {', '.join(EXPORT_FORMATS)}, not {_clip(fmt, 20)!r}")
        if fmt == "xlsx" and not xlsx_available():
            raise _Reply(501, "XLSX export needs openpyxl on the server: pip install 'policykg[export]'")
        bom = _single(form, "bom") in ("1", "true", "on")
        converts = fmt == "xlsx" or (fmt == "csv" and bom)
        if converts and not self.server.exports.acquire(timeout=_EXPORT_WAIT_S):
            raise _Reply(503, "the server is busy writing other exports; retry")
        try:
            answer = self._answer(query, form, _CONVERT_ACCEPT if converts else EXPORT_FORMATS[fmt][0],
                                  lambda answer, deadline: export_answer(answer, fmt, deadline, bom=bom))
        finally:
            if converts:
                self.server.exports.release()
        with answer:
            headers = {"Cache-Control": "no-store"}
            if answer.status == 200:
                name = export_name(_single(form, "name") or "", fmt)
                headers.update({"X-Content-Type-Options": "nosniff", "Content-Disposition":
                                f"attachment; filename=\"{name}\"; filename*=UTF-8''{urllib.parse.quote(name)}"})
            self._send_answer(answer, headers)

    def _run(self, body: bytes, headers: dict[str, str], deadline: float,
             key: bytes) -> Answer:
        """Relay to the engine; a query cut by a crash or a restart is retried, never failed.

        Retries go through the gate's lane, one at a time (see ``_Gate``): a
        query that crashes the engine again while it runs alone is the culprit,
        gets 400 and is remembered, while the others it cut get their answers.
        """
        engine, config, gate = self.server.engine, self.server.config, self.server.gate
        suspect = False
        for _attempt in range(_MAX_ATTEMPTS):
            in_lane = suspect
            if in_lane:
                self._wait_for_lane(deadline)
            alone = in_lane and gate.run_alone(deadline)
            try:
                link, generation = self._engine_link(deadline)
                return _relay(link, body, headers, deadline, self.server.answer())
            except _Late as err:
                engine.restart(generation, f"a query ran past {config.timeout_s:g} s")
                raise _Reply(504, f"query stopped: it ran past the {config.timeout_s:g} s time limit; "
                                  "add LIMIT or narrow the pattern") from err
            except (OSError, http.client.HTTPException) as err:
                crashed = engine.failed(generation, err) == "crash"
                if crashed and alone:
                    self.server.crashers.add(key)
                    raise _Reply(400, "this query crashed the query engine (it was restarted); "
                                      "simplify it") from err
                suspect = suspect or crashed  # cut by the watchdog: simply retry on the new engine
            finally:
                if in_lane:
                    gate.reopen()
                    gate.lane.release()
        raise _Reply(503, "the query engine kept restarting; retry")

    def _wait_for_lane(self, deadline: float) -> None:
        """Take the retry lane; while waiting, this query does not count as running."""
        gate = self.server.gate
        gate.leave()
        try:
            got = gate.lane.acquire(timeout=max(0.0, deadline - time.monotonic()))
        finally:
            gate.rejoin()
        if not got:
            raise _Reply(503, "the query engine was restarted and is busy with retries; retry")

    def _engine_link(self, deadline: float) -> tuple[_Link, int]:
        """``(link, generation)`` of the engine, waiting out a restart within ``deadline``."""
        try:
            link, generation = self.server.engine.endpoint(
                min(_RESTART_WAIT_S, max(0.1, deadline - time.monotonic())))
        except _Unavailable as err:
            raise _Reply(503, str(err)) from err
        if deadline - time.monotonic() < 0.05:  # spent waiting for a restart: don't blame the new engine
            raise _Reply(503, "the query engine was restarting; retry")
        return link, generation

    # --- writing

    def _send_text(self, status: int, message: str) -> None:
        headers = {"Cache-Control": "no-store"}
        if status == 503:
            headers["Retry-After"] = "1"
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"), headers)

    def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str]) -> None:
        self._send_answer(Answer.of(status, ctype, body), headers)

    def _send_answer(self, answer: Answer, headers: dict[str, str]) -> None:
        """Write an answer block by block, each block's room in the budget given back once sent.

        The whole answer must go within ``_WRITE_TIMEOUT_S`` plus its size at
        ``_MIN_SEND_RATE``: a client that reads slowly holds memory, and may not
        hold it for ever.
        """
        deadline = time.monotonic() + _WRITE_TIMEOUT_S + answer.size / _MIN_SEND_RATE
        try:
            self.connection.settimeout(_WRITE_TIMEOUT_S)  # reads left a short timeout behind
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.ctype)
            self.send_header("Content-Length", str(answer.size))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command == "HEAD":
                return
            for block in answer.blocks():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the client reads too slowly")
                self.connection.settimeout(left)
                self.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
            log.debug("client went away (or stopped reading) before the answer was sent")

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        log.info("%s %s", self.address_string(), format % args)


def _engine_connection(link: _Link, timeout: float) -> http.client.HTTPConnection:
    """A connection to the engine: the one place that knows how the engine is reached."""
    return _EngineConnection(link, timeout=timeout)


def _relay(link: _Link, body: bytes, headers: dict[str, str], deadline: float, answer: Answer) -> Answer:
    """POST one query form to the engine; return ``answer`` holding its whole answer by ``deadline``.

    The body is read in chunks with the socket timeout set to the time left,
    so a slow trickle cannot stretch the limit; each chunk is counted in the
    answer's limit (507) and memory budget (503) before it is kept. Raises
    ``_Late``, ``Refused``, ``OSError`` or ``HTTPException``, and then closes
    ``answer`` (its room given back).
    """
    conn = None
    try:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Late()
        conn = _engine_connection(link, remaining)
        conn.request("POST", "/query", body=body, headers=headers)
        sock = conn.sock
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        resp = conn.getresponse()
        answer.status, answer.ctype = resp.status, resp.getheader("Content-Type", "application/octet-stream")
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Late()
            sock.settimeout(left)
            chunk = resp.read1(_CHUNK)
            if not chunk:
                break
            answer.add(chunk, deadline)
        answer.complete()
        return answer
    except BaseException as err:
        answer.close()
        if isinstance(err, TimeoutError):
            raise _Late() from err
        raise
    finally:
        if conn is not None:
            conn.close()


# ------------------------------------------------------------- editor page


def _render_page(examples: list[Example], graph_files: list[Path], documents: list[Document] = (),
                 store: Path | None = None) -> bytes:
    """The editor page: the template with the example picker, document picker and graph names filled in."""
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    options = "\n".join(
        f'<option value="{i}" title="{html.escape(ex.header)}">{html.escape(ex.name)} — '
        f"{html.escape(ex.title)}</option>"
        for i, ex in enumerate(examples)
    )
    if store is not None:
        graphs = html.escape(f"{store.parent.name}/{store.name}" if store.parent.name else store.name)
    else:
        graphs = ", ".join(html.escape(Path(p).name) for p in graph_files)
    if documents:
        graphs += f" · {len(documents)} 个文件 documents"
    docs = "\n".join(
        f'<option value="{html.escape(d.graph)}" title="{html.escape(d.graph)}">'
        f"{html.escape(_document_label(d))}</option>" for d in documents)
    if not documents:  # one graph: no picker
        template = template.replace('id="scope-section">', 'id="scope-section" hidden>')
    return (template.replace("<!--EXAMPLES-->", options)
            .replace("<!--GRAPHS-->", graphs)
            .replace("<!--DOCUMENTS-->", docs)
            .replace("<!--DOC_COUNT-->", str(len(documents)))
            .replace("<!--COUNT-->", str(len(examples)))
            .replace("<!--XLSX-->", "" if xlsx_available() else " disabled")).encode("utf-8")


def _document_label(doc: Document) -> str:
    """``id — title（jurisdiction · level）`` for the document picker."""
    place = " · ".join(x for x in (doc.jurisdiction, doc.level) if x)
    title = doc.title if len(doc.title) <= 40 else doc.title[:39] + "…"
    return f"{doc.id} — {title}" + (f"（{place}）" if place else "")


def list_documents(link: _Link, timeout_s: float = 30.0) -> tuple[list[Document], list[str]]:
    """The documents of the store the engine behind ``link`` serves, and its other named graphs.

    A named graph holding a ``pkg:PolicyDocument`` is a document; the others
    (the shared ontology and schemes, lineage) are context that a query scoped
    to one document still sees. A one-document store keeps everything in the
    default graph: both lists are then empty.
    """
    body = urllib.parse.urlencode({"query": _DOCUMENTS_QUERY}).encode("ascii")
    headers = {"Accept": "application/sparql-results+json", "Content-Type": FORM_TYPE}
    try:
        with _relay(link, body, headers, time.monotonic() + timeout_s, Answer(64 * 2**20)) as answer:
            status, data = answer.status, answer.data()
    except (_Late, Refused, OSError, http.client.HTTPException) as err:
        raise ServeError(f"could not list the documents of the store: {err!r}",
                         hint="is the machine overloaded? try again") from err
    if status != 200:
        raise ServeError(f"could not list the documents of the store (HTTP {status}): "
                         f"{_tail(data.decode('utf-8', 'replace'))}")
    documents, context = [], []
    for row in json.loads(data)["results"]["bindings"]:
        value = {k: v["value"] for k, v in row.items()}
        if "doc" not in value:
            context.append(value["g"])
            continue
        documents.append(Document(graph=value["g"], id=value.get("id") or value["g"].rsplit("/", 1)[-1],
                                  title=value.get("title", ""), jurisdiction=value.get("place", ""),
                                  level=value.get("level", "")))
    documents.sort(key=lambda d: d.id)
    return documents, context


def _documents_json(documents: list[Document], context: list[str]) -> bytes:
    rows = [{"graph": d.graph, "id": d.id, "title": d.title, "jurisdiction": d.jurisdiction, "level": d.level}
            for d in documents]
    return json.dumps({"documents": rows, "context": context, "prefixes": DEFAULT_PREFIXES},
                      ensure_ascii=False).encode("utf-8")


def _load_assets() -> dict[str, tuple[str, bytes]]:
    """The files under static/ that the page may load, with their content types."""
    return {path.name: (_ASSET_TYPES[path.suffix], path.read_bytes())
            for path in sorted(STATIC_DIR.iterdir())
            if path.is_file() and path.suffix in _ASSET_TYPES}


def _sweep_stale_stores() -> None:
    """Delete temporary stores left by servers that were killed outright (no stop())."""
    for path in Path(tempfile.gettempdir()).glob(f"{_TMP_PREFIX}*-*"):
        pid = path.name[len(_TMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _examples_json(examples: list[Example]) -> bytes:
    rows = [{"name": e.name, "title": e.title, "header": e.header, "query": e.query, "zh": e.question_zh,
             "en": e.question_en, "params": [{"name": n, "default": d, "doc": doc} for n, d, doc in e.params]}
            for e in examples]
    return json.dumps(rows, ensure_ascii=False).encode("utf-8")


# ------------------------------------------------------------- public API


class SparqlServer:
    """The endpoint: ``start()`` returns the base URL; the endpoint is ``{url}/sparql``."""

    def __init__(self, config: ServerConfig) -> None:
        if config.timeout_s <= 0:
            raise ServeError("timeout_s must be positive", hint="e.g. 10")
        if config.memory_budget < config.max_result_bytes:
            raise ServeError("memory_budget is smaller than max_result_bytes: the largest answer would never fit",
                             hint=f"raise memory_budget to at least {config.max_result_bytes}")
        self.config = config
        self.url: str | None = None
        self._tmp: Path | None = None
        self.documents: list[Document] = []
        self._engine: _Engine | None = None
        self._front: _Front | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        """The SPARQL endpoint URL (``/sparql``; ``/query`` is an alias)."""
        if self.url is None:
            raise ServeError("the server is not started", hint="call start() first")
        return f"{self.url}/sparql"

    @property
    def child_pid(self) -> int | None:
        """Process id of the current oxigraph child (for diagnostics and tests)."""
        return self._engine.pid if self._engine else None

    def start(self) -> str:
        """Load the graph, start the engine and the front; return e.g. ``http://127.0.0.1:7878``."""
        if self.url is not None:
            return self.url
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self.url  # type: ignore[return-value]

    def _start(self) -> None:
        config = self.config
        examples = load_examples(config.queries_dir)
        binary = find_oxigraph()
        try:  # bind first: a taken port should fail before a long load
            self._front = _Front((config.host, config.port), config,
                                 _render_page(examples, config.graph_files), _examples_json(examples),
                                 _load_assets())
        except OSError as err:
            raise ServeError(f"cannot listen on {config.host}:{config.port}: {err.strerror}",
                             hint="choose another port (--port), or 0 for any free one") from err
        _sweep_stale_stores()
        self._tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-"))
        if config.store is not None:
            how = snapshot_store(Path(config.store), self._tmp / "store")
            log.info("serving the store %s (%s into %s)", config.store, how, self._tmp / "store")
        else:
            load_store(binary, [Path(p) for p in config.graph_files], self._tmp / "store")
        self._engine = _Engine(binary, self._tmp / "store", config.timeout_s, self._tmp / "oxigraph.log")
        self._engine.start()
        self._check_protection(self._engine.protection)
        self._front.engine = self._engine
        link, _ = self._engine.endpoint(_STARTUP_WAIT_S)
        self.documents, context = list_documents(link)
        self._front.page = _render_page(examples, config.graph_files, self.documents, config.store)
        self._front.documents = _documents_json(self.documents, context)
        host, port = self._front.server_address[:2]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        self._thread = threading.Thread(target=self._front.serve_forever, args=(0.2,),
                                        name="policykg-serve", daemon=True)
        self._thread.start()
        log.info("serving %s at %s/sparql (%d documents as named graphs)",
                 config.store or ", ".join(map(str, config.graph_files)), self.url, len(self.documents))

    @property
    def protection(self) -> str:
        """What keeps queries off the network: a namespace, or ``query guard only: <why>``."""
        return self._engine.protection if self._engine else ""

    def _check_protection(self, protection: str) -> None:
        if nonet.is_isolated(protection):
            log.info("query engine protection: %s (the engine has no network; the query guard is a "
                     "second layer)", protection)
            return
        log.warning("query engine protection: %s", protection)
        if self.config.test_without_guard:
            raise ServeError(f"test_without_guard needs an engine without network, and here: {protection}",
                             hint="run the test where network namespaces are allowed")

    def stop(self) -> None:
        """Stop listening, kill the engine, delete the temporary store. Safe to call twice."""
        if self._thread is not None:  # shutdown() would wait forever for a loop never started
            self._front.shutdown()  # type: ignore[union-attr]
            self._thread.join(timeout=10)
            self._thread = None
        if self._front is not None:
            self._front.server_close()
            self._front = None
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        self.url = None

    def __enter__(self) -> SparqlServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_forever(config: ServerConfig) -> None:
    """Serve until Ctrl-C or SIGTERM, then stop cleanly (used by ``policykg serve``)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if not _is_loopback_name(config.host):
        log.warning("listening on %s: other machines can query this graph", config.host)
    stopping = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set()) if in_main else None
    try:
        with SparqlServer(config) as server:
            what = config.store or ", ".join(map(str, config.graph_files))
            docs = f" ({len(server.documents)} documents, each a named graph; default graph: their union)" \
                if server.documents else ""
            print(f"Serving:         {what}{docs}\nSPARQL endpoint: {server.endpoint}\n"
                  f"Query editor:    {server.url}/\nProtection:      {_protection_line(server.protection)}\n"
                  "Press Ctrl-C to stop.", flush=True)
            try:
                while not stopping.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    print("stopped.", flush=True)


def _protection_line(protection: str) -> str:
    """The start-up line that says what keeps queries from reaching other hosts."""
    if nonet.is_isolated(protection):
        return f"{protection} (the query engine has no network; SERVICE cannot reach any host)"
    return f"{protection} (SERVICE is refused by the query guard; the engine itself has a network)"


def main(argv: list[str] | None = None) -> int:
    """``python -m policykg.use.serve GRAPH.ttl [--queries DIR] [--port N]`` (the CLI wraps the same)."""
    parser = argparse.ArgumentParser(prog="policykg serve", description=__doc__.splitlines()[0])
    parser.add_argument("graph", nargs="+", type=Path,
                        help="Turtle (or other RDF) files to serve, or one store / output folder")
    parser.add_argument("--queries", type=Path, default=None, help="folder of *.rq example queries")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7878, help="0 picks a free port")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per query")
    args = parser.parse_args(argv)
    try:
        store, files = resolve_graph(args.graph[0]) if len(args.graph) == 1 and args.graph[0].is_dir() \
            else (None, args.graph)
        serve_forever(ServerConfig(files, args.queries, args.host, args.port, args.timeout, store=store))
    except PolicyKGError as err:
        print(err, file=sys.stderr)
        return err.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
