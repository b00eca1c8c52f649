"""Normalise and link: canonical units and persons, phases as intervals.

The same 市发改局 must be one organisation however many tasks name it, and the
padded ``叶  茹`` and ``叶茹`` one person. Canonical names and types come from
``lexicon/units.tsv``; a name the lexicon does not know keeps its own name and
the type ``unclassified``, and the build report lists it.
"""

from __future__ import annotations

import re

from .lexicon import unit_lexicon
from .model import DocumentHeader, Extraction, Person, Phase, Unit
from .text import without_spaces

UNCLASSIFIED = "unclassified"
NATIONAL = "全国"
_PLACE = re.compile(r"^(.+?(?:省|自治区|自治州|自治县|市|县|区|旗))")
_NATIONAL_ISSUERS = ("国务院", "中共中央", "全国人民代表大会", "国家")
_RANGE = re.compile(r"^(?P<start>\d{4})年?\s*[-—–~至]\s*(?P<end>\d{4})年(底|末)?$")
_YEAR = re.compile(r"^(?P<year>\d{4})年(底|末|前|内)?$")


def jurisdiction_of(issuer: str | None, title: str = "") -> str | None:
    """The administrative area a document speaks for, from its issuer (or title).

    >>> jurisdiction_of("乐清市人民政府办公室"), jurisdiction_of("国务院"), jurisdiction_of("山东省人民政府")
    ('乐清市', '全国', '山东省')
    >>> jurisdiction_of(None, "包头市2022年数字政府建设考评办法"), jurisdiction_of(None, "加快数字化高质量发展")
    ('包头市', None)
    """
    for text in (issuer or "", title):
        text = text.strip()
        if text.startswith(_NATIONAL_ISSUERS):
            return NATIONAL
        if (match := _PLACE.match(text)) is not None and len(match.group(1)) <= 8:
            return match.group(1)
    return None


def canonical_unit(name: str, jurisdiction: str | None) -> Unit:
    """The unit a written name stands for, in the document's jurisdiction.

    >>> canonical_unit("市发改局", "乐清市").unit_type
    'government-department'
    >>> canonical_unit("市发改局", "济南市").label
    '市发改局'
    """
    entry = unit_lexicon(jurisdiction).get(name) if jurisdiction else None
    if entry is None:
        from .readers.unit_names import unit_type_of
        return Unit(key=name, label=name, full_name=None, english=None,
                    unit_type=unit_type_of(name) or UNCLASSIFIED)
    return Unit(key=entry.name, label=entry.name, full_name=entry.full_name, english=entry.english,
                unit_type=entry.unit_type, aliases=entry.aliases, in_lexicon=True)


def document_jurisdiction(header: DocumentHeader) -> str | None:
    return jurisdiction_of(header.issuer, header.title)


def person_name(written: str) -> str:
    """``叶  茹`` → ``叶茹``: alignment padding is not part of a name."""
    return without_spaces(written)


def parse_phase(text: str) -> Phase:
    """``2023-2027年`` → 2023..2027; ``长期实施`` → open-ended.

    >>> parse_phase("2023-2027年")
    Phase(text='2023-2027年', start_year=2023, end_year=2027)
    >>> parse_phase("长期实施").ongoing
    True
    """
    flat = without_spaces(text)
    if (m := _RANGE.match(flat)) is not None:
        return Phase(flat, int(m.group("start")), int(m.group("end")))
    if (m := _YEAR.match(flat)) is not None:
        return Phase(flat, None, int(m.group("year")))
    return Phase(flat, None, None)


def collect_units(extraction: Extraction) -> dict[str, Unit]:
    """Every unit named by a task or a narrative measure, keyed by canonical name."""
    units: dict[str, Unit] = {}
    place = document_jurisdiction(extraction.header)
    assignments = [t.assignment for t in extraction.tasks] + [m.assignment for m in extraction.narrative]
    assignments += [r.assignment for r in extraction.records if r.assignment is not None]
    for assignment in assignments:
        for name in assignment.all_units:
            unit = canonical_unit(name, place)
            units.setdefault(unit.key, unit)
    return dict(sorted(units.items()))


def collect_persons(extraction: Extraction) -> dict[str, Person]:
    written: dict[str, set[str]] = {}
    for task in extraction.tasks:
        for form in (task.leadership.leader_written, task.leadership.liaison_written):
            if form:
                written.setdefault(person_name(form), set()).add(form)
    return {name: Person(key=name, name=name, written=tuple(sorted(forms)))
            for name, forms in sorted(written.items())}


def collect_phases(extraction: Extraction) -> dict[str, Phase]:
    return {t.phase_text: parse_phase(t.phase_text) for t in extraction.tasks}
