#!/usr/bin/env python3
"""Benchmark: a corpus of 1,000 generated documents, and the store against rdflib.

In one run (``make bench`` runs it after ``bench_build.py``):

1. ``bench/corpus_generator.py`` writes 1,000 documents (seed 8) into a temporary folder;
2. **build**: a fresh ``python`` runs :func:`policykg.kg.corpus.build_corpus` on them (2 worker
   processes, ``doc_files="lean"``: ``docs/<id>/`` holds policykg.ttl and report.json); its wall
   time and the peak resident memory of the whole process tree (the parent and its workers,
   summed, sampled every 0.1 s with psutil) are measured;
3. **queries**: every stored query on the 1,000-document store (opened read-only; its default
   graph is the merge of the documents' named graphs), each in its own process: one warm-up,
   then the median of ``RUNS`` (the warm-up alone when it takes > 2 s); a query still running after ``QUERY_LIMIT_S`` is stopped and listed so;
4. **store vs rdflib**: the first 100 documents built as a corpus; ``shared_responsibilities`` on
   its Oxigraph store and on an rdflib ``Dataset`` (default graph = union) loaded from the same
   ``corpus.nq``, side by side with the ratio.

Goals: build <= 120 s on 2 cores and <= 4 GB; every stored query <= 1 s; store >= 40x rdflib.
Figures are printed and merged into ``bench/results.json`` under ``"corpus"`` (other keys kept).
Never part of the test suite: it fails on nothing but errors. ``--docs N`` and ``--small N`` change
the sizes (for a quick look).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
RUNS = 5
QUERY_LIMIT_S = 20.0     # a stored query still running after this is stopped and reported as such
RDFLIB_LIMIT_S = 400.0   # loading the N-Quads into rdflib and running the query once
GOALS = {"build_s": 120.0, "peak_rss_mb": 4096.0, "query_ms": 1000.0, "speedup": 40.0}

BUILD = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from policykg.kg.corpus import build_corpus
from policykg.use.analysis_graph import analysis_quads
start = time.perf_counter()
result = build_corpus([sys.argv[1]], sys.argv[2], jobs=int(sys.argv[3]), doc_files=sys.argv[4],
                      analysis=analysis_quads)
built = sum(1 for e in result.entries if e["status"] == "built")
print(json.dumps({"documents": len(result.entries), "built": built, "links": len(result.links),
                  "inner_s": time.perf_counter() - start}))
"""


def tree_rss(proc) -> int:
    """Resident bytes of a process and all its descendants."""
    import psutil
    total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def build(sources: Path, out: Path, jobs: int = 2, doc_files: str = "lean") -> dict:
    """Build the corpus in a fresh interpreter; wall time, peak tree RSS, the build's own summary."""
    import resource

    import psutil
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", BUILD, str(sources), str(out), str(jobs), doc_files],
                             cwd=ROOT, stdout=subprocess.PIPE, env=env)
    proc, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        peak = max(peak, tree_rss(proc))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)      # the build and its workers (waited for)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    output = child.stdout.read().decode()
    if child.returncode != 0:
        raise SystemExit(f"corpus build failed (exit {child.returncode})")
    summary = json.loads(output.strip().splitlines()[-1])
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 1), "peak_rss_mb": round(peak / 2**20, 1), **summary,
            "inner_s": round(summary["inner_s"], 2), "jobs": jobs, "doc_files": doc_files}


QUERY = """
import json, statistics, sys, time
from policykg.kg.store import open_graph
from policykg.kg.query import execute_query, library
store, query = open_graph(sys.argv[1]), library()[sys.argv[2]]
start = time.perf_counter(); result = execute_query(store, query); times = [time.perf_counter() - start]
if times[0] < 2:                          # a slower query: its first run is the figure (the limit is per query)
    times = []
    for _ in range(int(sys.argv[3])):
        start = time.perf_counter(); execute_query(store, query); times.append(time.perf_counter() - start)
print(json.dumps({"ms": round(statistics.median(times) * 1000, 2),
                  "rows": len(result.rows) if result.kind == "select" else None}))
"""

RDFLIB = """
import json, sys, time
from rdflib import Dataset
from policykg.kg.query import bind_parameters, library, with_values
query = library()[sys.argv[2]]
start = time.perf_counter()
dataset = Dataset(default_union=True)
dataset.parse(sys.argv[1], format="nquads")
load_s = time.perf_counter() - start
start = time.perf_counter()
rows = list(dataset.query(with_values(query.text, bind_parameters(query, {}))))
print(json.dumps({"ms": (time.perf_counter() - start) * 1000, "rows": len(rows), "load_s": load_s,
                  "quads": len(dataset)}))
"""


def child(code: str, args: list[str], limit: float) -> dict | None:
    """Run ``code`` in a fresh interpreter; its JSON answer, or None when it ran past ``limit`` s (killed)."""
    try:
        done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def query_times(store_dir: Path, limit: float = QUERY_LIMIT_S) -> dict[str, dict]:
    """Per stored query: median ms and rows on the store, each in its own process, stopped after ``limit`` s."""
    from policykg.kg.query import library
    out = {}
    for name in library():
        answer = child(QUERY, [str(store_dir), name, str(RUNS)], limit)
        out[name] = answer or {"ms": None, "rows": None, "stopped_after_s": limit}
    return out


