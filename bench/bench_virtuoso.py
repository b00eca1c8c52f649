#!/usr/bin/env python3
"""Past one machine: a built corpus pushed into Virtuoso, every stored query timed there and on the local Oxigraph store.

``python bench/bench_virtuoso.py CORPUS_FOLDER [--no-write]`` (a folder ``policykg build`` wrote, e.g. of
1,000 documents from ``bench/corpus_generator.py``). Virtuoso is private, on loopback ports, in a
temporary folder (Virtuoso: ``tests/virtuoso_server.py``, 170,000 buffers ≈ 1.3 GB of cache):

* **push** — ``policykg push`` as a user runs it: into Virtuoso with its bulk loader (``policykg push
  isql://…``); last, after the queries, into Virtuoso by the Graph Store Protocol too
  (``/sparql-graph-crud-auth``, HTTP Digest, the merge as ``vocab.DEFAULT_GRAPH``), bounded by
  :data:`GSP_LIMIT_S` per graph, replacing what the loader wrote;
* **queries** — every stored query, default parameters: on Virtuoso over HTTP (``/sparql`` with
  ``default-graph-uri``, SPARQL JSON results read whole), on Oxigraph in process on the corpus's own
  ``store`` (what ``policykg query`` reads; every row read): the median of 3 runs after one warm-up
  run, or the first run when it takes more than 2 s; Virtuoso stopped at 60 s or when it sends an "anytime"
  partial answer, and then restarted on its database before the next query (``restarted_after``). (Pushing 1,000
  documents into ``oxigraph serve`` was tried: its PUT of the merged default graph, 3.1 million
  triples in one request, had not finished after 5 minutes, so Oxigraph is timed where users query it.) Rows are counted on
  both (they must be equal but for the two queries listed in ``tests/test_virtuoso.py``'s EXCEPTIONS).

Figures go to ``bench/results.json`` under ``"virtuoso"``.
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
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
import virtuoso_server  # noqa: E402

from policykg.kg.query import library, query_text  # noqa: E402
from policykg.vocab import DEFAULT_GRAPH  # noqa: E402

LIMIT_S, RUNS = 60.0, 3
#: Virtuoso's page cache for the bench, in 8 KiB pages (≈ 1.3 GB).
BUFFERS = 170000
#: The Graph Store push's limit per graph (the merged default graph is one PUT of most of the corpus).
GSP_LIMIT_S = 300


def cli(*argv: str, limit: float | None = None) -> tuple[float | None, str]:
    """``policykg ARGV``: (seconds, what it printed), or (None, why not) when it failed or ran past ``limit``."""
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "policykg.cli", *argv], cwd=ROOT, capture_output=True,
                              text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return None, f"stopped after {limit:g} s"
    took = time.perf_counter() - start
    if done.returncode != 0:
        return None, f"failed after {took:.0f} s: {done.stderr.strip()}"
    return round(took, 2), done.stdout.strip()


class Partial(Exception):
    """Virtuoso stopped the query at its ``MaxQueryExecutionTime`` and sent what it had ("anytime" results)."""


def ask(url: str, form: dict[str, str]) -> int:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/sparql-results+json",
                                                              "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=LIMIT_S) as answer:
        rows = len(json.load(answer)["results"]["bindings"])
        if answer.headers.get("X-SQL-State"):               # S1TAT: an anytime answer, not the whole one
            raise Partial(f"partial answer ({rows} rows): {answer.headers.get('X-SQL-Message', '')}")
        return rows


def restart(server, buffers: int):
    """A fresh ``virtuoso-t`` on the same database (the loader checkpointed it), after a query the client gave up
    on: Virtuoso goes on with it in one of its 4 HTTP threads, and in a first run every query after a stopped
    one failed in turn (the server idle, no answer) — one slow query would fail the rest. ~2 s."""
    server.stop()
    return virtuoso_server.start(server.folder, buffers=buffers)


def time_query(url: str, form: dict[str, str]) -> dict:
    try:
        start = time.perf_counter()
        rows = ask(url, form)
        first = time.perf_counter() - start
        times = [first]
        if first < 2:
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                ask(url, form)
                times.append(time.perf_counter() - start)
        return {"ms": round(statistics.median(times) * 1000, 1), "rows": rows}
    except (urllib.error.URLError, TimeoutError, OSError, Partial) as exc:
        return {"ms": None, "rows": None, "failed": " ".join(str(exc).split())[:160]}


def time_local(store, text: str) -> dict:
    """One stored query on the local Oxigraph store, every row read: median ms of 3 (first run when > 2 s)."""
    def run() -> int:
        return sum(1 for _ in store.query(text))
    start = time.perf_counter()
    rows = run()
    first = time.perf_counter() - start
    times = [first] if first >= 2 else []
    for _ in range(RUNS if not times else 0):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return {"ms": round(statistics.median(times) * 1000, 1), "rows": rows}


def oxigraph_serve(folder: Path):
    from policykg.use.serve.engine import find_oxigraph
    port = virtuoso_server.free_port()
    proc = subprocess.Popen([str(find_oxigraph()), "serve", "--location", str(folder / "oxstore"), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("oxigraph serve did not start") from None
            time.sleep(0.1)


def main(corpus: Path) -> dict:
    quads = sum(1 for line in open(corpus / "corpus.nq", "rb") if line.strip())
    docs = len(json.loads((corpus / "manifest.json").read_text(encoding="utf-8")).get("documents", []))
    out: dict = {"corpus_quads": quads, "documents": docs, "load_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="policykg-virtuoso-bench-") as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        server = virtuoso_server.start(tmp / "virtuoso", buffers=BUFFERS)
        out["virtuoso_start_s"] = round(time.perf_counter() - start, 1)
        print(f"Virtuoso up in {out['virtuoso_start_s']} s", flush=True)
        import pyoxigraph as ox
        local = ox.Store.read_only(str(corpus / "store"))
        try:
            out["push_bulk_virtuoso_s"], said = cli("push", f"isql://127.0.0.1:{server.sql_port}", "--graph",
                                                    str(corpus), "--load-dir", str(server.folder), "--user", "dba:dba")
            print(f"Virtuoso, bulk loader (isql): {out['push_bulk_virtuoso_s']} s — {said}", flush=True)
            out["queries"] = {}
            for name, query in library().items():
                text = query_text(query)
                v = time_query(server.sparql, {"query": text, "default-graph-uri": DEFAULT_GRAPH})
                if v["ms"] is None:
                    server = restart(server, BUFFERS)
                    out.setdefault("restarted_after", []).append(name)
                o = time_local(local, text)
                out["queries"][name] = {"virtuoso": v, "oxigraph": o}
                print(f"{name:34} virtuoso {v['ms'] if v['ms'] is not None else 'failed':>9} ms {v['rows']!s:>7} rows"
                      f" | oxigraph store {o['ms'] if o['ms'] is not None else 'failed':>9} ms {o['rows']!s:>7} rows",
                      flush=True)
            # last (it may leave the server busy): the Graph Store push, one PUT per graph, the merge first
            out["push_gsp_virtuoso_s"], said = cli("push", server.graph_store, "--graph", str(corpus), "--user",
                                                   "dba:dba", "--default-graph", DEFAULT_GRAPH, "--timeout",
                                                   str(GSP_LIMIT_S), limit=GSP_LIMIT_S + 120)
            out["push_gsp_virtuoso_said"] = said[-400:]
            print(f"Virtuoso, Graph Store push: {out['push_gsp_virtuoso_s']} s — {said}", flush=True)
        finally:
            server.stop()
    times = {side: [q[side]["ms"] for q in out["queries"].values() if q[side]["ms"] is not None]
             for side in ("virtuoso", "oxigraph")}
    out["summary"] = {side: {"answered": len(t), "median_ms": round(statistics.median(t), 1),
                             "max_ms": max(t), "over_1s": sum(1 for x in t if x > 1000),
                             "total_s": round(sum(t) / 1000, 1)} for side, t in times.items()}
    out["rows_differ"] = sorted(n for n, q in out["queries"].items()
                                if q["virtuoso"]["rows"] != q["oxigraph"]["rows"])
    out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out["summary"]), "rows differ:", out["rows_differ"])
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    result = main(args.corpus)
    if not args.no_write:
        from bench_corpus import merge_results
        merge_results("virtuoso", result)
