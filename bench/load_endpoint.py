"""Load test of `policykg serve`: N clients × S seconds, plain and with one attacker of each kind.

Everything runs on 127.0.0.1: a server is started in its own process on a free
port over the built graph (or a small generated one), clients send well-formed
queries in a loop, and in each attacking mode one more client sends crashing
queries (with the guard's limits lifted, so that the engine really crashes),
runaway queries (stopped by the time limit), holds connections open with
headers and no body (slowloris), or holds 256 idle connections that send
nothing, reopening each one the server closes (hog). ``hog-export`` adds, to
the hog, two clients exporting a 1,000,000-row answer in a loop (one XLSX, one
CSV for Excel), with the time limit raised to 60 s so that the files are
written, and held, rather than stopped early. Each mode prints answers, errors, p50/p99 of the well-formed
queries, what became of the attackers, and the front's peak RSS (VmHWM of the
server process: the engine is a process of its own and not counted); the
figures go to ``bench/results_load.json``.

    .venv/bin/python bench/load_endpoint.py [--clients 50] [--seconds 60] [--modes plain,crash,...]

Loops are bounded in count and time; numbers never fail anything.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The seed document's folder in the built corpus (graph/docs/<id>/, laid out as a one-document build).
SEED_DIR = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11"
MODES = ("plain", "crash", "runaway", "slowloris", "hog", "hog-export")
GOOD = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 50",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) LIMIT 10",
]
CRASHER = "SELECT * WHERE { FILTER(" + "(" * 10000 + "1" + ")" * 10000 + ") }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LIFTED = dict(max_depth=10**6, max_tokens=10**7, max_path_steps=10**6, max_expression_terms=10**6,
              max_group_items=10**6, max_collection_items=10**6)
#: An answer of ``rows`` rows, an IRI and a number each: a cartesian product cut by LIMIT.
EXPORT_QUERY = "SELECT ?s (STRLEN(STR(?x)) AS ?n) WHERE {{ ?s ?p ?o . ?x ?y ?z }} LIMIT {rows}"
MAX_REQUESTS_PER_CLIENT = 100_000
#: The first words of each error answer seen (for the printout: which limit said no).
_REASONS: dict[str, int] = {}
_START_S = 120.0

#: Runs the server in a process of its own (its RSS is the front's alone) until its stdin closes.
_SERVER_SCRIPT = """
import json, sys
from pathlib import Path
from policykg.use.serve import ServerConfig, SparqlServer
from policykg.kg.sparql_guard import QueryLimits
args = json.loads(sys.argv[1])
args["limits"] = QueryLimits(**args.get("limits", {}))
args["graph_files"] = [Path(p) for p in args["graph_files"]]
with SparqlServer(ServerConfig(**args)) as server:
    print(server.url, flush=True)
    sys.stdin.read()
"""


class ServerProcess:
    """``policykg serve`` in a child process, on a free port, with this checkout's code.

    ``config`` holds :class:`policykg.use.serve.ServerConfig` fields (``limits`` as a
    dict of :class:`~policykg.kg.sparql_guard.QueryLimits` fields).
    """

    def __init__(self, graph_files: list[Path], **config) -> None:
        self.config = {"graph_files": [str(p) for p in graph_files], "port": 0, **config}
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self._log = tempfile.TemporaryFile()

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"

    def __enter__(self) -> ServerProcess:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                                         os.environ.get("PYTHONPATH")])))
        self.proc = subprocess.Popen([sys.executable, "-c", _SERVER_SCRIPT, json.dumps(self.config)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=env)
        ready = threading.Thread(target=self._read_url, daemon=True)
        ready.start()
        ready.join(_START_S)
        if not self.url:
            self._log.seek(0)
            why = self._log.read()[-2000:].decode("utf-8", "replace")
            self.__exit__()
            raise RuntimeError(f"the server did not start: {why}")
        return self

    def _read_url(self) -> None:
        self.url = self.proc.stdout.readline().decode().strip()

    def status(self, field: str) -> int:
        """A ``/proc/PID/status`` figure in bytes (``VmHWM``: peak RSS; ``VmRSS``: now); 0 if gone."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return 0

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()


