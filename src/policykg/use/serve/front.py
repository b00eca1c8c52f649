"""The HTTP front: the public listener, its connections, and the routing of each request.

Why
---
A thin front written with the standard library only (``http.server``) listens
on the public port (127.0.0.1 by default) and adds what the engine does not
guarantee; each guarantee is a module of its own, and this one routes to them:

* **Read-only, in the front too.** Updates (``update=`` in a form or URL,
  ``application/sparql-update``, the ``/update`` path, PUT/DELETE/PATCH) get
  **403**, before the engine sees them (the engine runs read-only as well).
* **Addressed to this machine, from its own pages** (:mod:`policykg.use.serve.origin`):
  bound to the loopback, a request's Host must name the loopback; ``/sparql``,
  ``/query`` and ``/export`` refuse, with a one-line **403**, a request whose
  ``Origin`` is not this server's or whose ``Sec-Fetch-Site`` is neither
  ``same-origin`` nor ``none``. The editor's ``fetch`` sends its own origin;
  curl, SPARQLWrapper and urllib send neither header. The same-origin rule knows
  plain HTTP only (behind a TLS proxy the page's origin is ``https://…`` and
  would be refused).
* **Load.** Listen queue of 1024 (http.server's 5 overflowed: connection
  resets), at most ``max_per_client`` requests *in progress* per address, and
  the whole request head and body within ``read_timeout_s`` (:class:`_DeadlineIO`),
  so a slowloris client holds a thread for seconds. Connections are not capped
  per address; idle ones are spare room instead
  (:class:`~policykg.use.serve.limits.Connections`).
* **Bounded answers, sent at a pace.** Answers are written block by block, each
  block's room in the memory budget given back once sent, and a client must read
  at least ``_MIN_SEND_RATE``. Query texts above 1 MiB get **413**.

What a query does on its way is :mod:`policykg.use.serve.relay`'s; downloads are
:mod:`policykg.use.serve.export`'s; the page is :mod:`policykg.use.serve.editor`'s.
"""

from __future__ import annotations

import http.server
import io
import logging
import socket
import threading
import time
import urllib.parse
from typing import NoReturn

from policykg.kg.query import MAX_QUERY_BYTES
from policykg.use.serve.config import Reply, ServerConfig, clip
from policykg.use.serve.editor import PAGE_HEADERS, Editor
from policykg.use.serve.export import CONVERT_ACCEPT, EXPORT_FORMATS, export_answer, export_name, xlsx_available
from policykg.use.serve.limits import Answer, Connections
from policykg.use.serve.origin import cross_site, host_refused, is_loopback_name
from policykg.use.serve.relay import FORM_TYPE, Relay

log = logging.getLogger(__name__)

ENDPOINT_PATHS = frozenset({"/sparql", "/query"})
UPDATE_PATHS = frozenset({"/update", "/sparql/update"})
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
EXPORT_PATH = "/export"
#: Paths that act on the graph: only this server's own pages and non-browser clients may call them.
_GUARDED_PATHS = ENDPOINT_PATHS | UPDATE_PATHS | {EXPORT_PATH}
#: How long an export that writes a file (XLSX, CSV for Excel) waits for an export slot before a 503.
_EXPORT_WAIT_S = 2.0
#: The slowest a client may read an answer: it gets ``_WRITE_TIMEOUT_S`` plus its size at this rate.
_MIN_SEND_RATE = 1 << 20
_LISTEN_QUEUE = 1024
_WRITE_TIMEOUT_S = 30.0


