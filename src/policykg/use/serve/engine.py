"""The query engine: the ``oxigraph`` binary, run as a child process in a network namespace of its own.

Why a child process
-------------------
A well-kept engine beats a home-made one: **Oxigraph** (the ``oxigraph`` CLI from
PyPI, the same engine as ``pyoxigraph``) implements the SPARQL 1.1 Protocol, its
content negotiation and the query language. It runs ``serve-read-only`` as a
child process, not as ``pyoxigraph`` inside the front, because a runaway query
can only be stopped by killing the process that runs it: the front's watchdog
(:mod:`policykg.use.serve.relay`) kills it and :meth:`Engine.restart` starts a
new one on the same store (a fraction of a second).

No outside hosts, by construction
---------------------------------
Oxigraph *does* execute ``SERVICE <http://...>`` by calling the remote endpoint
(checked: it POSTs the sub-query) and has no switch to turn that off. So the
engine runs in a Linux network namespace whose only interface is its own
loopback (:mod:`policykg.kg.nonet`): a small launcher isolates itself (as root,
or through an unprivileged user namespace), starts the engine on 127.0.0.1
inside, and hands the front a connected socket per request over a Unix socket
pair (SCM_RIGHTS, :class:`Link`). Whatever a query says, the engine can reach no
other host. :attr:`Engine.protection` says which protection is in force; where
the system refuses namespaces it says "query guard only" and why.

Every child is killed on ``stop()`` and, on Linux, also dies with this process
(``PR_SET_PDEATHSIG``, the launcher and then the engine) if it is killed outright.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import http.client
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from policykg.errors import ServeError
from policykg.kg import nonet

log = logging.getLogger(__name__)

_STARTUP_WAIT_S = 20.0
_LAUNCHER_EXIT_S = 5.0
_LOAD_TIMEOUT_S = 600.0


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
    is why every spawn happens on one long-lived thread (see ``Engine``).
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


def _stop_launcher(proc: subprocess.Popen | None, link: Link | None) -> None:
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


class Unavailable(Exception):
    """The engine is restarting or has failed; the front answers 503."""


class Link:
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

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        """HTTP to the engine: the one place that knows how the engine is reached."""
        return _Connection(self, timeout=timeout)

    def close(self) -> None:
        """Hang up: wakes a request waiting on the pair, and tells the launcher to stop the engine."""
        try:
            self._control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        with self._lock:
            self._broken = "the engine was stopped"
            self._control.close()


class _Connection(http.client.HTTPConnection):
    """HTTP to the engine on a socket from its :class:`Link`, in place of a TCP connect."""

    def __init__(self, link: Link, timeout: float) -> None:
        super().__init__("127.0.0.1", link.port, timeout=timeout)
        self._link = link

    def connect(self) -> None:
        self.sock = self._link.connect(self.timeout)
        self.sock.settimeout(self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Engine:
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
        self._link: Link | None = None
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

    def endpoint(self, wait_s: float) -> tuple[Link, int]:
        """``(link, generation)`` of the running engine; waits out a restart up to ``wait_s``."""
        if not self._ready.wait(wait_s):
            raise Unavailable("the query engine is restarting after a query ran out of time; retry")
        with self._lock:
            if self._closed or self._link is None:
                raise Unavailable(self._failure or "the endpoint is shutting down")
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

    def _launch(self) -> tuple[subprocess.Popen, Link, int, str]:
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
            return proc, Link(front, int(port)), int(pid), protection
        _stop_launcher(proc, Link(front, 0))
        raise ServeError(f"the query engine did not start ({message.partition(' ')[2] or 'no answer'}): "
                         f"{self._log_tail()}", hint="the quoted oxigraph output says why")

    def _log_tail(self) -> str:
        try:
            return _tail(self._log_path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return "(no log)"
