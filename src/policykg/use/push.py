"""``policykg push URL``: send a built corpus to a SPARQL 1.1 Graph Store Protocol server.

Every named graph of the corpus (one per document, the shared graph, the lineage
graph) is sent with one HTTP ``PUT URL?graph=IRI`` whose body is that graph as
N-Triples. PUT replaces the graph on the server, so pushing again — after a
rebuild, or after a push that stopped half-way — leaves each graph exactly as
built: nothing is duplicated, nothing of an older build is left in it.

The **merged default graph** goes too. The local store answers a query that names no
dataset from the merge of the named graphs (one preferred name per unit:
:func:`policykg.kg.corpus_store.write_default_graph`); a server sent only the named graphs
has nothing there (Oxigraph) or the union of every graph it holds, triples shared by
several documents counted once per graph (Virtuoso). ``default_graph`` says where the
merge goes: ``"default"`` — the server's own default graph (``PUT URL?default``: Oxigraph),
an IRI — a named graph of its own, which queries then name (``default-graph-uri=IRI``,
``FROM <IRI>``: Virtuoso, whose Graph Store has no default graph), ``None`` — not sent.
It is sent first: it is the largest request, and a server that cannot take it fails
before the named graphs are sent.

The graphs are read from the corpus's ``corpus.nq`` (sorted, so one graph's lines
are together) one graph at a time: memory holds one document, not the corpus.
Standard library only (``urllib``, ``http.client``). ``--user`` is answered the way the
server asks, Basic or Digest (:mod:`policykg.use.http_auth`).

A server is not trusted to behave:

* **a total deadline per graph** (``timeout``): connecting, sending, the answer and
  any retries of that graph all end by it — a socket timeout alone restarts on
  every byte, so a server trickling a byte every two seconds would never end;
* **bounded answers**: a Graph Store answers a PUT with a status and a few words;
  at most :data:`MAX_ANSWER_BYTES` are read, and a longer answer is an error (a
  server streaming an endless body cannot fill memory);
* **retries with back-off** after a 5xx (or 429) answer or a dropped connection —
  a PUT replaces, so sending it again is safe — honouring ``Retry-After``, within
  the graph's deadline;
* **one-line errors** for everything malformed — the URL (a space, a control
  character, a bad port), ``--header`` (a line break would smuggle a header),
  ``--user``, a status line that is not HTTP — with the server's reason phrase and
  body excerpt escaped (:func:`policykg.use.answers.escape_controls`): they come from
  the server, and could carry terminal escape sequences.

Any failure is a :class:`PushError` (exit code 2) naming the graph that failed, the
tries it took and how many graphs were sent before it.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from policykg.errors import PushError
from policykg.kg.layout import resolve
from policykg.use.answers import escape_controls
from policykg.use.http_auth import Authenticator
from policykg.vocab import DEFAULT_GRAPH

NTRIPLES = "application/n-triples"
#: The most of a server's answer read: its status and a few words are all a PUT needs.
MAX_ANSWER_BYTES = 64 * 1024
#: Tries after the first one, by default (``policykg push --retries``).
DEFAULT_RETRIES = 2
#: The pause before the second try, doubled before each next one, at most :data:`BACKOFF_MAX_S`.
BACKOFF_S = 0.5
BACKOFF_MAX_S = 8.0
#: Answers worth trying again: the server is busy or failed for a moment.
_RETRY_STATUS = frozenset({429, *range(500, 600)})
#: The most of an error answer read for its words (an error page's message follows its title and heading).
MAX_ERROR_BYTES = 4096
#: Challenges answered per try of a graph: a new nonce, then the answer; a server asking again is refusing.
MAX_CHALLENGES = 3
#: The characters of an HTTP header name (RFC 9110 ``token``).
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True)
class Pushed:
    graph: str
    triples: int
    status: int
    tries: int = 1
    #: The merged default graph (``graph`` is then its IRI, or "" for the server's default graph).
    merged: bool = False


def corpus_file(folder: str | Path | None = None) -> Path:
    """The ``corpus.nq`` of an output folder (or of the one its store folder is in), or the file given;
    ``None``: the project's ``graph/`` (:func:`policykg.kg.layout.resolve`)."""
    return corpus_files(folder)[0]


