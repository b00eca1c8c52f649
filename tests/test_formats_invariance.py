"""The same document, the same graph: a text as published (.docx, .pdf, a portal page) gives what its .txt gives.

The files are the shared corpus's published versions of texts we hold as .txt (copied into
tests/fixtures/formats by its make_fixtures.py): the seed as Word (its task list one Word table,
总体任务 merged vertically, every line of a cell its own paragraph) and as PDF, document 02 as Word (22
items numbered by Word, not in the text; 专栏 boxes as one-column tables) and as PDF, document 13 as a
TRS portal page (the plan inside the site's chrome, issuer and date only in the page around it).
The .txt of 02 and 13 (with their collection's sidecars) live beside them: ``sources/dev/`` bundles
02 as its PDF and 13 as its portal page, and these tests hold them to what the texts say.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from golden import KEY_TASKS

from policykg.kg.pipeline import build
from policykg.kg.query import find_query, run_query

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "formats"
DEV = ROOT / "sources" / "dev"
SEED_TXT = ROOT / "sources" / "000_4cdbba2a142b4d11.txt"
#: Every file of ../shared/corpus/formats, and the .txt it is the published form of.
SHARED = {"000_4cdbba2a142b4d11.docx": SEED_TXT, "000_4cdbba2a142b4d11.pdf": SEED_TXT,
          "02_anhui_industrial_internet_2021.docx": FIXTURES / "02_anhui_industrial_internet_2021.txt",
          "02_anhui_industrial_internet_2021.pdf": FIXTURES / "02_anhui_industrial_internet_2021.txt",
          "13_jinan_digital_pioneer_city_2021.html": FIXTURES / "13_jinan_digital_pioneer_city_2021.txt"}
KEY_TASK_COLUMNS = ["no", "title", "pillar", "lead_units", "co_units", "leader", "liaison", "phase", "n_targets",
                    "n_measures"]


def rows(graph, name: str) -> list[dict]:
    columns, values = run_query(graph, find_query(name))
    return [dict(zip(columns, row)) for row in values]


@lru_cache(maxsize=None)
def built_file(path: Path):
    """One build per file for the whole module (the seed's PDF takes seconds)."""
    return build(path)


@pytest.fixture(scope="module")
def seed_docx():
    return build(FIXTURES / "000_4cdbba2a142b4d11.docx")


def test_formats_seed_docx_answers_key_tasks_exactly_as_the_txt(seed_docx, built):
    from_docx, from_txt = rows(seed_docx.graph, "key_tasks"), rows(built.graph, "key_tasks")
    assert len(from_docx) == 32
    assert from_docx == from_txt                                           # every field of every row
    assert [tuple(r[c] if r[c] is not None else "" for c in KEY_TASK_COLUMNS) for r in from_docx] == KEY_TASKS


def test_formats_seed_docx_other_contracts_as_the_txt(seed_docx, built):
    for name in ("responsibilities", "narrative_measures", "goals", "targets", "documents"):
        assert rows(seed_docx.graph, name) == rows(built.graph, name), name
    from policykg.kg.terms import PKG
    counts, text_counts = dict(seed_docx.report["counts"]), dict(built.report["counts"])
    locators = len(set(seed_docx.graph.triples((None, PKG.locator, None))))
    assert counts.pop("triples") == text_counts.pop("triples") + locators    # only the places are new
    assert counts == text_counts


def test_formats_seed_docx_spans_say_where_in_the_word_table(seed_docx):
    """Task 3 is rows 5 and 6 of the Word table (row 1 is the header; the task crossed a page)."""
    from rdflib.namespace import PROV, RDF
    from policykg.kg.terms import PKG
    g = seed_docx.graph
    (task3,) = [t for t in g.subjects(RDF.type, PKG.KeyTask) if g.value(t, PKG.taskNumber).toPython() == 3]
    places = {str(g.value(span, PKG.locator)) for span in g.objects(task3, PROV.wasDerivedFrom)}
    assert places == {"table 1, row 5", "table 1, row 6"}
    everywhere = {str(o) for o in g.objects(None, PKG.locator)}
    assert "paragraph 18" in everywhere                                 # （一）提信心增预期。… the narrative measures
    assert "table 1, row 2, column 5, line 15" in everywhere            # 15.定期开展健康体检 of task 1


def record_view(result) -> list[tuple]:
    """What must not depend on the format: each record's text (spaces aside), units in their roles, deadline."""
    def flat(text):
        return re.sub(r"\s+", "", text or "")
    return [(flat(r["text"]), r["lead_units"], r["co_units"], r["joint_units"], r["deadline"])
            for r in rows(result.graph, "responsibilities")]


#: Records of document 13 with a deadline (到2023年 …, written inline).
DEADLINES_13 = 12


def header_view(result) -> dict:
    (doc,) = rows(result.graph, "documents")
    return {k: doc[k] for k in ("title", "issuer", "issued", "jurisdiction", "level")}


@pytest.mark.parametrize("published", ["02_anhui_industrial_internet_2021.docx", "13_jinan_digital_pioneer_city_2021.html"])
def test_formats_published_document_gives_the_records_and_header_of_its_txt(published):
    as_published, as_text = built_file(FIXTURES / published), built_file(SHARED[published])
    assert record_view(as_published) == record_view(as_text)
    assert len(record_view(as_text)) >= 20
    assert header_view(as_published) == header_view(as_text)


@pytest.mark.parametrize("published", sorted(SHARED))
def test_formats_every_shared_file_builds_with_the_header_of_its_txt(published):
    """The issue's Done-when: every file of ../shared/corpus/formats builds, and its header — title, issuer,
    date, jurisdiction, level — is its .txt build's (the seed as .docx and .pdf too)."""
    as_published, as_text = built_file(FIXTURES / published), built_file(SHARED[published])
    assert as_published.validation.conforms
    assert as_published.linked.extraction.source.format == Path(published).suffix[1:]
    view = header_view(as_published)
    assert view == header_view(as_text) and all(view.values()), view


#: ``../shared/corpus/formats`` beside the checkout, or beside the folder of worktrees (absent on CI).
SHARED_DIR = next((d / "shared" / "corpus" / "formats" for d in (ROOT.parent, ROOT.parent.parent)
                   if (d / "shared" / "corpus" / "formats").is_dir()), None)


def test_formats_shared_folder_holds_the_five_files_we_bundle():
    if SHARED_DIR is None:
        pytest.skip("../shared/corpus/formats is not beside this checkout (CI): the bundled copies are tested")
    published = sorted(p.name for p in SHARED_DIR.iterdir() if p.suffix.lower() in {".docx", ".pdf", ".html"})
    assert published == sorted(SHARED)
    for name in published:                                   # the bundled copy is the shared file, byte for byte
        assert (SHARED_DIR / name).read_bytes() == (FIXTURES / name).read_bytes(), name


@pytest.mark.parametrize("published", sorted(SHARED))
def test_formats_shared_file_itself_builds_with_the_header_of_its_txt(published):
    """The Done-when on the files themselves, where ../shared is present (skipped on CI, where the test
    above holds the bundled copies to the same)."""
    if SHARED_DIR is None:
        pytest.skip("../shared/corpus/formats is not beside this checkout (CI): the bundled copies are tested")
    as_published, as_text = build(SHARED_DIR / published), built_file(SHARED[published])
    assert as_published.validation.conforms
    view = header_view(as_published)
    assert view == header_view(as_text) and all(view.values()), view


@pytest.mark.parametrize("bundled,records,deadlines", [("02_anhui_industrial_internet_2021.pdf", 49, 0),
                                                       ("13_jinan_digital_pioneer_city_2021.html", 22, DEADLINES_13)])
def test_formats_bundled_published_documents_say_what_their_txt_says(bundled, records, deadlines):
    """sources/dev/ bundles 02 as its PDF and 13 as its portal page, no sidecar beside them: the same records
    (text, units in their roles, deadline — in order) and the same header as the .txt with its sidecar."""
    assert not (DEV / bundled).with_suffix(".src.json").exists() and not (DEV / bundled).with_suffix(".txt").exists()
    as_published = built_file(DEV / bundled)
    as_text = built_file(FIXTURES / Path(bundled).with_suffix(".txt").name)
    assert record_view(as_published) == record_view(as_text)
    assert len(record_view(as_published)) == records
    assert header_view(as_published) == header_view(as_text)
    assert sum(1 for *_, d in record_view(as_published) if d) == deadlines
