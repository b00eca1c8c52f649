"""Normalise and link: canonical units and persons, phases as intervals.

The same 市发改局 must be one organisation however many tasks name it, and the
padded ``叶  茹`` and ``叶茹`` one person. Canonical names and types come from
``lexicon/units.tsv``; a name the lexicon does not know keeps its own name and
the type ``unclassified``, and the build report lists it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from policykg.ingest.lexicon import unit_lexicon
from policykg.resources import lexicon_path
from policykg.model import DocumentHeader, Extraction, Person, Phase, TaskList, Unit
from policykg.ingest.text import without_spaces

UNCLASSIFIED = "unclassified"
NATIONAL = "全国"
_PLACE = re.compile(r"^(.+?(?:省|自治区|自治州|自治县|市|县|区|旗))")
_NATIONAL_ISSUERS = ("国务院", "中共中央", "全国人民代表大会", "国家")
_RANGE = re.compile(r"^(?P<start>\d{4})年?\s*[-—–~至]\s*(?P<end>\d{4})年(底|末)?$")
_YEAR = re.compile(r"^(?P<year>\d{4})年(底|末|前|内)?$")


@dataclass(frozen=True)
class Jurisdiction:
    """An administrative area a document speaks for: its level and the area above it."""

    name: str
    level: str            # 国家 / 省 / 市 / 县
    parent: str | None


@lru_cache(maxsize=None)
def known_jurisdictions() -> dict[str, Jurisdiction]:
    """``lexicon/jurisdictions.tsv``: name → level and parent (乐清市 → 县, under 温州市)."""
    with lexicon_path("jurisdictions.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["name"]: Jurisdiction(row["name"], row["level"], row["parent"] or None)
                for row in csv.DictReader(fh, delimiter="\t")}


def jurisdiction_info(name: str) -> Jurisdiction:
    """The level (and parent, where known) of a jurisdiction named in a document.

    >>> jurisdiction_info("乐清市"), jurisdiction_info("某某县").level, jurisdiction_info("某某省").level
    (Jurisdiction(name='乐清市', level='县', parent='温州市'), '县', '省')
    """
    known = known_jurisdictions().get(name)
    if known is not None:
        return known
    level = "国家" if name == NATIONAL else "省" if name.endswith(("省", "自治区")) else \
        "市" if name.endswith(("市", "自治州", "盟")) else "县"
    return Jurisdiction(name, level, None)


def jurisdiction_chain(name: str) -> list[Jurisdiction]:
    """``乐清市`` → 乐清市, 温州市, 浙江省, 全国: the area and every area above it."""
    chain, seen = [], set()
    current: str | None = name
    while current and current not in seen:
        seen.add(current)
        info = jurisdiction_info(current)
        chain.append(info)
        current = info.parent
    return chain


def jurisdiction_of(issuer: str | None, title: str = "") -> str | None:
    """The administrative area a document speaks for, from its issuer (or title).

    >>> jurisdiction_of("乐清市人民政府办公室"), jurisdiction_of("国务院"), jurisdiction_of("山东省人民政府")
    ('乐清市', '全国', '山东省')
    >>> jurisdiction_of(None, "包头市2022年数字政府建设考评办法"), jurisdiction_of(None, "加快数字化高质量发展")
    ('包头市', None)
    """
    known = sorted(known_jurisdictions(), key=len, reverse=True)
    for text in (issuer or "", title):
        text = text.strip().removeprefix("中共")
        if text.startswith(_NATIONAL_ISSUERS):
            return NATIONAL
        if (name := next((k for k in known if text.startswith(k)), None)) is not None:
            return name
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
        from policykg.ingest.readers.unit_names import unit_type_of
        key, full_name = unit_identity(name, jurisdiction)
        return Unit(key=key, label=name, full_name=full_name, english=None,
                    unit_type=unit_type_of(name) or UNCLASSIFIED)
    return Unit(key=entry.name, label=entry.name, full_name=entry.full_name, english=entry.english,
                unit_type=entry.unit_type, aliases=entry.aliases, in_lexicon=True)


@lru_cache(maxsize=None)
def _abbreviations() -> tuple[tuple[str, str], ...]:
    """``lexicon/unit_abbreviations.tsv``: short body → full body, longest first."""
    with lexicon_path("unit_abbreviations.tsv").open(encoding="utf-8", newline="") as fh:
        pairs = [(row["short"], row["full"]) for row in csv.DictReader(fh, delimiter="\t")]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


_LEVEL_PREFIX = ("省委", "市委", "县委", "区委", "省", "市", "县", "区")


def unit_identity(name: str, jurisdiction: str | None) -> tuple[str, str | None]:
    """The key under which written names of one body merge inside a jurisdiction,
    and its full name where the jurisdiction is known.

    >>> unit_identity("市发改委", "济南市"), unit_identity("济南市发展和改革委员会", "济南市")[0]
    (('市发展和改革委员会', '济南市发展和改革委员会'), '市发展和改革委员会')
    >>> unit_identity("市发展改革委", "济南市")[0], unit_identity("省财政厅", "山东省")
    ('市发展和改革委员会', ('省财政厅', '山东省财政厅'))
    """
    body = name
    if jurisdiction and jurisdiction != NATIONAL and name.startswith(jurisdiction):
        body = jurisdiction[-1] + name[len(jurisdiction):]       # 济南市发展… → 市发展…
    prefix = next((p for p in _LEVEL_PREFIX if body.startswith(p)), "")
    rest = body[len(prefix):]
    for short, full in _abbreviations():
        if rest.endswith(short):
            rest = rest[: len(rest) - len(short)] + full
            break
    key = prefix + rest
    own = bool(prefix) and jurisdiction is not None and jurisdiction != NATIONAL and \
        jurisdiction.endswith(prefix[0])
    return key, (jurisdiction[:-1] + key if own else None)


def unit_name_forms(name: str) -> tuple[str, ...]:
    """Every way of writing the unit ``name`` stands for that the lexicon knows, ``name`` first.

    What a query's ``unit`` parameter matches (:func:`policykg.kg.query.bind_parameters`):
    the level (省, 市委 …) or the jurisdiction written before the body kept, the
    body's abbreviations and full forms from ``unit_abbreviations.tsv`` (发改委 =
    发展改革委 = 发展和改革委员会; an optional 和 is no difference), and the other
    spellings of a ``units.tsv`` entry it names. A bare level matches that level
    everywhere: 省发改委 is the 发展改革委 of every province.

    >>> unit_name_forms("省发改委")
    ('省发改委', '省发展和改革委', '省发展和改革委员会', '省发展改革委')
    >>> unit_name_forms("山东省发展改革委员会")[-1]
    '山东省发改委'
    """
    name = without_spaces(name).removeprefix("中共")
    place = next((j for j in sorted(known_jurisdictions(), key=len, reverse=True)
                  if j != NATIONAL and name.startswith(j) and len(name) > len(j)), "")
    body = name[len(place):]
    level = "" if place else next((p for p in _LEVEL_PREFIX if body.startswith(p)), "")
    rest = body[len(level):]
    head, group = rest, {""}
    flat = rest.replace("和", "")
    for short, full in _abbreviations():
        ends = next((x for x in (short, full) if flat.endswith(x.replace("和", ""))), None)
        if ends is not None:
            head = flat[: len(flat) - len(ends.replace("和", ""))]
            group = {full} | {s for s, f in _abbreviations() if f == full}
            break
    forms = {place + level + head + tail for tail in group} if group != {""} else set()
    for entry in _lexicon_entries(name):
        forms.update(f for f in (entry.name, entry.full_name, *entry.aliases) if f)
    forms.discard(name)
    return (name, *sorted(forms))


def _lexicon_entries(name: str) -> list:
    """The ``units.tsv`` entries one of whose spellings is ``name``."""
    from policykg.ingest.lexicon import unit_entries
    found = unit_entries().get(name)
    return [found] if found is not None else []


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
    task_list = extraction.task_list or TaskList()
    assignments = [t.assignment for t in task_list.tasks] + [m.assignment for m in task_list.narrative]
    assignments += [r.assignment for r in extraction.records if r.assignment is not None]
    written: dict[str, list[str]] = {}
    for assignment in assignments:
        for name in assignment.all_units:
            unit = canonical_unit(name, place)
            units.setdefault(unit.key, unit)
            if name not in written.setdefault(unit.key, []):
                written[unit.key].append(name)
    for key, unit in units.items():       # the other spellings this document uses become aliases
        others = tuple(n for n in written[key] if n != unit.label and n not in unit.aliases)
        if others:
            units[key] = replace(unit, aliases=unit.aliases + others)
    return dict(sorted(units.items()))


def collect_persons(extraction: Extraction) -> dict[str, Person]:
    written: dict[str, set[str]] = {}
    for task in (extraction.task_list or TaskList()).tasks:
        for form in (task.leadership.leader_written, task.leadership.liaison_written):
            if form:
                written.setdefault(person_name(form), set()).add(form)
    return {name: Person(key=name, name=name, written=tuple(sorted(forms)))
            for name, forms in sorted(written.items())}


def collect_phases(extraction: Extraction) -> dict[str, Phase]:
    return {t.phase_text: parse_phase(t.phase_text) for t in (extraction.task_list or TaskList()).tasks}
