"""A lookup that knows names, and empty answers that say why (issue 17, item 3).

Expectations come from the source texts read with ``grep`` (the comments say
which) and from the issue's own examples, never from a query's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.cli import main
from policykg.kg.query import find_query, run_query

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "graph" / "corpus.nq"
SEED = "000_4cdbba2a142b4d11"

# grep -c 省发展改革委 sources/dev/*.txt: the two 安徽 documents (02: 6, 03: 4) and the two 山东 ones (11: 16,
# 18: 20) write 省发展改革委; no other document names a province's 发展改革委 (包头, 济南, 青岛 write 市…).
PROVINCIAL_NDRC = {("02_anhui_industrial_internet_2021", "安徽省"), ("03_anhui_rcep_opening_2022", "安徽省"),
                   ("11_shandong_service_digital_2021", "山东省"), ("18_shandong_ngit_guiding_opinions_2023", "山东省")}


@pytest.fixture(scope="module")
def corpus():
    from policykg.kg.store import open_graph
    return open_graph(str(CORPUS))


def duties(graph, unit):
    columns, rows = run_query(graph, find_query("unit_duties"), {"unit": unit})
    return [dict(zip(columns, r)) for r in rows]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


# ---------------------------------------------------------------- names


def test_the_forms_of_a_name_come_from_the_lexicon():
    from policykg.ingest.normalize import unit_name_forms
    # unit_abbreviations.tsv: 发改委, 发展改革委, 发展和改革委 are 发展和改革委员会; an optional 和 is no difference
    expected = {"省发改委", "省发展改革委", "省发展和改革委", "省发展和改革委员会"}
    assert set(unit_name_forms("省发改委")) == expected
    assert set(unit_name_forms("省发展改革委员会")) == expected | {"省发展改革委员会"}
    assert unit_name_forms("省发改委")[0] == "省发改委"                       # the value as given first
    # a place written before the body keeps it: only 山东's
    assert set(unit_name_forms("山东省发改委")) == {"山东" + f for f in expected}
    # units.tsv: 市人力社保局 (乐清市) has the aliases 市人社局, 市人力资源和社会保障局 …
    assert {"市人力社保局", "乐清市人力资源和社会保障局"} <= set(unit_name_forms("市人社局"))
    assert unit_name_forms("不存在的单位") == ("不存在的单位",)


@pytest.mark.parametrize("unit", ["省发改委", "省发展改革委员会", "省发展和改革委员会", "省发展改革委"])
def test_a_provincial_abbreviation_finds_every_provinces_body_each_its_own_row(corpus, unit):
    """Failed before for 省发改委 and 省发展改革委员会: headers only."""
    rows = duties(corpus, unit)
    assert {(r["doc"], r["jurisdiction"]) for r in rows} == PROVINCIAL_NDRC
    assert len(rows) == len(PROVINCIAL_NDRC)                    # one row each, however many names matched
    assert all(r["written"] == "省发展改革委" for r in rows)


def test_a_place_before_the_name_keeps_to_that_place(corpus):
    rows = duties(corpus, "山东省发改委")
    assert {(r["doc"], r["jurisdiction"]) for r in rows} == {d for d in PROVINCIAL_NDRC if d[1] == "山东省"}


def test_a_lexicon_alias_finds_the_unit(corpus):
    # grep: the seed writes 市人力社保局 (line 188), 包头 市人社局, 青岛 市人力资源社会保障局 — one body's three
    # spellings (unit_abbreviations.tsv, and units.tsv's aliases of 乐清's 市人力社保局), in three cities
    rows = duties(corpus, "市人社局")
    assert {(r["doc"], r["jurisdiction"], r["written"]) for r in rows} == {
        (SEED, "乐清市", "市人力社保局"), ("01_baotou_digital_gov_assessment_2022", "包头市", "市人社局"),
        ("22_qingdao_ocean_ai_models_2024", "青岛市", "市人力资源社会保障局")}


def test_the_editor_binds_a_unit_the_same_way():
    from policykg.use.serve.prepare import prepare_query
    text = find_query("unit_duties").text
    bound = prepare_query(text, ["unit=省发改委"]).text
    values = next(line for line in bound.splitlines() if line.strip().startswith("VALUES ?unit"))
    assert all(f'"{f}"' in values for f in ("省发改委", "省发展改革委", "省发展和改革委员会"))


# ---------------------------------------------------------------- empty answers say why (failed before: nothing)


def test_no_such_unit_says_so_and_suggests_close_names(capsys):
    code, out, err = run(capsys, "query", "unit_duties", "--param", "unit=省发改委x", "--graph", CORPUS)
    assert code == 0 and len(out.splitlines()) == 2                     # the header and its rule
    assert err.count("\n") == 1 and err.startswith("policykg: 0 rows: ")
    assert "no unit is named 省发改委x" in err and "did you mean 省发展改革委（" in err


def test_a_corpus_that_cites_nothing_says_so(capsys):
    # the bundled documents cite none of each other (tests/test_corpus_queries.py builds its own pair)
    code, _, err = run(capsys, "query", "documents_citing", "--graph", CORPUS)
    assert code == 0 and "no document of this corpus implements or cites another" in err


def test_nothing_due_that_year_is_not_a_typo(capsys):
    code, _, err = run(capsys, "query", "targets_due_in_year", "--param", "year=2040", "--graph", CORPUS)
    assert code == 0 and "nothing falls due in 2040" in err
    code, _, err = run(capsys, "query", "unit_duties", "--param", "unit=市发改局", "--graph", CORPUS,
                       "--doc", "02_anhui_industrial_internet_2021")
    assert code == 0 and "no unit is named 市发改局 in document 02_anhui_industrial_internet_2021" in err


def test_only_the_table_says_it_and_only_when_empty(capsys):
    code, out, err = run(capsys, "query", "targets_due_in_year", "--param", "year=2040", "--graph", CORPUS,
                         "--format", "csv")
    assert (code, err) == (0, "") and out.count("\n") == 1
    code, _, err = run(capsys, "query", "unit_duties", "--graph", CORPUS)
    assert (code, err) == (0, "")
