"""The same document, the same graph: the seed and document 02 printed to PDF read as their .txt.

``tests/fixtures/formats/000_4cdbba2a142b4d11.pdf`` is the seed printed from Word (LibreOffice): a
landscape task table over 39 pages, its header repeated on each, rows cut by page breaks, page numbers
「— N —」. ``02_anhui_industrial_internet_2021.pdf`` is the Anhui notice with Word's automatic numbers
(printed into the text layer) and one-column 专栏 boxes, one of them over a page break.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from golden import KEY_TASKS

from policykg.ingest.extract import extract
from policykg.ingest.read import read_source
from policykg.ingest.segment import segment

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "formats"
SEED_PDF = FIXTURES / "000_4cdbba2a142b4d11.pdf"
ANHUI_PDF = FIXTURES / "02_anhui_industrial_internet_2021.pdf"
ANHUI_TXT = FIXTURES / "02_anhui_industrial_internet_2021.txt"     # sources/dev/ holds the .pdf
COLUMNS = ["no", "title", "pillar", "lead_units", "co_units", "leader", "liaison", "phase", "n_targets",
           "n_measures"]
_SPACES = re.compile(r"[\s\u3000]+")


@pytest.fixture(scope="module")
def seed_pdf_build(tmp_path_factory):
    from policykg.kg.pipeline import build_to
    out = tmp_path_factory.mktemp("seed_pdf")
    result, _ = build_to(SEED_PDF, out)
    return result, out


def test_pdf_seed_answers_key_tasks_exactly_as_the_text(seed_pdf_build):
    from policykg.kg.query import find_query, run_query
    from policykg.kg.store import open_graph
    _, out = seed_pdf_build
    columns, rows = run_query(open_graph(str(out / "policykg.ttl")), find_query("key_tasks"))
    got = [tuple(dict(zip(columns, r))[c] or "" for c in COLUMNS) for r in rows]
    assert got == KEY_TASKS


def _task(task) -> tuple:
    return (task.number, task.title, task.pillar, task.serial, [_SPACES.sub("", i.text) for i in task.targets],
            [_SPACES.sub("", i.text) for i in task.measures], task.phase_text, task.assignment.roles,
            task.leadership.leader, task.leadership.liaison)


def test_pdf_seed_every_item_of_every_task_as_the_text(seed_pdf_build, extraction):
    result, _ = seed_pdf_build
    pdf = result.linked.extraction
    assert [_task(t) for t in pdf.task_list.tasks] == [_task(t) for t in extraction.task_list.tasks]
    assert [_SPACES.sub("", n.text) for n in pdf.task_list.narrative] == [_SPACES.sub("", n.text) for n in extraction.task_list.narrative]
    assert pdf.header.title == extraction.header.title and pdf.header.issued == extraction.header.issued
    assert pdf.source.pages == 46 and pdf.source.format == "pdf"


def _record(record) -> tuple:
    return (record.label, _SPACES.sub("", record.text), record.assignment.roles if record.assignment else None,
            record.deadline.text if record.deadline else None)


def _header(header) -> tuple:
    return (header.issuer, header.title, header.notice_title, header.issued, header.doc_number)


def test_pdf_anhui_gives_the_records_and_header_of_its_text():
    text = extract(segment(read_source(ANHUI_TXT)))
    pdf = extract(segment(read_source(ANHUI_PDF)))
    assert [_record(r) for r in pdf.records] == [_record(r) for r in text.records]
    assert len(pdf.records) == 49
    assert _header(pdf.header) == _header(text.header)
    assert pdf.header.issuer == "安徽省人民政府办公厅" and pdf.header.doc_number == "皖政办秘〔2021〕82号"


def test_pdf_anhui_lines_are_the_texts_lines():
    """Whitespace aside (the .txt indents with U+3000, the PDF with a first-line indent), line for line."""
    def norm(lines):
        return [_SPACES.sub("", line) for line in lines if line.strip()]
    assert norm(read_source(ANHUI_PDF).lines) == norm(ANHUI_TXT.read_text(encoding="utf-8").split("\n"))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice (libreoffice-writer-nogui)")
def test_pdf_seed_printed_here_reads_the_same_whatever_the_page_breaks(tmp_path, extraction):
    """The seed's .docx printed on this machine: other fonts, so other page and row breaks (on the
    machine that made the fixture: 38 pages, 30 rows cut by a page break). The same tasks come back."""
    docx = FIXTURES / "000_4cdbba2a142b4d11.docx"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(docx)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path)})
    printed = extract(segment(read_source(tmp_path / "000_4cdbba2a142b4d11.pdf")))
    assert [_task(t) for t in printed.task_list.tasks] == [_task(t) for t in extraction.task_list.tasks]
