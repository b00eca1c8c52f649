"""Checks of the declarative vocabularies in lexicon/.

The source document is parsed here with plain regular expressions, on purpose
independent of the project's own readers: the lexicon must cover every unit
name the document writes, whatever the pipeline makes of it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

ROOT = Path(__file__).resolve().parents[1]
LEXICON = ROOT / "lexicon"
UNITS_TSV = LEXICON / "units.tsv"
UNIT_TYPES_TTL = LEXICON / "unit_types.ttl"
TOPICS_TTL = LEXICON / "topics.ttl"
SOURCE = ROOT / "sources" / "000_4cdbba2a142b4d11.txt"

HEADER = ["jurisdiction", "name", "full_name", "type", "english", "aliases"]
UNIT_TYPE_SCHEME = URIRef("https://w3id.org/policykg/id/unit-type")
TOPIC_SCHEME = URIRef("https://w3id.org/policykg/id/topic")

# Cells of the 实施阶段 column; the 责任单位 cell is the next cell after one.
PHASE_CELL = re.compile(r"^(长期实施|\d{4}-(\d{4}年)?)$")
NARRATIVE_UNITS = re.compile(r"（责任单位：([^）]*)）")
# Any cell that reads like a list of units (used to cross-check the above).
UNIT_LIST_CELL = re.compile(r"^\*?(市|乐清|各)[^。，；：\d\s]*$")
# Words so general that a keyword made of them would tag every measure.
TOO_GENERIC = {"企业", "民营", "民营企业", "发展", "服务", "工作", "项目", "政策", "建设",
               "推进", "实施", "落实", "支持", "经济", "市场", "管理", "加强", "提升"}


# ---------------------------------------------------------------- helpers


def split_units(text: str) -> list[str]:
    return [u.strip().lstrip("*").strip() for u in text.split("、") if u.strip()]


def source_cells() -> list[str]:
    """The stripped text of every line that starts a table cell (a tab)."""
    text = SOURCE.read_text(encoding="utf-8")
    return [line[1:].strip() for line in text.split("\n") if line.startswith("\t")]


def table_unit_cells() -> list[str]:
    cells = source_cells()
    found = []
    for i, cell in enumerate(cells):
        if PHASE_CELL.match(cell):
            nxt = next(c for c in cells[i + 1:] if c)
            found.append(nxt)
    return found


def narrative_unit_lists() -> list[str]:
    return NARRATIVE_UNITS.findall(SOURCE.read_text(encoding="utf-8"))


def document_unit_names() -> set[str]:
    names: set[str] = set()
    for cell in table_unit_cells() + narrative_unit_lists():
        names.update(split_units(cell))
    return names


def read_units() -> list[dict[str, str]]:
    lines = UNITS_TSV.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "", "units.tsv must end with a newline"
    rows = [line.split("\t") for line in lines[:-1]]
    assert rows[0] == HEADER
    rows = [dict(zip(HEADER, row)) for row in rows[1:]]
    assert {r["jurisdiction"] for r in rows} == {"乐清市"}, "only the seed's jurisdiction has entries so far"
    return rows


def load(path: Path) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    return g


def concepts(g: Graph) -> list[URIRef]:
    return sorted(g.subjects(RDF.type, SKOS.Concept))


def lang_values(g: Graph, s: URIRef, p: URIRef, lang: str) -> list[str]:
    return [str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == lang]


# ---------------------------------------------------------------- source parse


def test_source_parse_finds_every_unit_cell():
    cells = table_unit_cells()
    # 32 key tasks, several split over two physical rows by page breaks.
    assert len(cells) == 39
    assert all(UNIT_LIST_CELL.match(c) for c in cells), [c for c in cells if not UNIT_LIST_CELL.match(c)]
    # Every cell that looks like a unit list is one the phase-anchored parse found.
    lookalikes = [c for c in source_cells() if UNIT_LIST_CELL.match(c)]
    assert sorted(lookalikes) == sorted(cells)
    assert len(narrative_unit_lists()) == 16


# ---------------------------------------------------------------- units.tsv


def test_units_tsv_encoding_and_layout():
    raw = UNITS_TSV.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r" not in raw, "LF line ends only"
    text = raw.decode("utf-8")
    lines = text.split("\n")
    assert lines[0] == "\t".join(HEADER)
    for n, line in enumerate(lines[:-1], start=1):
        fields = line.split("\t")
        assert len(fields) == len(HEADER), f"line {n}: {len(fields)} fields"
        for f in fields:
            assert f == f.strip(), f"line {n}: stray whitespace in {f!r}"
            assert "  " not in f and "\u3000" not in f, f"line {n}: spaces in {f!r}"


def test_units_sorted_and_unique():
    names = [r["name"] for r in read_units()]
    assert names == sorted(names)
    assert len(names) == len(set(names))


def test_every_document_unit_is_in_units_tsv():
    names = {r["name"] for r in read_units()}
    missing = document_unit_names() - names
    assert not missing, f"not in units.tsv: {sorted(missing)}"


def test_units_tsv_has_no_unit_the_document_does_not_name():
    # Only this document feeds the lexicon so far; widen when more are added.
    # The issuer (line 1 of the document) is a unit too, though no task names it.
    issuer = SOURCE.read_text(encoding="utf-8").splitlines()[0].strip()
    extra = {r["name"] for r in read_units()} - document_unit_names() - {issuer}
    assert not extra, f"not in the document: {sorted(extra)}"


def test_unit_names_are_written_as_in_the_document():
    for r in read_units():
        assert "*" not in r["name"] and "*" not in r["full_name"]
    # The Chinese curly quotes are kept exactly.
    assert "市\u201c两个健康\u201d办" in {r["name"] for r in read_units()}


def test_unit_fields():
    rows = read_units()
    names = {r["name"] for r in rows}
    seen_aliases: dict[str, str] = {}
    for r in rows:
        assert r["english"], f"{r['name']}: english name missing"
        assert r["type"], f"{r['name']}: type missing"
        if r["aliases"]:
            aliases = r["aliases"].split("|")
            assert all(aliases), f"{r['name']}: empty alias"
            for a in aliases:
                assert a != r["name"], f"{r['name']}: alias repeats the name"
                assert a not in names, f"{r['name']}: alias {a} is another unit's name"
                assert a not in seen_aliases, f"alias {a} of both {seen_aliases.get(a)} and {r['name']}"
                seen_aliases[a] = r["name"]
        if r["full_name"] and r["full_name"] != r["name"]:
            assert r["full_name"] in r["aliases"].split("|"), f"{r['name']}: full name not among aliases"


def test_unit_types_are_notations_of_the_scheme():
    g = load(UNIT_TYPES_TTL)
    notations = {str(n) for c in concepts(g) for n in g.objects(c, SKOS.notation)}
    used = {r["type"] for r in read_units()}
    assert used <= notations, f"unknown types: {sorted(used - notations)}"
    # "unclassified" is the build's type for names neither the lexicon nor the name grammar
    # knows; the other types are used by a lexicon unit or by the grammar (unit_suffixes.tsv)
    grammar = {line.split("\t")[2] for line in (ROOT / "lexicon" / "unit_suffixes.tsv").read_text(
        encoding="utf-8").splitlines()[1:] if line.count("\t") >= 2}
    assert notations - {"unclassified"} <= used | grammar, f"types nothing uses: {sorted(notations - used - grammar)}"
    assert "unclassified" not in used


# ---------------------------------------------------------------- SKOS schemes


@pytest.mark.parametrize("path,scheme", [(UNIT_TYPES_TTL, UNIT_TYPE_SCHEME), (TOPICS_TTL, TOPIC_SCHEME)])
def test_concept_scheme_is_complete(path, scheme):
    g = load(path)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    for lang in ("zh", "en"):
        assert lang_values(g, scheme, SKOS.prefLabel, lang), f"scheme prefLabel @{lang}"
    cs = concepts(g)
    assert cs
    notations = []
    for c in cs:
        nots = [str(n) for n in g.objects(c, SKOS.notation)]
        assert len(nots) == 1, f"{c}: one notation"
        notation = nots[0]
        notations.append(notation)
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", notation), notation
        assert str(c) == f"{scheme}/{notation}", f"{c}: IRI does not end in its notation"
        for lang in ("zh", "en"):
            assert len(lang_values(g, c, SKOS.prefLabel, lang)) == 1, f"{c}: one prefLabel @{lang}"
            assert lang_values(g, c, SKOS.definition, lang), f"{c}: definition @{lang}"
        assert (c, SKOS.inScheme, scheme) in g
        assert (c, SKOS.topConceptOf, scheme) in g
        assert (scheme, SKOS.hasTopConcept, c) in g
    assert len(notations) == len(set(notations))
    assert set(g.objects(scheme, SKOS.hasTopConcept)) == set(cs)


def test_topic_count():
    assert 15 <= len(concepts(load(TOPICS_TTL))) <= 20


def topic_keywords() -> dict[str, list[str]]:
    g = load(TOPICS_TTL)
    out = {}
    for c in concepts(g):
        labels = list(g.objects(c, SKOS.hiddenLabel))
        assert all(isinstance(lab, Literal) and lab.language == "zh" for lab in labels), c
        out[str(g.value(c, SKOS.notation))] = [str(lab) for lab in labels]
    return out


def test_topic_keywords_shape():
    owner: dict[str, str] = {}
    for topic, words in topic_keywords().items():
        assert 5 <= len(words) <= 15, f"{topic}: {len(words)} keywords"
        for w in words:
            assert 2 <= len(w) <= 4, f"{topic}: {w!r} is not 2-4 characters"
            assert re.fullmatch(r"[\u4e00-\u9fff]+", w), f"{topic}: {w!r} is not all Han"
            assert w not in TOO_GENERIC, f"{topic}: {w!r} is too generic"
            assert w not in owner, f"{w!r} in both {owner.get(w)} and {topic}"
            owner[w] = topic


def test_topic_keywords_are_jieba_tokens():
    jieba = pytest.importorskip("jieba")
    import logging

    jieba.setLogLevel(logging.WARNING)
    keywords = topic_keywords()
    for topic, words in keywords.items():
        for w in words:
            assert jieba.lcut(w) == [w], f"{topic}: jieba splits {w!r} into {jieba.lcut(w)}"
    # Each topic is drawn from the document: at least one keyword occurs in it.
    tokens = set(jieba.lcut(SOURCE.read_text(encoding="utf-8")))
    for topic, words in keywords.items():
        assert tokens & set(words), f"{topic}: no keyword occurs in the document"
