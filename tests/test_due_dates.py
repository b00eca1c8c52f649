"""Due dates (issue 19, item 1): every record's deadline has a kind; every dated one is the date read by hand.

The golden list ``tests/gold/due_dates.json`` was written by reading the documents, not by the
package (its ``about`` says how each form was read). The test checks the bundled corpus,
built as ``policykg build`` builds it, against every entry: the record is found by its id and
its anchor words, and its deadline kind, deadline as written, start and due date must be the
hand-made ones. A disagreement is listed with the record's text, never silently accepted.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from corpus_build import corpus_store

from policykg.ingest.extract.due_dates import KINDS, read_due, rule_text, words
from policykg.kg.store import execute, plain
from policykg.vocab import sparql_prefixes

ROOT = Path(__file__).resolve().parents[1]
GOLD = json.loads((ROOT / "tests" / "gold" / "due_dates.json").read_text(encoding="utf-8"))

_RECORDS = sparql_prefixes(("pkg", "dcterms")) + """
SELECT ?doc ?r ?kind ?deadline ?start ?due ?rule (SAMPLE(?t) AS ?text) WHERE {
  ?r a pkg:ResponsibilityRecord ; pkg:inDocument/pkg:shortId ?doc .
  OPTIONAL { ?r pkg:deadlineKind ?kind } OPTIONAL { ?r pkg:deadline ?deadline }
  OPTIONAL { ?r pkg:startDate ?start } OPTIONAL { ?r pkg:dueDate ?due } OPTIONAL { ?r pkg:dueDateRule ?rule }
  OPTIONAL { ?r pkg:text|dcterms:title ?t }
} GROUP BY ?doc ?r ?kind ?deadline ?start ?due ?rule"""


@pytest.fixture(scope="module")
def records() -> dict[tuple[str, str], dict]:
    """(document, record id) → what the built corpus says of the record's deadline."""
    _, _, rows = execute(corpus_store(), _RECORDS)
    found: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        doc, iri, kind, deadline, start, due, rule, text = (plain(v) if v is not None else None for v in row)
        local = iri.split("/doc/", 1)[1].split("/", 1)[1]
        found.setdefault((doc, local), []).append({"kind": kind, "deadline": deadline, "start": start,
                                                   "due": due, "rule": rule, "text": text or ""})
    assert all(len(v) == 1 for v in found.values()), [k for k, v in found.items() if len(v) > 1][:5]
    return {k: v[0] for k, v in found.items()}


def test_every_record_states_one_deadline_kind(records):
    kinds = Counter(r["kind"] for r in records.values())
    assert set(kinds) <= set(KINDS) and None not in kinds, kinds
    assert sum(kinds.values()) == len(records) > 300
    for r in records.values():
        assert (r["due"] is not None) == (r["kind"] == "dated"), r
        assert (r["deadline"] is None) == (r["kind"] == "none"), r
        assert r["kind"] in ("none",) or rule_text(r["rule"], "zh") and rule_text(r["rule"], "en"), r


def test_the_golden_list_is_what_the_issue_asks_for():
    gold = GOLD["records"]
    assert len(gold) >= 60 and len({g["doc"] for g in gold}) >= 5
    forms = {g["deadline"] for g in gold}
    for tricky in ("到2025年", "6月底完成", "2023-2027年", "持续推进", "0403年底前", "本意见印发之日起30日内"):
        assert tricky in forms, tricky


def test_every_golden_due_date_is_the_built_one(records):
    """Each of the hand-read records: the same kind, deadline as written, start and due date."""
    disagree = []
    for g in GOLD["records"]:
        got = records.get((g["doc"], g["record"]))
        if got is None:
            disagree.append(f"{g['doc']} {g['record']}: no such record")
            continue
        if g["anchor"] not in got["text"].replace("\n", ""):
            disagree.append(f"{g['doc']} {g['record']}: text does not hold {g['anchor']!r}: {got['text'][:40]!r}")
            continue
        want = (g["kind"], g["deadline"], g["start"], g["due"])
        have = (got["kind"], got["deadline"], got["start"], got["due"])
        if want != have:
            disagree.append(f"{g['doc']} {g['record']}: hand-read {want}, built {have} (rule {got['rule']}); "
                            f"text: {got['text'][:60]!r}")
    assert not disagree, f"{len(disagree)} of {len(GOLD['records'])} disagree:\n" + "\n".join(disagree)


