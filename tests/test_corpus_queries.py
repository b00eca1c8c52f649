"""Queries that know documents (issue 8, item 4) on the bundled corpus (graph/corpus.nq).

Expected values come from ``graph/manifest.json`` (what the build says of each
document), from the golden transcription of the seed (tests/golden.py), and
from the source texts read with ``grep`` (the comments say which); never from
a query's output. The lineage question runs on a two-document corpus built
here, since the bundled documents cite none of each other.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pytest
from golden import KEY_TASKS, NARRATIVE

from policykg.kg.query import find_query, library, run_query

ROOT = Path(__file__).resolve().parents[1]
GRAPH = ROOT / "graph"
SEED = "000_4cdbba2a142b4d11"
SEED_TTL = GRAPH / "docs" / SEED / "policykg.ttl"
MANIFEST = json.loads((GRAPH / "manifest.json").read_text(encoding="utf-8"))
DOCS = {e["id"]: e for e in MANIFEST["documents"] if e["status"] == "built"}
CORPUS_WIDE = {name for name, q in library().items() if q.scope}


@pytest.fixture(scope="module")
def corpus():
    from policykg.kg.store import open_graph
    return open_graph(str(GRAPH / "corpus.nq"))


@pytest.fixture(scope="module")
def seed_alone():
    from policykg.kg.store import open_graph
    return open_graph(str(SEED_TTL))


def rows_of(graph, name, doc=None, **params):
    columns, rows = run_query(graph, find_query(name), {k: str(v) for k, v in params.items()}, doc=doc)
    return [dict(zip(columns, r)) for r in rows]


# ---------------------------------------------------------------- every query knows its documents


@pytest.mark.parametrize("name", sorted(library()))
def test_every_query_returns_doc_first_or_says_it_is_corpus_wide(name, corpus):
    q = library()[name]
    columns, _ = run_query(corpus, q)
    if q.scope:
        assert q.scope.startswith("corpus — ") and "doc" not in columns[:1], (name, q.scope)
    else:
        assert columns[0] == "doc", (name, columns)
        assert re.search(r"\bdoc\b", q.columns), name


#: Queries of the analysis graph, which only a corpus build writes (tests/test_analysis_graph.py
#: checks them against the analytics of the seed alone).
ANALYSIS = {"communities", "cross_community_pairs"}
#: Queries of the progress reports (sources/ledgers/ imported by the corpus build; a document's own Turtle
#: has none): tests/test_ledger.py checks them on hand-computed lists; below, a scoped corpus keeps them.
PROGRESS = {"completion_rate", "due_soon", "overdue", "record_progress", "status_history", "unit_report"}
PER_DOCUMENT = sorted(set(library()) - CORPUS_WIDE - ANALYSIS - PROGRESS)


@pytest.mark.parametrize("name", sorted(PROGRESS))
def test_scoped_to_the_seed_progress_is_kept(name, corpus):
    """--doc on a corpus with ledgers: the seed's rows are its rows on the whole corpus, statuses included."""
    q = find_query(name)
    columns, rows = run_query(corpus, q)
    if columns[0] != "doc":
        pytest.skip(f"{name} is not grouped by document")
    seed_rows = [r for r in rows if r[0] == SEED]
    assert run_query(corpus, q, doc=SEED) == (columns, seed_rows)


def test_the_seeds_overdue_records_carry_their_latest_status(corpus):
    """sources/ledgers/ reports on the seed: as of 2026-01-01 some of its overdue records have a status
    from the 2025-12-15 report (the issue's overdue: due before the date, latest status not 已完成)."""
    rows = rows_of(corpus, "overdue", doc=SEED, as_of="2026-01-01")
    assert rows and all(r["due"] < "2026-01-01" for r in rows)
    assert any(r["status"] for r in rows) and all(r["status"] != "已完成" for r in rows)


@pytest.mark.parametrize("name", PER_DOCUMENT)
def test_scoped_to_the_seed_a_query_answers_as_on_the_seed_built_alone(name, corpus, seed_alone):
    """--doc: the document's named graph and the shared graph, nothing of the other eight documents."""
    q = find_query(name)
    assert run_query(corpus, q, doc=SEED) == run_query(seed_alone, q)


