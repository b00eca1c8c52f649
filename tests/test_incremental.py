"""A rebuild that costs what changed (policykg.kg.incremental): the no-op stops at once, and an edited,
an added and a deleted document give, updated in place, the very store and corpus.nq a fresh build gives."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus_generator import generate  # noqa: E402

UNIT_BEFORE, UNIT_AFTER = "（市审批服务局负责）", "（市住建局负责）"


def build(src: Path, out: Path):
    from policykg.kg.corpus import build_corpus
    from policykg.use.analysis_graph import analysis_quads
    return build_corpus([src], out, jobs=1, doc_files="lean", analysis=analysis_quads)


def store_lines(out: Path) -> list[bytes]:
    import pyoxigraph as ox
    store = ox.Store.read_only(str(out / "store"))
    return sorted(store.dump(format=ox.RdfFormat.N_QUADS).splitlines())


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> list[Path]:
    return generate(5, tmp_path_factory.mktemp("generated"), seed=8)


def test_no_op_rebuild_stops_without_touching_the_output(docs, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(docs[0].parent, src)
    out = tmp_path / "out"
    build(src, out)
    before = {name: os.stat(out / name).st_ino for name in ("store", "docs", "corpus.nq", "manifest.json")}
    again = build(src, out)
    assert (again.rebuilt, again.reused, again.removed) == (0, 5, 0)
    # nothing staged nor swapped: the same files, not copies
    assert {name: os.stat(out / name).st_ino for name in before} == before


def test_edit_add_delete_update_the_store_as_a_fresh_build_would(docs, tmp_path, monkeypatch):
    import policykg.kg.corpus as corpus
    import policykg.kg.incremental as incremental
    src = tmp_path / "src"
    src.mkdir()
    for doc in docs[:4]:
        shutil.copy(doc, src / doc.name)
    out = tmp_path / "out"
    build(src, out)
    edited = src / docs[1].name
    text = edited.read_text(encoding="utf-8")
    assert UNIT_BEFORE in text                      # the generator writes this lead unit
    edited.write_text(text.replace(UNIT_BEFORE, UNIT_AFTER, 1), encoding="utf-8")
    (src / docs[2].name).unlink()
    shutil.copy(docs[4], src / docs[4].name)

    def no_full_load(*args, **kwargs):
        raise AssertionError("the store was loaded whole, not updated")
    monkeypatch.setattr(incremental, "UPDATE_SHARE", 1.0)   # 4 documents: every change is a large share
    monkeypatch.setattr(corpus, "write_corpus_store", no_full_load)
    result = build(src, out)
    assert (result.rebuilt, result.reused, result.removed) == (2, 2, 1)
    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    build(src, fresh)
    assert (out / "corpus.nq").read_bytes() == (fresh / "corpus.nq").read_bytes()
    assert (out / "manifest.json").read_bytes() == (fresh / "manifest.json").read_bytes()
    updated, expected = store_lines(out), store_lines(fresh)
    assert any(UNIT_AFTER[2:-3].encode() in line for line in expected)
    assert updated == expected
    # the unit pairs (corpus_shared_responsibilities' rows, kg/unit_pairs.py) among them: the documents counted
    # are those built now — the added one, not the deleted one — each in its jurisdiction's rows
    pairs = b" <https://w3id.org/policykg/id/graph/unit-pairs> ."
    counted = {line.split(b" ")[0] for line in updated if line.endswith(pairs) and b"#unitPairsCounted>" in line}
    assert counted == {f"<{e['iri']}>".encode() for e in result.entries if e["status"] == "built"}
    assert len(counted) == 4 and sum(line.endswith(pairs) for line in updated) > 6 * 4


def test_a_rebuild_with_other_options_is_no_no_op(docs, tmp_path):
    from policykg.kg.corpus import build_corpus
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(docs[0], src / docs[0].name)
    out = tmp_path / "out"
    build(src, out)
    assert b"/graph/analysis>" in (out / "corpus.nq").read_bytes()
    inode = os.stat(out / "corpus.nq").st_ino
    build_corpus([src], out, jobs=1, doc_files="lean", analysis=None)     # --no-analysis: written again
    assert os.stat(out / "corpus.nq").st_ino != inode
    assert b"/graph/analysis>" not in (out / "corpus.nq").read_bytes()


def test_with_ledgers_a_rebuild_reapplies_them_and_a_changed_ledger_is_no_no_op(tmp_path, monkeypatch):
    """sources/ledgers/ beside two bundled documents: the no-op still stops; a removed ledger is a
    rebuild (its graph gone); an edited document updates the store in place, progress applied again —
    each time the store and corpus.nq a fresh build gives."""
    import policykg.kg.corpus as corpus
    import policykg.kg.incremental as incremental
    from policykg.kg.corpus import build_corpus
    from policykg.use.ledger import build_progress

    def build_with_ledgers(src: Path, out: Path):
        return build_corpus([src], out, jobs=1, doc_files="lean", ledgers=build_progress)

    src = tmp_path / "src"
    (src / "ledgers").mkdir(parents=True)
    for stem in ("01_baotou_digital_gov_assessment_2022", "05_guofa_2018_39_employment"):
        for suffix in (".txt", ".src.json"):
            shutil.copy(ROOT / "sources" / "dev" / (stem + suffix), src / (stem + suffix))
    ledgers = sorted((ROOT / "sources" / "ledgers").glob("*.csv"))
    assert len(ledgers) == 2
    for ledger in ledgers:
        shutil.copy(ledger, src / "ledgers" / ledger.name)
    out = tmp_path / "out"
    build_with_ledgers(src, out)
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert manifest.count('"as_of"') == 2
    inode = os.stat(out / "store").st_ino
    assert build_with_ledgers(src, out).rebuilt == 0 and os.stat(out / "store").st_ino == inode

    (src / "ledgers" / ledgers[1].name).unlink()              # the later report withdrawn
    build_with_ledgers(src, out)
    assert (out / "manifest.json").read_text(encoding="utf-8").count('"as_of"') == 1
    fresh = tmp_path / "fresh"
    build_with_ledgers(src, fresh)
    assert (out / "corpus.nq").read_bytes() == (fresh / "corpus.nq").read_bytes()
    assert store_lines(out) == store_lines(fresh)

    edited = src / "05_guofa_2018_39_employment.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n附：本意见自印发之日起施行。\n", encoding="utf-8")

    def no_full_load(*args, **kwargs):
        raise AssertionError("the store was loaded whole, not updated")
    monkeypatch.setattr(incremental, "UPDATE_SHARE", 1.0)
    monkeypatch.setattr(corpus, "write_corpus_store", no_full_load)
    assert build_with_ledgers(src, out).rebuilt == 1
    monkeypatch.undo()
    shutil.rmtree(fresh)
    build_with_ledgers(src, fresh)
    assert (out / "corpus.nq").read_bytes() == (fresh / "corpus.nq").read_bytes()
    assert (out / "manifest.json").read_bytes() == (fresh / "manifest.json").read_bytes()
    assert store_lines(out) == store_lines(fresh)


def test_a_store_of_another_build_is_not_taken_for_the_merged_default_graph(docs, tmp_path):
    """push sends the merged default graph from the store only when the store was built with corpus.nq as
    it is (a store left from an older build gave Virtuoso another corpus's merge)."""
    from policykg.kg.corpus_store import write_default_graph
    from policykg.kg.incremental import store_describes
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(docs[0], src / docs[0].name)
    out = tmp_path / "out"
    build(src, out)
    assert store_describes(out / "store", out / "corpus.nq")
    before = write_default_graph(out / "corpus.nq", out / "store", tmp_path / "a.nt")
    with open(out / "corpus.nq", "ab") as fh:
        fh.write(b'<urn:x:s> <urn:x:p> "added after the store" <urn:x:g> .\n')
    assert not store_describes(out / "store", out / "corpus.nq")
    after = write_default_graph(out / "corpus.nq", out / "store", tmp_path / "b.nt")
    assert after == before + 1 and b"added after the store" in (tmp_path / "b.nt").read_bytes()


def test_an_edited_document_s_cross_community_pairs_are_counted_anew(docs, tmp_path, monkeypatch):
    """The build counts cross_community_pairs' pairs per document (pkg:CrossCommunityPair in its part of the
    analysis graph): after an edit that puts 市住建局 wherever 市税务局 was, the incrementally updated store answers
    the question (whole corpus and --doc) as a fresh build of the edited sources does, and as the text that
    paired records at question time (tests/fixtures/queries_before/) does — and the edited document's answer
    is not the one before the edit."""
    import policykg.kg.corpus as corpus
    import policykg.kg.incremental as incremental
    src = tmp_path / "src"
    src.mkdir()
    for doc in docs[:2]:
        shutil.copy(doc, src / doc.name)
    out = tmp_path / "out"
    first = build(src, out)
    doc_id = next(e["id"] for e in first.entries if e["file"].endswith(docs[0].name))

    def answers(where: Path, doc: str | None):
        return _answer_as_before(where, "cross_community_pairs", doc)

    old = answers(out, doc_id)
    edited = src / docs[0].name
    text = edited.read_text(encoding="utf-8")
    assert "市税务局" in text
    edited.write_text(text.replace("市税务局", "市住建局"), encoding="utf-8")

    def no_full_load(*args, **kwargs):
        raise AssertionError("the store was loaded whole, not updated")
    monkeypatch.setattr(incremental, "UPDATE_SHARE", 1.0)   # 2 documents: every change is a large share
    monkeypatch.setattr(corpus, "write_corpus_store", no_full_load)
    assert build(src, out).rebuilt == 1
    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    build(src, fresh)
    for doc in (None, doc_id):
        assert answers(out, doc) == answers(fresh, doc)
    new = answers(out, doc_id)
    assert new[1] and new != old
    assert any("市税务局" in (row[1], row[3]) for row in old[1])
    assert not any("市税务局" in (row[1], row[3]) for row in new[1])


def test_an_edit_writes_again_only_its_jurisdiction_s_unit_pairs(tmp_path, monkeypatch):
    """corpus_shared_responsibilities' rows are counted per jurisdiction (pkg:UnitPair, kg/unit_pairs.py): an edit
    of one 安徽省 document (省商务厅 replaced by 省财政厅) counts 安徽省's pairs again and copies 全国's block; the
    updated store and corpus.nq are a fresh build's, and the question answers there as the text that paired records
    at question time (tests/fixtures/queries_before/), whole corpus and --doc."""
    import policykg.kg.corpus as corpus
    import policykg.kg.incremental as incremental
    import policykg.kg.unit_pairs as unit_pairs
    src = tmp_path / "src"
    src.mkdir()
    for name in ("02_anhui_industrial_internet_2021.pdf", "03_anhui_rcep_opening_2022.txt",
                 "03_anhui_rcep_opening_2022.src.json", "05_guofa_2018_39_employment.txt",
                 "05_guofa_2018_39_employment.src.json"):
        shutil.copy(ROOT / "sources" / "dev" / name, src / name)
    out = tmp_path / "out"
    build(src, out)

    def answers(where: Path, doc: str | None):
        return _answer_as_before(where, "corpus_shared_responsibilities", doc)

    old = answers(out, None)
    edited = src / "03_anhui_rcep_opening_2022.txt"
    edited.write_text(edited.read_text(encoding="utf-8").replace("省商务厅", "省财政厅"), encoding="utf-8")
    counted = []
    real = unit_pairs.pairs_block

    def spy(documents):
        counted.append(sorted(iri for iri, _ in documents))
        return real(documents)

    def no_full_load(*args, **kwargs):
        raise AssertionError("the store was loaded whole, not updated")
    monkeypatch.setattr(incremental, "UPDATE_SHARE", 1.0)   # 3 documents: every change is a large share
    monkeypatch.setattr(corpus, "write_corpus_store", no_full_load)
    monkeypatch.setattr(unit_pairs, "pairs_block", spy)
    result = build(src, out)
    assert result.rebuilt == 1
    monkeypatch.undo()
    anhui = sorted(e["iri"] for e in result.entries if e["jurisdiction"] == "安徽省")
    assert counted == [anhui]                                # 全国's block copied, not counted again
    fresh = tmp_path / "fresh"
    build(src, fresh)
    assert (out / "corpus.nq").read_bytes() == (fresh / "corpus.nq").read_bytes()
    assert store_lines(out) == store_lines(fresh)
    for doc in (None, "03_anhui_rcep_opening_2022"):
        assert answers(out, doc) == answers(fresh, doc)
    new = answers(out, None)
    assert [r for r in new[1] if r[0] == "全国"] == [r for r in old[1] if r[0] == "全国"]
    assert any("省商务厅" in r[1:3] and "03_anhui_rcep_opening_2022" in r[5] for r in old[1])
    assert not any("省商务厅" in r[1:3] and "03_anhui_rcep_opening_2022" in r[5] for r in new[1])


def _answer_as_before(where: Path, name: str, doc: str | None):
    """The stored query ``name``'s answer on the store of the build at ``where`` (one document's with ``doc``),
    checked equal to the answer of the text it replaced (tests/fixtures/queries_before/), which read the
    records themselves instead of what the build precomputed."""
    from policykg.kg.query import find_query, parse_query_file, run_query
    from policykg.kg.store import open_graph
    store = open_graph(str(where / "store"))
    found = run_query(store, find_query(name), doc=doc)
    assert found == run_query(store, parse_query_file(ROOT / "tests" / "fixtures" / "queries_before" / f"{name}.rq"),
                              doc=doc)
    del store
    return found