def corpus_files(folder: str | Path | None = None) -> tuple[Path, Path | None]:
    """``(corpus.nq, its built store or None)`` of what ``folder`` names (:func:`corpus_file`)."""
    target = resolve(folder)
    nq = target.corpus_nq
    if nq is None or not Path(nq).is_file():
        raise PushError("no corpus here (corpus.nq not found)", path=target.path,
                        hint="build one with 'policykg build FOLDER…', or give --graph the output folder")
    return Path(nq), Path(target.store) if target.store and target.kind != "file" else None


def default_graph_file(nq: Path, store: Path | None, scratch: Path) -> tuple[Path, int]:
    """The merged default graph as N-Triples in ``scratch``, and its triple count
    (:func:`policykg.kg.corpus_store.write_default_graph`)."""
    from policykg.kg.corpus_store import write_default_graph
    target = scratch / "default.nt"
    try:
        return target, write_default_graph(nq, store, target)
    except (OSError, ValueError, SyntaxError) as exc:
        raise PushError(f"cannot make the merged default graph ({_said(exc)})", path=str(nq),
                        hint="rebuild the corpus with 'policykg build', or push without it: --default-graph none") from None


def graphs(nq: Path) -> Iterator[tuple[str, bytes, int]]:
    """``(graph IRI, N-Triples body, triple count)`` for every named graph of an N-Quads file.

    ``corpus.nq`` keeps each graph's lines together, and they are streamed one graph
    at a time; a file whose graphs are interleaved is grouped in memory instead (a
    graph sent twice would keep only its second part: PUT replaces).
    """
    if _contiguous(nq):
        current, lines = None, []
        for graph, triple in _quads(nq):
            if graph != current and current is not None:
                yield current, b"\n".join(lines) + b"\n", len(lines)
                lines = []
            current = graph
            lines.append(triple)
        if current is not None:
            yield current, b"\n".join(lines) + b"\n", len(lines)
        return
    grouped: dict[str, list[bytes]] = {}
    for graph, triple in _quads(nq):
        grouped.setdefault(graph, []).append(triple)
    for graph, lines in grouped.items():
        yield graph, b"\n".join(lines) + b"\n", len(lines)


def _contiguous(nq: Path) -> bool:
    seen, current = set(), None
    for graph, _ in _quads(nq):
        if graph != current:
            if graph in seen:
                return False
            seen.add(graph)
            current = graph
    return True


