"""Load test of `policykg serve`: N clients × S seconds, plain and with one attacker of each kind.

Everything runs on 127.0.0.1: a server is started on a free port over the built
graph (or a small generated one), clients send well-formed queries in a loop,
and in each attacking mode one more client sends crashing queries (with the
guard's limits lifted, so that the engine really crashes), runaway queries
(stopped by the time limit), or holds connections open with headers and no
body (slowloris). Each mode prints answers, errors, p50/p99 of the
well-formed queries; the figures go to ``bench/results_load.json``.

    .venv/bin/python bench/load_endpoint.py [--clients 50] [--seconds 60] [--modes plain,crash,runaway,slowloris]

Loops are bounded in count and time; numbers never fail anything.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from policykg.serve import ServerConfig, SparqlServer
from policykg.sparql_guard import QueryLimits

ROOT = Path(__file__).resolve().parents[1]
#: The seed document's folder in the built corpus (graph/docs/<id>/, laid out as a one-document build).
SEED_DIR = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11"
MODES = ("plain", "crash", "runaway", "slowloris")
GOOD = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 50",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) LIMIT 10",
]
CRASHER = "SELECT * WHERE { FILTER(" + "(" * 10000 + "1" + ")" * 10000 + ") }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LIFTED = QueryLimits(max_depth=10**6, max_tokens=10**7, max_path_steps=10**6, max_expression_terms=10**6,
                     max_group_items=10**6, max_collection_items=10**6)
MAX_REQUESTS_PER_CLIENT = 100_000


def _post(endpoint: str, query: str, timeout: float) -> tuple[int, float]:
    """(status, seconds) of one POSTed query; 0 for a connection-level failure."""
    body = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(endpoint, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        err.read()
        status = err.code
    except (OSError, urllib.error.URLError):
        status = 0
    return status, time.monotonic() - started


def _good_client(endpoint: str, stop: float, out: list, index: int, timeout: float) -> None:
    for n in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= stop:
            return
        out.append(_post(endpoint, GOOD[(index + n) % len(GOOD)], timeout))


def _crash_attacker(endpoint: str, stop: float, out: list, timeout: float) -> None:
    for n in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= stop:
            return
        out.append(_post(endpoint, f"{CRASHER} # {n}", timeout))  # a new text each time
        time.sleep(0.2)


def _runaway_attacker(endpoint: str, stop: float, out: list, timeout: float) -> None:
    for _n in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= stop:
            return
        out.append(_post(endpoint, RUNAWAY, timeout))


def _slowloris(url: str, stop: float, out: list, connections: int = 20) -> None:
    """Keep ``connections`` sockets that sent headers and no body; reopen each one the server drops."""
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    socks: list[socket.socket] = []
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\n")
    for _round in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= stop:
            break
        while len(socks) < connections:
            try:
                sock = socket.create_connection((host, port), timeout=1)
                sock.sendall(head)
                sock.setblocking(False)
                socks.append(sock)
                out.append((1, 0.0))
            except OSError:
                out.append((0, 0.0))
                break
        socks = [s for s in socks if not _dropped(s)]
        time.sleep(0.2)
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


def run_mode(server: SparqlServer, mode: str, clients: int, seconds: float) -> dict:
    """Run one mode; return answers, errors, p50/p99 (ms) of the well-formed queries."""
    stop = time.monotonic() + seconds
    timeout = server.config.timeout_s + 10
    results: list[list] = [[] for _ in range(clients)]
    attack: list = []
    threads = [threading.Thread(target=_good_client, args=(server.endpoint, stop, results[i], i, timeout))
               for i in range(clients)]
    if mode == "crash":
        threads.append(threading.Thread(target=_crash_attacker, args=(server.endpoint, stop, attack, timeout)))
    elif mode == "runaway":
        threads.append(threading.Thread(target=_runaway_attacker, args=(server.endpoint, stop, attack, timeout)))
    elif mode == "slowloris":
        threads.append(threading.Thread(target=_slowloris, args=(server.url, stop, attack)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + timeout + 30)
    flat = [item for per_client in results for item in per_client]
    times = sorted(t for status, t in flat if status == 200)
    errors: dict[str, int] = {}
    for status, _t in flat:
        if status != 200:
            errors[str(status)] = errors.get(str(status), 0) + 1
    attack_statuses: dict[str, int] = {}
    for status, _t in attack:
        attack_statuses[str(status)] = attack_statuses.get(str(status), 0) + 1
    return {
        "mode": mode, "clients": clients, "seconds": seconds,
        "answers": len(times), "errors": sum(errors.values()), "error_statuses": errors,
        "requests_per_s": round(len(flat) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(times), 1) if times else None,
        "p99_ms": round(1000 * times[min(len(times) - 1, int(0.99 * len(times)))], 1) if times else None,
        "attacker": attack_statuses,
    }


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


def run(clients: int, seconds: float, modes: list[str], timeout_s: float = 10.0) -> list[dict]:
    """Every mode on one server each (a fresh engine per mode); returns the figures."""
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        graphs = _graph_files(Path(tmp))
        for mode in modes:
            limits = LIFTED if mode == "crash" else QueryLimits()
            config = ServerConfig(graph_files=graphs, port=0, timeout_s=timeout_s, limits=limits)
            with SparqlServer(config) as server:
                figures.append(run_mode(server, mode, clients, seconds))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results_load.json")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m in MODES]
    figures = run(args.clients, args.seconds, modes)
    for row in figures:
        print(f"{row['mode']:<10} answers {row['answers']:>6}  errors {row['errors']:>3} {row['error_statuses']}  "
              f"{row['requests_per_s']:>6}/s  p50 {row['p50_ms']} ms  p99 {row['p99_ms']} ms  "
              f"attacker {row['attacker']}", flush=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