@pytest.mark.parametrize("text,year,issued,kind,due,start,rule", [
    ("到2025年", 2023, None, "dated", "2025-12-31", None, "year-end"),
    ("2025年底前", 2023, None, "dated", "2025-12-31", None, "year-end"),
    ("年底前", 2022, None, "dated", "2022-12-31", None, "doc-year-end"),
    ("今年", 2024, None, "dated", "2024-12-31", None, "doc-year-end"),
    ("6月底前", 2022, None, "dated", "2022-06-30", None, "doc-month-end"),
    ("10月取得明显成效", 2022, None, "dated", "2022-10-31", None, "doc-month-end"),
    ("一季度", 2023, None, "dated", "2023-03-31", None, "doc-period"),
    ("上半年", 2023, None, "dated", "2023-06-30", None, "doc-period"),
    ("2024年三季度末", 2023, None, "dated", "2024-09-30", None, "period"),
    ("2023年6月中旬", 2023, None, "dated", "2023-06-20", None, "month-part"),
    ("2023-2027年", 2023, None, "dated", "2027-12-31", "2023-01-01", "span"),
    ("2023—2025年", 2023, None, "dated", "2025-12-31", "2023-01-01", "span"),
    ("本意见印发之日起30日内", None, date(2018, 11, 16), "dated", "2018-12-16", None, "after-issue"),
    ("本方案印发之日起3个月内", None, date(2022, 11, 30), "dated", "2023-02-28", None, "after-issue"),
    ("长期", 2022, None, "ongoing", None, None, "ongoing"),
    ("持续推进", 2022, None, "ongoing", None, None, "ongoing"),
    ("常态化", 2022, None, "ongoing", None, None, "ongoing"),
    ("按进度推进", 2022, None, "ongoing", None, None, "ongoing"),
    ("0403年底前", 2021, None, "unreadable", None, None, "unreadable"),
    ("0402年", 2021, None, "unreadable", None, None, "unreadable"),
    ("2023年2月30日前", 2023, None, "unreadable", None, None, "unreadable"),
    ("2019年底前", 2021, None, "unreadable", None, None, "unreadable"),      # before the document: impossible
    ("本意见印发之日起30日内", None, None, "unreadable", None, None, "unreadable"),  # no issue date to count from
    ("6月底前", None, None, "unreadable", None, None, "unreadable"),          # no year anywhere
])
def test_the_rules(text, year, issued, kind, due, start, rule):
    got = read_due(text, year=year, issued=issued)
    assert (got.kind, got.due and got.due.isoformat(), got.start and got.start.isoformat(), got.rule) == \
        (kind, due, start, rule)
    assert (got.problem is not None) == (kind == "unreadable")


def test_rules_are_words_in_the_lexicon():
    """The ongoing phrases and the parts of a year are data; every rule an answer can name is described."""
    w = words()
    assert {"长期", "持续推进", "常态化", "按进度推进"} <= set(w.ongoing)
    assert w.periods["一季度"] == ("01-01", "03-31") and w.periods["上半年"][1] == "06-30"
    named = {read_due(t, year=2022, issued=date(2022, 1, 1)).rule
             for t in ("到2025年", "年底前", "6月底", "一季度", "2023年一季度", "2023年6月中旬", "6月中旬", "6月30日",
                       "2023年6月30日", "2023年6月底", "2023-2027年", "印发之日起30日内", "持续推进", "0403年")}
    assert named == set(w.rules)


def test_an_unreadable_deadline_is_a_warning_with_its_line():
    report = json.loads((_corpus_dir() / "docs" / "11_shandong_service_digital_2021" / "report.json")
                        .read_text(encoding="utf-8"))
    garbled = [w for w in report["warnings"] if w["reason"].startswith("deadline ")]
    assert len(garbled) == 17 and all("garbled year 04" in w["reason"] for w in garbled)


def _corpus_dir():
    from corpus_build import corpus_dir
    return corpus_dir()
