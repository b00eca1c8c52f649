"""Load the declarative vocabularies under ``lexicon/`` (once each).

* ``units.tsv``       — unit names as documents write them, full names, types, aliases.
* ``unit_types.ttl``  — the SKOS scheme of unit types.
* ``topics.ttl``      — the SKOS scheme of policy topics, with jieba-style keywords.
* ``places.tsv``      — place names that mark another jurisdiction's bodies.
* ``stopwords.txt``   — tokens that say nothing about what a measure is about.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from policykg.errors import LexiconError
from policykg.resources import lexicon_path

UNIT_COLUMNS = ("jurisdiction", "name", "full_name", "type", "english", "aliases")


@dataclass(frozen=True)
class UnitEntry:
    jurisdiction: str
    name: str
    full_name: str | None
    unit_type: str
    english: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    slug: str
    iri: str
    label_zh: str
    label_en: str
    keywords: tuple[str, ...]


@lru_cache(maxsize=None)
def unit_lexicon(jurisdiction: str) -> dict[str, UnitEntry]:
    """Unit name (and every alias) → its entry, for one jurisdiction only.

    The same written name is a different body in another place: 市发改局 of a
    济南 document is never 乐清's, so lookups are always scoped.
    """
    return {key: entry for key, entry in _all_entries() if entry.jurisdiction == jurisdiction}


@lru_cache(maxsize=None)
def unit_entries() -> dict[str, UnitEntry]:
    """Every written name (of any jurisdiction) → an entry: jieba's unit dictionary."""
    entries: dict[str, UnitEntry] = {}
    for key, entry in _all_entries():
        entries.setdefault(key, entry)
    return entries


@lru_cache(maxsize=None)
def _all_entries() -> tuple[tuple[str, UnitEntry], ...]:
    path = lexicon_path("units.tsv")
    entries: list[tuple[str, UnitEntry]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if tuple(reader.fieldnames or ()) != UNIT_COLUMNS:
            raise LexiconError(f"header must be {' '.join(UNIT_COLUMNS)}", path=str(path), line=1)
        for line, row in enumerate(reader, start=2):
            if not row["jurisdiction"] or not row["name"] or not row["type"]:
                raise LexiconError("every unit needs a jurisdiction, a name and a type", path=str(path), line=line)
            entry = UnitEntry(row["jurisdiction"], row["name"], row["full_name"] or None, row["type"],
                              row["english"] or None, tuple(a for a in (row["aliases"] or "").split("|") if a))
            entries += [(key, entry) for key in (entry.name, *entry.aliases)]
    return tuple(entries)


@lru_cache(maxsize=None)
def scheme_graph(name: str):
    """A SKOS scheme of ``lexicon/`` parsed once (the mapping copies it into the graph)."""
    from rdflib import Graph
    return Graph().parse(lexicon_path(name), format="turtle")


@lru_cache(maxsize=None)
def topics() -> tuple[Topic, ...]:
    """Topics of ``topics.ttl`` in notation order, with their hidden-label keywords."""
    from rdflib.namespace import SKOS

    graph = scheme_graph("topics.ttl")
    out = []
    for concept in set(graph.subjects(SKOS.inScheme, None)):
        labels = {lit.language: str(lit) for lit in graph.objects(concept, SKOS.prefLabel)}
        out.append(Topic(slug=str(graph.value(concept, SKOS.notation)), iri=str(concept),
                         label_zh=labels.get("zh", ""), label_en=labels.get("en", ""),
                         keywords=tuple(sorted(str(k) for k in graph.objects(concept, SKOS.hiddenLabel)))))
    return tuple(sorted(out, key=lambda t: t.slug))


@lru_cache(maxsize=None)
def place_names() -> frozenset[str]:
    """Place names (provinces, nearby prefectures and counties) from ``places.tsv``.

    A unit name written right after one of them (``温州市市场监管局``) is that
    place's body, not the document's own.
    """
    with lexicon_path("places.tsv").open(encoding="utf-8", newline="") as fh:
        return frozenset(row["name"] for row in csv.DictReader(fh, delimiter="\t"))


@lru_cache(maxsize=None)
def stopwords() -> frozenset[str]:
    """Tokens left out of the words that link measures to tasks, from ``stopwords.txt``.

    Data, not code, because some are one document's own subject (乐清, 民营企业:
    said of every measure of the 乐清 document, so they tell no two apart).

    >>> {"推进", "乐清"} <= stopwords()
    True
    """
    with lexicon_path("stopwords.txt").open(encoding="utf-8") as fh:
        return frozenset(word for line in fh if (word := line.split("#", 1)[0].strip()))
