"""The grammar of Chinese organisation names, driven by ``lexicon/unit_suffixes.tsv``.

A Chinese body's name ends in a word that says what kind of body it is
(…局 …委 …厅 …办 a government department, …人民政府 a government, …中心 …院 a
public institution, …公司 …集团 an enterprise, …支行 …海关 a vertically
managed agency, …管委会 a development-zone committee); a few names are told by
their beginning instead (中国人民银行…, 中铁…, 市委…部). Collective references
(各有关部门, 省有关部门, 相关市人民政府) begin with 各/有关/相关 after an optional
level word (省, 市直, 国务院 …); named groups (…成员单位) end in 单位/部门/机构.

The table's rows are data:

* ``suffix``    — a name ending in ``text`` is of ``type`` (the longest suffix wins);
* ``prefix``    — a name beginning with ``text`` is of ``type``, if it also ends in
  one of ``when_suffix`` (comma-separated; empty: any ending); checked before suffixes;
* ``level``     — words that may stand before a catch-all (省有关部门);
* ``catch_all`` — words that begin a catch-all (各, 有关, 相关 …);
* ``group``     — endings of named groups of units (…成员单位).

Everything here is linear in the length of the name, and names are capped at
:data:`MAX_NAME` characters.

>>> unit_type_of("市发展改革委")
'government-department'
>>> unit_type_of("济南、青岛、烟台市政府")
'government'
>>> unit_type_of("各市人民政府"), is_catch_all("省有关部门")
('collective-reference', True)
>>> looks_like_unit("由市政府统筹负责协调"), looks_like_unit("崂山实验室")
(False, True)
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from policykg.resources import lexicon_path
from policykg.ingest.readers.note_words import normalise

MAX_NAME = 60
#: characters that never occur in a unit name
_NOT_IN_NAME = frozenset("。！？；：:;!?，,《》〈〉【】")
#: the rule kinds of ``unit_suffixes.tsv``
KINDS = ("suffix", "prefix", "level", "catch_all", "group")
#: the type of catch-alls and named groups
COLLECTIVE = "collective-reference"


@dataclass(frozen=True)
class NameRule:
    kind: str
    text: str
    unit_type: str | None
    when_suffix: tuple[str, ...] = ()


@dataclass(frozen=True)
class NameGrammar:
    suffixes: dict[str, str]
    max_suffix: int
    prefixes: tuple[NameRule, ...]
    prefix_words: tuple[str, ...]
    levels: tuple[str, ...]
    catch_alls: tuple[str, ...]
    groups: tuple[str, ...]
    catch_all_re: re.Pattern[str]


@lru_cache(maxsize=1)
def grammar() -> NameGrammar:
    """The rules of ``lexicon/unit_suffixes.tsv``, loaded once."""
    rules: list[NameRule] = []
    with open(lexicon_path("unit_suffixes.tsv"), encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            kind = (row.get("kind") or "").strip()
            text = (row.get("text") or "").strip()
            if kind not in KINDS or not text:
                raise ValueError(f"unit_suffixes.tsv: bad row {row!r}")
            when = tuple(w for w in (row.get("when_suffix") or "").split(",") if w.strip())
            rules.append(NameRule(kind, text, (row.get("type") or "").strip() or None, when))
    suffixes = {r.text: r.unit_type for r in rules if r.kind == "suffix"}
    levels = [r.text for r in rules if r.kind == "level"]
    catch_alls = [r.text for r in rules if r.kind == "catch_all"]
    return NameGrammar(
        catch_all_re=re.compile(rf"(?:{_alt(levels)}){{0,2}}(?:{_alt(catch_alls)})"),
        prefix_words=tuple(r.text for r in rules if r.kind == "prefix"),
        suffixes=suffixes,
        max_suffix=max((len(s) for s in suffixes), default=0),
        prefixes=tuple(sorted((r for r in rules if r.kind == "prefix"), key=lambda r: -len(r.text))),
        levels=tuple(sorted((r.text for r in rules if r.kind == "level"), key=len, reverse=True)),
        catch_alls=tuple(sorted((r.text for r in rules if r.kind == "catch_all"), key=len, reverse=True)),
        groups=tuple(sorted((r.text for r in rules if r.kind == "group"), key=len, reverse=True)),
    )


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _clean(name: str) -> str:
    return name.strip().lstrip("*＊").strip()


@lru_cache(maxsize=65536)
def is_catch_all(name: str) -> bool:
    """各有关部门, 省有关部门, 相关市人民政府, 各区、市政府: a reference to units not named.

    >>> is_catch_all("有关部门和单位"), is_catch_all("市相关部门"), is_catch_all("省商务厅")
    (True, True, False)
    """
    return grammar().catch_all_re.match(_clean(name)[:MAX_NAME]) is not None


@lru_cache(maxsize=65536)
def is_group(name: str) -> bool:
    """A named group of units (…成员单位, …牵头单位) that is not a catch-all.

    >>> is_group("省十大新兴产业推进组工作专班成员单位"), is_group("省商务厅")
    (True, False)
    """
    name = _clean(name)
    return not is_catch_all(name) and name.endswith(grammar().groups)


def starts_a_name(text: str) -> bool:
    """True when ``text`` opens the way a unit's name opens: a level word (市, 省 …), a
    catch-all word (各, 有关 …) or a prefix (中国人民银行, 市委 …) — so a line that starts
    this way after a complete name is a new name, not the rest of a name cut by a line break.

    >>> starts_a_name("市税务局"), starts_a_name("会保障局"), starts_a_name("各区政府")
    (True, False, True)
    """
    g = grammar()
    return text.strip().startswith(g.levels + g.catch_alls + g.prefix_words)


@lru_cache(maxsize=4096)
def is_level_word(text: str) -> bool:
    """A level word alone or two of them (市, 区, 县, 区县), as a group lists them after a catch-all:
    「各县、市、区」.

    >>> is_level_word("市"), is_level_word("区县"), is_level_word("市政府")
    (True, True, False)
    """
    return re.fullmatch(rf"(?:{_alt(list(grammar().levels))}){{1,2}}", text.strip()) is not None


def is_collective(name: str) -> bool:
    """A catch-all or a named group: not one body."""
    return is_catch_all(name) or is_group(name)


def suffix_type(name: str) -> str | None:
    """The type its ending alone says (longest ending of ``suffix`` rows), or None."""
    g = grammar()
    for size in range(min(g.max_suffix, len(name)), 0, -1):
        found = g.suffixes.get(name[-size:])
        if found is not None:
            return found
    return None


#: 「省商务厅（省自贸办）」: a name and its other name in brackets.
_ALIAS = re.compile(r"^(?P<name>[^（(]{2,})[（(](?!含|包括|不含|除)(?P<alias>[^（()）]{2,})[）)]$")


@lru_cache(maxsize=65536)
def unit_type_of(name: str) -> str | None:
    """The unit type (a notation of ``lexicon/unit_types.ttl``) its name says, or None.

    >>> [unit_type_of(n) for n in ("人行合肥中心支行", "市委宣传部", "市委军民融合办", "济南高新区管委会")]
    ['vertical-agency', 'party-department', 'party-coordination-office', 'development-zone-committee']
    >>> unit_type_of("省市场监管局"), unit_type_of("合肥海关"), unit_type_of("持续推进")
    ('government-department', 'vertical-agency', None)
    >>> unit_type_of("省商务厅（省自贸办）"), unit_type_of("省商务厅（含下属单位）"), unit_type_of("省商务厅（试行）")
    ('government-department', None, None)
    """
    name = normalise(_clean(name))      # 繁体 suffixes (廳, 會 …) read as simplified
    if not name or len(name) > MAX_NAME:
        return None
    alias = _ALIAS.match(name)
    if alias is not None:               # a name and, in brackets, its other name: the first says the type
        outer = alias.group("name")
        return unit_type_of(outer) if unit_type_of(alias.group("alias")) is not None else None
    if is_collective(name):
        return COLLECTIVE
    g = grammar()
    if name.startswith(g.prefix_words):
        for rule in g.prefixes:
            if name.startswith(rule.text) and (not rule.when_suffix or name.endswith(rule.when_suffix)):
                return rule.unit_type
    return suffix_type(name)


@lru_cache(maxsize=65536)
def looks_like_unit(text: str) -> bool:
    """True when ``text`` reads as one organisation's name (or a catch-all / group).

    Used to tell a note's unit list from a prose parenthetical: 2 to
    :data:`MAX_NAME` characters, no sentence punctuation, and a known ending
    or beginning.

    >>> looks_like_unit("中国出口信用保险公司安徽分公司"), looks_like_unit("包括牵头单位自身")
    (True, False)
    >>> looks_like_unit("0.5分"), looks_like_unit("各省级人民政府")
    (False, True)
    """
    name = _clean(text)
    if len(name) < 2 or len(name) > MAX_NAME or any(c in _NOT_IN_NAME for c in name):
        return False
    return unit_type_of(name) is not None