def store_vs_rdflib(corpus: Path, name: str = "shared_responsibilities") -> dict:
    """One stored query on the corpus's store and on rdflib in memory (same N-Quads, union default graph)."""
    store = child(QUERY, [str(corpus / "store"), name, str(RUNS)], QUERY_LIMIT_S)
    rdflib = child(RDFLIB, [str(corpus / "corpus.nq"), name], RDFLIB_LIMIT_S)
    out = {"query": name, "store_ms": store["ms"], "store_rows": store["rows"]}
    if rdflib is None:
        out.update(rdflib_ms=None, rdflib_stopped_after_s=RDFLIB_LIMIT_S,
                   ratio_at_least=round(RDFLIB_LIMIT_S * 1000 / store["ms"], 1))
    else:
        out.update(rdflib_ms=round(rdflib["ms"], 1), rdflib_rows=rdflib["rows"], rdflib_load_s=round(rdflib["load_s"], 2),
                   quads=rdflib["quads"], ratio=round(rdflib["ms"] / store["ms"], 1))
    return out


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main(docs: int = 1000, small: int = 100) -> dict:
    from corpus_generator import generate
    out: dict = {"documents": docs, "load_before": load()}
    with tempfile.TemporaryDirectory(prefix="policykg-corpus-bench-") as tmp:
        tmp = Path(tmp)
        generate(docs, tmp / "sources")
        (tmp / "small").mkdir()
        for path in sorted((tmp / "sources").glob("*.txt"))[:small]:
            os.link(path, tmp / "small" / path.name)
        print(f"generated {docs} documents; load average {out['load_before']}")
        out["build"] = build(tmp / "sources", tmp / "corpus")
        out["load_after_build"] = load()
        b = out["build"]
        print(f"build of {b['documents']} documents ({b['built']} built, {b['links']} lineage links): "
              f"wall {b['wall_s']:.1f} s (goal <= {GOALS['build_s']:.0f}; CPU {b['cpu_s']:.0f} s, i.e. "
              f"{b['cpu_s'] / 2:.0f} s on 2 idle cores), peak RSS of the process tree "
              f"{b['peak_rss_mb']:.0f} MB (goal <= {GOALS['peak_rss_mb']:.0f}); load {out['load_after_build']}")
        out["queries"] = query_times(tmp / "corpus" / "store")
        out["queries_over_1s"] = print_query_times(out["queries"], docs)
        out["small_build"] = build(tmp / "small", tmp / "small_corpus")
        out["store_vs_rdflib"] = store_vs_rdflib(tmp / "small_corpus")
        s = out["store_vs_rdflib"]
        if s["rdflib_ms"] is None:
            print(f"{s['query']} on {small} documents: store {s['store_ms']:.1f} ms ({s['store_rows']} rows) | "
                  f"rdflib Dataset stopped after {RDFLIB_LIMIT_S:.0f} s | ratio >= {s['ratio_at_least']:.0f}x")
        else:
            print(f"{s['query']} on {small} documents ({s['quads']} quads): store {s['store_ms']:.1f} ms "
                  f"({s['store_rows']} rows) | rdflib Dataset {s['rdflib_ms']:.0f} ms ({s['rdflib_rows']} rows, "
                  f"load {s['rdflib_load_s']:.0f} s) | ratio {s['ratio']:.0f}x (goal >= {GOALS['speedup']:.0f}x)")
    out["load_after"] = load()
    return out


def merge_results(key: str, value) -> None:
    """Write ``value`` under ``key`` into bench/results.json, keeping every other key."""
    path = ROOT / "bench" / "results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[key] = value
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def print_query_times(times: dict[str, dict], docs: int) -> list[str]:
    """Print the stored queries' times, slowest first; return the names over the 1 s goal."""
    width = max(map(len, times))
    print(f"stored queries on the {docs}-document store (median of {RUNS}, ms):")
    for name, q in sorted(times.items(), key=lambda kv: -(kv[1]["ms"] or 1e12)):
        if q["ms"] is None:
            print(f"  {name:<{width}}  stopped after {QUERY_LIMIT_S:.0f} s")
            continue
        flag = "" if q["ms"] <= GOALS["query_ms"] else "   over 1 s"
        print(f"  {name:<{width}}  {q['ms']:9.2f}  rows {q['rows']}{flag}")
    over = [n for n, q in times.items() if q["ms"] is None or q["ms"] > GOALS["query_ms"]]
    print(f"over 1 s: {len(over)} of {len(times)}")
    return over


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--queries-only", metavar="CORPUS",
                        help="time the stored queries on an already built corpus folder (its store/) and stop")
    parser.add_argument("--no-write", action="store_true", help="print only (do not touch bench/results.json)")
    args = parser.parse_args()
    if args.queries_only:
        corpus = Path(args.queries_only)
        documents = len(json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))["documents"])
        times = query_times(corpus / "store")
        results = {"documents": documents, "queries": times, "queries_over_1s": print_query_times(times, documents)}
        key = "corpus_queries"
    else:
        results, key = main(args.docs, args.small), "corpus"
    if not args.no_write:
        merge_results(key, results)
        print(f"wrote bench/results.json (key {key!r})")
