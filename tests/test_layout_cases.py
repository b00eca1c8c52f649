"""Layout cases as folders: ``tests/cases/layouts/<case>/input.txt`` and the
``expected.json`` written by reading that input (its ``why`` says what the
case stands for). Adding a layout adds a folder; this one test runs them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases" / "layouts"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "input.txt").exists())


@pytest.fixture(scope="module", params=NAMES)
def case(request):
    from policykg.kg.pipeline import build
    folder = CASES / request.param
    return build(folder / "input.txt"), json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def test_layout_case_header(case):
    result, expected = case
    header = result.linked.extraction.header
    assert header.title == expected["title"]
    assert header.issuer == expected["issuer"]
    assert (header.issued.isoformat() if header.issued else None) == expected["issued"]
    if "doc_number" in expected:
        assert header.doc_number == expected["doc_number"]


def test_layout_case_records(case):
    result, expected = case
    got = []
    for record in result.linked.extraction.records:
        a = record.assignment
        got.append({"label": record.label, "starts": record.text[:len(expected["records"][len(got)]["starts"])]
                    if len(got) < len(expected["records"]) else record.text,
                    "lead": list(a.lead) if a else [], "co": list(a.co) if a else [],
                    "joint": list(a.joint) if a else [],
                    "deadline": record.deadline.text if record.deadline else None,
                    "due": record.deadline.end.isoformat() if record.deadline and record.deadline.end else None,
                    "lines": [record.span.start, record.span.end]})
    assert got == expected["records"]


def test_layout_case_maps_every_line_and_conforms(case):
    result, expected = case
    assert [u.line for u in result.linked.unmapped] == expected["unmapped"]
    assert result.validation.conforms
