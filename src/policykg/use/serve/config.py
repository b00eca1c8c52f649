"""What every part of the endpoint shares: its settings, and the one way a request ends early.

:class:`ServerConfig` is what ``policykg serve`` (or a test, or the load bench)
asks for; :class:`Reply` is raised by whichever part decides a request gets an
answer of the front's own — a refusal (403, 413, a limit's 503), a readable
error (400), a query past its time (504) — and written by the front
(:mod:`policykg.use.serve.front`) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from policykg.kg.sparql_guard import QueryLimits


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
    #: Open connections in all; past it, a new one closes an idle one (see :class:`~policykg.use.serve.limits.Connections`).
    max_connections: int = 512
    #: Requests in progress (head received, answer not yet sent) per client address.
    max_per_client: int = 256
    #: Idle connections per client address; past it, the client's oldest idle one is closed.
    max_idle_per_client: int = 64
    #: Bytes of answers the front may hold at once, until sent (at least ``max_result_bytes``).
    memory_budget: int = 512 * 2**20
    #: Exports that write a file (XLSX, CSV for Excel) at once; more wait a moment, then 503.
    export_workers: int = 2
    read_timeout_s: float = 5.0
    #: A store folder to serve as it is (snapshotted), instead of loading ``graph_files``.
    store: Path | None = None
    #: Test hook only (no command-line option, no environment variable): queries go to the engine as
    #: sent, unchecked, so that the tests can show the engine's own isolation holds without the guard.
    #: Refused at start unless the engine runs in a network namespace.
    test_without_guard: bool = False


class Reply(Exception):
    """An answer of the front's own: ``status`` and a one-line plain-text ``message`` for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis: what a message quotes of a client's text."""
    return text if len(text) <= width else text[: width - 1] + "…"
