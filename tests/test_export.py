"""``policykg export matrix``: the unit × record responsibility matrix as XLSX and CSV.

Expected cells come from reading the seed document (``tests/golden.py``), not from the code.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from golden import KEY_TASKS, NARRATIVE
from policykg.cli import main
from policykg.use.export import sheet_name

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parents[1]
GRAPH = ROOT / "graph"
SEED = "000_4cdbba2a142b4d11"
SEED_TTL = GRAPH / "docs" / SEED / "policykg.ttl"


@pytest.fixture(scope="module", autouse=True)
def _corpus():
    if not (GRAPH / "store").is_dir() or not SEED_TTL.is_file():
        pytest.skip("graph/ holds no built corpus: run 'make graph'")


def _corpus_ids() -> list[str]:
    manifest = json.loads((GRAPH / "manifest.json").read_text(encoding="utf-8"))
    return [e["id"] for e in manifest["documents"] if e["status"] == "built"]


def _columns(rows: list[list]) -> dict[str, dict[str, str]]:
    """Record id → {unit name as written → cell}, from a matrix table (two header rows)."""
    ids = rows[0]
    assert ids[:5] == ["unit", "jurisdiction", "lead", "co", "joint"]
    out: dict[str, dict[str, str]] = {rid: {} for rid in ids[5:]}
    for row in rows[2:]:
        for rid, cell in zip(ids[5:], row[5:]):
            if cell:
                for name in str(row[0]).split(" / "):
                    out[rid][name] = cell
    return out


def _split(names: str) -> list[str]:
    return [n for n in names.split("、") if n]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "matrix.xlsx"
    assert main(["export", "matrix", "--format", "xlsx", "--out", str(out)]) == 0
    return openpyxl.load_workbook(out)


def test_one_sheet_per_document_with_valid_names(workbook):
    ids = _corpus_ids()
    assert len(workbook.sheetnames) == len(ids) == 9
    assert workbook.sheetnames == [sheet_name(i, set()) for i in ids]
    for name in workbook.sheetnames:
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_seed_sheet_has_the_cells_read_from_the_document(workbook):
    rows = [list(r) for r in workbook[SEED].iter_rows(values_only=True)]
    rows = [[c if c is not None else "" for c in r] for r in rows]
    columns = _columns(rows)
    assert columns["task/2"] == {"市财政局": "L", "市发改局": "C", "市经信局": "C", "市科技局": "C",
                                 "市国资办": "C", "市国有资本运营集团": "C"}
    for no, title, _pillar, lead, co, *_ in KEY_TASKS:
        expected = {u: "L" for u in _split(lead)} | {u: "C" for u in _split(co)}
        assert columns[f"task/{no}"] == expected, (no, title)
    narrative = [rid for rid in rows[0][5:] if rid.startswith("narrative/")]
    assert len(narrative) == len(NARRATIVE)
    for rid, (_pillar, units, _text) in zip(narrative, NARRATIVE):
        assert set(columns[rid]) == set(_split(units)), rid
    # records in document order: the narrative measures (lines 23–27) before the task table
    assert rows[0][5:] == [*narrative, *(f"task/{n}" for n in range(1, 33))]
    header = dict(zip(rows[0], rows[1]))
    assert header["task/2"] == "（二）加大产业基金支持力度"
    units = {r[0]: r for r in rows[2:]}
    assert units["市财政局"][1] == "乐清市"
    assert all(str(c) in {"", "L", "C", "J"} for r in rows[2:] for c in r[5:])
    lead, co, joint = (sum(1 for c in units["市财政局"][5:] if c == x) for x in "LCJ")
    assert units["市财政局"][2:5] == [lead, co, joint] and lead >= 2


def test_csv_byte_order_mark_only_with_excel(tmp_path, capsysbinary):
    assert main(["export", "matrix", "--format", "csv", "--doc", SEED, "--excel"]) == 0
    with_bom = capsysbinary.readouterr().out
    assert main(["export", "matrix", "--format", "csv", "--doc", SEED]) == 0
    without = capsysbinary.readouterr().out
    assert with_bom.startswith(b"\xef\xbb\xbf") and not without.startswith(b"\xef\xbb\xbf")
    assert with_bom[3:] == without
    rows = list(csv.reader(io.StringIO(without.decode("utf-8"))))
    assert _columns(rows)["task/2"]["市财政局"] == "L"
    # a folder of CSVs, one per document, each with a BOM
    folder = tmp_path / "csv"
    assert main(["export", "matrix", "--format", "csv", "--excel", "--out", str(folder)]) == 0
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(f"{i}.csv" for i in _corpus_ids())
    assert all(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in folder.iterdir())
    one = tmp_path / "seed.csv"
    assert main(["export", "matrix", "--format", "csv", "--doc", SEED, "--out", str(one)]) == 0
    assert one.read_bytes() == without


def test_one_document_graph_file_and_usage_errors(tmp_path, capsys):
    out = tmp_path / "seed.xlsx"
    assert main(["export", "matrix", "--graph", str(SEED_TTL), "--out", str(out)]) == 0
    assert openpyxl.load_workbook(out).sheetnames == [SEED]
    capsys.readouterr()
    assert main(["export", "matrix", "--format", "csv"]) == 2             # 9 documents, no --doc, no --out
    assert "give --doc ID" in capsys.readouterr().err
    assert main(["export", "matrix", "--excel"]) == 2                      # --excel is for CSV
    assert main(["export", "matrix", "--doc", "nope"]) == 2
    assert "no document 'nope'" in capsys.readouterr().err


def test_sheet_names():
    taken: set[str] = set()
    names = [sheet_name(n, taken) for n in ["x" * 40, "x" * 40, "a[1]:b?", "History", ""]]
    assert names == ["x" * 31, "x" * 29 + "~2", "a_1__b_", "History~2", "document"]
    assert all(len(n) <= 31 for n in names)


def test_export_source_page(tmp_path):
    out = tmp_path / "guofa.html"
    assert main(["export", "source", "--doc", "05_guofa_2018_39_employment", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert 'id="record/12"' in html and 'id="L22"' in html


def test_the_export_path_does_not_import_rdflib():
    import subprocess
    import sys
    code = ("import sys; from policykg.cli import main; main(['export', 'matrix', '--format', 'csv', "
            f"'--doc', '{SEED}']); assert 'rdflib' not in sys.modules, 'rdflib imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
