"""A short run of bench/load_endpoint.py: 10 clients per mode, 0 errors on well-formed queries.

The attacking modes run 3 s each; ``hog`` (one client holding 256 idle connections,
reopening each one the server closes) 4 s, and ``hog-export`` (the hog plus two
clients exporting 200,000-row answers as XLSX and as CSV for Excel) 8 s, with the
front's peak RSS (its own process) held to its memory budget. The bench's figures
(throughput, latency) are printed, never asserted.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "load_endpoint.py"
SECONDS = {"hog": 4.0, "hog-export": 8.0}
BUDGET_MB = 128


def _bench():
    spec = importlib.util.spec_from_file_location("load_endpoint", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["plain", "crash", "runaway", "slowloris", "hog", "hog-export"])
def test_no_well_formed_query_fails_under_load(mode):
    bench = _bench()
    budget = {"memory_budget": BUDGET_MB * 2**20} if mode == "hog-export" else {}
    [row] = bench.run(clients=10, seconds=SECONDS.get(mode, 3.0), modes=[mode],
                      timeout_s=10.0 if "hog" in mode else 2.0, export_rows=200_000, export_timeout_s=10.0,
                      **budget)
    print(row)
    assert row["answers"] > 0
    assert row["errors"] == 0, row
    if mode == "crash":
        assert set(row["attacker"]) <= {"400"}, row
    if "hog" in mode:
        assert row["hog"]["closed_by_server"] > 0, row  # its idle connections made room for the others
    if mode == "hog-export":
        assert row["front_peak_rss_mb"] < row["front_rss_start_mb"] + BUDGET_MB + 64, row
        for name in ("export_xlsx", "export_csv"):
            assert set(row[name]["statuses"]) <= {"200", "503", "504"}, row  # a file, busy, or past the limit
