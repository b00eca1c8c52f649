#!/usr/bin/env python3
"""Benchmark: the seed build's wall time against the floor of its dependencies.

Floor = a fresh interpreter that imports rdflib, jieba and pyshacl and
initialises jieba (the cost no build can avoid). Build = a fresh interpreter
that runs the whole pipeline on the bundled document (without writing files).
Both are measured in this one run, interleaved, several times; the medians
and their ratio are printed. Goal: ratio <= 1.5. Not part of the test suite:
it never fails on timing.

``make bench`` runs this file: after the build it runs ``bench_queries.py``
(every stored query on the store, and the query command against a bare
``import pyoxigraph``) in the same run, and writes all figures to
``bench/results.json`` (keys ``build`` and ``queries``; other keys are kept);
then ``bench_corpus.py`` (1,000 generated documents) adds the key ``corpus``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 5

FLOOR = """
import warnings; warnings.simplefilter("ignore")
import rdflib, pyshacl, jieba, logging
jieba.setLogLevel(logging.ERROR)
tk = jieba.Tokenizer(); tk.initialize()
"""

BUILD = f"""
import warnings; warnings.simplefilter("ignore")
from policykg.kg.pipeline import build
build({str(ROOT / 'sources' / '000_4cdbba2a142b4d11.txt')!r})
"""


def timed(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> dict[str, object]:
    timed(FLOOR)  # warm the OS file cache and jieba's dictionary cache once
    floors, builds = [], []
    for _ in range(REPEATS):
        floors.append(timed(FLOOR))
        builds.append(timed(BUILD))
    floor, build = statistics.median(floors), statistics.median(builds)
    print(f"floor (import rdflib+jieba+pyshacl, init jieba): median {floor:.2f} s "
          f"({', '.join(f'{t:.2f}' for t in floors)})")
    print(f"build (read → … → SHACL validate, seed document): median {build:.2f} s "
          f"({', '.join(f'{t:.2f}' for t in builds)})")
    print(f"ratio build/floor = {build / floor:.2f} (goal <= 1.5)")
    return {"floor_s": round(floor, 3), "build_s": round(build, 3), "ratio": round(build / floor, 2),
            "floor_runs_s": [round(t, 3) for t in floors], "build_runs_s": [round(t, 3) for t in builds]}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_queries
    results = {"build": main()}
    print()
    results["queries"] = bench_queries.main()
    path = ROOT / "bench" / "results.json"
    try:                                  # keep the other benches' keys (bench_corpus.py writes "corpus")
        merged = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        merged = {}
    merged.update(results)
    path.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("wrote bench/results.json")