class Front(http.server.ThreadingHTTPServer):
    """The public listener; holds what handlers share (config, editor, relay to the engine, limits)."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = _LISTEN_QUEUE  # http.server's 5 overflowed under 50 clients (connection resets)

    editor: Editor  # set once the documents are read, before serving starts
    relay: Relay  # set once the engine runs, before serving starts

    def __init__(self, address, config: ServerConfig) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.config = config
        self.check_host = is_loopback_name(address[0])
        self.exports = threading.BoundedSemaphore(config.export_workers)
        self.connections = Connections(config.max_connections, config.max_idle_per_client,
                                       config.max_per_client)
        super().__init__(address, _Handler)

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

    server: Front
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
            if self.server.check_host and (why := host_refused(self.headers.get_all("Host") or [])):
                raise Reply(403, why)
            url = urllib.parse.urlsplit(self.path)
            if url.path in _GUARDED_PATHS:
                why = cross_site(self.headers.get_all("Origin") or [],
                                 self.headers.get_all("Sec-Fetch-Site") or [], self.headers.get_all("Host") or [])
                if why:
                    raise Reply(403, why)
            route(url)
        except Reply as reply:
            self._send_text(reply.status, reply.message)
        finally:
            connections.done(self.connection)

    def _route_get(self, url: urllib.parse.SplitResult) -> None:
        path = url.path
        editor = self.server.editor
        if path in ("/", "/index.html"):
            self._send(200, "text/html; charset=utf-8", editor.page, PAGE_HEADERS)
        elif path == "/examples.json":
            self._send(200, "application/json; charset=utf-8", editor.examples, PAGE_HEADERS)
        elif path == "/documents.json":
            self._send(200, "application/json; charset=utf-8", editor.documents, PAGE_HEADERS)
        elif path.startswith("/static/") and path[len("/static/"):] in editor.assets:
            ctype, body = editor.assets[path[len("/static/"):]]
            self._send(200, ctype, body, PAGE_HEADERS)
        elif path in UPDATE_PATHS:
            self._refuse_write(url)
        elif path in ENDPOINT_PATHS:
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if "update" in params:
                self._refuse_write(url)
            query = _single(params, "query")
            if query is None:
                raise Reply(400, "missing query= parameter (the editor is at /)")
            self._proxy(query, params)
        else:
            raise Reply(404, "not found: the endpoint is /sparql, the editor is /")

    def _route_post(self, url: urllib.parse.SplitResult) -> None:
        if url.path in UPDATE_PATHS:
            self._refuse_write(url)
        if url.path == EXPORT_PATH:
            if self.headers.get_content_type() != FORM_TYPE:
                raise Reply(415, f"send a {FORM_TYPE} form with query= and format=")
            form = urllib.parse.parse_qs(self._decode(self._read_body()), keep_blank_values=True)
            if "update" in form:
                self._refuse_write(url)
            self._export(form)
            return
        if url.path not in ENDPOINT_PATHS:
            raise Reply(404, "not found: the endpoint is /sparql")
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
                raise Reply(400, "missing query= field in the form")
        elif ctype == QUERY_TYPE:
            query = self._decode(body)
        else:
            raise Reply(415, f"send {QUERY_TYPE} or a {FORM_TYPE} form with query=")
        self._proxy(query, params)

    def _refuse_write(self, _url=None) -> NoReturn:
        raise Reply(403, "this SPARQL endpoint is read-only: updates are refused")

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError as err:
            raise Reply(400, "bad Content-Length") from err
        if length > MAX_QUERY_BYTES:
            self.close_connection = True
            raise Reply(413, f"request body over {MAX_QUERY_BYTES} bytes")
        try:
            body = self.rfile.read(length) if length > 0 else b""
        except (TimeoutError, OSError) as err:
            self.close_connection = True
            raise Reply(408, f"request body not received within {self.server.config.read_timeout_s:g} s") from err
        if len(body) < length:
            self.close_connection = True
            raise Reply(400, "request body shorter than its Content-Length")
        return body

    @staticmethod
    def _decode(body: bytes) -> str:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise Reply(400, "the request body is not UTF-8") from err

    # --- proxying

    def _proxy(self, query: str, params: dict[str, list[str]]) -> None:
        """Answer a protocol request: the engine's answer, with parse errors made readable."""
        with self.server.relay.answer(query, params, self.headers.get("Accept", "*/*")) as answer:
            self._send_answer(answer, {"Cache-Control": "no-store"})

    def _export(self, form: dict[str, list[str]]) -> None:
        """``POST /export``: the answer as a file named after the query (:mod:`policykg.use.serve.export`).

        Exports that write a file take one of ``export_workers`` slots first, for
        ``_EXPORT_WAIT_S`` at most: a crowd of them gets a prompt 503 with
        Retry-After instead of waiting out its time limit for a worker.
        """
        query = _single(form, "query")
        if query is None:
            raise Reply(400, "missing query= field in the form")
        fmt = (_single(form, "format") or "csv").lower()
        if fmt not in EXPORT_FORMATS:
            raise Reply(400, f"format is one of {', '.join(EXPORT_FORMATS)}, not {clip(fmt, 20)!r}")
        if fmt == "xlsx" and not xlsx_available():
            raise Reply(501, "XLSX export needs openpyxl on the server: pip install 'policykg[export]'")
        bom = _single(form, "bom") in ("1", "true", "on")
        converts = fmt == "xlsx" or (fmt == "csv" and bom)
        if converts and not self.server.exports.acquire(timeout=_EXPORT_WAIT_S):
            raise Reply(503, "the server is busy writing other exports; retry")
        try:
            accept = CONVERT_ACCEPT if converts else EXPORT_FORMATS[fmt][0]
            answer = self.server.relay.answer(query, form, accept,
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


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise Reply(400, f"give one {name}= parameter, not {len(values)}")
    return values[0]