def _quads(nq: Path) -> Iterator[tuple[str, bytes]]:
    with open(nq, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            line = raw.strip()
            if line and not line.startswith(b"#"):
                yield _split(line, number)


def _split(line: bytes, number: int = 0) -> tuple[str, bytes]:
    """An N-Quads line → (graph IRI, the N-Triples line). Only quads in a named graph (an IRI) are pushed.

    >>> _split(b'<http://a> <http://b> "x <y>" <http://g> .')
    ('http://g', b'<http://a> <http://b> "x <y>" .')
    """
    body = line.rstrip()
    start = body[:-1].rstrip().rfind(b" <") if body.endswith(b".") else -1
    if start < 0 or not body[:-1].rstrip().endswith(b">"):
        raise PushError(f"corpus.nq line {number} is not a quad in a named graph",
                        hint="push sends the corpus.nq that 'policykg build FOLDER…' writes")
    body = body[:-1].rstrip()
    return body[start + 2:-1].decode("utf-8"), body[:start] + b" ."


# ---------------------------------------------------------------- checking what the user gave


def check_url(url: str) -> urllib.parse.SplitResult:
    """The server URL, refused in one line when it cannot be sent as it is written.

    >>> check_url("http://127.0.0.1:7878/store").port
    7878
    """
    shown = escape_controls(url)
    if any(ch <= " " or ch == "\x7f" for ch in url):
        raise PushError("the server URL holds a space or a control character", path=shown,
                        hint="write a space as %20")
    if not url.isascii():
        raise PushError("the server URL holds characters outside ASCII", path=shown,
                        hint="percent-encode them (a host name in its xn-- form)")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port                                  # a port that is not a number raises here
    except ValueError as exc:
        raise PushError(f"the server URL cannot be read ({exc})", path=shown) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushError("the server URL must be http:// or https:// and name a host", path=shown,
                        hint="e.g. http://127.0.0.1:7878/store")
    if "@" in parts.netloc:
        raise PushError("the server URL holds a user name: give it with --user USER:PASSWORD instead",
                        path=parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl())
    return parts


def endpoint_url(url: str, graph: str | None) -> str:
    """``URL?graph=IRI`` (``&graph=`` when the URL already has a query string); ``URL?default`` for ``None``
    (the Graph Store's default graph)."""
    parts = check_url(url)
    own = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
    query = (parts.query + "&" if parts.query else "") + own
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def headers(auth: str | None = None, user: str | None = None) -> dict[str, str]:
    """The request's headers: N-Triples and ``--header NAME: VALUE``; ``--user`` checked here and answered
    later, in the scheme the server asks for (:class:`policykg.use.http_auth.Authenticator`).

    A line break in a value would end the header and start another one the user
    never wrote; http.client refuses it with a traceback, so it is refused here first.
    """
    out = {"Content-Type": NTRIPLES}
    if auth is not None:
        name, sep, value = auth.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name or not set(name) <= _TOKEN:
            raise PushError("--header must be NAME: VALUE, NAME one word of letters, digits and -",
                            hint="e.g. --header 'Authorization: Bearer TOKEN'")
        _check_header_text(value, "--header's value")
        out[name] = value
    if user is not None:
        if ":" not in user:
            raise PushError("--user must be USER:PASSWORD", hint="e.g. --user admin:secret")
        _check_header_text(user, "--user", "utf-8")          # sent encoded (base64, hashes): any Unicode will do
    return out


def merged_graph_option(text: str | None, default: str | None = "default") -> str | None:
    """``--default-graph``: ``"default"``, ``None`` (``none``) or an absolute IRI; not given: ``default``.

    >>> merged_graph_option("none"), merged_graph_option(None), merged_graph_option("urn:x:merged")
    (None, 'default', 'urn:x:merged')
    """
    if text is None:
        return default
    if text in ("default", "none"):
        return None if text == "none" else text
    scheme, colon, rest = text.partition(":")
    if (not colon or not rest or not scheme[:1].isalpha() or any(ch <= " " or ch in '<>"{}|^`\\' for ch in text)
            or not all(ch.isalnum() or ch in "+-." for ch in scheme)):
        raise PushError("--default-graph must be default, none or an absolute IRI", path=escape_controls(text),
                        hint=f"e.g. --default-graph {DEFAULT_GRAPH}")
    return text


def _check_header_text(text: str, what: str, encoding: str = "latin-1") -> None:
    """One line of text that ``encoding`` can write (Latin-1: what http.client sends a header value as)."""
    if any((ch < " " and ch != "\t") or ch == "\x7f" for ch in text):
        raise PushError(f"{what} holds a line break or a control character", hint="an HTTP header is one line")
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        raise PushError(f"{what} holds characters an HTTP header cannot carry",
                        hint="HTTP headers are ASCII (Latin-1 at most)" if encoding == "latin-1"
                        else "a byte the command line could not decode") from None


# ---------------------------------------------------------------- pushing


def push(url: str, folder: str | Path | None, *, header: str | None = None, user: str | None = None,
         timeout: float = 60.0, retries: int = DEFAULT_RETRIES, progress=None,
         default_graph: str | None = "default") -> list[Pushed]:
    """PUT the merged default graph and every named graph of the corpus at ``folder`` to the Graph Store at ``url``.

    ``timeout``: seconds for each graph in all (tries and pauses included); ``retries``:
    tries after the first, after a 5xx/429 answer or a dropped connection; ``default_graph``:
    ``"default"``, an IRI or ``None`` (see the module's docstring).
    """
    import tempfile
    check_url(url)
    extra = headers(header, user)
    nq, store = corpus_files(folder)
    auth = Authenticator(user)
    sent: list[Pushed] = []

    def put(graph: str | None, body: bytes | Path, count: int, merged: bool = False) -> None:
        named = "the merged default graph" if merged else f"graph <{escape_controls(graph or '')}>"
        status, tries = _put_graph(endpoint_url(url, graph), body, extra, timeout, retries, auth,
                                   where=f"{named} after {len(sent)} graph(s) sent")
        sent.append(Pushed(graph=graph or "", triples=count, status=status, tries=tries, merged=merged))
        if progress is not None:
            progress(sent[-1])

    if default_graph is not None:
        with tempfile.TemporaryDirectory(prefix="policykg-push-") as scratch:
            body, count = default_graph_file(nq, store, Path(scratch))
            put(None if default_graph == "default" else default_graph, body, count, merged=True)
    for graph, body, count in graphs(nq):
        put(graph, body, count)
    return sent


class _Challenged(Exception):
    """A 401 answer: its ``WWW-Authenticate`` values, for :meth:`Authenticator.learn`."""

    def __init__(self, values: list[str]) -> None:
        super().__init__("401")
        self.values = values


class _TryAgain(Exception):
    """A failure worth another try: ``message`` says it, ``pause`` is the server's Retry-After (or None)."""

    def __init__(self, message: str, pause: float | None = None) -> None:
        super().__init__(message)
        self.message, self.pause = message, pause


def _put_graph(target: str, body: bytes | Path, extra: dict[str, str], timeout: float, retries: int,
               auth: Authenticator, where: str) -> tuple[int, int]:
    """PUT one graph until a 2xx answer: ``(status, tries)``; a :class:`PushError` otherwise.

    Tries again after a :class:`_TryAgain`, pausing ``BACKOFF_S`` doubled each time
    (or the server's Retry-After), for as long as the graph's deadline leaves room. A 401
    is answered at once, within the same try (:meth:`Authenticator.learn`), at most
    :data:`MAX_CHALLENGES` times.
    """
    deadline = time.monotonic() + timeout
    tries = challenged = 0
    if auth.given and auth.scheme is None and not auth.probed:
        _probe(target, extra, auth, deadline, where)
    while True:
        tries += 1
        try:
            status = _put_once(target, body, {**extra, **auth.headers("PUT", target)}, deadline, where)
            auth.answered()
            return status, tries
        except _Challenged as exc:
            challenged += 1
            if challenged > MAX_CHALLENGES:
                raise PushError(f"the server asked for credentials {challenged} times for {where}",
                                hint="check --user USER:PASSWORD") from None
            auth.learn(exc.values, where)
            tries -= 1                               # answering a challenge is not a failed try
        except PushError as exc:
            if tries > 1:
                exc.message += f" (on try {tries})"
            raise
        except _TryAgain as failure:
            pause = failure.pause if failure.pause is not None else min(BACKOFF_S * 2 ** (tries - 1), BACKOFF_MAX_S)
            if tries > retries or time.monotonic() + pause >= deadline:
                reason = ("no try left" if tries > retries else
                          f"no time left for another within the time limit of {timeout:g} s")
                raise PushError(f"{failure.message} for {where}; {_tries(tries)}, {reason}",
                                hint="pushing again replaces what was sent") from None
            time.sleep(pause)


def _probe(target: str, extra: dict[str, str], auth: Authenticator, deadline: float, where: str) -> None:
    """Ask once, with a bodiless ``HEAD``, which scheme the server wants for ``--user``.

    A server that wants credentials may answer a PUT's 401 and close the connection before
    reading the body (Virtuoso does): the body is then cut short and the challenge never read.
    Whatever else ``HEAD`` gets (a 2xx, 404, 405, 501) says nothing: the PUT goes without
    credentials, and answers a 401 if one comes.
    """
    auth.probed = True
    try:
        _send(urllib.request.Request(target, method="HEAD", headers=extra), deadline, where)
    except _Challenged as exc:
        auth.learn(exc.values, where)
    except (PushError, _TryAgain):
        pass


def _tries(n: int) -> str:
    return "1 try" if n == 1 else f"{n} tries"


def _put_once(target: str, body: bytes | Path, extra: dict[str, str], deadline: float, where: str) -> int:
    """One PUT: its 2xx status, or :class:`_TryAgain`, :class:`_Challenged`, or a :class:`PushError` not
    worth repeating. A body in a file is streamed from it (the merged default graph can be most of the corpus)."""
    with _body(body) as (data, size):
        request = urllib.request.Request(target, data=data, method="PUT",
                                         headers={**extra, "Content-Length": str(size)})
        return _send(request, deadline, where)


def _send(request: urllib.request.Request, deadline: float, where: str) -> int:
    opener = urllib.request.build_opener(_DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline))
    try:
        with opener.open(request, timeout=_time_left(deadline)) as response:
            _read_answer(response, where)
            return response.status
    except urllib.error.HTTPError as exc:
        if exc.code == 401:
            values = exc.headers.get_all("WWW-Authenticate") or []
            exc.close()
            raise _Challenged(values) from None
        raise _status_failure(exc, where) from None
    except urllib.error.URLError as exc:                   # from connecting or sending: exc.reason says why
        raise _connection_failure(exc.reason if isinstance(exc.reason, OSError) else exc, where) from None
    except (ConnectionError, http.client.IncompleteRead) as exc:   # the answer cut short: a PUT can be repeated
        raise _TryAgain(f"the server dropped the connection ({_said(exc)})") from None
    except TimeoutError:
        raise _late(where) from None
    except http.client.HTTPException as exc:               # not HTTP: a garbage status line, endless headers
        raise PushError(f"the server's answer is not HTTP ({_said(exc)}) for {where}",
                        hint="is the URL the Graph Store endpoint, and its scheme right (http/https)?") from None
    except OSError as exc:
        raise _connection_failure(exc, where) from None


