"""``policykg push URL``: send a built corpus to a SPARQL 1.1 Graph Store Protocol server.

Every named graph of the corpus (one per document, the shared graph, the lineage
graph) is sent with one HTTP ``PUT URL?graph=IRI`` whose body is that graph as
N-Triples. PUT replaces the graph on the server, so pushing again — after a
rebuild, or after a push that stopped half-way — leaves each graph exactly as
built: nothing is duplicated, nothing of an older build is left in it.

The graphs are read from the corpus's ``corpus.nq`` (sorted, so one graph's lines
are together) one graph at a time: memory holds one document, not the corpus.
Standard library only (``urllib``). Any failure — the server cannot be reached,
answers with an error status, or times out — is a one-line :class:`PushError`
(exit code 2), naming the graph that failed and how many were sent before it.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import PolicyKGError

CORPUS_NQ = "corpus.nq"
NTRIPLES = "application/n-triples"


class PushError(PolicyKGError):
    """The corpus could not be sent (no corpus, server unreachable, an error status)."""

    code = "PKG700"


@dataclass(frozen=True)
class Pushed:
    graph: str
    triples: int
    status: int


def corpus_file(folder: str | Path) -> Path:
    """The ``corpus.nq`` of a built corpus folder (or the file itself)."""
    path = Path(folder)
    nq = path if path.is_file() else path / CORPUS_NQ
    if not nq.is_file():
        raise PushError("no corpus here (corpus.nq not found)", path=str(path),
                        hint="build one with 'policykg build FOLDER…', or give --graph the output folder")
    return nq


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


def endpoint_url(url: str, graph: str) -> str:
    """``URL?graph=IRI`` (``&graph=`` when the URL already has a query string)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PushError("the server URL must be http:// or https://", hint="e.g. http://127.0.0.1:7878/store")
    query = (parts.query + "&" if parts.query else "") + urllib.parse.urlencode({"graph": graph})
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def headers(auth: str | None = None, user: str | None = None) -> dict[str, str]:
    out = {"Content-Type": NTRIPLES}
    if auth:
        name, sep, value = auth.partition(":")
        if not sep or not name.strip():
            raise PushError("--header must be NAME: VALUE", hint="e.g. --header 'Authorization: Bearer TOKEN'")
        out[name.strip()] = value.strip()
    if user:
        out["Authorization"] = "Basic " + base64.b64encode(user.encode("utf-8")).decode("ascii")
    return out


def push(url: str, folder: str | Path, *, header: str | None = None, user: str | None = None,
         timeout: float = 60.0, progress=None) -> list[Pushed]:
    """PUT every named graph of the corpus at ``folder`` to the Graph Store at ``url``."""
    nq = corpus_file(folder)
    sent: list[Pushed] = []
    extra = headers(header, user)
    for graph, body, count in graphs(nq):
        request = urllib.request.Request(endpoint_url(url, graph), data=body, method="PUT", headers=extra)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read(300).decode("utf-8", "replace").split())[:160]
            raise PushError(f"the server answered {exc.code} {exc.reason} for graph <{graph}> "
                            f"after {len(sent)} graph(s) sent" + (f": {detail}" if detail else ""),
                            hint="check the URL (the Graph Store endpoint, e.g. …/store) and --header") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PushError(f"cannot reach the server ({' '.join(str(reason).split())[:120]}) "
                            f"after {len(sent)} graph(s) sent", path=url,
                            hint="is it running? pushing again replaces what was sent") from None
        sent.append(Pushed(graph=graph, triples=count, status=status))
        if progress is not None:
            progress(sent[-1])
    return sent
