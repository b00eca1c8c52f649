"""Issue 14, finding 3: characters that break lines and file names that break IRIs.

Old failures (each test names its own): U+2028, U+2029, U+0085, VT, FF and \\x1c–\\x1e in a document or
a sidecar title crashed the build (N-Triples text split with ``str.splitlines()``); a space, ``"``, ``<``,
``{``, ``\\``, ``|``, ``^``, `````, ``%``, tab or newline in a file name failed the whole corpus ("Invalid IRI
code point"). These tests need nothing outside the repository.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "policykg.cli"]
FIXTURE = ROOT / "tests" / "fixtures" / "columns_layout.txt"
SEED = ROOT / "sources" / "000_4cdbba2a142b4d11.txt"
#: What str.splitlines() breaks on besides LF and CR, and a few other controls a terminal acts on.
BREAKERS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x07", "\x7f"]
#: Places in the fixture whose text reaches the graph as written: notice title, goal, measure, unit.
SPOTS = [("某某县优化营", "商环境若干措施》的通知"), ("企业开办时间", "压缩至1日以内"),
         ("加大助企", "纾困力度"), ("落实减税", "降费政策"), ("县发", "改局牵头")]


def _literals_nt(data: bytes) -> set[str]:
    return {t.object.value for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES) if isinstance(t.object, ox.Literal)}


def _literals_ttl(data: bytes) -> set[str]:
    from rdflib import Graph, Literal
    return {str(o) for o in Graph().parse(data=data, format="turtle").objects() if isinstance(o, Literal)}


fragments = st.text(alphabet=st.sampled_from(BREAKERS + ["政", "策"]), min_size=1, max_size=5) \
    .filter(lambda f: any(ch in BREAKERS for ch in f))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inserted=st.lists(st.tuples(st.sampled_from(SPOTS), fragments), min_size=1, max_size=4,
                         unique_by=lambda pair: pair[0]))
def test_line_breaking_characters_in_a_document_stay_verbatim_in_the_graph(tmp_path, inserted):
    """Old: 'Line jumps are not allowed in string literals' (the N-Triples text cut at U+2028, VT …)."""
    from policykg.kg.pipeline import build
    text = FIXTURE.read_text(encoding="utf-8")
    for (left, right), fragment in inserted:
        text = text.replace(left + right, left + fragment + right)
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    result = build(path)
    files = result.files()
    assert len(result.linked.extraction.source.lines) == len(FIXTURE.read_text(encoding="utf-8").split("\n")) - 1
    nt = files["policykg.nt"].decode("utf-8")
    assert not any(ch in nt for ch in BREAKERS), "written as escapes: line-oriented tools see one statement a line"
    assert all(line.endswith(" .") for line in nt.splitlines())
    for literals in (_literals_nt(files["policykg.nt"]), _literals_ttl(files["policykg.ttl"])):
        for (left, right), fragment in inserted:
            assert any(left + fragment + right in value for value in literals), (left, fragment)


def test_sidecar_titles_with_line_breaking_characters_build_and_stay_verbatim(tmp_path):
    """Old: a sidecar title holding U+2028 (or VT, FF, \\x1c …) crashed the corpus build with a traceback."""
    source = ROOT / "sources" / "dev" / "18_shandong_ngit_guiding_opinions_2023"   # its title is the sidecar's
    folder = tmp_path / "in"
    folder.mkdir()
    meta = json.loads(source.with_suffix(".src.json").read_text(encoding="utf-8"))
    title = meta["title"].split(" (")[0]                 # without the collector's remark, which is dropped
    titles = {}
    for number, ch in enumerate(BREAKERS[:8]):
        titles[f"d{number}"] = title[:6] + ch + title[6:]
        shutil.copy(source.with_suffix(".txt"), folder / f"d{number}.txt")
        (folder / f"d{number}.src.json").write_text(json.dumps(dict(meta, title=titles[f"d{number}"]),
                                                               ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(CLI + ["build", str(folder), "--out", str(tmp_path / "out"), "--no-analysis"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-600:]
    store = ox.Store.read_only(str(tmp_path / "out" / "store"))
    found = {row["id"].value: row["t"].value for row in store.query(
        "SELECT ?id ?t WHERE { GRAPH ?g { ?d <https://w3id.org/policykg/ontology#shortId> ?id ; "
        "<http://purl.org/dc/terms/title> ?t } }")}
    assert found == titles


def _hostile_copies(folder: Path) -> dict[str, Path]:
    """The bundled documents (and their sidecars) under names with spaces, quotes, %, # and parentheses."""
    folder.mkdir()
    from policykg.kg.manifest import discover
    sources = [SEED, *discover([ROOT / "sources" / "dev"])]     # texts, a PDF and a portal page
    names = {}
    for number, source in enumerate(sources):
        stem = f'{number} {source.stem[:12]} "第{number}版" ({number}) #{number} 100%{"20" if number % 2 else ""}'
        names[stem] = source
        if source.suffix != ".txt":
            shutil.copy(source, folder / f"{stem}{source.suffix}")
            continue
        text = source.read_text(encoding="utf-8")
        if source == SEED:
            text = text.replace("审议通过，现印发给你们", "审议通过，\u2028现印发给你们")
            assert "\u2028" in text
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
        sidecar = source.with_suffix(".src.json")
        if sidecar.exists():
            shutil.copy(sidecar, folder / f"{stem}.src.json")
    return names


