"""Inputs that used to hang, explode or mislead (issue 10): each test names the old failure."""

from __future__ import annotations

import codecs
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykg.errors import InputError, StructureError
from policykg.ingest.read import decode_bytes

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "sources" / "000_4cdbba2a142b4d11.txt"
CLI = [sys.executable, "-m", "policykg.cli"]


def test_utf32_with_bom_is_read_as_utf32_not_utf16():
    text = "一、总体要求\n市发改局\n"
    assert decode_bytes(codecs.BOM_UTF32_LE + text.encode("utf-32-le"), "x.txt") == (text, "utf-32")
    assert decode_bytes(codecs.BOM_UTF32_BE + text.encode("utf-32-be"), "x.txt") == (text, "utf-32")


def test_utf8_cut_inside_a_character_is_named_truncated():
    data = "一、总体要求\n市发改局".encode("utf-8")[:-1]
    with pytest.raises(InputError) as info:
        decode_bytes(data, "cut.txt")
    assert "cut off inside a character" in str(info.value) and info.value.line == 2


def test_error_messages_are_one_line_whatever_the_cell_holds():
    error = StructureError("cell '周  建\n吴  刚' is odd", path="a.txt", line=3)
    assert "\n" not in str(error)


def _build(path: Path, out: Path, timeout: float = 120) -> tuple[subprocess.CompletedProcess, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(CLI + ["build", str(path), "--out", str(out)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    elapsed = time.perf_counter() - started
    return done, elapsed, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def test_a_huge_cell_after_the_table_gives_a_short_one_line_warning(tmp_path):
    """Old: a 0.25 MB line glued to the last cell ran jieba's HMM for 144 s and echoed the cell."""
    tail = "也市时成和者名世行于生使在动爱的给事都责年从在不人正" * 10_000       # 0.25 MB, no newline
    path = tmp_path / "tail.txt"
    path.write_text(SEED.read_text(encoding="utf-8").rstrip("\n") + tail + "\n", encoding="utf-8")
    done, elapsed, _ = _build(path, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and len(done.stderr) < 500, done.stderr[:600]
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["warnings"] and all(len(w["reason"]) < 400 for w in report["warnings"])
    assert elapsed < 60


@pytest.mark.slow
def test_a_50_mb_line_finishes_in_30_s_under_1_gb(tmp_path):
    """Old: killed at 600 s with 6 GB RSS. Now: linear stages, capped cells; error or build, quickly."""
    chunk = "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后，。（市发改局牵头）"
    path = tmp_path / "big.txt"
    path.write_text(chunk * (50_000_000 // len(chunk.encode("utf-8")) + 1), encoding="utf-8")
    done, elapsed, peak_kb = _build(path, tmp_path / "out", timeout=120)
    assert done.returncode in (0, 2), done.stderr[:300]
    assert len(done.stderr.strip().splitlines()) <= 1 and len(done.stderr) < 500
    assert elapsed < 30, elapsed
    assert peak_kb < 1024 * 1024, peak_kb
