"""``policykg serve``: a read-only SPARQL 1.1 Protocol endpoint on the loopback, with a query editor.

How it is made
--------------
The SPARQL work is done by **Oxigraph**, run as a child process with no network
(:mod:`~policykg.use.serve.engine`) on a store made the engine's own at start
(:mod:`~policykg.use.serve.dataset`). A thin front (:mod:`~policykg.use.serve.front`)
listens on the public port and adds what the engine does not guarantee, each in
a module of its own: which requests are answered (:mod:`~policykg.use.serve.origin`),
how much is held for whom (:mod:`~policykg.use.serve.limits`), what a query
becomes before the engine sees it (:mod:`~policykg.use.serve.prepare`), the
watchdog, crash gate and retries (:mod:`~policykg.use.serve.relay`), downloads
(:mod:`~policykg.use.serve.export`) and the editor page
(:mod:`~policykg.use.serve.editor`). This module puts them together:
:class:`SparqlServer` for a program or a test, :func:`serve_forever` for the
command.

Limits: the graph is loaded (or its store snapshotted) at start, so a rebuild
needs a restart of the server; answers are held in memory (up to
``max_result_bytes`` each, ``memory_budget`` in all) until sent.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

from policykg.errors import ServeError
from policykg.kg import nonet
from policykg.kg.documents import Document
from policykg.kg.publish import process_alive
from policykg.use.serve.config import ServerConfig
from policykg.use.serve.dataset import make_store, needs_union, served_documents
from policykg.use.serve.editor import Editor, load_examples
from policykg.use.serve.engine import Engine, find_oxigraph
from policykg.use.serve.front import Front
from policykg.use.serve.limits import Budget
from policykg.use.serve.origin import is_loopback_name
from policykg.use.serve.relay import Relay

log = logging.getLogger(__name__)

_TMP_PREFIX = "policykg-serve-"


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
        self._engine: Engine | None = None
        self._front: Front | None = None
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
            self._front = Front((config.host, config.port), config)
        except OSError as err:
            raise ServeError(f"cannot listen on {config.host}:{config.port}: {err.strerror}",
                             hint="choose another port (--port), or 0 for any free one") from err
        _sweep_stale_stores()
        self._tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-"))
        store = self._tmp / "store"
        make_store(config, binary, store)
        self.documents, context = served_documents(store, needs_union(config))
        self._front.editor = Editor(examples, self.documents, context, config.graph_files, config.store)
        self._engine = Engine(binary, store, config.timeout_s, self._tmp / "oxigraph.log")
        self._engine.start()
        self._check_protection(self._engine.protection)
        self._front.relay = Relay(self._engine, config, Budget(config.memory_budget))
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
    if not is_loopback_name(config.host):
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


def _sweep_stale_stores() -> None:
    """Delete temporary stores left by servers that were killed outright (no stop())."""
    for path in Path(tempfile.gettempdir()).glob(f"{_TMP_PREFIX}*-*"):
        pid = path.name[len(_TMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
