#!/usr/bin/env python3
"""Benchmark: generated corpora of 100 and 1,000 documents, built with the command line as a user runs it.

For each size (``--sizes``, default ``100,1000``; ``make bench`` runs it after ``bench_build.py``):

1. ``bench/corpus_generator.py`` writes the documents (seed 8) into a temporary folder;
2. **build**: ``policykg build SOURCES --out OUT --jobs 2`` in a fresh process — the CLI's real path and its
   default output, nothing added (the bench's ``--doc-files M`` passes ``--doc-files M`` on, to compare a
   mode a user can ask for); its wall time and the peak resident
   memory of the process tree (the CLI and its workers, summed, sampled every 0.05 s with psutil);
3. **rebuilds**, each with the same command: nothing changed (no-op), one document edited (a lead unit
   renamed), one added, that one deleted again;
4. **queries**: every stored query on the store (opened read-only), each in its own process: one warm-up,
   then the median of ``RUNS`` (the warm-up alone when it takes > 2 s); a query still running after
   ``QUERY_LIMIT_S`` is stopped and listed so.

Goals (issue 18): 1,000 documents built <= 120 s and <= 2 GB; one-document edit/add/delete <= 5 s, no-op
<= 2 s; every stored query <= 1 s. The machine's load average is recorded beside every figure (it is
shared). Figures are printed and written into ``bench/results.json`` under ``"corpus"`` (other keys kept).
Never part of the test suite: it fails on nothing but errors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
GOALS = {"build_s": 120.0, "peak_rss_mb": 2048.0, "query_ms": 1000.0, "edit_s": 5.0, "no_op_s": 2.0}

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


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


CLI = [sys.executable, "-m", "policykg.cli", "build"]
UNIT_BEFORE, UNIT_AFTER = "（市审批服务局负责）", "（市住建局负责）"


def cli_build(sources: Path, out: Path, jobs: int = 2, doc_files: str | None = None) -> dict:
    """``policykg build SOURCES --out OUT --jobs J`` (``--doc-files D`` only when given) as a user runs it: wall time, peak RSS
    of the process tree (the CLI and its workers, summed, sampled every 0.05 s), its first output line."""
    import resource

    import psutil
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # its summary (a line per document) into a file: a pipe read only at the end would fill and stop it
    said = tempfile.TemporaryFile()
    asked = ["--doc-files", doc_files] if doc_files else []
    child = subprocess.Popen(CLI + [str(sources), "--out", str(out), "--jobs", str(jobs), *asked],
                             cwd=ROOT, stdout=said, stderr=subprocess.DEVNULL, env=env)
    proc, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        peak = max(peak, tree_rss(proc))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)      # the CLI and its workers (waited for)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    said.seek(0)
    output = said.read().decode()
    if child.returncode != 0:
        raise SystemExit(f"policykg build failed (exit {child.returncode})")
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mb": round(peak / 2**20, 1),
            "summary": output.splitlines()[0],
            "load": load()}


def rebuilds(sources: Path, out: Path, spare: Path, doc_files: str | None) -> dict:
    """One-document changes on a built corpus, each rebuilt with the CLI: none, an edit, an addition, a deletion."""
    times = {"no_op": cli_build(sources, out, doc_files=doc_files)}
    paths = sorted(sources.glob("*.txt"))
    edited = next(p for p in paths[len(paths) // 2:] + paths if UNIT_BEFORE in p.read_text(encoding="utf-8"))
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace(UNIT_BEFORE, UNIT_AFTER, 1), encoding="utf-8")
    times["edit"] = cli_build(sources, out, doc_files=doc_files)
    os.link(spare, sources / spare.name)
    times["add"] = cli_build(sources, out, doc_files=doc_files)
    (sources / spare.name).unlink()
    times["delete"] = cli_build(sources, out, doc_files=doc_files)
    return times


def measure(size: int, tmp: Path, every: list[Path], doc_files: str | None, queries: bool, keep: bool) -> dict:
    """Build the first ``size`` documents with the CLI, change one at a time, run every stored query."""
    sources = tmp / f"sources{size}"
    sources.mkdir()
    for path in every[:size]:
        os.link(path, sources / path.name)
    out = tmp / f"corpus{size}"
    result = {"documents": size, "doc_files": doc_files or "the CLI's default",
              "build": cli_build(sources, out, doc_files=doc_files)}
    b = result["build"]
    print(f"{size} documents: build {b['wall_s']:.1f} s (CPU {b['cpu_s']:.0f} s), "
          f"peak RSS {b['peak_rss_mb']:.0f} MB, load {b['load']}")
    result["rebuild"] = rebuilds(sources, out, every[-1], doc_files)
    print("  rebuilds: " + ", ".join(f"{k} {v['wall_s']:.2f} s (CPU {v['cpu_s']:.2f} s)"
                                     for k, v in result["rebuild"].items()))
    if queries:
        result["queries"] = query_times(out / "store")
        result["queries_over_1s"] = print_query_times(result["queries"], size)
        result["slowest_query_ms"] = max((q["ms"] or 1e9) for q in result["queries"].values())
    if not keep:
        shutil.rmtree(out)
    return result


def main(sizes: list[int], doc_files: str | None = None, queries: bool = True, work: str | None = None) -> dict:
    from corpus_generator import generate
    asked = f" --doc-files {doc_files}" if doc_files else ""
    out: dict = {"how": f"policykg build SOURCES --out OUT --jobs 2{asked} (the CLI, as "
                 "a user runs it); rebuilds after one change each; stored queries on the store",
                 "cpus": os.cpu_count(), "load_before": load(), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="policykg-corpus-bench-", dir=work) as tmp:
        tmp = Path(tmp)
        every = generate(max(sizes) + 1, tmp / "generated")     # the last one: the document added
        print(f"generated {len(every)} documents; load average {out['load_before']}")
        for size in sizes:
            out["sizes"][str(size)] = measure(size, tmp, every, doc_files, queries, keep=False)
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
    parser.add_argument("--sizes", default="100,1000", help="corpus sizes, comma-separated (default 100,1000)")
    parser.add_argument("--doc-files", default=None, choices=("full", "lean"),
                        help="pass --doc-files on to the CLI (default: pass nothing; the CLI's default output)")
    parser.add_argument("--no-queries", action="store_true")
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
        results, key = main([int(n) for n in args.sizes.split(",")], args.doc_files, not args.no_queries), "corpus"
    if not args.no_write:
        merge_results(key, results)
        print(f"wrote bench/results.json (key {key!r})")