@pytest.mark.parametrize("name", PER_DOCUMENT)
def test_on_the_whole_corpus_the_seeds_rows_are_the_seeds_alone(name, corpus, seed_alone):
    """Grouped per document: the union of nine documents gives the seed exactly its own rows."""
    q = find_query(name)
    columns, rows = run_query(corpus, q)
    assert columns == run_query(seed_alone, q)[0]
    assert [r for r in rows if r[0] == SEED] == run_query(seed_alone, q)[1]


def test_key_tasks_on_the_corpus_are_the_seeds_32_rows_with_their_document(corpus):
    rows = rows_of(corpus, "key_tasks")
    assert [r["doc"] for r in rows] == [SEED] * 32
    assert [tuple(r[c] for c in list(r)[1:]) for r in rows] == KEY_TASKS


def test_shared_responsibilities_never_pairs_units_of_two_documents(corpus):
    rows = rows_of(corpus, "shared_responsibilities")
    pairs = Counter()
    for row in KEY_TASKS:                             # the only document with a task list is the seed
        units = [u for u in (row[3] + "、" + row[4]).split("、") if u]
        pairs.update(combinations(sorted(set(units)), 2))
    assert {(r["doc"], r["unit_a"], r["unit_b"]): r["shared"] for r in rows} == \
        {(SEED, a, b): n for (a, b), n in pairs.items()}


# ---------------------------------------------------------------- --doc, docs


