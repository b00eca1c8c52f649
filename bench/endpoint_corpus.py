#!/usr/bin/env python3
"""Benchmark: every stored query through ``policykg serve`` on a built corpus — the endpoint's p50 per query.

What an analyst's browser or script meets: the server is started as a user starts it
(``policykg serve --graph OUT``, its own process on a free loopback port), each stored
query's text (parameters at their defaults, ``as_of`` fixed so the answer does not
move with the date) is POSTed with the SPARQL 1.1 Protocol, one client at a time: a
warm-up, then ``RUNS`` timed requests (the whole answer read, JSON results). The
figure is the median; a query still running after the server's time limit is
reported as stopped. The result goes to ``bench/results.json`` under
``corpus_endpoint`` (``--no-write``: print only). Numbers never fail anything.

    .venv/bin/python bench/endpoint_corpus.py OUT [--runs 5] [--timeout 30]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MS = 500.0
AS_OF = "2025-06-30"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, text: str, timeout: float) -> tuple[int, int]:
    """(HTTP status, bytes of the answer) of one query POSTed as a form; the body read to the end."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode({"query": text}).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            size = 0
            while piece := response.read(1 << 20):
                size += len(piece)
            return response.status, size
    except urllib.error.HTTPError as err:
        return err.code, len(err.read())


def wait_until_up(url: str, proc: subprocess.Popen, limit: float = 120.0) -> None:
    stop = time.monotonic() + limit
    while time.monotonic() < stop:
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {proc.returncode})")
        try:
            if post(url, "ASK {}", 5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not answer in time")


def texts() -> dict[str, str]:
    """Each stored query's text as the endpoint gets it: parameters bound (defaults; ``as_of`` fixed)."""
    from policykg.kg.query import library, query_text
    out = {}
    for name, query in library().items():
        params = {"as_of": AS_OF} if any(p.name == "as_of" for p in query.parameters) else {}
        out[name] = query_text(query, params)
    return out


def measure(graph: Path, runs: int, timeout: float) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    proc = subprocess.Popen([sys.executable, "-m", "policykg.cli", "serve", "--graph", str(graph),
                             "--port", str(port), "--timeout", str(timeout)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(url, proc)
        per_query = {}
        for name, text in texts().items():
            status, size = post(url, text, timeout + 10)            # warm-up: first read of its pages
            times = []
            for _ in range(runs if status == 200 else 0):
                start = time.perf_counter()
                status, size = post(url, text, timeout + 10)
                times.append(time.perf_counter() - start)
            per_query[name] = ({"p50_ms": round(statistics.median(times) * 1000, 1), "bytes": size}
                               if status == 200 and times else {"p50_ms": None, "status": status})
            print(f"{name:34} {per_query[name]}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    measured = [v["p50_ms"] for v in per_query.values() if v["p50_ms"] is not None]
    return {
        "how": (f"policykg serve --graph {graph.name} (own process, loopback), each stored query POSTed one at a time "
                f"(SPARQL 1.1 Protocol, JSON results read to the end), a warm-up then {runs} runs, median; "
                f"as_of={AS_OF}, other parameters their defaults; server time limit {timeout:g} s"),
        "goal_ms": GOAL_MS,
        "within_goal": sum(1 for ms in measured if ms <= GOAL_MS),
        "measured": len(measured),
        "load": [round(x, 2) for x in os.getloadavg()],
        "queries": per_query,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("graph", type=Path, help="a built corpus folder (policykg build … --out OUT)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--no-write", action="store_true", help="print only (do not touch bench/results.json)")
    args = parser.parse_args()
    result = measure(args.graph.resolve(), args.runs, args.timeout)
    print(f"{result['within_goal']} of {result['measured']} stored queries answered in ≤ {GOAL_MS:g} ms (p50)")
    if not args.no_write:
        from bench_corpus import merge_results          # this folder is on sys.path when the script runs
        merge_results("corpus_endpoint", result)


if __name__ == "__main__":
    main()
