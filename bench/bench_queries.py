#!/usr/bin/env python3
"""Benchmark: every stored query on the Oxigraph store, and ``policykg query`` against a bare import.

In process: the store ``policykg build`` writes (rebuilt here in a temporary
folder from ``graph/policykg.nt``, so the figures do not depend on an old
``graph/store``), each stored query run ``RUNS`` times after one warm-up; the
median is reported. Goal: every query <= 50 ms.

Command line: the wall time of ``policykg query shared_responsibilities
--format csv`` (reading ``graph/store`` when ``make graph`` has built it, else
the temporary store via ``--graph``) against the floor, a fresh interpreter
that only runs ``import pyoxigraph``; interleaved, medians, bytecode cached as
after an install. Goal: ratio <= 4.
Not part of the test suite: it never fails on timing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The seed document's folder in the built corpus (graph/docs/<id>/, laid out as a one-document build).
SEED_DIR = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11"
RUNS = 21
CLI_REPEATS = 11
GOAL_MS = 50.0
GOAL_RATIO = 4.0


def query_times(store_dir: Path) -> dict[str, float]:
    """Median milliseconds of each stored query on the store (results fully read)."""
    from policykg.kg.store import open_graph
    from policykg.kg.query import execute_query, library
    store = open_graph(str(store_dir))
    out = {}
    for name, query in library().items():
        execute_query(store, query)                      # warm-up: first read of the pages it touches
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            execute_query(store, query)
            times.append((time.perf_counter() - start) * 1000)
        out[name] = statistics.median(times)
    return out


#: Both commands run as an installed package runs: with its bytecode cached. (This machine's shell sets
#: PYTHONDONTWRITEBYTECODE, which would make every run recompile policykg's changed modules.)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def cli_times(store_dir: Path | None) -> dict[str, object]:
    """Medians of the bare ``import pyoxigraph`` and of the CLI query, interleaved in one run.

    ``store_dir``: the seed's store (the figure issue 7 asks for); ``None``: the project's
    ``graph/``, the bundled corpus of nine documents, as a user's plain command reads it.
    """
    script = Path(sys.executable).with_name("policykg")
    command = [str(script) if script.exists() else sys.executable, *([] if script.exists() else ["-m", "policykg.cli"]),
               "query", "shared_responsibilities", "--format", "csv"]
    if store_dir is not None:
        command += ["--graph", str(store_dir)]
    floor_cmd = [sys.executable, "-c", "import pyoxigraph"]
    _wall(floor_cmd), _wall(command)                     # warm the file cache, write policykg's bytecode
    floors, clis = [], []
    for _ in range(CLI_REPEATS):
        floors.append(_wall(floor_cmd))
        clis.append(_wall(command))
    floor, cli = statistics.median(floors), statistics.median(clis)
    return {"command": " ".join(Path(c).name if i == 0 else c for i, c in enumerate(command)),
            "floor_s": round(floor, 4), "cli_s": round(cli, 4), "ratio": round(cli / floor, 2),
            "floor_runs_s": [round(t, 4) for t in floors], "cli_runs_s": [round(t, 4) for t in clis]}


def main() -> dict[str, object]:
    from policykg.kg.store import write_store
    with tempfile.TemporaryDirectory(prefix="policykg-bench-") as tmp:
        store_dir = write_store(Path(tmp) / "store", (SEED_DIR / "policykg.nt").read_bytes())
        times = query_times(store_dir)
        cli = cli_times(store_dir)
        corpus = cli_times(None) if (ROOT / "graph" / "store" / "CURRENT").is_file() else None
    width = max(map(len, times))
    print(f"stored queries on the Oxigraph store, in process (median of {RUNS}, ms):")
    for name, ms in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<{width}}  {ms:7.2f}")
    slowest = max(times, key=times.get)
    over = sum(ms > GOAL_MS for ms in times.values())
    print(f"slowest {slowest} {times[slowest]:.2f} ms; over {GOAL_MS:.0f} ms: {over} of {len(times)}")
    print(f"floor (python -c 'import pyoxigraph'): median {cli['floor_s']:.3f} s")
    print(f"{cli['command']}: median {cli['cli_s']:.3f} s")
    print(f"ratio cli/floor = {cli['ratio']:.2f} (goal <= {GOAL_RATIO:g}) — on the seed's store")
    if corpus is not None:
        print(f"{corpus['command']} on graph/ (the bundled corpus, 9 documents): median {corpus['cli_s']:.3f} s, "
              f"ratio {corpus['ratio']:.2f}")
    return {"queries_ms": {k: round(v, 3) for k, v in sorted(times.items())}, "queries_over_50ms": over,
            "cli": cli, "cli_corpus": corpus}


if __name__ == "__main__":
    import json
    results = main()
    path = ROOT / "bench" / "results.json"
    merged = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    merged["queries"] = results                     # the other benches' figures stay
    path.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