def test_unknown_document_is_a_one_line_error_naming_the_known_ones(capsys):
    from policykg.cli import main
    assert main(["query", "key_tasks", "--doc", "no_such_doc", "--graph", str(GRAPH / "corpus.nq")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no_such_doc" in err and SEED in err


def test_query_doc_scopes_the_cli(capsys):
    from policykg.cli import main
    doc = "01_baotou_digital_gov_assessment_2022"
    assert main(["query", "responsibilities", "--doc", doc, "--format", "csv",
                 "--graph", str(GRAPH / "corpus.nq")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "doc,record,text,lead_units,co_units,joint_units,deadline"
    assert len(lines) == 1 + DOCS[doc]["counts"]["responsibility_records"]
    assert all(line.startswith(doc + ",") for line in lines[1:])


def test_docs_lists_every_document(capsys):
    from policykg.cli import main
    assert main(["docs", "--format", "csv", "--graph", str(GRAPH / "corpus.nq")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "doc,title,issuer,issued,jurisdiction,level,format"
    assert [line.split(",")[0] for line in lines[1:]] == sorted(DOCS)
    formats = {line.split(",")[0]: line.rsplit(",", 1)[1] for line in lines[1:]}
    # sources/dev holds document 02 as its PDF and 13 as its portal page; the rest are texts
    assert formats.pop("02_anhui_industrial_internet_2021") == "pdf"
    assert formats.pop("13_jinan_digital_pioneer_city_2021") == "html"
    assert set(formats.values()) == {"text"}


# ---------------------------------------------------------------- the corpus questions


def test_documents_are_read_one_way(corpus, seed_alone):
    """``policykg docs``, the exports, ``--doc`` and the endpoint's picker read :func:`documents`: it says of each
    document what the library's question ``documents`` says, in the same order, for a corpus and for one document."""
    from policykg.kg.documents import COLUMNS, documents, find_document
    for graph in (corpus, seed_alone):
        listed = documents(graph)
        assert [dict(zip(COLUMNS, d.row())) for d in listed] == rows_of(graph, "documents")
        assert all(d.iri and d.file_name.startswith(d.short_id + ".") and d.source_id.startswith("sha256:")
                   for d in listed)
        assert find_document(graph, listed[-1].short_id) == listed[-1]


def test_documents_are_the_manifests(corpus):
    rows = rows_of(corpus, "documents")
    assert {r["doc"]: (r["title"], r["issuer"], r["issued"], r["jurisdiction"], r["level"]) for r in rows} == {
        i: (e["title"], e["issuer"], e["issued"] or "", e["jurisdiction"], e["level"]) for i, e in DOCS.items()}


def test_documents_by_jurisdiction(corpus):
    rows = rows_of(corpus, "documents_by_jurisdiction")
    by_place = defaultdict(list)
    for i, e in DOCS.items():
        by_place[e["jurisdiction"]].append(i)
    assert {r["jurisdiction"]: (r["n_docs"], r["docs"]) for r in rows} == {
        j: (len(ids), ",".join(sorted(ids))) for j, ids in by_place.items()}
    order = {"国家": 1, "省": 2, "市": 3, "县": 4}
    assert [order[r["level"]] for r in rows] == sorted(order[r["level"]] for r in rows)
    parent = {r["jurisdiction"]: r["parent"] for r in rows}
    # 乐清市 is a county-level city of 温州市; 济南 and 青岛 are cities of 山东省; 全国 has none
    assert (parent["乐清市"], parent["济南市"], parent["青岛市"], parent["全国"]) == ("温州市", "山东省", "山东省", "")


def test_records_per_document_are_the_manifests_counts(corpus):
    rows = rows_of(corpus, "records_per_document")
    assert {r["doc"]: (r["records"], r["key_tasks"], r["narrative"], r["units"]) for r in rows} == {
        i: (e["counts"]["responsibility_records"], e["counts"]["key_tasks"], e["counts"]["narrative_measures"],
            e["counts"]["units"]) for i, e in DOCS.items()}


def test_unit_duties_keeps_two_provinces_apart(corpus):
    rows = rows_of(corpus, "unit_duties", unit="省发展改革委")
    got = {r["doc"]: (r["jurisdiction"], r["lead"], r["co"], r["joint"], r["records"]) for r in rows}
    # grep '省发展改革委' in each source: 02 has 5 notes （责任单位：…省发展改革委…） (the 6th hit, line 218,
    # is a signature); 03 has 4: co twice after 省商务厅牵头 (lines 34, 46), lead once (省发展改革委牵头), and
    # once in 省交通运输厅牵头，省发展改革委…按职责分工负责 (joint); 11 names it in 16 notes, 18 in 20
    # (2 as 牵头单位, 18 after 牵头单位：X；责任单位：).
    assert set(got) == {"02_anhui_industrial_internet_2021", "03_anhui_rcep_opening_2022",
                        "11_shandong_service_digital_2021", "18_shandong_ngit_guiding_opinions_2023"}
    assert got["02_anhui_industrial_internet_2021"] == ("安徽省", 0, 0, 5, 5)
    assert got["03_anhui_rcep_opening_2022"] == ("安徽省", 1, 2, 1, 4)
    assert got["18_shandong_ngit_guiding_opinions_2023"] == ("山东省", 2, 18, 0, 20)
    j, lead, co, joint, records = got["11_shandong_service_digital_2021"]
    assert (j, records, lead + co, joint) == ("山东省", 16, 16, 0) and lead >= 7   # 7 × 牵头单位：省发展改革委
    assert {r["written"] for r in rows} == {"省发展改革委"}
    names = {r["jurisdiction"]: r["name"] for r in rows}
    assert len(names) == 2                             # one unit per province, never merged


def test_unit_ranking_counts_each_jurisdictions_units_over_the_corpus(corpus):
    """Issue 17, item 7: no stored question ranked units across the corpus (failed before: no such query)."""
    rows = rows_of(corpus, "unit_ranking")
    assert list(rows[0]) == ["jurisdiction", "rank", "unit", "lead", "co", "joint", "total", "n_docs"]
    got = {(r["jurisdiction"], r["unit"]): r for r in rows}
    # 乐清市 has one document: its records are the 32 key tasks (lead units *-marked or alone, the others
    # co-operate) and the 16 narrative measures (a lone unit leads; two or more with no lead share jointly)
    expected: dict[str, Counter] = defaultdict(Counter)
    for row in KEY_TASKS:
        for unit in filter(None, row[3].split("、")):
            expected[unit].update(lead=1, total=1)
        for unit in filter(None, row[4].split("、")):
            expected[unit].update(co=1, total=1)
    for _, units, _ in NARRATIVE:
        names = units.split("、")
        for unit in names:
            expected[unit].update(lead=1 if len(names) == 1 else 0, joint=1 if len(names) > 1 else 0, total=1)
    # a collective reference (units.tsv: 各行政执法监管单位) is no body of a place: its jurisdiction is empty
    collective = {line.split("\t")[1] for line in (ROOT / "lexicon" / "units.tsv").read_text(encoding="utf-8")
                  .splitlines() if "\tcollective-reference\t" in line}
    place = {unit: "" if unit in collective else "乐清市" for unit in expected}
    seed = {unit: (r["lead"], r["co"], r["joint"], r["total"], r["n_docs"])
            for (j, unit), r in got.items() if (j == "乐清市" or unit in collective) and unit in expected}
    assert seed == {u: (c["lead"], c["co"], c["joint"], c["total"], 1) for u, c in expected.items()}
    totals = [c["total"] for u, c in expected.items() if place[u] == "乐清市"]
    for unit, c in expected.items():
        if place[unit] == "乐清市":
            assert got[("乐清市", unit)]["rank"] == 1 + sum(t > c["total"] for t in totals), unit
    # test_unit_duties_keeps_two_provinces_apart: 省发展改革委 of 安徽 is on 5 + 4 notes (1 lead, 2 co, 6 joint),
    # 山东's on 16 + 20
    assert tuple(got[("安徽省", "省发展改革委")][k] for k in ("lead", "co", "joint", "total", "n_docs")) == (1, 2, 6, 9, 2)
    assert (got[("山东省", "山东省发展和改革委员会")]["total"], got[("山东省", "山东省发展和改革委员会")]["n_docs"]) == (36, 2)
    # per jurisdiction, most records first
    order = [(r["jurisdiction"], -r["total"]) for r in rows]
    assert order == sorted(order)


def test_corpus_shared_responsibilities_of_the_seed_are_its_records_pairs(corpus):
    """乐清市 has one document: its pairs are those of its 32 key tasks and 16 narrative measures."""
    expected = Counter()
    for row in KEY_TASKS:
        expected.update(combinations(sorted({u for u in (row[3] + "、" + row[4]).split("、") if u}), 2))
    for _, units, _ in NARRATIVE:
        expected.update(combinations(sorted(set(units.split("、"))), 2))
    rows = [r for r in rows_of(corpus, "corpus_shared_responsibilities") if r["jurisdiction"] == "乐清市"]
    assert {(r["unit_a"], r["unit_b"]): r["shared"] for r in rows} == dict(expected)
    assert {(r["n_docs"], r["docs"]) for r in rows} == {(1, SEED)}


def test_corpus_shared_responsibilities_stay_within_a_jurisdictions_documents(corpus):
    rows = rows_of(corpus, "corpus_shared_responsibilities")
    place = {i: e["jurisdiction"] for i, e in DOCS.items()}
    for r in rows:
        assert {place[d] for d in r["docs"].split(",")} == {r["jurisdiction"]}, r
        assert r["n_docs"] == len(r["docs"].split(","))
    assert [r["jurisdiction"] for r in rows] == sorted(r["jurisdiction"] for r in rows)


def test_units_in_several_documents(corpus):
    rows = rows_of(corpus, "units_in_several_documents")
    anhui = "02_anhui_industrial_internet_2021,03_anhui_rcep_opening_2022"
    shandong = "11_shandong_service_digital_2021,18_shandong_ngit_guiding_opinions_2023"
    # only the two provinces have two documents (the manifest); a unit is scoped by its jurisdiction
    assert {(r["jurisdiction"], r["docs"]) for r in rows} == {("安徽省", anhui), ("山东省", shandong)}
    assert all(r["n_docs"] == 2 for r in rows)
    assert ("省发展改革委", "安徽省") in {(r["unit"], r["jurisdiction"]) for r in rows}
    # 省发展改革委 is on 5 + 4 Anhui notes (test_unit_duties_keeps_two_provinces_apart)
    assert next(r["records"] for r in rows if (r["unit"], r["jurisdiction"]) == ("省发展改革委", "安徽省")) == 9


def test_due_in_year_across_documents(corpus, seed_alone):
    rows = rows_of(corpus, "due_in_year", year=2022)
    # 包头 (issued 2022-04-14) has 90 notes （…，牵头考核单位：…）; 53 start with a month (3月底 … 10月底),
    # the others say 持续推进/持续优化/按进度推进 and fall due on no date
    assert Counter((r["doc"], r["kind"]) for r in rows) == {("01_baotou_digital_gov_assessment_2022", "deadline"): 53}
    assert all(r["due"].startswith("2022-") and "月" in r["deadline"] for r in rows)
    rows = rows_of(corpus, "due_in_year", year=2023)
    seed_targets = {(r["task_no"], r["item_no"]) for r in rows_of(seed_alone, "targets_due_in_year", year=2023)
                    if r["kind"] == "target"}
    assert sum(1 for r in rows if (r["doc"], r["kind"]) == (SEED, "target")) == len(seed_targets)
    # line 19 of the seed: the 2023 goal
    assert [r["item"] for r in rows if r["kind"] == "goal" and r["doc"] == SEED] == ["goal/1"]
    # the 主要目标 sections: 安徽 02's four --bullets (行动计划 2021—2023) after its goal/1-2 for 2021-2022,
    # 济南 13's three ——paragraphs that say 到2023年
    goals = Counter(r["doc"] for r in rows if r["kind"] == "goal" and r["doc"] != SEED)
    assert goals == {"02_anhui_industrial_internet_2021": 4, "13_jinan_digital_pioneer_city_2021": 3}


# ---------------------------------------------------------------- lineage on a corpus that has some

CITED_TITLE = "国务院关于做好当前和今后一个时期促进就业工作的若干意见"


@pytest.fixture(scope="module")
def lineage_corpus(tmp_path_factory):
    """Two documents: the 国务院 employment opinion, and the 济南 plan whose opening sentence is made to
    implement it by 《title》 and 文号 (为深入贯彻落实《…》（国发〔2018〕39号）和中央关于…)."""
    from policykg.kg.corpus import build_corpus
    from policykg.kg.store import open_graph
    from policykg.use.analysis_graph import analysis_quads
    src = tmp_path_factory.mktemp("lineage_src")
    (src / "a_guofa.txt").write_bytes((ROOT / "sources/dev/05_guofa_2018_39_employment.txt").read_bytes())
    text = (ROOT / "tests/fixtures/formats/13_jinan_digital_pioneer_city_2021.txt").read_text(encoding="utf-8")
    opening = "为深入贯彻落实中央关于加快数字化发展的部署要求，"
    assert opening in text
    text = text.replace(opening, f"为深入贯彻落实《{CITED_TITLE}》（国发〔2018〕39号）和中央关于加快数字化发展的部署要求，", 1)
    (src / "b_jinan.txt").write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("lineage_out") / "graph"
    result = build_corpus([src], out, jobs=1, analysis=analysis_quads)
    assert [e["status"] for e in result.entries] == ["built", "built"]
    return open_graph(str(out / "store"))


def test_documents_citing_a_document(lineage_corpus):
    rows = rows_of(lineage_corpus, "documents_citing")
    assert [(r["doc"], r["cited"], r["cited_title"]) for r in rows] == [("b_jinan", "a_guofa", CITED_TITLE)]
    assert rows[0]["relation"] == "implements"           # 贯彻落实《…》 in the opening sentence
    assert rows[0]["cited_level"] == "国家"                # 国务院
    assert rows_of(lineage_corpus, "documents_citing", document="a_guofa") == rows
    assert rows_of(lineage_corpus, "documents_citing", document=CITED_TITLE) == rows
    assert rows_of(lineage_corpus, "documents_citing", document="b_jinan") == []


def test_no_lineage_in_the_bundled_corpus(corpus):
    """None of the nine bundled documents cites another by title or 文号 (the manifest lists no match)."""
    titles = {e["title"] for e in DOCS.values()}
    numbers = {e["doc_number"] for e in DOCS.values() if e["doc_number"]}
    cited = [c for e in DOCS.values() for c in e["cites"] if c["title"] in titles or c.get("number") in numbers]
    assert cited == [] and rows_of(corpus, "documents_citing") == []


# ---------------------------------------------------------------- analytics per document and corpus-wide


def test_per_document_analytics_equal_the_single_document_build(corpus, seed_alone):
    from policykg.use import analyze
    from policykg.kg.documents import scoped
    one = scoped(corpus, SEED)
    a_units = analyze.unit_projection(analyze.task_unit_graph(one))
    b_units = analyze.unit_projection(analyze.task_unit_graph(seed_alone))
    assert analyze.centralities(a_units) == analyze.centralities(b_units)
    assert analyze.communities(a_units) == analyze.communities(b_units)
    assert analyze.strongest_pairs(a_units) == analyze.strongest_pairs(b_units)
    assert analyze.analysis_report(one) == analyze.analysis_report(seed_alone)


def test_corpus_analytics_keep_units_of_several_jurisdictions_apart(corpus):
    from policykg.use import analyze
    bipartite = analyze.record_unit_graph(corpus)
    units = [n for n, k in bipartite.nodes(data="kind") if k == "unit"]
    labels = [bipartite.nodes[n]["label"] for n in units]
    assert len(labels) == len(set(labels))              # every node its own label: nothing merged by name
    names = Counter(bipartite.nodes[n]["name"] for n in units)
    ambiguous = [n for n in units if names[bipartite.nodes[n]["name"]] > 1]
    assert ambiguous and all(bipartite.nodes[n]["label"].endswith(f"（{bipartite.nodes[n]['jurisdiction']}）")
                             for n in ambiguous)
    # 市发改局 of 乐清 is one unit; the records of the seed (manifest: 48) are all in the network but 0 of others'
    seed_records = [n for n, d in bipartite.nodes(data="doc") if d == SEED]
    assert len(seed_records) == DOCS[SEED]["counts"]["responsibility_records"]
    report = analyze.analysis_report(corpus, top=5)
    assert report.startswith("语料单位协作网络分析") and f"文件 {len(DOCS)} 份" in report



def test_every_record_edge_has_its_units_written_place(corpus):
    """The document pages order a record's units by their written place (use/templates/queries/
    record_unit_positions.rq, read through the responsibility nodes); the edges are the library's
    net_record_units (read through the role links): each edge has exactly one place, and no two units of a
    record share one. Every edge's unit is a net_units row."""
    from policykg.use import networks
    edges = {(r["doc"], r["record"], r["unit_id"]) for r in rows_of(corpus, "net_record_units")}
    places = rows_of(corpus, str(networks._POSITIONS))
    assert len(edges) > 900
    assert sorted((r["doc"], r["record"], r["unit_id"]) for r in places) == sorted(edges)
    assert len({(r["doc"], r["record"], r["position"]) for r in places}) == len(places)
    assert {unit for _, _, unit in edges} == {r["unit_id"] for r in rows_of(corpus, "net_units")}


# ---------------------------------------------------------------- the follow-up lists for one unit

#: 市经信局 as the lexicon knows it (policykg.ingest.normalize.unit_name_forms): the unit parameter is bound
#: to all four, one VALUES row each.
ECONOMY_BUREAU = ("市经信局", "乐清市经信局", "乐清市经济和信息化局", "市经济和信息化局")


def _names(text):
    return set(text.split("、")) if text else set()


def test_a_unit_of_several_names_gives_each_of_its_records_once(corpus):
    """record_progress for 市经信局: exactly the rows of the whole list whose written lead or co units name it
    (the seed writes 市经信局 in its task list), each once — an EXISTS per name gave a row per name matched."""
    every = rows_of(corpus, "record_progress", as_of="2025-12-31")
    expected = [r for r in every if (_names(r["lead_units"]) | _names(r["co_units"])) & set(ECONOMY_BUREAU)]
    rows = rows_of(corpus, "record_progress", as_of="2025-12-31", unit="市经信局")
    assert len(expected) >= 10
    assert rows == expected


@pytest.mark.parametrize("name, params", [("overdue", {"as_of": "2030-01-01"}),
                                          ("due_soon", {"as_of": "2023-06-01", "days": "1200"})])
def test_the_overdue_and_due_lists_of_a_unit_are_its_records_once(name, params, corpus):
    """overdue / due_soon for 市经信局: the whole list's rows for the records whose written lead or co units name
    it (read from record_progress's unit columns: these lists show lead and joint units only), each once."""
    every_record = rows_of(corpus, "record_progress", as_of=params["as_of"])
    mine = {(r["doc"], r["record"]) for r in every_record
            if (_names(r["lead_units"]) | _names(r["co_units"])) & set(ECONOMY_BUREAU)}
    every = rows_of(corpus, name, **params)
    rows = rows_of(corpus, name, unit="市经信局", **params)
    assert rows and rows == [r for r in every if (r["doc"], r["record"]) in mine]
    assert len(rows) == len({tuple(r.values()) for r in rows})
