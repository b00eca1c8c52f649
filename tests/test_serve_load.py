"""A short run of bench/load_endpoint.py: 10 clients × 3 s per mode, 0 errors on well-formed queries.

The bench's figures (throughput, latency) are printed, never asserted.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "load_endpoint.py"


def _bench():
    spec = importlib.util.spec_from_file_location("load_endpoint", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["plain", "crash", "runaway", "slowloris"])
def test_no_well_formed_query_fails_under_load(mode):
    bench = _bench()
    [row] = bench.run(clients=10, seconds=3.0, modes=[mode], timeout_s=2.0)
    print(row)
    assert row["answers"] > 0
    assert row["errors"] == 0, row
    if mode == "crash":
        assert set(row["attacker"]) <= {"400"}, row