@contextlib.contextmanager
def _body(body: bytes | Path):
    """``(data, size)`` to send: the bytes, or the file opened for this try (a retry reads it again)."""
    if isinstance(body, bytes):
        yield body, len(body)
        return
    with open(body, "rb") as fh:
        yield fh, os.fstat(fh.fileno()).st_size


def _read_answer(response, where: str) -> None:
    """Read the answer's body, at most :data:`MAX_ANSWER_BYTES`: a longer one is an error, not more memory."""
    if len(response.read(MAX_ANSWER_BYTES + 1)) > MAX_ANSWER_BYTES:
        raise PushError(f"the server's answer is longer than {MAX_ANSWER_BYTES // 1024} KiB for {where}",
                        hint="a Graph Store answers a PUT in a few words: is the URL its endpoint?")


def _status_failure(exc: urllib.error.HTTPError, where: str) -> Exception:
    """An error status: :class:`_TryAgain` for 5xx and 429, else a :class:`PushError` with the server's words."""
    try:
        detail = _server_words(exc.read(MAX_ERROR_BYTES))
    except (OSError, http.client.HTTPException):
        detail = ""
    finally:
        exc.close()
    said = f"the server answered {exc.code} {_said(exc.reason)}" + (f": {_said(detail)}" if detail else "")
    if "default graph" in detail and urllib.parse.urlsplit(exc.url or "").query.endswith("default"):
        return PushError(f"{said} (for {where})",          # Virtuoso's Graph Store: no default graph to PUT
                         hint="send the merge as a named graph: --default-graph IRI (e.g. " + DEFAULT_GRAPH + ")")
    if exc.code in _RETRY_STATUS:
        return _TryAgain(said, _retry_after(exc.headers.get("Retry-After")))
    return PushError(f"{said} (for {where})",
                     hint="check the URL (the Graph Store endpoint: Oxigraph …/store, Virtuoso "
                          "…/sparql-graph-crud-auth with --user) and --header")