def _post(url: str, fields: dict[str, str], timeout: float, accept: str = "application/sparql-results+json"
          ) -> tuple[int, float, int, bool]:
    """(status, seconds, bytes read, Retry-After given) of one POSTed form; status 0 for a failed connection.

    The body is read in pieces and dropped: a client holding a 1M-row export must not
    be what the machine's memory measures.
    """
    req = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    started = time.monotonic()
    size, retry = 0, False
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            while piece := resp.read(1 << 20):
                size += len(piece)
            status = resp.status
    except urllib.error.HTTPError as err:
        why = err.read()
        size, status, retry = len(why), err.code, err.headers.get("Retry-After") is not None
        _REASONS.setdefault(why[:60].decode("utf-8", "replace").strip(), status)
    except (OSError, urllib.error.URLError):
        status = 0
    return status, time.monotonic() - started, size, retry


def _good_client(endpoint: str, stop: float, out: list, index: int, timeout: float) -> None:
    for n in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= stop:
            return
        out.append(_post(endpoint, {"query": GOOD[(index + n) % len(GOOD)]}, timeout)[:2])


def _crash_attacker(endpoint: str, stop: float, out: list, timeout: float) -> None:
    for n in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= stop:
            return
        out.append(_post(endpoint, {"query": f"{CRASHER} # {n}"}, timeout)[:2])  # a new text each time
        time.sleep(0.2)


def _runaway_attacker(endpoint: str, stop: float, out: list, timeout: float) -> None:
    for _n in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= stop:
            return
        out.append(_post(endpoint, {"query": RUNAWAY}, timeout)[:2])


def _exporter(url: str, fmt: str, rows: int, stop: float, out: list, timeout: float) -> None:
    """Export a ``rows``-row answer again and again (``fmt`` xlsx, or csv for Excel)."""
    fields = {"query": EXPORT_QUERY.format(rows=rows), "format": fmt, "name": "load"}
    if fmt == "csv":
        fields["bom"] = "1"
    for _n in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= stop:
            return
        status, seconds, size, retry = _post(url + "/export", fields, timeout, accept="*/*")
        out.append((status, seconds, size, retry))
        if status == 503:
            time.sleep(1.0)  # as Retry-After asks


def _slowloris(url: str, stop: float, out: list, connections: int = 20) -> None:
    """Keep ``connections`` sockets that sent headers and no body; reopen each one the server drops."""
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\n")
    _hold(url, stop, out, connections, head)


def _hog(url: str, stop: float, out: list, connections: int = 256) -> None:
    """Keep ``connections`` idle sockets that send nothing; reopen each one the server closes."""
    _hold(url, stop, out, connections, b"")


def _hold(url: str, stop: float, out: list, connections: int, head: bytes) -> None:
    """Hold ``connections`` sockets (having sent ``head``); each open is ``(1, 0.0)`` in ``out``, each
    failed connect ``(0, 0.0)``, each socket the server closed ``(-1, 0.0)``."""
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    socks: list[socket.socket] = []
    for _round in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= stop:
            break
        while len(socks) < connections:
            try:
                sock = socket.create_connection((host, port), timeout=1)
                if head:
                    sock.sendall(head)
                sock.setblocking(False)
                socks.append(sock)
                out.append((1, 0.0))
            except OSError:
                out.append((0, 0.0))
                break
        kept = [s for s in socks if not _dropped(s)]
        out.extend([(-1, 0.0)] * (len(socks) - len(kept)))
        socks = kept
        time.sleep(0.05 if not head else 0.2)
    for sock in socks:
        sock.close()


def _dropped(sock: socket.socket) -> bool:
    try:
        data = sock.recv(4096)
    except BlockingIOError:
        return False
    except OSError:
        sock.close()
        return True
    if data:
        return False  # a 408 arrives first; the close follows
    sock.close()
    return True


def _tally(statuses) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def _attackers(server: ServerProcess, mode: str, stop: float, timeout: float, export_rows: int,
               hog_connections: int) -> tuple[list[threading.Thread], dict[str, list]]:
    """The attacking clients of ``mode`` (not started) and where each records what it got."""
    found: dict[str, list] = {}
    threads = []

    def add(name: str, target) -> None:
        found[name] = []
        threads.append(threading.Thread(target=target, args=(found[name],), name=name))

    if mode == "crash":
        add("attacker", lambda out: _crash_attacker(server.endpoint, stop, out, timeout))
    elif mode == "runaway":
        add("attacker", lambda out: _runaway_attacker(server.endpoint, stop, out, timeout))
    elif mode == "slowloris":
        add("attacker", lambda out: _slowloris(server.url, stop, out))
    elif mode in ("hog", "hog-export"):
        add("hog", lambda out: _hog(server.url, stop, out, hog_connections))
    if mode == "hog-export":
        for fmt in ("xlsx", "csv"):
            add(f"export_{fmt}", lambda out, fmt=fmt: _exporter(server.url, fmt, export_rows, stop, out,
                                                               timeout + 60))
    return threads, found