def test_done_when_bundled_documents_renamed_with_spaces_quotes_percent_hash_parentheses_all_build(tmp_path):
    """Issue 14's Done-when: renamed copies of the bundled documents, one with U+2028 in its text:
    exit 0, every document built, ids as named. Old: 'Invalid IRI code point' and a traceback."""
    names = _hostile_copies(tmp_path / "in")
    out = tmp_path / "out"
    done = subprocess.run(CLI + ["build", str(tmp_path / "in"), "--out", str(out)], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-800:]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["built"] == len(names) == 9, manifest["counts"]
    assert {e["id"] for e in manifest["documents"]} == set(names)
    folders = [p for p in (out / "docs").iterdir() if p.is_dir()]
    assert len(folders) == len(names) and all((p / "policykg.ttl").is_file() for p in folders)
    listed = subprocess.run(CLI + ["docs", "--graph", str(out), "--format", "csv"], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    assert {row["doc"] for row in csv.DictReader(io.StringIO(listed.stdout))} == set(names)
    store = ox.Store.read_only(str(out / "store"))
    assert store.query('ASK { ?s ?p ?o FILTER(isLiteral(?o) && CONTAINS(STR(?o), "审议通过，\u2028现印发")) }')


name_chars = st.sampled_from(list(' "<>{}\\|^`%#()\t\n\u2028\x1b:;&=+?!~') + ["通", "知", "（", "）", "a", "1", "."])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stems=st.lists(st.text(alphabet=name_chars, min_size=1, max_size=10), min_size=2, max_size=3, unique=True)
       .filter(lambda stems: not {".", ".."} & set(stems)))
def test_any_file_name_builds_with_a_readable_id_and_a_folder_of_its_own(tmp_path_factory, stems):
    """Old: one name with a space (or ", <, {, \\, |, ^, `, %, tab, newline) failed the whole corpus."""
    from policykg.kg.corpus import build_corpus
    from policykg.kg.documents import documents
    from policykg.use.analysis_graph import analysis_quads
    folder = tmp_path_factory.mktemp("names")
    sources = [ROOT / "sources" / "dev" / f"{name}.txt" for name in
               ("22_qingdao_ocean_ai_models_2024", "05_guofa_2018_39_employment", "01_baotou_digital_gov_assessment_2022")]
    for stem, source in zip(stems, sources):
        (folder / "in").mkdir(exist_ok=True)
        shutil.copy(source, folder / "in" / f"{stem}.txt")
    result = build_corpus([folder / "in"], folder / "out", jobs=1, analysis=analysis_quads)
    assert {e["id"]: e["status"] for e in result.entries} == {stem: "built" for stem in stems}
    assert {d.short_id for d in documents(ox.Store.read_only(str(folder / "out" / "store")))} == set(stems)
    docs = folder / "out" / "docs"
    assert len([p for p in docs.iterdir() if p.is_dir() and p.parent == docs]) == len(stems)


@example(text="\U000e0000")       # the tag block is no ucschar: found by this test, once
@given(text=st.text(min_size=1, max_size=30))
def test_iri_segment_gives_a_valid_iri_that_decodes_back_and_keeps_plain_names(text):
    from urllib.parse import unquote

    from policykg.kg.iri import segment
    iri = "https://w3id.org/policykg/id/analysis/" + segment(text)
    ox.NamedNode(iri)                                     # raises on an invalid IRI
    assert "/" not in segment(text) and "#" not in segment(text) and "?" not in segment(text)
    assert unquote(segment(text), errors="surrogatepass") == text
    plain = "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch in "_-."))
    assert segment(plain) == plain


@given(a=st.text(min_size=1, max_size=80), b=st.text(min_size=1, max_size=80))
def test_doc_folder_is_one_safe_name_per_id(a, b):
    import unicodedata

    from policykg.kg.corpus import doc_folder
    for name in (doc_folder(a), doc_folder(b)):
        assert name not in ("", ".", "..") and "/" not in name and "\x00" not in name
        assert len(name.encode("utf-8")) <= 255
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") for ch in name)
    assert (doc_folder(a) == doc_folder(b)) == (a == b)


@pytest.mark.parametrize("doc_id", ["000_4cdbba2a142b4d11", "01_baotou_digital_gov_assessment_2022",
                                    "关于印发《某某县若干措施》的通知（2023）", "a b (1)", ".hidden", "x" * 200])
def test_plain_ids_keep_their_folder_and_iri(doc_id):
    """Byte-identity of ordinary names: their folder is the id, their IRI segment the id."""
    from policykg.kg.corpus import doc_folder
    from policykg.kg.iri import segment
    assert doc_folder(doc_id) == doc_id
    if " " not in doc_id:
        assert segment(doc_id) == doc_id