def _server_words(raw: bytes) -> str:
    """What a server's error page says, on one line: the text of its ``<xmp>``/``<pre>`` block (Virtuoso
    writes its message there, after a title and a heading), else the page without tags.

    >>> _server_words(b"<html><h1>HTTP/1.1 403</h1><xmp>SQ110: Permission\\n denied</xmp></html>")
    'SQ110: Permission denied'
    """
    import re
    text = raw.decode("utf-8", "replace")
    block = re.search(r"<(xmp|pre)>(.*?)</\1>", text, re.S | re.I)
    text = block.group(2) if block else re.sub(r"<[^>]*>", " ", text)
    return " ".join(text.split())[:160]


def _connection_failure(reason: Exception, where: str) -> Exception:
    """Connecting or sending failed: past the deadline, worth another try (refused, reset), or final."""
    if isinstance(reason, TimeoutError):
        return _late(where)
    message = f"cannot reach the server ({_said(reason)})"
    if isinstance(reason, ConnectionError):
        return _TryAgain(message)
    return PushError(f"{message} for {where}", hint="is it running? pushing again replaces what was sent")


def _late(where: str) -> PushError:
    return PushError(f"no complete answer from the server within the time limit for {where}",
                     hint="raise --timeout SECONDS (it bounds each graph, tries included)")