def run_mode(server: ServerProcess, mode: str, clients: int, seconds: float, timeout_s: float,
             export_rows: int = 1_000_000, hog_connections: int = 256) -> dict:
    """Run one mode; return answers, errors, p50/p99 (ms) of the well-formed queries, and the rest."""
    stop = time.monotonic() + seconds
    timeout = timeout_s + 10
    rss_start = server.status("VmRSS")
    results: list[list] = [[] for _ in range(clients)]
    threads = [threading.Thread(target=_good_client, args=(server.endpoint, stop, results[i], i, timeout))
               for i in range(clients)]
    attackers, found = _attackers(server, mode, stop, timeout, export_rows, hog_connections)
    for thread in attackers + threads:
        thread.start()
    for thread in threads + attackers:
        thread.join(timeout=seconds + timeout + 90)
    flat = [item for per_client in results for item in per_client]
    times = sorted(t for status, t in flat if status == 200)
    errors = _tally(status for status, _t in flat if status != 200)
    row = {
        "mode": mode, "clients": clients, "seconds": seconds,
        "answers": len(times), "errors": sum(errors.values()), "error_statuses": errors,
        "requests_per_s": round(len(flat) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(times), 1) if times else None,
        "p99_ms": round(1000 * times[min(len(times) - 1, int(0.99 * len(times)))], 1) if times else None,
        "attacker": _tally(s for s, *_ in found.get("attacker", [])),
        "front_rss_start_mb": round(rss_start / 2**20, 1),
        "front_peak_rss_mb": round(server.status("VmHWM") / 2**20, 1),
    }
    if "hog" in found:
        held = found["hog"]
        row["hog"] = {"connections": hog_connections, "opened": sum(1 for s, _ in held if s == 1),
                      "closed_by_server": sum(1 for s, _ in held if s == -1),
                      "connect_failures": sum(1 for s, _ in held if s == 0)}
    for name in ("export_xlsx", "export_csv"):
        if name in found:
            got = found[name]
            row[name] = {"rows": export_rows, "statuses": _tally(s for s, *_ in got),
                         "seconds": [round(t, 1) for _s, t, *_ in got],
                         "mb": [round(size / 2**20, 1) for s, _t, size, _r in got if s == 200],
                         "retry_after_on_503": all(r for s, _t, _n, r in got if s == 503)}
    return row


def _graph_files(tmp: Path) -> list[Path]:
    """The built graph if there is one, else a generated graph of 20,000 triples."""
    built = SEED_DIR / "policykg.ttl"
    if built.is_file():
        return [built]
    path = tmp / "load.ttl"
    lines = ["@prefix ex: <http://example.org/> ."]
    lines += [f"ex:s{i} ex:p{i % 7} ex:s{(i * 31) % 20000} ." for i in range(20000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [path]


def run(clients: int, seconds: float, modes: list[str], timeout_s: float = 10.0,
        export_rows: int = 1_000_000, hog_connections: int = 256, export_timeout_s: float = 60.0,
        **config) -> list[dict]:
    """Every mode on a server process of its own (a fresh engine and front per mode); returns the figures.

    ``hog-export`` runs with the time limit ``export_timeout_s``, so that files of
    ``export_rows`` rows are written (and held) rather than stopped early; ``config``:
    more :class:`policykg.use.serve.ServerConfig` fields (e.g. ``memory_budget``).
    """
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        graphs = _graph_files(Path(tmp))
        for mode in modes:
            limit = export_timeout_s if mode == "hog-export" else timeout_s
            settings = {**config, "timeout_s": limit, **({"limits": LIFTED} if mode == "crash" else {})}
            with ServerProcess(graphs, **settings) as server:
                figures.append(run_mode(server, mode, clients, seconds, limit, export_rows, hog_connections))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results_load.json")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m in MODES]
    figures = run(args.clients, args.seconds, modes, export_rows=args.export_rows)
    for reason, status in sorted(_REASONS.items(), key=lambda item: item[1]):
        print(f"seen: {status} {reason}")
    for row in figures:
        extra = {k: row[k] for k in ("hog", "export_xlsx", "export_csv") if k in row}
        print(f"{row['mode']:<10} answers {row['answers']:>6}  errors {row['errors']:>3} {row['error_statuses']}  "
              f"{row['requests_per_s']:>6}/s  p50 {row['p50_ms']} ms  p99 {row['p99_ms']} ms  "
              f"front peak RSS {row['front_peak_rss_mb']} MB  attacker {row['attacker']} {extra}", flush=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
