"""The note grammar: finding responsibility notes in a paragraph and reading them.

Cases per grammar live in ``tests/cases/notes/<grammar>/cases.json`` (note →
expected lead / co / joint, deadline, rule in and out), taken from the dev
documents and the rules of ``../shared/corpus/README.md``. The dev gold test
reads, for every annotated record, the first note after its anchor.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.ingest.readers.notes import (
    GRAMMARS,
    Grammar,
    Note,
    NoteRule,
    grammars,
    is_note,
    read_note,
    register_grammar,
    states_rule,
)

from policykg.ingest.readers.note_finder import find_notes

CASES_DIR = Path(__file__).parent / "cases" / "notes"
DEV = Path(__file__).resolve().parents[1] / "sources" / "dev"   # bundled copy of ../shared/corpus/dev


def _cases():
    for path in sorted(CASES_DIR.glob("*/cases.json")):
        for i, case in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            yield pytest.param(case, id=f"{path.parent.name}-{i}")


@pytest.mark.parametrize("case", list(_cases()))
def test_notes_each_grammar(case):
    rule = NoteRule(first_is_lead=case.get("rule_in", False))
    a, after = read_note(case["note"], rule)
    got = {"lead": list(a.lead), "co": list(a.co), "joint": list(a.joint)}
    want = {k: case.get(k, []) for k in ("lead", "co", "joint")}
    assert got == want, case["source"]
    assert a.reader == case["reader"]
    assert a.deadline == case.get("deadline")
    assert a.text == case["note"]
    assert after.first_is_lead == case.get("rule_out", False)
    assert is_note(case["note"]) == case.get("is_note", True)


def test_notes_every_grammar_has_cases_and_is_registered():
    names = set(grammars())
    assert {"assessment", "lead_co_labels", "lead_list", "responsible_list", "lead_co", "responsible",
            "co_only", "unit_list"} <= names
    assert {p.name for p in CASES_DIR.iterdir() if p.is_dir()} <= names
    assert list(GRAMMARS)[-1] == "unit_list"


def test_notes_rule_carries_over_only_with_xiatong():
    _, rule = read_note("（人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同）")
    a, rule = read_note("（财政部、人民银行负责）", rule)
    assert (a.lead, a.co, rule) == (("财政部",), ("人民银行",), NoteRule(True))
    _, rule = read_note("（责任单位：市商务局、市发改局，列第一位的为牵头单位）")
    a, _ = read_note("（责任单位：市财政局、市人民银行）", rule)
    assert (a.lead, a.joint) == ((), ("市财政局", "市人民银行"))


@pytest.mark.parametrize("text", [
    "（0.5分）", "（包府办发〔2022〕10号）", "（RCEP）", "（含技工院校）", "（试行）", "（包括牵头单位自身）",
    "（2021—2023年）", "（由市政府统筹负责协调各项工作）", "（谁主管、谁提供、谁负责）", "（主要领导兼任负责人）",
    "（部门协同监管平台——内蒙古）", "（单位）", "（X负责）", "（持续推进）", "（2023年底前完成并持续推进）",
])
def test_notes_not_notes(text):
    assert not is_note(text)
    assert find_notes(f"推进工作{text}。") == []


def test_notes_find_in_a_paragraph():
    text = ("完成适老化改造。（0.5分）（5月底取得明显成效并持续推进，牵头考核单位：市审批服务局）"
            "执行《方案（试行）》，落实“（省商务厅负责）”要求（合肥海关负责），"
            "覆盖各县（市、区）（责任单位：省发展改革委，各市、县（市、区）人民政府）")
    notes = find_notes(text)
    assert [n.text for n in notes] == [
        "（5月底取得明显成效并持续推进，牵头考核单位：市审批服务局）", "（合肥海关负责）",
        "（责任单位：省发展改革委，各市、县（市、区）人民政府）"]
    assert all(text[n.start:n.end] == n.text for n in notes)


def test_notes_span_over_a_line_break():
    text = "提升服务水平。（责任单位：市大数据局、\n市行政审批服务局）\n下一段。"
    [note] = find_notes(text)
    assert read_note(note.text)[0].joint == ("市大数据局", "市行政审批服务局")


def test_notes_register_a_grammar_in_code():
    name = "test_only_zhuban"
    try:
        register_grammar(Grammar(name=name, detect=lambda body: body.startswith("主办："),
                                 label_roles={}), before="unit_list")
        assert list(GRAMMARS).index(name) == len(GRAMMARS) - 2
    finally:
        GRAMMARS.pop(name, None)


# ---------------------------------------------------------------- the dev gold


#: 02 and 13 are bundled as their PDF and portal page; their .txt is the reference in tests/fixtures/formats
FORMATS = DEV.parents[1] / "tests" / "fixtures" / "formats"


def _dev_documents():
    if not DEV.is_dir():
        return []
    return sorted(p for p in DEV.glob("*.gold.json"))


def _text_of(gold_path: Path) -> str:
    """The .txt of a dev document: beside its gold, or, for one bundled as published, the reference copy."""
    name = gold_path.name.replace(".gold.json", ".txt")
    path = gold_path.with_name(name)
    return (path if path.exists() else FORMATS / name).read_text(encoding="utf-8")


def _agreement(gold_path: Path) -> tuple[int, int, list[str]]:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text = _text_of(gold_path)
    notes = find_notes(text)
    read: dict[int, object] = {}
    rule = NoteRule()
    for note in notes:
        read[note.start], rule = read_note(note.text, rule)
    anchors = [text.find(r["anchor"]) for r in gold["records"]]
    assert -1 not in anchors
    ok, misses = 0, []
    for anchor, record in zip(anchors, gold["records"], strict=True):
        following = min([a for a in anchors if a > anchor] + [len(text)])
        mine = [n for n in notes if anchor <= n.start < following]
        got = ([], [], [])
        if mine:
            a = read[mine[0].start]
            got = (list(a.lead), list(a.co), list(a.joint))
        want = (record["lead_units"], record["co_units"], record["joint_units"])
        if got == want:
            ok += 1
        else:
            misses.append(f"{record['anchor']}: {got} != {want}")
    return ok, len(gold["records"]), misses


@pytest.mark.skipif(not _dev_documents(), reason="sources/dev not present")
@pytest.mark.parametrize("gold_path", _dev_documents(), ids=lambda p: p.name[:2])
def test_notes_agree_with_dev_gold(gold_path):
    ok, total, misses = _agreement(gold_path)
    print(f"{gold_path.name}: {ok}/{total}")
    assert ok == total, "\n".join(misses)


# ---------------------------------------------------------------- robustness

_ALPHABET = "（）()、，；：:,;省市局厅委办政府牵头负责配合参加责任单位各有关部门等及按职责分工《》“”\"\n 0123456789年月底前*"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=300) | st.text(max_size=300))
def test_notes_never_crash_and_spans_hold(text):
    notes = find_notes(text)
    last = -1
    for note in notes:
        assert isinstance(note, Note)
        assert text[note.start:note.end] == note.text
        assert note.start >= last
        last = note.end
        a, _ = read_note(note.text)
        assert a.all_units or states_rule(note.text), note.text
    a, rule = read_note(text, NoteRule(first_is_lead=True))
    for name in a.all_units:
        assert name and name in text
    assert isinstance(rule, NoteRule)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["市发改局", "省商务厅", "合肥海关", "各市人民政府", "济南、青岛市政府",
                                 "省有关部门", "崂山实验室"]), min_size=1, max_size=6, unique=True),
       st.sampled_from(["（责任单位：{}）", "（{}负责）", "（{}按职责分工负责）"]))
def test_notes_units_kept_in_order(units, form):
    note = form.format("、".join(units))
    a, _ = read_note(note)
    assert sorted(a.all_units) == sorted(units)
    assert [u for u in units if u in a.joint] == list(a.joint)


def _best_of(fn, arg, tries=2):
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - start)
    return best


def test_notes_linear_on_a_megabyte():
    rng = random.Random(6)
    text = "".join(rng.choice(_ALPHABET) for _ in range(1_000_000))
    find_notes("（合肥海关负责）")  # load the data files
    elapsed = _best_of(find_notes, text)
    half = _best_of(find_notes, text[:500_000])
    assert elapsed < 3.5 * half + 0.05, (half, elapsed)      # linear: a ratio measured in one run
    assert elapsed < 10, elapsed                              # and no hang, however busy the machine
    for worst in ("（" * 1_000_000, "（a" * 500_000, "“" * 1_000_000, "《（X负责）" * 100_000,
                  "（责任单位：" + "市发改局、" * 200_000 + "）", "（省商务厅牵头，合肥海关配合）" * 60_000):
        assert _best_of(find_notes, worst, 1) < 10
        assert _best_of(lambda t: read_note(t, NoteRule()), worst, 1) < 5


@pytest.mark.skipif(not _dev_documents(), reason="sources/dev not present")
def test_notes_real_text_megabyte():
    text = "".join(_text_of(p) for p in _dev_documents())
    text = (text * (1_000_000 // len(text) + 1))[:1_000_000]
    assert _best_of(find_notes, text) < 10
