"""The corpus build: named graphs, manifest, incremental rebuild, lineage, jurisdiction scoping.

Small documents written here stand for a 国务院 → 省 → 市 chain: the province's
plan implements the State Council's opinion by 文号, the city's cites the
province's by title; two cities each name a 市发改委, one of them twice under
two spellings.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from policykg.kg.unit_pairs import UNIT_PAIRS_GRAPH

from policykg.use.analysis_graph import ANALYSIS_GRAPH, analysis_quads
from policykg.kg.corpus import LINEAGE_GRAPH, SHARED_GRAPH, build_corpus, discover

ROOT = Path(__file__).resolve().parents[1]
PKG = "https://w3id.org/policykg/ontology#"
ELI = "http://data.europa.eu/eli/ontology#"

STATE = """国务院关于加快数字政府建设的指导意见
国发〔2022〕14号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
一、主要任务
（一）推进政务数据共享。建立数据共享机制（国务院办公厅、国家发展改革委负责）。
国务院
2022年6月6日
"""
PROVINCE = """山东省人民政府关于印发山东省数字政府建设实施方案的通知
鲁政发〔2022〕10号
各市人民政府，省政府各部门：
为贯彻落实《国务院关于加快数字政府建设的指导意见》（国发〔2022〕14号），制定本方案。
一、重点任务
1.建设省级数据平台。完善数据目录（牵头单位：省大数据局；配合单位：省发展改革委）。
山东省人民政府
2022年8月1日
"""
JINAN = """济南市人民政府关于印发济南市数字政府建设行动计划的通知
各区县人民政府，市政府各部门：
根据《山东省数字政府建设实施方案》，制定本计划。
一、重点任务
1.建设城市大脑。推进数据汇聚（责任单位：市发改委、市大数据局）。
2.优化政务服务。推行一网通办（责任单位：市发展改革委）。
济南市人民政府
2022年9月1日
"""
QINGDAO = """青岛市人民政府关于印发青岛市数字政府建设行动计划的通知
各区市人民政府，市政府各部门：
一、重点任务
1.建设数据中心。推进算力建设（责任单位：市发改委）。
青岛市人民政府
2022年9月2日
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def sources(tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    for name, text in (("a_state.txt", STATE), ("b_province.txt", PROVINCE), ("c_jinan.txt", JINAN),
                       ("d_qingdao.txt", QINGDAO)):
        write(folder, name, text)
    return folder


def store_of(out: Path) -> ox.Store:
    return ox.Store.read_only(str(out / "store"))


def rows(store: ox.Store, query: str) -> list[tuple]:
    return sorted(tuple(None if v is None else v.value for v in row)
                  for row in store.query(query))           # the default graph: the merge


def test_corpus_one_named_graph_per_document_and_a_manifest(sources, tmp_path):
    out = tmp_path / "graph"
    result = build_corpus([sources], out, jobs=2, analysis=analysis_quads)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in manifest["documents"]}
    assert set(docs) == {"a_state", "b_province", "c_jinan", "d_qingdao"}
    assert [(docs[i]["jurisdiction"], docs[i]["level"]) for i in sorted(docs)] == [
        ("全国", "国家"), ("山东省", "省"), ("济南市", "市"), ("青岛市", "市")]
    assert docs["b_province"]["doc_number"] == "鲁政发〔2022〕10号" and docs["c_jinan"]["issued"] == "2022-09-01"
    assert all(d["status"] == "built" and len(d["sha256"]) == 64 for d in docs.values())
    store = store_of(out)
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {d["iri"] for d in docs.values()} | {SHARED_GRAPH, LINEAGE_GRAPH, ANALYSIS_GRAPH, UNIT_PAIRS_GRAPH}
    # the shared schemes live once, in the shared graph, not in each document's …
    unit_types = ox.NamedNode("https://w3id.org/policykg/id/unit-type")
    named = {q.graph_name.value for q in store.quads_for_pattern(unit_types, None, None, None)
             if isinstance(q.graph_name, ox.NamedNode)}
    assert named == {SHARED_GRAPH}
    # … and the default graph is the merge: every triple of the named graphs, once
    merged = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None)
              if isinstance(q.graph_name, ox.NamedNode)}
    default = {(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert default == merged
    assert result.rebuilt == 4 and result.reused == 0


def test_corpus_lineage_links_a_chain_of_documents(sources, tmp_path):
    out = tmp_path / "graph"
    result = build_corpus([sources], out, jobs=1, analysis=analysis_quads)
    docs = {e["id"]: e["iri"] for e in result.entries}
    assert (docs["b_province"], "implements", docs["a_state"]) in result.links      # by 文号
    assert any(a == docs["c_jinan"] and b == docs["b_province"] for a, _, b in result.links)   # by title
    chain = rows(store_of(out), f"""SELECT ?t WHERE {{ ?city <{ELI}implements>|<{ELI}cites> ?prov .
        ?prov <{ELI}implements>|<{ELI}cites> ?state .
        ?state a <{PKG}PolicyDocument> ; <http://purl.org/dc/terms/title> ?t }}""")
    assert chain == [("国务院关于加快数字政府建设的指导意见",)]


def test_corpus_units_scoped_by_jurisdiction_and_merged_by_alias(sources, tmp_path):
    """市发改委 of 济南 and of 青岛 are two units; 市发改委 and 市发展改革委 in 济南 are one."""
    out = tmp_path / "graph"
    build_corpus([sources], out, jobs=1, analysis=analysis_quads)
    found = rows(store_of(out), f"""SELECT DISTINCT ?unit ?place WHERE {{
        ?r <{PKG}hasResponsibility> ?x . ?x <{PKG}writtenName> ?w ; <{PKG}unit> ?unit .
        FILTER(?w IN ("市发改委", "市发展改革委"))
        ?unit <https://schema.org/areaServed>/<http://www.w3.org/2004/02/skos/core#prefLabel> ?place }}""")
    places = sorted(place for _, place in found)
    assert places == ["济南市", "青岛市"]
    full = rows(store_of(out), f"""SELECT ?f WHERE {{ ?u <{PKG}fullName> ?f .
        ?u <https://schema.org/areaServed>/<http://www.w3.org/2004/02/skos/core#prefLabel> "济南市"
        FILTER(CONTAINS(?f, "发展和改革")) }}""")
    assert full == [("济南市发展和改革委员会",)]


def test_corpus_rebuild_reuses_unchanged_replaces_changed_removes_deleted(sources, tmp_path):
    out = tmp_path / "graph"
    build_corpus([sources], out, jobs=1, analysis=analysis_quads)
    again = build_corpus([sources], out, jobs=1, analysis=analysis_quads)
    assert (again.rebuilt, again.reused, again.removed) == (0, 4, 0)
    before = (out / "corpus.nq").read_bytes()
    assert before == (out / "corpus.nq").read_bytes()
    write(sources, "d_qingdao.txt", QINGDAO.replace("推进算力建设", "推进智算建设"))
    (sources / "a_state.txt").unlink()
    changed = build_corpus([sources], out, jobs=1, analysis=analysis_quads)
    assert (changed.rebuilt, changed.reused, changed.removed) == (1, 2, 1)
    nq = (out / "corpus.nq").read_text(encoding="utf-8")
    assert "推进智算建设" in nq and "推进算力建设" not in nq and "国务院办公厅" not in nq
    assert not (out / "docs" / "a_state").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in manifest["documents"]] == ["b_province", "c_jinan", "d_qingdao"]


#: A document as an export gives it: no header, no date, no issuer (issue 17's analyst added one).
HEADLESS = """一、重点任务
1.建设数字乡村。推进数据下乡（责任单位：县农业农村局）。
"""
SIDECAR = {"title": "沂南县数字乡村建设方案", "issuer": "沂南县人民政府办公室", "date": "2023-05-06"}


def by_id(result) -> dict[str, dict]:
    return {e["id"]: e for e in result.entries}


def test_corpus_rebuild_keys_on_the_sidecar_too(sources, tmp_path):
    """Issue 17: a document built without its metadata kept jurisdiction and date '?' after its sidecar
    was added (``0 rebuilt``): reuse keyed on the text and the builder only."""
    out = tmp_path / "graph"
    write(sources, "e_yinan.txt", HEADLESS)
    first = build_corpus([sources], out, jobs=1)
    assert (by_id(first)["e_yinan"]["jurisdiction"], by_id(first)["e_yinan"]["issued"]) == (None, None)
    write(sources, "e_yinan.src.json", json.dumps(SIDECAR, ensure_ascii=False))
    again = build_corpus([sources], out, jobs=1)
    assert (again.rebuilt, again.reused, again.reasons) == (1, 4, {"e_yinan": "changed sidecar"})
    assert (by_id(again)["e_yinan"]["jurisdiction"], by_id(again)["e_yinan"]["issued"]) == ("沂南县", "2023-05-06")
    write(sources, "e_yinan.src.json", json.dumps(dict(SIDECAR, date="2023-05-08"), ensure_ascii=False))
    changed = build_corpus([sources], out, jobs=1)
    assert changed.reasons == {"e_yinan": "changed sidecar"} and by_id(changed)["e_yinan"]["issued"] == "2023-05-08"
    (sources / "e_yinan.src.json").unlink()
    assert build_corpus([sources], out, jobs=1).reasons == {"e_yinan": "changed sidecar"}


def test_corpus_a_new_document_with_its_sidecar_builds_with_its_metadata(sources, tmp_path):
    """The done-when check: a build, then a document and its sidecar dropped in, rebuilt without --force."""
    out = tmp_path / "graph"
    build_corpus([sources], out, jobs=1)
    write(sources, "e_yinan.txt", HEADLESS)
    write(sources, "e_yinan.src.json", json.dumps(SIDECAR, ensure_ascii=False))
    result = build_corpus([sources], out, jobs=1)
    assert (result.rebuilt, result.reused, result.reasons) == (1, 4, {"e_yinan": "new"})
    assert (by_id(result)["e_yinan"]["jurisdiction"], by_id(result)["e_yinan"]["issued"]) == ("沂南县", "2023-05-06")
    from policykg.kg.corpus import corpus_summary
    summary = corpus_summary(result, out)
    assert "(1 rebuilt, 4 unchanged)" in summary[0] and summary[1] == "  rebuilt: new 1 (e_yinan)"
    assert any("e_yinan: 沂南县数字乡村建设方案 (沂南县, 2023-05-06)" in line for line in summary)


def test_corpus_force_rebuilds_the_named_documents_or_all(sources, tmp_path):
    out = tmp_path / "graph"
    build_corpus([sources], out, jobs=1)
    named = build_corpus([sources], out, jobs=1, force=["c_jinan"])
    assert (named.rebuilt, named.reused, named.reasons) == (1, 3, {"c_jinan": "forced"})
    every = build_corpus([sources], out, jobs=1, force=True)
    assert every.rebuilt == 4 and set(every.reasons.values()) == {"forced"}
    from policykg.errors import UsageError
    with pytest.raises(UsageError, match="no document of this build: sources"):
        build_corpus([sources], out, jobs=1, force=["sources"])


def test_corpus_rebuild_says_new_builder_and_changed_text(sources, tmp_path):
    out = tmp_path / "graph"
    build_corpus([sources], out, jobs=1)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (out / "manifest.json").write_text(json.dumps(dict(manifest, builder="0" * 16)), encoding="utf-8")
    write(sources, "d_qingdao.txt", QINGDAO.replace("推进算力建设", "推进智算建设"))
    assert set(build_corpus([sources], out, jobs=1).reasons.values()) == {"new builder"}
    write(sources, "d_qingdao.txt", QINGDAO)
    assert build_corpus([sources], out, jobs=1).reasons == {"d_qingdao": "changed text"}


def test_corpus_build_is_deterministic(sources, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    build_corpus([sources], one, jobs=2, analysis=analysis_quads)
    build_corpus([sources], two, jobs=1, analysis=analysis_quads)
    for name in ("corpus.nq", "manifest.json"):
        a = (one / name).read_text(encoding="utf-8").replace(str(one), "")
        b = (two / name).read_text(encoding="utf-8").replace(str(two), "")
        assert a == b, name


def test_corpus_unreadable_document_is_listed_not_fatal(sources, tmp_path):
    (sources / "e_empty.txt").write_bytes(b"")
    out = tmp_path / "graph"
    result = build_corpus([sources], out, jobs=1, analysis=analysis_quads)
    failed = [e for e in result.entries if e["status"] == "failed"]
    assert [e["id"] for e in failed] == ["e_empty"] and "empty" in failed[0]["error"]
    assert len([e for e in result.entries if e["status"] == "built"]) == 4


def test_corpus_discover_files_and_folders(sources, tmp_path):
    extra = write(tmp_path, "z_extra.txt", QINGDAO)
    found = [p.name for p in discover([sources, extra])]
    assert found == ["a_state.txt", "b_province.txt", "c_jinan.txt", "d_qingdao.txt", "z_extra.txt"]


def test_corpus_discover_takes_every_supported_format(tmp_path):
    """A folder search takes every extension a reader owns, in any case, and nothing else: not the
    sidecars, the gold files, notes or scripts beside the documents."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    names = ["a.txt", "b.html", "c.htm", "d.shtml", "e.docx", "f.PDF", "g.doc", "h.wps", "i.rtf", "j.odt",
             "sub/k.pdf", "a.src.json", "a.gold.json", "README.md", "make.py", "x.fodt", "noext"]
    for name in names:
        (folder / name).write_bytes(b"x")
    found = [p.relative_to(folder).as_posix() for p in discover([folder])]
    assert found == ["a.txt", "b.html", "c.htm", "d.shtml", "e.docx", "f.PDF", "g.doc", "h.wps", "i.rtf", "j.odt",
                     "sub/k.pdf"]


FORMATS = ROOT / "tests" / "fixtures" / "formats"


@pytest.fixture(scope="module")
def formats_corpus(tmp_path_factory):
    """A corpus of three formats: a text, a portal page, a PDF of 3 pages (第 1 页 … 第 3 页)."""
    folder = tmp_path_factory.mktemp("formats") / "in"
    folder.mkdir()
    write(folder, "a_state.txt", STATE)
    shutil.copy(FORMATS / "13_jinan_digital_pioneer_city_2021.html", folder / "b_jinan.html")
    shutil.copy(FORMATS / "pdf_furniture.pdf", folder / "c_printed.pdf")
    out = folder.parent / "out"
    result = build_corpus([folder], out, jobs=1, analysis=False)
    return result, out


def test_corpus_manifest_says_how_each_document_was_read(formats_corpus):
    result, out = formats_corpus
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in manifest["documents"]}
    assert {i: (d["status"], d["format"], d["reader"], d["pages"]) for i, d in docs.items()} == {
        "a_state": ("built", "text", "text", None), "b_jinan": ("built", "html", "html", None),
        "c_printed": ("built", "pdf", "pdf", 3)}
    assert docs["a_state"]["reader_notes"] == [] and isinstance(docs["b_jinan"]["warnings"], list)
    assert any("page number" in note for note in docs["c_printed"]["reader_notes"])
    report = json.loads((out / "docs" / "c_printed" / "report.json").read_text(encoding="utf-8"))
    assert (report["source"]["format"], report["source"]["pages"]) == ("pdf", 3)
    from policykg.kg.corpus import corpus_summary
    lines = corpus_summary(result, out)
    assert any(line.startswith("  c_printed (pdf, 3 pages): ") for line in lines)
    assert any(line.startswith("  b_jinan (html): ") for line in lines)
    assert any(line.startswith("  a_state: ") for line in lines)


def test_docs_shows_the_format(formats_corpus, capsys):
    from policykg.cli import main
    _, out = formats_corpus
    assert main(["docs", "--format", "csv", "--graph", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "doc,title,issuer,issued,jurisdiction,level,format"
    assert [(line.split(",")[0], line.split(",")[-1]) for line in lines[1:]] == [
        ("a_state", "text"), ("b_jinan", "html"), ("c_printed", "pdf")]


def test_one_document_in_two_formats_is_refused_once(tmp_path):
    """A document's id is its file stem: 02.pdf and 02.txt are one id twice. The first by path is built,
    the second refused with one line that names the other file and says what to do."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FORMATS / "13_jinan_digital_pioneer_city_2021.html", folder / "jinan.html")
    shutil.copy(FORMATS / "13_jinan_digital_pioneer_city_2021.txt", folder / "jinan.txt")
    result = build_corpus([folder], tmp_path / "out", jobs=1, analysis=False)
    (built, refused) = result.entries
    assert (built["file"].endswith("jinan.html"), built["status"], built["format"]) == (True, "built", "html")
    assert refused["status"] == "failed" and refused["file"].endswith("jinan.txt")
    assert "another document has the id 'jinan'" in refused["error"] and "jinan.html" in refused["error"]
    assert "two formats" in refused["error"] and "\n" not in refused["error"]


def test_bundled_corpus_is_committed_and_fresh():
    """graph/ holds the bundled corpus: 9 documents, 9 named graphs (and the shared, analysis, unit-pairs,
    lineage and progress graphs), a manifest whose hashes are the sources'."""
    import hashlib
    manifest = json.loads((ROOT / "graph" / "manifest.json").read_text(encoding="utf-8"))
    docs = manifest["documents"]
    assert len(docs) == 9 and all(d["status"] == "built" for d in docs)
    sources = {p.stem: p for p in discover([ROOT / "sources"])}
    assert {d["id"] for d in docs} == set(sources)
    for d in docs:
        assert d["sha256"] == hashlib.sha256(sources[d["id"]].read_bytes()).hexdigest(), f"{d['id']}: run 'make graph'"
    graphs = {line.rsplit(" ", 2)[-2] for line in (ROOT / "graph" / "corpus.nq").read_text(encoding="utf-8").splitlines()}
    lineage = {f"<{LINEAGE_GRAPH}>"} & graphs          # present when a citation names a corpus document
    progress = {f"<{ledger['graph']}>" for ledger in manifest["ledgers"]}   # sources/ledgers: two report dates
    assert len(progress) == 2
    assert graphs == ({f"<{d['iri']}>" for d in docs} | {f"<{SHARED_GRAPH}>", f"<{ANALYSIS_GRAPH}>", f"<{UNIT_PAIRS_GRAPH}>"}
                      | lineage | progress)


def test_cli_builds_a_corpus_from_folders_and_files(sources, tmp_path, capsys):
    from policykg.cli import main
    out = tmp_path / "graph"
    assert main(["build", str(sources), str(ROOT / "sources" / "dev" / "05_guofa_2018_39_employment.txt"),
                 "--out", str(out), "--jobs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "corpus of 5 documents: 5 built" in printed
    assert main(["query", "key_tasks", "--graph", str(out), "--format", "json"]) == 0
    shutil.rmtree(out)


def test_merged_default_graph_is_the_text_of_every_quad_without_its_graph(tmp_path):
    from policykg.kg.corpus import merged_default_graph
    nq = tmp_path / "c.nq"
    nq.write_bytes(b'<http://x/a> <http://x/p> "a <b> c" <http://x/g1> .\n\n'
                   b'<http://x/a> <http://x/p> <http://x/o> <http://x/g2> .\n')
    out = merged_default_graph(nq, tmp_path / "d.nt")
    assert out.read_bytes() == (b'<http://x/a> <http://x/p> "a <b> c" .\n'
                                b'<http://x/a> <http://x/p> <http://x/o> .\n')


def test_merged_default_graph_refuses_a_line_that_is_no_named_quad(tmp_path):
    from policykg.kg.corpus import merged_default_graph
    nq = tmp_path / "c.nq"
    for number, triple in ((1, b'<http://x/a> <http://x/p> <http://x/o> .\n'), (2, b'<http://x/a> <http://x/p> "o" .\n')):
        nq.write_bytes(b'<http://x/a> <http://x/p> <http://x/o> <http://x/g> .\n' * (number - 1) + triple)
        with pytest.raises(ValueError, match=rf"c\.nq:{number}: not a quad"):
            merged_default_graph(nq, tmp_path / "d.nt")


def test_each_piece_of_corpus_nq_is_followed_by_its_default_graph_copy(tmp_path):
    from policykg.kg.corpus_store import with_default_graph
    piece = (b'<http://x/a> <http://x/p> "a <b> c" <http://x/g1> .\n'
             b'<http://x/a> <http://x/p> <http://x/o> <http://x/g2> .\n')
    assert with_default_graph(piece, tmp_path / "c.nq", 1) == piece + (b'<http://x/a> <http://x/p> "a <b> c" .\n'
                                                                      b'<http://x/a> <http://x/p> <http://x/o> .\n')
    # a blank line is skipped; a line that is no quad is refused with its number in the whole file
    assert with_default_graph(b"\n" + piece, tmp_path / "c.nq", 1).endswith(b'<http://x/o> .\n')
    with pytest.raises(ValueError, match=r"c\.nq:12: not a quad"):
        with_default_graph(piece + b'<http://x/a> <http://x/p> "o" .\n', tmp_path / "c.nq", 10)


def test_corpus_nq_is_read_in_whole_lines_with_their_numbers(tmp_path):
    import io

    from policykg.kg.corpus_store import _pieces
    text = b"".join(b"<http://x/s%d> <http://x/p> <http://x/o> <http://x/g> .\n" % n for n in range(10))
    pieces = list(_pieces(io.BytesIO(text + b"<http://x/last> <http://x/p> <http://x/o> <http://x/g> ."), 100))
    assert b"".join(p for _, p in pieces) == text + b"<http://x/last> <http://x/p> <http://x/o> <http://x/g> .\n"
    assert all(p.endswith(b"\n") and p.count(b"\n") <= 2 for _, p in pieces)      # ~100 bytes: one or two lines
    assert [n for n, _ in pieces] == [1 + sum(p.count(b"\n") for _, p in pieces[:i]) for i in range(len(pieces))]


def test_the_store_loaded_in_pieces_holds_every_named_graph_and_their_merge(tmp_path):
    """Three quads in two graphs, two of them the same statement: the store holds the three quads and the
    two statements once each in the default graph, however small the pieces it is loaded in."""
    import pyoxigraph as ox

    from policykg.kg.corpus_store import write_corpus_store
    nq = tmp_path / "c.nq"
    nq.write_bytes(b'<http://x/a> <http://x/p> "v" <http://x/g1> .\n'
                   b'<http://x/a> <http://x/p> <http://x/o> <http://x/g1> .\n'
                   b'<http://x/a> <http://x/p> <http://x/o> <http://x/g2> .\n')
    a, p = ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p")
    expected = {ox.Quad(a, p, ox.Literal("v"), ox.NamedNode("http://x/g1")),
                ox.Quad(a, p, ox.NamedNode("http://x/o"), ox.NamedNode("http://x/g1")),
                ox.Quad(a, p, ox.NamedNode("http://x/o"), ox.NamedNode("http://x/g2")),
                ox.Quad(a, p, ox.Literal("v"), ox.DefaultGraph()),
                ox.Quad(a, p, ox.NamedNode("http://x/o"), ox.DefaultGraph())}
    for size in (30, 1 << 20):
        store = ox.Store.read_only(str(write_corpus_store(tmp_path / f"store{size}", nq, piece=size)))
        assert set(store) == expected
        del store


def test_two_files_of_one_document_are_not_merged(tmp_path):
    """Same issuer, title and date (one document IRI), other text: the second file is listed as a
    duplicate of the first and left out; its records never join the first one's named graph."""
    src = tmp_path / "src"
    src.mkdir()
    write(src, "a_jinan.txt", JINAN)
    write(src, "b_jinan_copy.txt", JINAN.replace("推行一网通办", "推行一网通办，压缩办理时限"))
    result = build_corpus([src], tmp_path / "out", jobs=1, analysis=False)
    status = {e["id"]: e["status"] for e in result.entries}
    assert status == {"a_jinan": "built", "b_jinan_copy": "duplicate"}
    duplicate = next(e for e in result.entries if e["id"] == "b_jinan_copy")
    assert duplicate["duplicate_of"] == "a_jinan" and "same issuer, title and date" in duplicate["error"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"documents": 2, "built": 1, "failed": 0, "duplicate": 1}
    assert not (tmp_path / "out" / "docs" / "b_jinan_copy").exists()
    corpus = (tmp_path / "out" / "corpus.nq").read_text(encoding="utf-8")
    assert "压缩办理时限" not in corpus and "推行一网通办" in corpus


def test_a_corpus_with_a_duplicate_rebuilds_as_a_no_op_until_either_file_changes(tmp_path):
    """A duplicate unchanged, of a document unchanged, is that duplicate again: the rebuild builds nothing
    and leaves the output as it was (found at 10,000 documents: 13 duplicates made every rebuild a full one).
    Once the kept document changes, the duplicate is judged again (built, and found a duplicate again)."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    write(src, "a_jinan.txt", JINAN)
    write(src, "b_jinan_copy.txt", JINAN.replace("推行一网通办", "推行一网通办，压缩办理时限"))
    build_corpus([src], out, jobs=1, analysis=False)
    manifest = (out / "manifest.json").read_bytes()
    inode = (out / "manifest.json").stat().st_ino
    again = build_corpus([src], out, jobs=1, analysis=False)
    assert (again.rebuilt, again.reused) == (0, 2)
    assert {e["id"]: e["status"] for e in again.entries} == {"a_jinan": "built", "b_jinan_copy": "duplicate"}
    assert (out / "manifest.json").read_bytes() == manifest and (out / "manifest.json").stat().st_ino == inode
    write(src, "a_jinan.txt", JINAN.replace("推行一网通办", "推行一网通办，全程网办"))
    changed = build_corpus([src], out, jobs=1, analysis=False)
    assert changed.rebuilt == 2 and changed.reasons == {"a_jinan": "changed text", "b_jinan_copy": "failed before"}
    assert {e["id"]: e["status"] for e in changed.entries} == {"a_jinan": "built", "b_jinan_copy": "duplicate"}


def test_a_unit_named_two_ways_in_one_area_keeps_one_preferred_name_in_the_merge(tmp_path):
    """济南 writes 市发改委 in one document and 市发展改革委 in another: one unit. Each named graph keeps the
    name it wrote; the default graph (the merge) has one skos:prefLabel, the other name as skos:altLabel."""
    src = tmp_path / "src"
    src.mkdir()
    write(src, "a.txt", JINAN.replace("（责任单位：市发展改革委）", "（责任单位：市发改委）"))
    write(src, "b.txt", QINGDAO.replace("青岛", "济南").replace("各区市", "各区县").replace("市发改委", "市发展改革委")
          .replace("数字政府建设行动计划", "算力行动方案"))
    build_corpus([src], tmp_path / "out", jobs=1, analysis=False)
    store = ox.Store.read_only(str(tmp_path / "out" / "store"))
    skos = "http://www.w3.org/2004/02/skos/core#"
    rows = {(r[0].value, r[1].value) for r in store.query(
        f"SELECT ?p ?l WHERE {{ ?u <{skos}prefLabel>|<{skos}altLabel> ?l ; <{skos}prefLabel>|<{skos}altLabel> ?x ; "
        f"?p ?l . FILTER(?x IN ('市发改委', '市发展改革委') && ?p IN (<{skos}prefLabel>, <{skos}altLabel>)) }}")}
    named = {r[0].value for r in store.query(
        f"SELECT ?l WHERE {{ GRAPH ?g {{ ?u <{skos}prefLabel> ?l FILTER(?l IN ('市发改委', '市发展改革委')) }} }}")}
    assert named == {"市发改委", "市发展改革委"}                    # each document's own name
    preferred = {label for p, label in rows if p == skos + "prefLabel"}
    assert len(preferred) == 1, rows                                    # the merge: one preferred name
    assert {label for p, label in rows if p == skos + "altLabel"} >= {"市发改委", "市发展改革委"} - preferred


def test_the_bundled_corpus_read_from_its_nquads_file_has_one_preferred_name_per_unit():
    """``--graph graph/corpus.nq`` (a fresh clone without the store) merges as the build does."""
    from policykg.kg.store import open_graph
    store = open_graph(str(ROOT / "graph" / "corpus.nq"))
    skos = "http://www.w3.org/2004/02/skos/core#"
    twice = list(store.query(f"SELECT ?s WHERE {{ ?s <{skos}prefLabel> ?a, ?b . "
                             f"FILTER(?a != ?b && LANG(?a) = LANG(?b)) }}"))
    assert twice == []
    named = list(store.query(f"SELECT ?s WHERE {{ GRAPH ?g {{ ?s <{skos}prefLabel> ?l }} "
                             f"GRAPH ?h {{ ?s <{skos}prefLabel> ?m }} FILTER(?l != ?m) }} LIMIT 1"))
    assert named, "the bundled corpus names a unit two ways in two documents (each graph keeps its own)"