def _said(what) -> str:
    """What a server (or the system, about it) said, on one line, escaped, at most 160 characters."""
    text = " ".join(str(getattr(what, "strerror", None) or what).split())
    return escape_controls(text[:160])


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (a number of seconds; an HTTP date is not worth parsing here), at most 30."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return min(max(seconds, 0.0), 30.0) if seconds is not None and seconds == seconds else None


# ---------------------------------------------------------------- a deadline for the whole exchange


def _time_left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the time limit has passed")
    return left


class _DeadlineSocket:
    """A connected socket whose every send and read ends by ``deadline``.

    A socket timeout bounds one ``recv``; a server sending a byte just before each
    one would run for ever. Here each send and read gets only the time left.
    """

    def __init__(self, sock, deadline: float) -> None:
        self._sock, self._deadline = sock, deadline

    def sendall(self, data, *flags):
        self._sock.settimeout(_time_left(self._deadline))   # sendall's timeout bounds the whole call
        return self._sock.sendall(data, *flags)

    def makefile(self, mode: str = "rb", *args, **kwargs):
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


class _DeadlineReader(io.RawIOBase):
    """The answer's bytes (``sock.makefile``'s own reader, which keeps the socket open while it reads),
    each read given only the time left."""

    def __init__(self, sock, deadline: float) -> None:
        super().__init__()
        self._sock, self._raw, self._deadline = sock, sock.makefile("rb", buffering=0), deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.settimeout(_time_left(self._deadline))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Deadline:
    """A connection (HTTP or HTTPS) that connects within the time left, then reads and sends by the deadline."""

    def __init__(self, *args, deadline: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def connect(self) -> None:
        self.timeout = _time_left(self.deadline)
        super().connect()
        self.sock = _DeadlineSocket(self.sock, self.deadline)


class _HTTPConnection(_Deadline, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_Deadline, http.client.HTTPSConnection):
    pass


class _DeadlineHandlers:
    """urllib's handlers (proxies, TLS context and all), opening :class:`_Deadline` connections."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def do_open(self, http_class, req, **kwargs):
        secure = issubclass(http_class, http.client.HTTPSConnection)
        connection = partial(_HTTPSConnection if secure else _HTTPConnection, deadline=self.deadline)
        return super().do_open(connection, req, **kwargs)


class _DeadlineHTTPHandler(_DeadlineHandlers, urllib.request.HTTPHandler):
    pass


class _DeadlineHTTPSHandler(_DeadlineHandlers, urllib.request.HTTPSHandler):
    pass
